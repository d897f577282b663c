"""Evaluation: one-shot metrics and the non-learned baselines."""

from sldml.distances import euclidean_distances
from sldml.evaluation.oneshot import OneShotResult, one_shot_accuracy, score_distances

__all__ = ["OneShotResult", "euclidean_distances", "one_shot_accuracy", "score_distances"]
