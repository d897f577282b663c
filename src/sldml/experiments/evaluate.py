"""Evaluate a trained run again: on its own protocol, or on another whose novel classes it never trained on."""

from __future__ import annotations

import os
from pathlib import Path

from sldml.datasets import load_data, one_shot_split
from sldml.errors import ConfigError, DataError
from sldml.evaluation.scoring import evaluate_split
from sldml.protocols import load_protocol
from sldml.records import OneShotResults
from sldml.runs import load_run
from sldml.sequence import Sequence, class_label


def evaluate_run(
    path: str | Path,
    protocol: str | None = None,
    checkpoint: str = "last",
    sequences: list[Sequence] | None = None,
) -> OneShotResults:
    """Evaluate a trained run one-shot, on its own protocol or another whose novel classes it never trained on.

    Writes ``evaluation-<protocol>-<checkpoint>.json`` into the run folder and returns its content.

    Raises:
        ConfigError: If the protocol's evaluation classes include classes the run trained on.
    """
    run = load_run(path, checkpoint)
    if not os.access(run.path, os.W_OK):
        raise DataError(run.path, "cannot write into the run folder (permission denied); the evaluation would be lost")
    chosen = load_protocol(protocol) if protocol else run.protocol
    if sequences is None:
        sequences, _ = load_data(run.config.data, run.config.output_dir)
    split = one_shot_split(run.config, chosen, sequences)
    seen = sorted({class_label(s) for s in split.references} & set(run.classes))
    if seen and run.config.evaluate.modality in (None, run.config.data.modality):
        raise ConfigError(
            f"protocol {chosen.name}: evaluation class(es) {', '.join(seen)} were training classes of "
            f"{run.path}; one-shot evaluation needs novel classes"
        )
    results = evaluate_split(run.net, split, run.config)
    results.protocol = chosen.name
    results.checkpoint = checkpoint if not Path(path).is_file() else str(path)
    results.write(run.path / f"evaluation-{chosen.name}-{checkpoint}.json")
    return results
