"""Which frame normalisation should the `frames` backbone start from? Untrained networks on UTD-MHAD (issue 8).

An untrained ``frames`` network (``train.epochs=0``) is 1-NN DTW over normalised columns of the representation
image. This script scores each ``model.options.norm`` that way, through the product (``sldml train aligned ...
train.epochs=0``), on the cells issue 8 names (skeleton 7/20 and 3/24, inertial 7/20, fused 7/20), beside 1-NN
DTW on the raw sequence (FINDINGS.md's bar). It also scores each normalisation on the run's *auxiliary*
classes alone (each auxiliary sample's nearest sample of another subject), to see whether the training classes
could choose the normalisation without looking at the novel ones.

Run: .venv/bin/python benchmarks/bench_frames_utd.py
Records benchmarks/results/frames_utd.{json,md}.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import torch
from record import record

from sldml.config import load_config
from sldml.datasets import load_data
from sldml.runs import embed, embedding_distances
from sldml.training import load_run, train

ROOT = Path(__file__).resolve().parents[1]
UTD = ROOT.parent / "shared" / "datasets" / "UTD-MHAD"
NORMS = ("none", "unit", "centre", "centre_unit")
CELLS = (
    ("skeleton", "utd-mhad-7-20"),
    ("skeleton", "utd-mhad-3-24"),
    ("inertial", "utd-mhad-7-20"),
    ("fused", "utd-mhad-7-20"),
)


def _cross_subject_accuracy(run: Path) -> float:
    """Auxiliary classes only: how often a sample's nearest sample of another subject has its class."""
    loaded = load_run(run)
    sequences, _ = load_data(loaded.config.data)
    keys = {s.class_id for s in sequences if s.class_id is not None}
    aux = loaded.protocol.resolve(keys).split(sequences).auxiliary
    vectors = embed(loaded.net, aux, loaded.config)
    with torch.no_grad():
        distances = embedding_distances(loaded.net, vectors, vectors)
    subjects = np.array([s.subject for s in aux])
    labels = np.array([s.class_id for s in aux])
    distances[subjects[:, None] == subjects[None]] = np.inf
    return float(np.mean(labels[distances.argmin(1)] == labels))


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as out:
        for modality, protocol in CELLS:
            row: dict[str, object] = {"modality": modality, "split": protocol}
            for norm in NORMS:
                config = load_config(
                    "aligned",
                    [
                        "data.dataset=utd_mhad",
                        f"data.path={UTD}",
                        f"data.modality={modality}",
                        f"protocol={protocol}",
                        f"model.options.norm={norm}",
                        "train.epochs=0",
                        "train.progress=false",
                        "evaluate.baselines=[dtw]" if norm == "none" else "evaluate.baselines=[]",
                        f"output_dir={out}",
                    ],
                )
                run = train(config)
                assert run is not None
                results = json.loads((run / "results.json").read_text())
                if norm == "none":
                    row["1-NN DTW raw %"] = round(100 * results["baselines"]["dtw"]["top1"], 1)
                row[f"{norm} %"] = round(100 * results["model"]["top1"], 1)
                row[f"{norm} aux x-subj %"] = round(100 * _cross_subject_accuracy(run), 1)
            auto = "unit" if modality == "skeleton" else "centre"
            row["auto"] = f"{auto}: {row[f'{auto} %']}"
            rows.append(row)
            print(row, flush=True)
    record(
        "frames_utd",
        "Untrained `frames` networks on UTD-MHAD: 1-NN DTW over normalised image columns, by model.options.norm",
        rows,
        "Every-frame hip centring, per-sensor scaling, 64 columns (the `aligned` config), `train.epochs=0`. "
        "`<norm> %`: one-shot top-1 on the novel classes; `<norm> aux x-subj %`: the auxiliary classes alone, each "
        "sample's nearest sample of another subject. `auto` (the default) is `unit` when every row is a 3-D point "
        "and `centre` otherwise.",
    )


if __name__ == "__main__":
    main()
