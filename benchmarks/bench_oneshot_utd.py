"""Issue 3's targets on UTD-MHAD skeletons, with the default config, on this machine's CPU.

1. ``seeds``: train on actions 1-23, evaluate 24-27 (reference subject 1 trial 1), 3 seeds: mean top-1
   against the paper's 92.7 % (Table IV), and the wall time of one run.
2. ``splits``: 10 random 23/4 class splits, a model trained per split, beside 1-NN DTW on the same splits.
3. ``throughput``: training samples per second of the default config and of the paper's config (256 x 256
   resize, ImageNet stem), measured in the same process, one after the other.

Run: .venv/bin/python benchmarks/bench_oneshot_utd.py [seeds] [splits] [throughput]
Records benchmarks/results/oneshot_utd_{seeds,splits}.{json,md} and training_throughput.{json,md}.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from record import record

from sldml.config import load_config
from sldml.experiments import run_random_splits
from sldml.training import train

UTD = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "UTD-MHAD"
DATA = ["data.dataset=utd_mhad", f"data.path={UTD}", "protocol=utd-mhad-23-4", "train.progress=false"]
PAPER_TABLE_IV_23_4 = 0.927


def _quiet() -> None:
    for name in ("lightning.pytorch", "lightning.fabric", "lightning"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore")


def seeds(out: Path) -> None:
    rows, top1 = [], []
    for seed in (0, 1, 2):
        start = time.perf_counter()
        run = train(load_config("default", [*DATA, f"train.seed={seed}", f"output_dir={out}"]))
        assert run is not None
        results = json.loads((run / "results.json").read_text())
        top1.append(results["model"]["top1"])
        rows.append(
            {
                "seed": seed,
                "SL-DML top-1 %": round(100 * results["model"]["top1"], 1),
                "1-NN Euclidean %": round(100 * results["baselines"]["euclidean"]["top1"], 1),
                "1-NN DTW %": round(100 * results["baselines"]["dtw"]["top1"], 1),
                "run minutes": round((time.perf_counter() - start) / 60, 2),
                "samples/s": results["train_samples_per_s"],
            }
        )
    mean = float(np.mean(top1))
    rows.append(
        {
            "seed": "mean +- std",
            "SL-DML top-1 %": f"{100 * mean:.1f} +- {100 * np.std(top1):.1f}",
            "1-NN Euclidean %": rows[0]["1-NN Euclidean %"],
            "1-NN DTW %": rows[0]["1-NN DTW %"],
            "run minutes": round(float(np.mean([r["run minutes"] for r in rows])), 2),
            "samples/s": "",
        }
    )
    verdict = "reached" if mean >= PAPER_TABLE_IV_23_4 else "NOT reached"
    record(
        "oneshot_utd_seeds",
        "UTD-MHAD skeleton 23/4 (last-k), default config, 3 seeds",
        rows,
        f"Target: mean top-1 >= 92.7 % (the paper's Table IV) and one run <= 10 minutes: {verdict} "
        f"(mean {100 * mean:.1f} %). 123 queries, reference subject 1 trial 1, final weights (no checkpoint "
        "selection on evaluation classes).",
    )


def splits(out: Path) -> None:
    config = load_config("default", [*DATA, f"output_dir={out}"])
    summary, _ = run_random_splits(config, count=10, seed=0, train_model=True)
    rows = []
    for method, stats in summary.methods.items():
        rows.append(
            {
                "method": method,
                "mean top-1 %": round(100 * stats.mean, 1),
                "std": round(100 * stats.std, 1),
                "per split %": " ".join(f"{100 * v:.0f}" for v in stats.values),
            }
        )
    [model] = [k for k in summary.methods if not k.startswith("1-NN ")]
    learned, dtw = summary.methods[model].mean, summary.methods["1-NN dtw"].mean
    splits_text = "; ".join(",".join(map(str, c)) for c in summary.novel_classes)
    record(
        "oneshot_utd_splits",
        "UTD-MHAD skeleton, 10 random 23/4 class splits (seed 0), default config",
        rows,
        f"Target: learned mean above the 1-NN DTW mean on the same splits: "
        f"{'reached' if learned > dtw else 'NOT reached'} ({100 * learned:.1f} vs {100 * dtw:.1f}). "
        f"Novel classes per split: {splits_text}.",
    )


def throughput(out: Path) -> None:
    rows = []
    for name in ("default", "paper"):
        overrides = [*DATA, "train.epochs=2", "evaluate.baselines=[]", f"output_dir={out}"]
        run = train(load_config(name, overrides))
        assert run is not None
        results = json.loads((run / "results.json").read_text())
        config = load_config(name, overrides)
        rows.append(
            {
                "config": name,
                "input": f"3x20x{config.preprocess.width}"
                + (
                    f" resized to {config.preprocess.resize}x{config.preprocess.resize}"
                    if config.preprocess.resize
                    else ""
                ),
                "stem": config.model.stem,
                "optimiser": f"{config.optim.name} {config.optim.lr:g}",
                "training samples/s": results["train_samples_per_s"],
            }
        )
    ratio = rows[0]["training samples/s"] / max(rows[1]["training samples/s"], 1e-9)
    record(
        "training_throughput",
        "Training throughput, default vs the paper's config (UTD-MHAD 23/4)",
        rows,
        f"Second of 2 epochs, batch 32, CPU, measured in one process one after the other. The default trains "
        f"{ratio:.0f}x faster per sample.",
    )


def main() -> None:
    if not UTD.exists():
        sys.exit(f"UTD-MHAD not found at {UTD}")
    _quiet()
    parts = sys.argv[1:] or ["seeds", "splits", "throughput"]
    with tempfile.TemporaryDirectory() as tmp:
        for part in parts:
            {"seeds": seeds, "splits": splits, "throughput": throughput}[part](Path(tmp) / part)


if __name__ == "__main__":
    main()
