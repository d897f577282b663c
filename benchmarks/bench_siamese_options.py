"""Issue 22: why the Siamese-LSTM's multi-class module loses to plain classifiers, and what each attempt gives.

Every variant trains the pair model of the ``siamese-utd`` experiment (``slstm-small``, 10 Hz frames with
velocities, 30 epochs) on the same two leave-one-subject-out folds (default ``subject-1`` and ``subject-2``) and
records, per fold: the multi-class accuracies (KNN, SVM, best match, mean of the k best matches), the encoder's
1-NN, the balanced pair accuracy, and the diagnosis (rank of the true class under each score, calibration of the
match probabilities, the most confused classes). No baseline classifier is trained here: their numbers on the
same folds are in ``siamese_utd.md``.

Run: .venv/bin/python benchmarks/bench_siamese_options.py [VARIANT ...] [--folds subject-1,subject-2]
[--dataset utd|hdm05] [--suffix _round2]
Records benchmarks/results/siamese_options[_hdm05][_Nfolds][SUFFIX].json / .md (``_Nfolds`` when other folds than
the default two are given; a variant is tabled only when it has finished every requested fold; ``--suffix`` keeps
an earlier record whose runs are gone). Runs in sequence
(15-40 s a fold and variant on an idle 2-core CPU; minutes when the CPU is shared). A variant's fold finished
earlier (its folder under runs/siamese-options/) is not trained again.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from record import RESULTS, record

from sldml.config import load_siamese_config
from sldml.experiments.siamese import run_siamese

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"
DATASETS = {
    "utd": ["data.dataset=utd_mhad", f"data.path={SHARED / 'UTD-MHAD'}", "train.frame_step=3"],
    "hdm05": [
        "data.dataset=hdm05",
        "data.modality=mocap",
        f"data.path={SHARED / 'HDM05-subset'}",
        "train.frame_step=12",
    ],
}
BASE = ["train.epochs=30", "train.eval_every=5", "baselines.names=[]"]
VARIANTS: dict[str, list[str]] = {
    "paper": [],
    "logit-g": ["mcc.scores=logit"],
    "balanced-pairs": ["pairs.mining=balanced"],
    "hard-pairs": ["pairs.mining=hard"],
    "classify-loss": ["train.classify_weight=1.0"],
    "normalised-inputs": ["train.orient=true", "train.scale_body=true"],
    "long-early-stop": ["train.epochs=100", "train.validation=true", "train.patience=4"],
    "classify-logit": ["train.classify_weight=1.0", "mcc.scores=logit"],
    "classify-early-stop": [
        "train.classify_weight=1.0",
        "train.epochs=100",
        "train.validation=true",
        "train.patience=4",
    ],
    # second round (the classification loss is what helped): vary around it
    "classify-2layers": ["train.classify_weight=1.0", "model.layers=2"],
    "classify-strong": ["train.classify_weight=3.0"],
    "classify-normalised": ["train.classify_weight=1.0", "train.orient=true", "train.scale_body=true"],
    "classify-long": ["train.classify_weight=1.0", "train.epochs=60"],
    # third round: weight 3 was the best of the second; more of it
    "classify-10": ["train.classify_weight=10.0"],
}
DEFAULT_FOLDS = ["subject-1", "subject-2"]
KEYS = ("mcc_knn", "mcc_svm", "mcc_best_match", "mcc_topk", "embedding_nn", "pair_balanced")


def run(variants: list[str], folds: list[str], dataset: str, extra: str = "") -> None:
    """Train every (variant, fold) not finished yet, then record the table."""
    root = Path("runs") / ("siamese-options" if dataset == "utd" else f"siamese-options-{dataset}")
    for name in variants:
        overrides = [*DATASETS[dataset], *BASE, *VARIANTS[name], f"folds=[{', '.join(folds)}]"]
        config = load_siamese_config("slstm-small", overrides)
        start = time.perf_counter()
        run_siamese(config, root / name, progress=lambda line, n=name: print(f"{n}: {line}", flush=True))
        print(f"{name}: {time.perf_counter() - start:.0f} s", flush=True)
    rows, details = [], {}
    for name in VARIANTS:
        results = {p.parent.name: json.loads(p.read_text()) for p in sorted((root / name).glob("*/results.json"))}
        results = {fold: r for fold, r in results.items() if fold in folds}
        if set(results) != set(folds):  # a mean over other folds than the table's would mislead
            continue
        row: dict[str, Any] = {"variant": name, "overrides": " ".join(VARIANTS[name]) or "(the shipped config)"}
        for key in KEYS:
            row[key] = round(100 * float(np.mean([r["final"][key] for r in results.values()])), 1)
        ranks = [r["diagnosis"]["ranks"] for r in results.values()]
        for score in ("pair probability, best reference", "pair log-odds, mean of 3 best", "MCC knn"):
            row[f"mean rank: {score}"] = round(float(np.mean([x[score]["mean_rank"] for x in ranks])), 2)
        calibrations = [r["diagnosis"]["calibration"] for r in results.values()]
        row["p >= 0.999 %"] = round(100 * float(np.mean([c["saturated"] for c in calibrations])), 1)
        row["false matches %"] = round(100 * float(np.mean([c["false_match_rate"] for c in calibrations])), 1)
        row["ECE"] = round(float(np.mean([c["ece"] for c in calibrations])), 3)
        row["epochs"] = ", ".join(str(r.get("chosen_epoch") or r["curve"][-1]["epoch"]) for r in results.values())
        row["minutes"] = round(sum(r["train_seconds"] for r in results.values()) / 60, 1)
        rows.append(row)
        details[name] = {fold: r["diagnosis"] | {"final": r["final"]} for fold, r in results.items()}
    suffix = ("" if dataset == "utd" else f"_{dataset}") + ("" if folds == DEFAULT_FOLDS else f"_{len(folds)}folds")
    suffix += extra
    path = record(
        f"siamese_options{suffix}",
        f"Siamese-LSTM on {dataset}: what each attempt gives (folds {', '.join(folds)}, mean; accuracy %)",
        rows,
        notes="mean rank: rank of the true class among all classes (1 = first; ties share their mean rank). "
        "p >= 0.999: share of test x reference match probabilities at or above 0.999 (saturated). "
        "false matches: share of non-matching pairs above 0.5. Per-fold diagnosis (ranks under every score, "
        "reliability bins, most confused classes) in the .json's `details`.",
    )
    data = json.loads(path.with_suffix(".json").read_text())
    data["details"] = details
    (RESULTS / path.with_suffix(".json").name).write_text(json.dumps(data, indent=1) + "\n")


def main(args: list[str]) -> None:
    """Parse ``[VARIANT ...] [--folds a,b] [--dataset utd|hdm05] [--suffix S]`` and run."""
    folds = DEFAULT_FOLDS
    dataset = "utd"
    extra = ""
    names: list[str] = []
    iterator = iter(args)
    for arg in iterator:
        if arg == "--folds":
            folds = next(iterator).split(",")
        elif arg == "--dataset":
            dataset = next(iterator)
        elif arg == "--suffix":
            extra = next(iterator)
        else:
            names.append(arg)
    unknown = sorted(set(names) - set(VARIANTS)) + ([dataset] if dataset not in DATASETS else [])
    if unknown:
        raise SystemExit(f"unknown variant or dataset {unknown}; variants: {', '.join(VARIANTS)}")
    run(names or list(VARIANTS), folds, dataset, extra)


if __name__ == "__main__":
    main(sys.argv[1:])
