"""Representations: ``Sequence -> (3, H, W) float32`` images, one registry for all of them.

Importing this package imports every module in it, which registers every representation: a new one is one new
file here.
"""

from sldml.representations.compact import CompactImage, decode_compact, encode_compact
from sldml.representations.registry import (
    config_fields,
    get_representation,
    list_representations,
    parameters,
    register_representation,
    represent,
)
from sldml.resources import import_submodules

import_submodules(__name__, __path__)

__all__ = [
    "CompactImage",
    "config_fields",
    "decode_compact",
    "encode_compact",
    "get_representation",
    "list_representations",
    "parameters",
    "register_representation",
    "represent",
]
