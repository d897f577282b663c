"""The registry of backbones: feature extractors behind one contract.

A backbone is an ``nn.Module`` with ``num_features`` (the size of its output) and ``input_kind``:
``"image"`` backbones take (B, 3, H, W) representation images; ``"sequence"`` backbones (ST-GCN, LSTM)
take the sequence itself. ``forward`` returns (B, num_features). A new backbone touches ``sldml/models/``
alone: write a factory and decorate it with :func:`register_backbone`. Tests run every registered
backbone forward and backward on a tiny input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, Protocol

from torch import Tensor, nn

from sldml.errors import ConfigError
from sldml.resources import Registry

InputKind = Literal["image", "sequence"]


class Backbone(Protocol):
    """What every backbone offers (checked by the tests, not by inheritance)."""

    num_features: int
    input_kind: InputKind

    def __call__(self, x: Tensor) -> Tensor:
        """(B, ...) input to (B, num_features) features."""
        ...


Factory = Callable[..., nn.Module]
_BACKBONES: Registry[Factory] = Registry("backbone")


def register_backbone(name: str) -> Callable[[Factory], Factory]:
    """Decorator that registers a backbone factory under ``name``."""
    return _BACKBONES.decorator(name)


def list_backbones() -> list[str]:
    """Names of the registered backbones."""
    return sorted(_BACKBONES.names())


def create_backbone(name: str, **kwargs: Any) -> nn.Module:
    """Build a registered backbone.

    Raises:
        ConfigError: If the name is unknown (the message lists the valid ones) or a parameter is invalid.
    """
    factory = _BACKBONES.get(name)
    try:
        return factory(**kwargs)
    except TypeError as err:
        raise ConfigError(f"backbone {name!r}: {err}") from None
