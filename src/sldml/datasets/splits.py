"""A config's one-shot split: the protocol applied to the data, with inter-sensor evaluation in another modality."""

from __future__ import annotations

import dataclasses

from sldml.config import Config
from sldml.datasets.sources import load_data
from sldml.errors import ConfigError
from sldml.protocols import OneShotSplit, Protocol
from sldml.sequence import Sequence


def one_shot_split(config: Config, protocol: Protocol, sequences: list[Sequence]) -> OneShotSplit:
    """The protocol's split; with ``evaluate.modality`` set, references and queries of that other modality.

    Raises:
        ConfigError: If a protocol that trains on every class (``auxiliary: all``) is used without another
            evaluation modality, or the protocol does not fit the data.
    """
    other = config.evaluate.modality
    if other is None or other == config.data.modality:
        if protocol.auxiliary_all:
            raise ConfigError(
                f"protocol {protocol.name}: 'auxiliary: all' trains on the evaluation classes; it is "
                "only for inter-sensor runs with evaluate.modality set to another modality"
            )
        return protocol.split(sequences)
    evaluation, _ = load_data(dataclasses.replace(config.data, modality=other), config.output_dir)
    train_split, eval_split = protocol.split(sequences), protocol.split(evaluation)
    return OneShotSplit(train_split.auxiliary, eval_split.references, eval_split.queries)
