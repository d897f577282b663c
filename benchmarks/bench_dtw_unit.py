"""How high is the non-learned bar? 1-NN DTW on raw joints against 1-NN DTW on unit image columns (issue 8).

The ``dtw_unit`` baseline compares the network's own input (every-frame hip centring, per-sensor scaling,
64 columns), each column scaled to length one. This script scores it beside ``dtw`` (FINDINGS.md's baseline)
and ``euclidean`` on UTD-MHAD: skeleton last-k splits 15/12, 7/20, 3/24; 10 random 15/12 class splits
(seed 0, the splits issue 8's target names); inertial and fused 7/20. Nothing is trained.

Run: .venv/bin/python benchmarks/bench_dtw_unit.py
Records benchmarks/results/dtw_unit_utd.{json,md}.
"""

from __future__ import annotations

from pathlib import Path

from record import record

from sldml.config import load_config
from sldml.evaluation.baselines import run_baseline
from sldml.experiments import run_random_splits
from sldml.io import load_folder
from sldml.protocols import load_protocol

ROOT = Path(__file__).resolve().parents[1]
UTD = ROOT.parent / "shared" / "datasets" / "UTD-MHAD"
NAMES = ("euclidean", "dtw", "dtw_unit")


def main() -> None:
    sequences = load_folder(UTD).sequences
    rows = []
    for modality, protocols in (
        ("skeleton", ("utd-mhad-15-12", "utd-mhad-7-20", "utd-mhad-3-24")),
        ("inertial", ("utd-mhad-7-20",)),
    ):
        chosen = [s for s in sequences if s.modality == modality]
        config = load_config("default", ["preprocess.centre=every"])
        for name in protocols:
            split = load_protocol(name).resolve({s.class_id for s in chosen if s.class_id}).split(chosen)
            scores = {b: round(100 * run_baseline(b, split, config.preprocess).top1, 1) for b in NAMES}
            rows.append({"modality": modality, "split": name, **{f"1-NN {b} %": v for b, v in scores.items()}})
    config = load_config(
        "default",
        [
            "data.dataset=utd_mhad",
            f"data.path={UTD}",
            "data.modality=skeleton",
            "protocol=utd-mhad-15-12",
            "preprocess.centre=every",
            f"evaluate.baselines=[{', '.join(NAMES)}]",
            "output_dir=/tmp/sldml-bench-dtw-unit",
        ],
    )
    summary, _ = run_random_splits(config, 10, seed=0, train_model=False)
    row = {"modality": "skeleton", "split": "10 random 15/12 (seed 0), mean +- std"}
    for b in NAMES:
        method = summary.methods[f"1-NN {b}"]
        row[f"1-NN {b} %"] = f"{100 * method.mean:.1f} +- {100 * method.std:.1f}"
    rows.append(row)
    record(
        "dtw_unit_utd",
        "Non-learned one-shot baselines on UTD-MHAD: DTW on raw joints vs DTW on unit image columns",
        rows,
        "Every-frame hip centring, per-sensor scaling, 64 columns for the image baselines; `dtw` is FINDINGS.md's "
        "1-NN DTW on the raw hip-centred joints (inertial: z-scored channels). `dtw_unit` is the bar a learned "
        "aligned metric has to clear.",
    )


if __name__ == "__main__":
    main()
