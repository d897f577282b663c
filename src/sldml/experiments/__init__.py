"""Experiments: the papers' tables, random class splits, siamese and zero-shot runs, re-evaluation, the demo.

The top library layer: it runs training and evaluation and writes tables. Importing it imports every module in
it, which registers the experiment kinds (``sldml``: one-shot tables; ``auto``: the choice on auxiliary classes
in every cell; ``siamese``; ``zeroshot``): a new kind is one new file here. The experiment files themselves
(``*.yaml``) live in this folder too.
"""

from sldml.experiments.demo import run_demo
from sldml.experiments.evaluate import evaluate_run
from sldml.experiments.registry import (
    ExperimentFile,
    RunOptions,
    describe_experiments,
    list_kinds,
    load_experiment_file,
    named_experiments,
    register_kind,
    run_experiment_file,
)
from sldml.experiments.splits import run_random_splits
from sldml.resources import import_submodules

import_submodules(__name__, __path__)

__all__ = [
    "ExperimentFile",
    "RunOptions",
    "describe_experiments",
    "evaluate_run",
    "list_kinds",
    "load_experiment_file",
    "named_experiments",
    "register_kind",
    "run_demo",
    "run_experiment_file",
    "run_random_splits",
]
