from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from sldml.errors import ConfigError
from sldml.experiments import (
    RunOptions,
    describe_experiments,
    list_kinds,
    load_experiment_file,
    named_experiments,
    run_experiment_file,
)
from sldml.experiments.generalise import write_auto_table
from sldml.experiments.tables import load_experiment, run_experiment
from sldml.io.synthetic import generate
from sldml.protocols import load_protocol
from sldml.records import OneShotResults

TINY = [
    "data.synthetic_classes=10",
    "data.synthetic_subjects=3",
    "data.synthetic_trials=2",
    "train.epochs=1",
    "train.batch_size=16",
    "train.progress=false",
    "evaluate.baselines=[euclidean]",
]


def _tiny_experiment(tmp_path: Path) -> Path:
    for name, novel in (("tiny-a", [9, 10]), ("tiny-b", [8, 9, 10])):
        (tmp_path / f"{name}.yaml").write_text(
            yaml.safe_dump({"name": name, "dataset": "synthetic", "evaluation": novel})
        )
    path = tmp_path / "tiny.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "tiny",
                "title": "Tiny",
                "config": "default",
                "overrides": TINY,
                "seeds": 2,
                "cells": [
                    {
                        "name": "8/2",
                        "group": "skeleton",
                        "classes": 8,
                        "protocol": str(tmp_path / "tiny-a.yaml"),
                        "paper": 50.0,
                    },
                    {
                        "name": "7/3",
                        "group": "skeleton",
                        "classes": 7,
                        "protocol": str(tmp_path / "tiny-b.yaml"),
                        "paper": 40.0,
                    },
                ],
            }
        )
    )
    return path


@pytest.mark.slow
def test_runner_resumes_and_writes_the_table(tmp_path: Path) -> None:
    experiment = load_experiment(str(_tiny_experiment(tmp_path)))
    out = tmp_path / "out"
    lines: list[str] = []
    run_experiment(experiment, out, seeds=1, cells=["8/2"], progress=lines.append)  # "interrupted" after one cell
    assert lines == ["8/2, seed 0: training"]
    lines.clear()
    broken = out / "tiny" / "7-3" / "seed0-20260101-000000-000000"  # a run killed in training: no finished.json
    broken.mkdir(parents=True)
    (broken / "config.yaml").write_text("name: seed0\n")
    table = run_experiment(experiment, out, seeds=1, progress=lines.append)
    assert lines[0] == "8/2, seed 0: finished earlier, skipped"
    assert lines[1].startswith(f"7/3, seed 0: not counted, trained again: {broken}: an unfinished run")
    assert lines[2:] == ["7/3, seed 0: training"]
    assert len(list((out / "tiny" / "8-2").glob("seed0-*"))) == 1  # not trained twice
    assert len(list((out / "tiny" / "7-3").glob("seed0-*/finished.json"))) == 1
    rows = list(csv.DictReader((table.with_suffix(".csv")).open()))
    assert [r["cell"] for r in rows] == ["8/2", "7/3"] and [r["seeds"] for r in rows] == ["1", "1"]
    assert [r["paper"] for r in rows] == ["50.0", "40.0"] and all(0 <= float(r["mean"]) <= 100 for r in rows)
    assert all(float(r["euclidean"]) > 0 for r in rows) and rows[0]["dtw"] == ""
    assert all(float(r["minutes"]) > 0 for r in rows)
    text = table.read_text()
    assert "| 8/2 | sldml | 50.0 |" in text and "| 7/3 | sldml | 40.0 |" in text
    hours = sum(float(r["minutes"]) for r in rows) / 60
    assert f"Time of the finished runs (training + evaluation, in sequence): {hours:.2f} h." in text


@pytest.mark.slow
def test_methods_train_into_their_own_folders_and_get_a_row_each(tmp_path: Path) -> None:
    path = _tiny_experiment(tmp_path)
    tree = yaml.safe_load(path.read_text())
    tree["methods"] = [{"name": "sldml"}, {"name": "small", "overrides": ["model.embedding_dim=8"]}]
    path.write_text(yaml.safe_dump(tree))
    experiment = load_experiment(str(path))
    out = tmp_path / "out"
    lines: list[str] = []
    table = run_experiment(experiment, out, seeds=1, cells=["8/2"], methods=["small"], progress=lines.append)
    assert lines == ["8/2, small, seed 0: training"]
    (run,) = (out / "tiny" / "8-2" / "small").glob("seed0-*")
    assert yaml.safe_load((run / "config.yaml").read_text())["model"]["embedding_dim"] == 8
    assert not list((out / "tiny" / "8-2").glob("seed0-*"))  # the sldml method did not run
    rows = list(csv.DictReader(table.with_suffix(".csv").open()))
    assert [(r["cell"], r["method"], r["seeds"]) for r in rows] == [
        ("8/2", "sldml", "0"),
        ("8/2", "small", "1"),
        ("7/3", "sldml", "0"),
        ("7/3", "small", "0"),
    ]
    assert rows[0]["euclidean"] == rows[1]["euclidean"] != ""  # the cell's baselines, from whichever run has them
    with pytest.raises(ConfigError, match="no method named"):
        run_experiment(experiment, out, seeds=1, methods=["big"])
    tree["methods"] = [{"name": "Bad Name"}]
    path.write_text(yaml.safe_dump(tree))
    with pytest.raises(ConfigError, match="method name"):
        load_experiment(str(path))


