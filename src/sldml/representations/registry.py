"""The registry of representations: pure numpy functions ``Sequence -> (3, H, W) float32`` image.

A new representation touches ``sldml/representations/`` alone: write the function, decorate it
with :func:`register_representation`. The contract, checked for every registered representation by
the test suite: the result is a finite float32 array of shape (3, H, W) with values in [0, 1], W
equal to the ``width`` argument, and the same input gives the same output.

A representation's keyword parameters are its options. ``width`` is every representation's; a config's
``preprocess`` section fills it, fills the other common fields a representation declares with ``reads`` (e.g.
``compact`` reads ``scale``, ``signals`` reads ``height``), and passes ``preprocess.options`` for the rest.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from sldml.errors import ConfigError
from sldml.resources import Registry
from sldml.sequence import FloatArray, Sequence

Representation = Callable[..., FloatArray]

_REPRESENTATIONS: Registry[Representation] = Registry("representation")
_READS: dict[str, tuple[str, ...]] = {}


def register_representation(name: str, reads: tuple[str, ...] = ()) -> Callable[[Representation], Representation]:
    """Decorator that registers a representation function under ``name``.

    Args:
        name: The registry name.
        reads: Common ``preprocess`` config fields besides ``width`` that fill parameters of the same name.
    """

    def wrap(fn: Representation) -> Representation:
        _REPRESENTATIONS.add(name, fn)
        _READS[name] = ("width", *reads)
        return fn

    return wrap


def config_fields(name: str) -> tuple[str, ...]:
    """The common ``preprocess`` config fields a representation reads (``width`` and its ``reads``)."""
    get_representation(name)
    return _READS[name]


def list_representations() -> list[str]:
    """Names of the registered representations."""
    return sorted(_REPRESENTATIONS.names())


def get_representation(name: str) -> Representation:
    """Look a representation up by name.

    Raises:
        ConfigError: If the name is unknown; the message lists the valid ones.
    """
    return _REPRESENTATIONS.get(name)


def parameters(name: str) -> dict[str, Any]:
    """The keyword parameters of a representation and their defaults."""
    signature = inspect.signature(get_representation(name))
    return {
        p.name: p.default
        for p in list(signature.parameters.values())[1:]
        if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    }


def represent(seq: Sequence, name: str = "compact", **params: Any) -> FloatArray:
    """Turn a sequence into the image a network sees.

    Args:
        seq: The sequence.
        name: A registered representation.
        **params: The representation's parameters (e.g. ``width``).

    Raises:
        ConfigError: If the name or a parameter is unknown; the message lists the valid ones.
        DataError: If the sequence does not suit the representation.
    """
    fn = get_representation(name)
    valid = parameters(name)
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ConfigError(
            f"representation {name!r} has no parameter {', '.join(unknown)}; valid: {', '.join(valid) or 'none'}"
        )
    image = fn(seq, **params)
    return np.ascontiguousarray(image, dtype=np.float32)
