"""Start a network from a finished run's weights (``model.init=RUN``), e.g. one pre-trained on procedural classes.

Everything but the classifier is copied from the run's ``model.safetensors``: the classifier predicts the run's
own training classes, which a new run does not have, so it starts anew. A network can only start from a run of
the same architecture reading the same input, so the run's config and ``input.json`` must agree with the new
config on what shapes or feeds the network: :data:`MODEL_FIELDS`, every ``preprocess`` field, and the input's
layout and image shape. A mismatch is a :class:`~sldml.errors.ConfigError` naming the run, the field and both
values, raised before any data is loaded where the config alone decides (:func:`check_init`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import torch

from sldml.config import Config
from sldml.errors import ConfigError, DataError
from sldml.models import EmbeddingNet, backbone_options
from sldml.runs.folder import finished_run, load_run, read_input_spec, read_run_config

NONE = "none"
MODEL_FIELDS = ("backbone", "embedding_dim", "hidden_dim", "options")
"""The ``model`` fields a run and the config it starts must share (``options`` with the backbone's defaults)."""
_HEAD = "classifier."


def _mismatch(init: str, field: str, theirs: Any, ours: Any) -> ConfigError:
    return ConfigError(
        f"model.init={init}: the run has {field}={theirs!r}, this config {field}={ours!r}; a network starts only "
        f"from a run of the same architecture and input (set {field} to the run's, or choose another run)"
    )


def _run_config(init: str) -> tuple[Path, Config]:
    try:
        run_dir = finished_run(init)
        return run_dir, read_run_config(run_dir)
    except DataError as err:
        raise ConfigError(f"model.init={init}: {err}") from None


def check_init(config: Config) -> None:
    """Check that ``model.init`` names a finished run whose network this config builds and feeds the same way.

    Raises:
        ConfigError: If the run is missing, unfinished or damaged, ``model.pretrained`` is set too, or a model or
            preprocess field differs (naming the run, the field and both values).
    """
    init = config.model.init
    if init == NONE:
        return
    if config.model.pretrained != NONE:
        raise ConfigError(
            f"model.init={init} and model.pretrained={config.model.pretrained}: both choose starting weights; "
            "set one (model.pretrained=none to start from the run)"
        )
    _, theirs = _run_config(init)
    for name in MODEL_FIELDS:
        mine, other = getattr(config.model, name), getattr(theirs.model, name)
        if name == "options" and config.model.backbone == theirs.model.backbone:
            defaults = backbone_options(config.model.backbone)
            mine, other = {**defaults, **mine}, {**defaults, **other}
        if mine != other:
            raise _mismatch(init, f"model.{name}", other, mine)
    for field in dataclasses.fields(config.preprocess):
        mine, other = getattr(config.preprocess, field.name), getattr(theirs.preprocess, field.name)
        if mine != other:
            raise _mismatch(init, f"preprocess.{field.name}", other, mine)


def check_input(config: Config, spec: dict[str, Any]) -> None:
    """Check that the run ``model.init`` names read the input the new network will (layout, image shape).

    Args:
        config: The new run's config.
        spec: What the new network reads (:func:`sldml.runs.input_spec`).

    Raises:
        ConfigError: If the run read another layout or image shape (or :func:`check_init` finds a mismatch).
    """
    init = config.model.init
    if init == NONE:
        return
    check_init(config)
    run_dir, _ = _run_config(init)
    theirs = read_input_spec(run_dir)
    for key in ("layout", "image_shape"):
        if key in theirs and theirs[key] != spec[key]:  # runs before input.json existed have neither
            raise _mismatch(init, f"input {key}", theirs[key], spec[key])


def initialise(net: EmbeddingNet, config: Config, spec: dict[str, Any]) -> EmbeddingNet:
    """Copy the weights of the run ``model.init`` names into ``net``, all but the classifier.

    Args:
        net: The new network (built for ``config`` and the input ``spec``, lazy layers materialised).
        config: The new run's config.
        spec: What the new network reads (:func:`sldml.runs.input_spec`): its layout and image shape must be the
            run's.

    Returns:
        ``net``, for chaining; unchanged when ``model.init`` is ``none``.

    Raises:
        ConfigError: On any mismatch :func:`check_init` finds, another input layout or image shape, or weights
            that do not fit (naming the tensor).
    """
    init = config.model.init
    if init == NONE:
        return net
    check_input(config, spec)
    run_dir, _ = _run_config(init)
    try:
        run = load_run(run_dir)
    except DataError as err:
        raise ConfigError(f"model.init={init}: {err}") from None
    source = {k: v for k, v in run.net.state_dict().items() if not k.startswith(_HEAD)}
    target = net.state_dict()
    body = {k for k in target if not k.startswith(_HEAD)}
    if set(source) != body:
        different = sorted(set(source) ^ body)
        raise ConfigError(f"model.init={init}: the run's network has other layers ({', '.join(different[:3])} ...)")
    for key, value in source.items():
        if value.shape != target[key].shape:
            raise _mismatch(init, f"weights {key} shape", list(value.shape), list(target[key].shape))
    with torch.no_grad():
        net.load_state_dict({**target, **source})
    return net
