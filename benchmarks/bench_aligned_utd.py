"""Issue 8's accuracy target, first measurements: frame-level models with an aligned metric on UTD-MHAD 7/20.

Trains each variant below once (seed 0) on actions 1-7 (skeletons) unless a finished run of it is already in
runs/issue8/, and records its one-shot top-1 on actions 8-27 beside the SL-DML paper (57.2 %), the ResNet18
image model (Table IV, 43.3 % mean of 3 seeds) and 1-NN DTW on the same split (every-frame hip centring).

Run: .venv/bin/python benchmarks/bench_aligned_utd.py
Records benchmarks/results/aligned_utd_7_20.{json,md}.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from record import record

from sldml.config import load_config
from sldml.evaluation.baselines import run_baseline
from sldml.io import load_folder
from sldml.protocols import load_protocol
from sldml.training import train

ROOT = Path(__file__).resolve().parents[1]
UTD = ROOT.parent / "shared" / "datasets" / "UTD-MHAD"
OUT = ROOT / "runs" / "issue8"
BASE = [
    "data.dataset=utd_mhad",
    f"data.path={UTD}",
    "protocol=utd-mhad-7-20",
    "model.backbone=tcn",
    "train.progress=false",
    f"output_dir={OUT}",
    "evaluate.baselines=[]",
]
CE = ["loss.alpha=0.5", "loss.beta=0.5"]
METRIC = ["loss.alpha=1", "loss.beta=0"]
VARIANTS = {
    "tcn-sdtw-7-20": [*CE, "loss.distance=soft_dtw"],
    "gamma001": [*CE, "loss.distance=soft_dtw", "loss.gamma=0.01"],
    "euclid-frames": [*CE, "loss.distance=default"],
    "centre-every": [*CE, "loss.distance=soft_dtw", "preprocess.centre=every"],
    "noaug": [*CE, "loss.distance=soft_dtw", "augment.enabled=false"],
    "ep40": [*CE, "loss.distance=soft_dtw", "train.epochs=40"],
    "metric-only": [*METRIC, "loss.distance=soft_dtw"],
    "mo-gamma001": [*METRIC, "loss.distance=soft_dtw", "loss.gamma=0.01"],
    "mo-euclid": [*METRIC, "loss.distance=default"],
    "mo-noaug": [*METRIC, "loss.distance=soft_dtw", "augment.enabled=false"],
    "mo-every": [*METRIC, "loss.distance=soft_dtw", "preprocess.centre=every"],
    "mo-dim32": [*METRIC, "loss.distance=soft_dtw", "model.embedding_dim=32"],
    "mo-margin05": [*METRIC, "loss.distance=soft_dtw", "loss.margin=0.5"],
}


def _finished(name: str) -> dict[str, Any] | None:
    for folder in sorted(OUT.glob(f"{name}-2*")):
        if (folder / "results.json").is_file():
            return dict(json.loads((folder / "results.json").read_text()))
    return None


def main() -> None:
    skeletons = [s for s in load_folder(UTD).sequences if s.modality == "skeleton"]
    config = load_config("default", BASE)
    protocol = load_protocol("utd-mhad-7-20")
    split = protocol.resolve({s.class_id for s in skeletons if s.class_id is not None}).split(skeletons)
    dtw = 100 * run_baseline("dtw", split, config.preprocess).top1
    rows = []
    for name, overrides in VARIANTS.items():
        results = _finished(name)
        if results is None:
            run = train(load_config("default", [*BASE, *overrides, f"name={name}"]), sequences=skeletons)
            assert run is not None
            results = json.loads((run / "results.json").read_text())
        top1 = 100 * results["model"]["top1"]
        rows.append(
            {
                "variant": name,
                "overrides (beside model.backbone=tcn)": " ".join(overrides),
                "top-1 %": round(top1, 1),
                "vs 1-NN DTW": f"{top1 - dtw:+.1f}",
                "vs paper (57.2)": f"{top1 - 57.2:+.1f}",
                "train s": results["train_seconds"],
            }
        )
    record(
        "aligned_utd_7_20",
        "Frame-level aligned metric on UTD-MHAD skeletons, 7/20 (issue 8), seed 0",
        rows,
        f"1-NN DTW on the same split (hip centred in every frame): {dtw:.1f} %. The ResNet18 image model (Table IV, "
        "3 seeds): 43.3 %. One seed per variant: FINDINGS.md measured 5-7 points between epochs of one run, so "
        "differences under about 5 points are not evidence. Target (issue 8): above 1-NN DTW over 3 seeds; not "
        "reached.",
    )


if __name__ == "__main__":
    main()
