"""One-shot recognition metrics: every query takes the label of its nearest reference.

Works on any distance matrix (queries x references), so the learned embedding, the image baseline and the
DTW baseline are scored by the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from sldml.distances import euclidean_distances
from sldml.errors import ConfigError
from sldml.records import Scores

FloatMatrix = npt.NDArray[np.floating[Any]]


@dataclass
class OneShotResult:
    """Scores of one evaluation.

    Attributes:
        top1: Fraction of queries whose nearest reference has their label.
        top5: Fraction whose label is among the ``k`` nearest references (``k`` = min(5, classes)).
        k: The ``k`` of ``top5``.
        per_class: Top-1 accuracy per class label.
        labels: Class labels in reference order (rows and columns of ``confusion``).
        confusion: ``confusion[i][j]``: queries of class i predicted as class j.
        queries: Number of queries.
        predictions: Predicted label per query.
    """

    top1: float
    top5: float
    k: int
    per_class: dict[str, float]
    labels: list[str]
    confusion: list[list[int]]
    queries: int
    predictions: list[str] = field(default_factory=list)

    def summary(self) -> Scores:
        """The scores as a result record (without the per-query predictions)."""
        return Scores(self.top1, self.top5, self.k, self.queries, self.per_class, self.labels, self.confusion)


def score_distances(distances: FloatMatrix, reference_labels: list[str], query_labels: list[str]) -> OneShotResult:
    """Score a (queries x references) distance matrix; one reference per class.

    Raises:
        ConfigError: On empty input, mismatched sizes, or a repeated reference label.
    """
    dist = np.asarray(distances, dtype=np.float64)
    if dist.ndim != 2 or dist.shape != (len(query_labels), len(reference_labels)):
        raise ConfigError(
            f"distance matrix of shape {dist.shape}; expected ({len(query_labels)}, {len(reference_labels)})"
        )
    if not query_labels:
        raise ConfigError("one-shot accuracy over 0 queries is undefined")
    if len(set(reference_labels)) != len(reference_labels):
        raise ConfigError("one-shot evaluation needs exactly one reference per class; a label repeats")
    refs = np.asarray(reference_labels)
    truth = np.asarray(query_labels)
    order = np.argsort(dist, axis=1, kind="stable")
    predicted = refs[order[:, 0]]
    k = min(5, len(refs))
    in_top_k = (refs[order[:, :k]] == truth[:, None]).any(axis=1)
    index = {label: i for i, label in enumerate(reference_labels)}
    confusion = np.zeros((len(refs), len(refs)), dtype=int)
    for t, p in zip(truth, predicted, strict=True):
        if t not in index:
            raise ConfigError(f"query label {t!r} has no reference")
        confusion[index[t], index[p]] += 1
    per_class = {
        label: float(confusion[i, i] / confusion[i].sum())
        for i, label in enumerate(reference_labels)
        if confusion[i].sum()
    }
    return OneShotResult(
        top1=float(np.mean(predicted == truth)),
        top5=float(np.mean(in_top_k)),
        k=k,
        per_class=per_class,
        labels=list(reference_labels),
        confusion=confusion.tolist(),
        queries=len(truth),
        predictions=predicted.tolist(),
    )


def one_shot_accuracy(
    reference_vectors: FloatMatrix, reference_labels: list[str], query_vectors: FloatMatrix, query_labels: list[str]
) -> float:
    """Top-1 accuracy of labelling each query with its nearest (Euclidean) reference's label."""
    return score_distances(euclidean_distances(reference_vectors, query_vectors), reference_labels, query_labels).top1
