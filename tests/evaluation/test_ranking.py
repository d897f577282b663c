"""Ranks of the true class, calibration of match probabilities, confusions, and the MCC's class scores."""

from __future__ import annotations

import numpy as np
import pytest

from sldml.errors import ConfigError
from sldml.evaluation.mcc import MultiClassModule
from sldml.evaluation.ranking import calibration, class_scores, confusions, rank_summary, true_class_ranks


def test_class_scores_take_the_best_or_the_mean_of_the_k_best_references() -> None:
    scores = np.array([[0.9, 0.1, 0.2, 0.8, 0.7], [0.1, 0.2, 0.3, 0.4, 0.5]])
    labels = ["a", "a", "a", "b", "b"]
    assert class_scores(scores, labels, ["a", "b"], 1).tolist() == [[0.9, 0.8], [0.3, 0.5]]
    two = class_scores(scores, labels, ["a", "b"], 2)
    np.testing.assert_allclose(two, [[0.55, 0.75], [0.25, 0.45]])  # one lucky reference no longer decides
    assert class_scores(scores, labels, ["b", "a"], 9)[0].tolist() == pytest.approx([0.75, 0.4])  # k > members
    with pytest.raises(ConfigError, match="class 'c' has no reference"):
        class_scores(scores, labels, ["a", "c"])


def test_ties_share_their_mean_rank_so_saturation_is_not_a_win() -> None:
    scores = np.array([[1.0, 1.0, 1.0, 0.2], [0.9, 0.1, 0.3, 0.2], [0.1, 0.9, 0.3, 0.2]])
    ranks = true_class_ranks(scores, ["a", "b", "c", "d"], ["a", "a", "a"])
    assert ranks.tolist() == [2.0, 1.0, 4.0]  # tied with two others: (1 + 2 + 3) / 3
    summary = rank_summary(ranks)
    assert summary["top1"] == pytest.approx(1 / 3) and summary["top5"] == 1.0
    assert summary["mean_rank"] == pytest.approx(7 / 3) and summary["median_rank"] == 2.0
    with pytest.raises(ConfigError, match=r"true class\(es\) \['z'\]"):
        true_class_ranks(scores, ["a", "b", "c", "d"], ["a", "z", "a"])


def test_calibration_bins_and_saturation() -> None:
    p = np.array([0.05, 0.05, 0.95, 0.95, 1.0, 1.0, 0.65, 0.65])
    truth = np.array([False, False, True, False, True, False, True, True])
    result = calibration(p, truth, bins=10)
    by_low = {round(row[0], 1): row for row in result["bins"]}
    assert by_low[0.0][2:] == [2, 0.05, 0.0]
    assert by_low[0.9][2] == 4 and by_low[0.9][4] == 0.5  # the last bin holds 1.0
    assert by_low[0.6][2:] == [2, 0.65, 1.0]
    expected = (2 * 0.05 + 4 * abs(np.mean([0.95, 0.95, 1, 1]) - 0.5) + 2 * 0.35) / 8
    assert result["ece"] == pytest.approx(expected)
    assert result["at_one"] == 0.25 and result["saturated"] == 0.25
    assert result["false_match_rate"] == 0.5 and result["match_recall"] == 1.0


def test_confusions_count_wrong_answers_only() -> None:
    truth = ["a", "a", "a", "b", "b", "c"]
    answered = ["b", "b", "a", "a", "c", "c"]
    assert confusions(truth, answered) == [("a", "b", 2), ("b", "a", 1), ("b", "c", 1)]


def test_mcc_rules_break_ties_fairly_and_topk_averages() -> None:
    labels = ["a", "a", "b", "b", "c", "c"]
    g_train = np.eye(6)
    saturated = np.array([[1.0, 0.0, 1.0, 0.0, 1.0, 0.0]])  # one reference of every class at exactly 1.0
    best = MultiClassModule("best_match").fit(g_train, labels, labels)
    assert best.predict(saturated).tolist() == ["b"]  # the middle of the tied classes, not always the first
    queries = np.array([[0.99, 0.1, 0.7, 0.8, 0.0, 0.0]])
    topk = MultiClassModule("topk", top_k=2).fit(g_train, labels, labels)
    assert best.predict(queries).tolist() == ["a"] and topk.predict(queries).tolist() == ["b"]
    scores, classes = topk.scores(queries)
    assert classes == ["a", "b", "c"] and scores[0].tolist() == pytest.approx([0.545, 0.75, 0.0])
    knn_scores, knn_classes = MultiClassModule("knn").fit(g_train, labels, labels).scores(g_train[:1])
    assert knn_classes == ["a", "b", "c"] and knn_scores[0, 0] == 0.0 and knn_scores[0, 1] == -np.sqrt(2)
    svm = MultiClassModule("svm").fit(np.vstack([g_train, g_train]), labels * 2, labels)
    svm_scores, svm_classes = svm.scores(g_train)
    assert svm_classes == ["a", "b", "c"] and svm_scores.shape == (6, 3)
    assert [svm_classes[i] for i in svm_scores.argmax(1)] == labels
