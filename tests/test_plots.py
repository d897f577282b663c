from __future__ import annotations

import csv
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from sldml.errors import ConfigError
from sldml.plots import accuracy_plot, confusion_plot, umap_plot


def _fake_run(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16)) * 5
    labels = np.array(["a", "b", "c"])
    queries = np.concatenate([c + rng.normal(size=(8, 16)) for c in centres])
    np.savez(
        tmp_path / "embeddings.npz",
        reference_embeddings=centres,
        reference_labels=labels,
        query_embeddings=queries,
        query_labels=np.repeat(labels, 8),
    )
    (tmp_path / "results.json").write_text(
        '{"model": {"top1": 0.75, "labels": ["a", "b", "c"], "confusion": [[6, 2, 0], [0, 8, 0], [1, 3, 4]]}}'
    )
    return tmp_path


def test_run_plots_are_written(tmp_path: Path) -> None:
    run = _fake_run(tmp_path)
    umap_file = umap_plot(run, tmp_path / "umap.png")
    confusion_file = confusion_plot(run, tmp_path / "confusion.png")
    assert matplotlib.image.imread(umap_file).shape[:2] == (6 * 120, 7 * 120)  # figsize x dpi
    assert matplotlib.image.imread(confusion_file).shape[0] > 100


def test_accuracy_plot_needs_a_table(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"has no table\.csv"):
        accuracy_plot(tmp_path, tmp_path / "a.png")
    with (tmp_path / "table.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["cell", "group", "training classes", "paper", "mean", "std"])
        writer.writeheader()
        writer.writerow(
            {"cell": "23/4", "group": "skeleton", "training classes": 23, "paper": 92.7, "mean": 98.9, "std": 1.5}
        )
        writer.writerow(
            {"cell": "3/24", "group": "skeleton", "training classes": 3, "paper": 59.4, "mean": 60.0, "std": 2.0}
        )
    out = accuracy_plot(tmp_path, tmp_path / "a.png")
    assert matplotlib.image.imread(out).shape[:2] == (int(4.5 * 120), int(9.5 * 120))


def test_accuracy_curves_keep_every_cell_and_do_not_join_cells_of_equal_classes() -> None:
    from sldml.plots import accuracy_curves

    def row(cell: str, method: str, group: str, classes: int, paper: str, mean: float) -> dict[str, str]:
        return {
            "cell": cell, "method": method, "group": group, "training classes": str(classes),
            "paper": paper, "mean": str(mean), "std": "1.0",
        }  # fmt: skip

    rows = [
        row("wrist 21/6", "sldml", "wrist", 21, "80.4", 61.6),
        row("wrist 21/6", "aligned", "wrist", 21, "80.4", 89.3),
        row("leg 6/21", "sldml", "leg", 6, "28.3", 18.7),
        row("leg 6/21", "aligned", "leg", 6, "28.3", 72.5),
        row("wrist 6/6", "sldml", "wrist", 6, "18.8", 41.5),
        row("wrist 6/6", "aligned", "wrist", 6, "18.8", 92.6),
        row("leg 6/6", "sldml", "leg", 6, "59.7", 31.4),
        row("leg 6/6", "aligned", "leg", 6, "59.7", 84.9),
    ]
    curves = {c.label: c for c in accuracy_curves(rows)}
    assert list(curves) == ["sldml wrist", "aligned wrist", "paper wrist", "sldml leg", "aligned leg", "paper leg"]
    assert curves["aligned wrist"].x == [6, 21] and curves["aligned wrist"].y == [92.6, 89.3]
    assert curves["aligned wrist"].joined and curves["paper wrist"].y == [18.8, 80.4]
    assert curves["paper leg"].y == [28.3, 59.7] and curves["paper leg"].err is None  # both cells, once each
    assert not curves["paper leg"].joined and not curves["sldml leg"].joined
