"""The registry of backbones: feature extractors behind one checked contract (:class:`Backbone`).

Every backbone reads representation images (B, 3, rows, T) and is a :class:`Backbone`: it says what it returns
(``output_kind``: ``pooled`` features (B, num_features), or ``frames`` (B, num_features, T') with
T' = :meth:`Backbone.output_length` (T)), whether its frames are the embedding itself (``embeds``: no embedder
MLP after it), and whether the network is a meaningful metric before any training (``metric_untrained``:
``train.epochs=0`` is then allowed). The tests build every registered backbone and check this contract.

A new backbone touches ``sldml/models/`` alone: subclass :class:`Backbone`, decorate the class with
:func:`register_backbone`. The keyword parameters of its ``__init__`` are its options (``model.options`` in a
config, type-checked against their annotations); two names are special and filled in by :func:`create_backbone`,
never by the user's options: ``layout`` (the input's layout name, for backbones that need its topology or its
kind) and ``pretrained`` (``model.pretrained``, for backbones that can start from weights). A backbone takes only
the parameters it uses.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Literal, TypeVar

from torch import nn

from sldml.config.schema import check_value
from sldml.errors import ConfigError
from sldml.resources import Registry

OutputKind = Literal["pooled", "frames"]
_FILLED_IN = ("layout", "pretrained")


class Backbone(nn.Module):
    """The contract of every registered backbone.

    Attributes:
        output_kind: ``pooled`` (forward returns (B, num_features)) or ``frames`` (forward returns
            (B, num_features, output_length(T)) for T input columns; compared by DTW).
        embeds: The frames are the embedding as they are (no embedder MLP, no per-frame normalisation after it).
        metric_untrained: The untrained network already compares inputs meaningfully (it may be used with
            ``train.epochs=0``).
        num_features: Features per output (per frame for frame-level backbones). A backbone that sizes itself
            by its first input (``frames``) reports 0 until then.
    """

    output_kind: ClassVar[OutputKind] = "pooled"
    embeds: ClassVar[bool] = False
    metric_untrained: ClassVar[bool] = False
    num_features: int

    def output_length(self, frames: int) -> int:
        """Output frames for an input of ``frames`` columns (1 for pooled backbones)."""
        del frames
        return 1


B = TypeVar("B", bound=type[Backbone])
_BACKBONES: Registry[type[Backbone]] = Registry("backbone")


def register_backbone(name: str) -> Callable[[B], B]:
    """Class decorator that registers a :class:`Backbone` subclass under ``name``."""

    def wrap(cls: B) -> B:
        if not (isinstance(cls, type) and issubclass(cls, Backbone)):
            raise TypeError(f"backbone {name!r}: register a subclass of Backbone, not {cls!r}")
        _BACKBONES.add(name, cls)
        return cls

    return wrap


def list_backbones() -> list[str]:
    """Names of the registered backbones."""
    return sorted(_BACKBONES.names())


def backbone_class(name: str) -> type[Backbone]:
    """The class registered under ``name``.

    Raises:
        ConfigError: If the name is unknown (the message lists the valid ones).
    """
    return _BACKBONES.get(name)


def _parameters(cls: type[Backbone]) -> dict[str, inspect.Parameter]:
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    return {p.name: p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def backbone_options(name: str) -> dict[str, Any]:
    """A backbone's options (``model.options``) and their defaults."""
    return {k: p.default for k, p in _parameters(backbone_class(name)).items() if k not in _FILLED_IN}


def check_options(name: str, options: Mapping[str, Any] | None = None, pretrained: str = "none") -> dict[str, Any]:
    """A backbone's options checked by name and type (and whether it can take pretrained weights).

    Returns:
        The options, type-checked and lightly coerced (int -> float).

    Raises:
        ConfigError: If the name or an option is unknown, an option has the wrong type, or the backbone cannot
            start from pretrained weights.
    """
    cls = backbone_class(name)
    params = _parameters(cls)
    hints = typing.get_type_hints(cls.__init__)
    given = dict(options or {})
    valid = [k for k in params if k not in _FILLED_IN]
    unknown = sorted(set(given) - set(valid))
    if unknown:
        raise ConfigError(
            f"model.options: backbone {name!r} has no option {', '.join(unknown)}; valid: {', '.join(valid) or 'none'}"
        )
    if "pretrained" not in params and pretrained != "none":
        raise ConfigError(f"model.pretrained={pretrained!r}: the {name} backbone has no pretrained weights; use none")
    return {key: check_value(value, hints.get(key, Any), f"model.options.{key}") for key, value in given.items()}


def create_backbone(
    name: str, *, layout: str | None = None, pretrained: str = "none", options: Mapping[str, Any] | None = None
) -> Backbone:
    """Build a registered backbone.

    Args:
        name: The registered name.
        layout: The input's layout name (passed to backbones that take ``layout``).
        pretrained: Starting weights (passed to backbones that take ``pretrained``; others accept only ``none``).
        options: The backbone's own parameters (see :func:`backbone_options`).

    Raises:
        ConfigError: If the name or an option is unknown or invalid, or the backbone cannot start from pretrained
            weights (:func:`check_options`), or the backbone refuses a value.
    """
    kwargs = check_options(name, options, pretrained)
    params = _parameters(backbone_class(name))
    if "layout" in params:
        kwargs["layout"] = layout
    if "pretrained" in params:
        kwargs["pretrained"] = pretrained
    return backbone_class(name)(**kwargs)