@pytest.mark.slow
def test_unknown_cell_and_experiment(tmp_path: Path) -> None:
    experiment = load_experiment(str(_tiny_experiment(tmp_path)))
    with pytest.raises(ConfigError, match="no cell named"):
        run_experiment(experiment, tmp_path, cells=["99/1"])
    shipped = "generalise-hdm05, generalise-synthetic, generalise-utd, ntu120-table2, siamese-hdm05"
    with pytest.raises(ConfigError, match=f"shipped: {shipped}"):
        load_experiment("table-9")


def test_shipped_experiments_name_shipped_protocols_and_the_papers_numbers() -> None:
    assert named_experiments() == [
        "generalise-hdm05",
        "generalise-synthetic",
        "generalise-utd",
        "ntu120-table2",
        "siamese-hdm05",
        "siamese-utd",
        "simitate-table7",
        "utd-table4",
        "utd-table5",
        "utd-table6",
        "zeroshot-ntu60",
        "zeroshot-utd",
    ]
    assert load_experiment_file("siamese-utd").kind == "siamese" and load_experiment_file("utd-table4").kind == "sldml"
    assert list_kinds() == ["auto", "siamese", "sldml", "zeroshot"]
    listed = describe_experiments()
    assert list(listed) == named_experiments()
    assert listed["utd-table5"] == "UTD-MHAD inter-joint, inertial (SL-DML Table V) (sldml)"
    table4 = load_experiment("utd-table4")
    assert len(table4.cells) == 18 and table4.seeds == 3
    assert {(c.name, c.paper) for c in table4.cells} >= {
        ("skeleton 23/4", 92.7),
        ("inertial 7/20", 41.3),
        ("fused 3/24", 44.7),
    }
    for name in (n for n in named_experiments() if load_experiment_file(n).kind in ("sldml", "auto")):
        for cell in load_experiment(name).cells:
            load_protocol(cell.protocol)  # raises if a cell names a protocol that is not shipped
    generalise = load_experiment("generalise-utd")
    assert len(generalise.cells) == 28 and generalise.config == "auto"
    random_cells = [c for c in generalise.cells if c.evaluation is not None]
    assert len(random_cells) == 10 and all(len(c.evaluation or ()) == 12 for c in random_cells)
    assert len({c.evaluation for c in random_cells}) == 10  # ten different class splits
    hdm05 = load_experiment("generalise-hdm05")
    assert all(len(c.evaluation or load_protocol(c.protocol).evaluation) == 5 for c in hdm05.cells)
    assert [c.paper for c in load_experiment("utd-table5").cells] == [80.4, 28.3, 18.8, 59.7]


def test_cells_that_share_a_folder_are_refused(tmp_path: Path) -> None:
    path = _tiny_experiment(tmp_path)
    tree = yaml.safe_load(path.read_text())
    tree["cells"][1]["name"] = "8 2"  # 8/2 and "8 2" would both write to 8-2/
    path.write_text(yaml.safe_dump(tree))
    with pytest.raises(ConfigError, match=r"cells '8 2' \(8-2\), '8/2' \(8-2\) share a folder name"):
        load_experiment(str(path))


