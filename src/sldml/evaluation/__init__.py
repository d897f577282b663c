"""Evaluation: one-shot splits and nearest-neighbour recognition."""

from sldml.evaluation.oneshot import OneShotSplit, nearest_neighbour, one_shot_accuracy, split_one_shot

__all__ = ["OneShotSplit", "nearest_neighbour", "one_shot_accuracy", "split_one_shot"]
