"""Where the right class ranks, how well match probabilities are calibrated, which classes are confused.

The Siamese-LSTM's pair model can be good at its binary task (match or not) and still rank the right class
first rarely: among about 750 training references a query of UTD-MHAD meets some 26 of its own class and 720 of
others, so a 10 % false-match rate gives about 70 false matches against 23 true ones. These functions measure
that gap (numpy only; :mod:`sldml.experiments.siamese` records them per fold):

* :func:`class_scores` turns a (queries x references) score matrix into (queries x classes): a class's score is
  its best reference's (``max``), or the mean of its ``k`` best (``top``);
* :func:`true_class_ranks` gives the rank of each query's class (1 = first), ties sharing the mean of their
  ranks, so that a matrix of saturated probabilities (many references at exactly 1.0) is not read as a win;
* :func:`calibration` bins match probabilities against how often the pair really matches (reliability table,
  expected calibration error, share of saturated probabilities);
* :func:`confusions` counts the (true, answered) class pairs of the wrong answers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence as Seq
from typing import Any

import numpy as np
import numpy.typing as npt

from sldml.errors import ConfigError

Matrix = npt.NDArray[np.floating[Any]]


def class_scores(
    scores: Matrix, reference_labels: Seq[str], classes: Seq[str], top: int = 1
) -> npt.NDArray[np.float64]:
    """(queries x classes) scores: per class the mean of its ``top`` highest reference scores (1: the best).

    Args:
        scores: (queries x references) scores, higher = more alike (probabilities, log-odds, -distances).
        reference_labels: The class of each reference.
        classes: The classes, in the order of the output's columns.
        top: References per class that count (fewer where a class has fewer).

    Raises:
        ConfigError: On mismatched sizes, ``top`` below 1, or a class without references.
    """
    if top < 1:
        raise ConfigError(f"class scores: top={top}; expected at least 1")
    labels = np.asarray(reference_labels)
    if scores.ndim != 2 or scores.shape[1] != len(labels):
        raise ConfigError(f"class scores: matrix {scores.shape} for {len(labels)} references")
    out = np.empty((scores.shape[0], len(classes)), dtype=np.float64)
    for column, name in enumerate(classes):
        members = scores[:, labels == name]
        if members.shape[1] == 0:
            raise ConfigError(f"class scores: class {name!r} has no reference")
        k = min(top, members.shape[1])
        out[:, column] = -np.sort(-members, axis=1)[:, :k].mean(axis=1)
    return out


def true_class_ranks(scores: Matrix, classes: Seq[str], truth: Seq[str]) -> npt.NDArray[np.float64]:
    """Rank (1 = best) of each query's true class in its row of ``scores``; tied classes share their mean rank.

    Args:
        scores: (queries x classes), higher = better.
        classes: The column classes.
        truth: Each query's class (must be among ``classes``).

    Raises:
        ConfigError: If a query's class is not a column.
    """
    index = {name: i for i, name in enumerate(classes)}
    missing = sorted({t for t in truth if t not in index})
    if missing:
        raise ConfigError(f"ranks: true class(es) {missing} are not among the scored classes")
    own = scores[np.arange(len(truth)), [index[t] for t in truth]][:, None]
    above = (scores > own).sum(axis=1)
    tied = (scores == own).sum(axis=1)  # includes the true class itself
    ranks: npt.NDArray[np.float64] = (above + (tied + 1) / 2.0).astype(np.float64)
    return ranks


def rank_summary(ranks: npt.NDArray[np.float64]) -> dict[str, float]:
    """Top-1 share (strictly first, no tie), top-5 share, mean and median rank."""
    return {
        "top1": float(np.mean(ranks == 1.0)),
        "top5": float(np.mean(ranks <= 5.0)),
        "mean_rank": float(np.mean(ranks)),
        "median_rank": float(np.median(ranks)),
    }


def calibration(probabilities: Matrix, truth: npt.NDArray[np.bool_], bins: int = 10) -> dict[str, Any]:
    """Reliability of match probabilities: per bin the mean probability and the observed match rate.

    Args:
        probabilities: Match probabilities, any shape.
        truth: Whether each pair really matches (same shape).
        bins: Equal-width bins over [0, 1].

    Returns:
        ``bins`` (rows of low, high, pairs, mean probability, observed rate), ``ece`` (expected calibration error:
        the pair-weighted mean gap), ``saturated`` (share of probabilities at or above 0.999), ``at_one`` (share
        exactly 1.0, where ranking cannot tell references apart) and ``false_match_rate`` / ``match_recall`` at 0.5.
    """
    p = np.asarray(probabilities, dtype=np.float64).ravel()
    t = np.asarray(truth, dtype=bool).ravel()
    if p.shape != t.shape or not len(p):
        raise ConfigError(f"calibration: {p.shape} probabilities for {t.shape} truths")
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    rows, gap = [], 0.0
    for b in range(bins):
        mask = which == b
        if not mask.any():
            continue
        mean_p, rate = float(p[mask].mean()), float(t[mask].mean())
        rows.append([float(edges[b]), float(edges[b + 1]), int(mask.sum()), mean_p, rate])
        gap += mask.sum() * abs(mean_p - rate)
    return {
        "bins": rows,
        "ece": gap / len(p),
        "saturated": float(np.mean(p >= 0.999)),
        "at_one": float(np.mean(p == 1.0)),
        "false_match_rate": float(np.mean(p[~t] > 0.5)) if (~t).any() else 0.0,
        "match_recall": float(np.mean(p[t] > 0.5)) if t.any() else 0.0,
    }


def confusions(truth: Seq[str], answered: Seq[str], top: int = 10) -> list[tuple[str, str, int]]:
    """The ``top`` most frequent (true class, answered class, count) among wrong answers."""
    counts = Counter((t, a) for t, a in zip(truth, answered, strict=True) if t != a)
    return [(t, a, n) for (t, a), n in counts.most_common(top)]
