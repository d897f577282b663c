"""Speed of the data layer: synthetic and procedural generation, reading UTD-MHAD and NTU files, compact images.

Run: .venv/bin/python benchmarks/bench_data.py   (records benchmarks/results/data.{json,md})
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from record import record

import sldml
from sldml.io import load_folder, procedural, read
from sldml.io.synthetic import generate

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def best_of(repeats: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of a few runs (seconds) and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    load = os.getloadavg()[0]  # other work on the machine slows every row alike
    rows: list[dict[str, Any]] = []
    seconds, seqs = best_of(3, lambda: generate(n_classes=20, n_subjects=8, n_trials=4))
    rows.append(
        {
            "task": "generate synthetic 20 x 8 x 4, skeleton + IMU",
            "items": len(seqs),
            "seconds": round(seconds, 3),
            "items per s": round(len(seqs) / seconds),
        }
    )
    for classes, modalities in ((1000, ("skeleton",)), (200, ("skeleton", "inertial"))):
        seconds, made = best_of(1, lambda c=classes, m=modalities: procedural.generate(c, 10, modalities=m))
        skeletons = [s for s in made if s.modality == "skeleton"]
        size = f"{np.mean([s.data.nbytes for s in skeletons]) / 1024:.0f} KB"
        rows.append(
            {
                "task": f"generate procedural {classes} classes x 10, {' + '.join(modalities)} "
                f"({size} and {np.mean([s.frames for s in skeletons]):.0f} frames a skeleton)",
                "items": len(made),
                "seconds": round(seconds, 3),
                "items per s": round(len(made) / seconds),
            }
        )
    skeleton = [s for s in seqs if s.modality == "skeleton"]
    seconds, _ = best_of(3, lambda: [sldml.represent(s, "compact", width=64) for s in skeleton])
    rows.append(
        {
            "task": "compact image, width 64 (synthetic skeletons)",
            "items": len(skeleton),
            "seconds": round(seconds, 3),
            "items per s": round(len(skeleton) / seconds),
        }
    )
    utd = DATASETS / "UTD-MHAD"
    if utd.exists():
        seconds, report = best_of(2, lambda: load_folder(utd))
        rows.append(
            {
                "task": "load_folder UTD-MHAD (861 skeleton + 861 inertial .mat)",
                "items": len(report.sequences),
                "seconds": round(seconds, 3),
                "items per s": round(len(report.sequences) / seconds),
            }
        )
    ntu = sorted((DATASETS / "NTU-RGBD-samples").glob("*.skeleton"))
    if ntu:
        seconds, _ = best_of(3, lambda: [read(p) for p in ntu])
        rows.append(
            {
                "task": "read NTU .skeleton samples (70-124 frames)",
                "items": len(ntu),
                "seconds": round(seconds, 3),
                "items per s": round(len(ntu) / seconds),
            }
        )
    record(
        "data",
        "Data layer speed",
        rows,
        f"Best of 2-3 runs (procedural: one), wall time, one process; load average {load:.1f} when it started "
        f"({os.cpu_count()} cores).",
    )


if __name__ == "__main__":
    main()
