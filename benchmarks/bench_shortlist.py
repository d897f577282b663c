"""How much the Recognizer's two-stage search (coarse-sequence shortlist, then exact DTW) loses against exact DTW.

Leave-one-out over every UTD-MHAD skeleton sequence (861): each sequence is a query against the other 860 as
references, with the model's exact aligned distance (DTW over frame embeddings) and with
``Recognizer.shortlisted_distances`` at several shortlist sizes. Reported per size: recall of the exact nearest
reference (is it in the shortlist), agreement of the top-1 label with exact search, leave-one-out top-1 label
accuracy, and the time per query.

Run: .venv/bin/python benchmarks/bench_shortlist.py RUN_DIR   (a skeleton run of a frame-level backbone)
Records benchmarks/results/shortlist_recall.{json,md}.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from record import record

from sldml.inference import Recognizer
from sldml.io import load_folder
from sldml.sequence import class_label

UTD = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "UTD-MHAD"
SIZES = (10, 25, 50, 100, 200)


def main(run_dir: str) -> None:
    rec = Recognizer.load(run_dir)
    skeletons = rec.prepare([s for s in load_folder(UTD).sequences if s.modality == "skeleton"])
    labels = np.array([class_label(s) for s in skeletons])
    vectors = rec.embed(skeletons)
    n = len(vectors)
    start = time.perf_counter()
    exact = rec.distances(vectors, vectors)
    exact_s = (time.perf_counter() - start) / n
    np.fill_diagonal(exact, np.inf)
    exact_nn = exact.argmin(axis=1)
    rows = [
        {
            "search": f"exact DTW over {n - 1} references",
            "nearest in shortlist %": 100.0,
            "top-1 label as exact %": 100.0,
            "leave-one-out top-1 %": round(100 * float(np.mean(labels[exact_nn] == labels)), 1),
            "ms per query": round(1000 * exact_s, 1),
        }
    ]
    for size in SIZES:
        rec.shortlist = size + 1  # the query itself is among the references and always shortlisted
        start = time.perf_counter()
        two_stage = rec.shortlisted_distances(vectors, vectors)
        seconds = (time.perf_counter() - start) / n
        np.fill_diagonal(two_stage, np.inf)
        nn = two_stage.argmin(axis=1)
        kept = np.isfinite(two_stage[np.arange(n), exact_nn])
        rows.append(
            {
                "search": f"shortlist {size}, then exact DTW",
                "nearest in shortlist %": round(100 * float(np.mean(kept)), 1),
                "top-1 label as exact %": round(100 * float(np.mean(labels[nn] == labels[exact_nn])), 1),
                "leave-one-out top-1 %": round(100 * float(np.mean(labels[nn] == labels)), 1),
                "ms per query": round(1000 * seconds, 1),
            }
        )
    record(
        "shortlist_recall",
        "Recognizer two-stage search against exact DTW (UTD-MHAD skeleton, leave-one-out)",
        rows,
        f"Model: {Path(run_dir).name} (model.backbone={rec.run.config.model.backbone}); {n} skeleton sequences, "
        f"{len(set(labels))} classes; each query against the other {n - 1}. Shortlist: the nearest references "
        f"by Euclidean distance of coarse sequences ({rec.shortlist_segments} segment means, unit length). "
        "ms per query includes the shortlist search and DTW, not the embedding.",
    )


if __name__ == "__main__":
    main(sys.argv[1])
