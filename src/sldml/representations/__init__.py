"""Representations: ``Sequence -> (3, H, W) float32`` images, one registry for all of them."""

from sldml.representations import compact as _compact  # noqa: F401  (import registers it)
from sldml.representations import signals as _signals  # noqa: F401
from sldml.representations.compact import CompactImage, decode_compact, encode_compact
from sldml.representations.registry import (
    get_representation,
    list_representations,
    parameters,
    register_representation,
    represent,
)

__all__ = [
    "CompactImage",
    "decode_compact",
    "encode_compact",
    "get_representation",
    "list_representations",
    "parameters",
    "register_representation",
    "represent",
]
