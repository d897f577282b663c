"""Issue 8's speed numbers: aligned distances in torch, and one-shot evaluation time against plain 1-NN DTW.

1. Pairs per second of soft-DTW divergence (forward + backward, a training batch of 32 x 32 pairs of the run's
   frame shape: 32 frames x 128 values for ``tcn``, 64 x 60 for ``frames`` on skeletons) and of exact DTW
   (no gradient, 4,096 pairs).
2. On the UTD-MHAD 7/20 split (617 queries x 20 references): the time of the learned model's one-shot
   distances (DTW over frame embeddings, embedding included) against the 1-NN DTW baseline on raw joints.

Run: .venv/bin/python benchmarks/bench_aligned.py RUN_DIR   (a 7/20 skeleton run of a frame-level backbone)
Records benchmarks/results/aligned_speed.{json,md} (``tcn``) or aligned_speed_<backbone>.{json,md}.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch
from record import record

from sldml.alignment import distance_matrix, dtw
from sldml.evaluation.baselines import dtw_distances
from sldml.io import load_folder
from sldml.protocols import load_protocol
from sldml.runs import embed, embedding_distances
from sldml.training import load_run

UTD = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "UTD-MHAD"


def main(run_dir: str) -> None:
    rows = []
    run = load_run(run_dir)
    frame_dim = run.net.frame_dim
    if frame_dim is None:
        raise SystemExit(f"{run_dir}: model.backbone={run.config.model.backbone} is not frame-level")
    skeletons = [s for s in load_folder(UTD).sequences if s.modality == "skeleton"]
    frames = embed(run.net, skeletons[:1], run.config).shape[1] // frame_dim
    torch.manual_seed(0)
    batch = torch.randn(32, frames, frame_dim, requires_grad=True)
    distance_matrix(batch, batch, "soft_dtw_divergence").sum().backward()  # type: ignore[no-untyped-call]  # warm up
    start = time.perf_counter()
    for _ in range(5):
        distance_matrix(batch, batch, "soft_dtw_divergence").sum().backward()  # type: ignore[no-untyped-call]
    seconds = (time.perf_counter() - start) / 5
    rows.append(
        {
            "measure": f"soft-DTW divergence, 32 x 32 batch of {frames} x {frame_dim} frames, forward + backward",
            "value": f"{1024 / seconds:.0f} pairs/s",
        }
    )
    x, y = torch.randn(4096, frames, frame_dim), torch.randn(4096, frames, frame_dim)
    start = time.perf_counter()
    dtw(x, y)
    rows.append(
        {
            "measure": "exact DTW, 4,096 pairs, no gradient",
            "value": f"{4096 / (time.perf_counter() - start):.0f} pairs/s",
        }
    )

    protocol = load_protocol("utd-mhad-7-20")
    split = protocol.resolve({s.class_id for s in skeletons if s.class_id is not None}).split(skeletons)
    start = time.perf_counter()
    references, queries = embed(run.net, split.references, run.config), embed(run.net, split.queries, run.config)
    embedding_distances(run.net, references, queries)
    learned = time.perf_counter() - start
    start = time.perf_counter()
    dtw_distances(split.references, split.queries)
    baseline = time.perf_counter() - start
    pairs = len(split.references) * len(split.queries)
    rows.append(
        {"measure": f"one-shot 7/20 ({pairs} pairs): learned, embedding + DTW over frames", "value": f"{learned:.2f} s"}
    )
    rows.append(
        {
            "measure": f"one-shot 7/20 ({pairs} pairs): 1-NN DTW baseline on raw joints (dtaidistance)",
            "value": f"{baseline:.2f} s",
        }
    )
    backbone = run.config.model.backbone
    record(
        "aligned_speed" if backbone == "tcn" else f"aligned_speed_{backbone}",
        "Aligned distances: speed on this CPU",
        rows,
        f"Model: {run.path.name} (model.backbone={backbone}, {frames} frames x {frame_dim} values); "
        f"torch threads {torch.get_num_threads()}.",
    )


if __name__ == "__main__":
    main(sys.argv[1])
