"""Plots (PNG, matplotlib): a run's embedding (UMAP) and confusion matrix, an experiment's accuracy curve.

The UMAP plot is SL-DML's Fig. 5 / 6, the accuracy against the number of training classes its Fig. 4.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sldml.errors import ConfigError
from sldml.resources import write_bytes_atomic


def _save(fig: Any, out: Path) -> None:
    """Write a figure atomically (PNG), like every file sldml writes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=120, format="png")
    write_bytes_atomic(out, buffer.getvalue())


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def umap_plot(run_dir: Path, out: Path, seed: int = 0) -> Path:
    """UMAP of a run's reference and query embeddings, coloured by class, references as black-edged stars.

    Raises:
        ConfigError: If the run has no ``embeddings.npz``.
    """
    path = run_dir / "embeddings.npz"
    if not path.is_file():
        raise ConfigError(f"{run_dir} has no embeddings.npz; is it a finished sldml run?")
    data = np.load(path, allow_pickle=False)
    vectors = np.concatenate([data["reference_embeddings"], data["query_embeddings"]])
    labels = np.concatenate([data["reference_labels"], data["query_labels"]])
    import umap  # slow to import (numba): only here

    neighbours = max(2, min(15, len(vectors) - 1))
    points = umap.UMAP(n_neighbors=neighbours, random_state=seed).fit_transform(vectors)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 6))
    classes = list(data["reference_labels"])
    colours = plt.get_cmap("tab20")(np.linspace(0, 1, max(len(classes), 2)))
    n_refs = len(data["reference_labels"])
    for index, label in enumerate(classes):
        queries = np.flatnonzero(labels[n_refs:] == label) + n_refs
        ax.scatter(points[queries, 0], points[queries, 1], s=12, color=colours[index], label=label, alpha=0.7)
        ax.scatter(points[index, 0], points[index, 1], s=220, marker="*", color=colours[index], edgecolors="black")
    ax.set_title(f"{run_dir.name}\nevaluation embeddings (stars: the one reference per class)", fontsize=9)
    ax.legend(fontsize=7, markerscale=1.5, loc="best", ncol=2 if len(classes) > 10 else 1)
    fig.tight_layout()
    _save(fig, out)
    plt.close(fig)
    return out


def confusion_plot(run_dir: Path, out: Path) -> Path:
    """The confusion matrix of a run's one-shot evaluation."""
    results = json.loads((run_dir / "results.json").read_text())
    matrix = np.asarray(results["model"]["confusion"])
    labels = results["model"]["labels"]
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(1.5 + 0.4 * len(labels), 1.2 + 0.4 * len(labels)))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for (i, j), value in np.ndenumerate(matrix):
        if value:
            ax.text(j, i, str(value), ha="center", va="center", fontsize=6)
    ax.set_title(f"top-1 {100 * results['model']['top1']:.1f} %")
    fig.tight_layout()
    _save(fig, out)
    plt.close(fig)
    return out


@dataclass
class Curve:
    """One series of the accuracy plot: a group's method (or the paper's numbers) against training classes.

    ``joined`` is False when two cells of the series have the same number of training classes (Table V's leg
    cells: 6/21 and 6/6): a line through them would suggest a trend, so they are drawn as points only.
    """

    label: str
    group: str
    x: list[int]
    y: list[float]
    err: list[float] | None
    joined: bool


def accuracy_curves(rows: list[dict[str, str]]) -> list[Curve]:
    """The series of :func:`accuracy_plot` from ``table.csv`` rows: per group, each method, then the paper."""
    curves = []
    methods = list(dict.fromkeys(r.get("method") or "sldml" for r in rows))
    for group in dict.fromkeys(r["group"] for r in rows):
        in_group = sorted((r for r in rows if r["group"] == group), key=lambda r: int(r["training classes"]))
        for method in methods:
            cells = [r for r in in_group if (r.get("method") or "sldml") == method]
            if cells:
                x = [int(r["training classes"]) for r in cells]
                y, err = [float(r["mean"]) for r in cells], [float(r["std"]) for r in cells]
                curves.append(Curve(f"{method} {group}", group, x, y, err, len(set(x)) == len(x)))
        cells = list({r["cell"]: r for r in in_group}.values())  # every cell once, whatever its methods
        if all(r["paper"] for r in cells):
            x = [int(r["training classes"]) for r in cells]
            curves.append(
                Curve(f"paper {group}", group, x, [float(r["paper"]) for r in cells], None, len(set(x)) == len(x))
            )
    return curves


def accuracy_plot(experiment_dir: Path, out: Path) -> Path:
    """Top-1 against the number of training classes, one line per group and method (the paper's dashed)."""
    table = experiment_dir / "table.csv"
    if not table.is_file():
        raise ConfigError(f"{experiment_dir} has no table.csv; run `sldml experiment` first")
    with table.open() as handle:
        rows = [r for r in csv.DictReader(handle) if r["training classes"] and r["mean"]]
    if not rows:
        raise ConfigError(f"{table}: no finished cell with a number of training classes")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9.5, 4.5))
    colours = {g: f"C{i}" for i, g in enumerate(dict.fromkeys(r["group"] for r in rows))}
    styles: dict[str, Any] = {}
    for curve in accuracy_curves(rows):
        method = curve.label.removesuffix(f" {curve.group}")
        if curve.err is None:
            style: Any = "--"
        else:
            style = styles.setdefault(method, ("-", ":", "-.", (0, (5, 1)))[len(styles) % 4])
        ax.errorbar(
            curve.x,
            curve.y,
            yerr=curve.err,
            color=colours[curve.group],
            linestyle=style if curve.joined else "none",
            marker="o" if curve.err is not None else "x",
            capsize=3,
            label=curve.label if curve.joined else f"{curve.label} (points)",
        )
    ax.set_xlabel("training (auxiliary) classes")
    ax.set_ylabel("one-shot top-1 %")
    ax.set_title(experiment_dir.name)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))  # beside the axes, never over a curve
    fig.tight_layout()
    _save(fig, out)
    plt.close(fig)
    return out


def siamese_curves_plot(curves: list[list[dict[str, float]]], out: Path) -> Path:
    """Pair accuracy and multi-class accuracy against epochs, mean over folds (the S-LSTM paper's Figs. 3-4).

    Args:
        curves: Per fold, the scored epochs of the training curve (``epoch``, ``pair_balanced``, ``mcc_*``).
        out: The PNG to write.
    """
    plt = _pyplot()
    epochs = sorted({int(point["epoch"]) for curve in curves for point in curve})
    fig, ax = plt.subplots(figsize=(6, 4))
    keys = {"pair_balanced": "S-LSTM (balanced pair accuracy)", "mcc_svm": "MCC (SVM)", "mcc_knn": "MCC (KNN)"}
    for key, title in keys.items():
        means = []
        for epoch in epochs:
            values = [p[key] for curve in curves for p in curve if int(p["epoch"]) == epoch and key in p]
            means.append(100 * float(np.mean(values)) if values else np.nan)
        ax.plot(epochs, means, marker="o", label=title)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy (%)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    _save(fig, out)
    plt.close(fig)
    return out
