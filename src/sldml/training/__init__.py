"""Training: the Lightning module and the run orchestration (run folder, checkpoints, results)."""

from sldml.training.run import Run, evaluate_run, load_run, train

__all__ = ["Run", "evaluate_run", "load_run", "train"]