@pytest.mark.slow
def test_auto_cells_with_their_own_novel_classes_and_the_choice_table(tmp_path: Path) -> None:
    """The ``auto`` kind: a cell lists its novel classes; the table puts the choice beside every candidate."""
    path = _tiny_experiment(tmp_path)
    tree = yaml.safe_load(path.read_text())
    tree.update(
        kind="auto",
        config="auto",
        seeds=1,
        methods=[{"name": "auto"}],
        overrides=[
            *TINY[:3],
            "train.progress=false",
            "select.candidates=[dtw-unit, dtw-none]",
            "select.episodes=20",
            "select.evaluate_all=true",
            "evaluate.baselines=[dtw]",
        ],
    )
    tree["cells"][1]["evaluation"] = [1, 2, 3]
    path.write_text(yaml.safe_dump(tree))
    table = run_experiment_file(str(path), tmp_path / "out", [], RunOptions(), lambda line: None)
    written = yaml.safe_load((tmp_path / "out" / "tiny" / "7-3" / "protocol.yaml").read_text())
    assert written["evaluation"] == [1, 2, 3] and written["auxiliary"] == "rest"
    (run,) = (tmp_path / "out" / "tiny" / "7-3" / "auto").glob("seed0-*")
    result = OneShotResults.read(run / "results.json")
    novel = sorted({s.label for s in generate(3, 1, 1, 0)})  # the synthetic labels of classes 1-3
    assert sorted(result.evaluation_classes) == novel and len(result.auxiliary_classes) == 7
    selection = result.selection
    assert selection is not None and [e["name"] for e in selection["candidates"]] == ["dtw-unit", "dtw-none"]
    assert all("test" in e for e in selection["candidates"])  # evaluate_all: both scored on the novel classes
    rows = {r["cell"]: r for r in json.loads((table.parent / "table.json").read_text())}
    row = rows["7/3"]
    assert row["auto"] == pytest.approx(100 * result.model.top1)
    assert row["dtw"] == pytest.approx(100 * result.baselines["dtw"].top1)
    assert row["best_top1"] == max(row["candidates"].values())
    assert row["chosen"] == selection["candidates"][selection["chosen"]]["name"]
    text = table.read_text()
    assert f"| 7/3 | {row['chosen']} | {row['auto']:.1f} |" in text
    assert f"{row['auto'] - row['dtw']:+.1f}" in text
    assert "auto >= 1-NN DTW in" in text and "of 2 cells" in text
    chosen = selection["candidates"][selection["chosen"]]
    assert row["margins"][row["chosen"]] == chosen["margin"] and row["tie"] == 0.01
    assert f"{row['chosen']} {100 * chosen['validation']:.1f} ({chosen['margin']:.3f})" in text
    assert "(seed 0)" not in text  # one seed: no seed in the labels
    two_seeds = write_auto_table(load_experiment(str(path)), tmp_path / "out" / "tiny", 2)
    text = two_seeds.read_text()
    assert f"| 7/3 (seed 0) | {row['chosen']} |" in text and "| 7/3 (seed 1) | not run |" in text
    assert f"7/3 (1 seed): auto {row['auto']:.1f}, 1-NN DTW {row['dtw']:.1f}" in text


def test_utd_protocols_fit_the_real_dataset(utd_dir: Path) -> None:
    from sldml.io import load_folder

    sequences = load_folder(utd_dir).sequences
    for modality in ("skeleton", "inertial"):
        data = [s for s in sequences if s.modality == modality]
        for name in (
            "utd-mhad-23-4",
            "utd-mhad-3-24",
            "utd-interjoint-wrist-21-6",
            "utd-interjoint-leg-6-21",
            "utd-interjoint-wrist-6-6",
            "utd-interjoint-leg-6-6",
            "utd-intersensor",
        ):
            protocol = load_protocol(name)
            split = protocol.split(data)
            assert len(split.references) == len(protocol.evaluation)
            assert len(split.queries) + len(split.references) == sum(s.class_id in protocol.evaluation for s in data)
    intersensor = load_protocol("utd-intersensor").split([s for s in sequences if s.modality == "inertial"])
    assert len(intersensor.auxiliary) == 861  # all classes train; another modality is evaluated


def test_ntu_and_simitate_protocols(ntu_dir: Path) -> None:
    for n in (20, 40, 60, 80):
        protocol = load_protocol(f"ntu120-oneshot-aux{n}")
        assert protocol.auxiliary is not None and len(protocol.auxiliary) == n
        assert not set(protocol.auxiliary) & set(protocol.evaluation)
        assert set(protocol.auxiliary) <= set(range(1, 121))
    simitate = load_protocol("simitate-14-12")
    classes = [f"c{i}" for i in range(22)] + ["zickzack", "mix", "close", "bring"]
    resolved = simitate.resolve(classes)
    assert len(resolved.evaluation) == 12 and resolved.evaluation[:4] == ("zickzack", "mix", "close", "bring")
    assert resolved.auxiliary is not None and len(resolved.auxiliary) == 14
    assert not set(resolved.auxiliary) & set(resolved.evaluation)
    assert resolved == simitate.resolve(reversed(classes))  # the draw depends on the seed, not on order
