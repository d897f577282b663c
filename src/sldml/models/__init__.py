"""Models: backbones behind one registry, the embedder, and the SL-DML network.

Importing this package imports every module in it, which registers every backbone: a new backbone is one new
file here.
"""

from sldml.models.factory import build_net, method_name
from sldml.models.net import Embedder, EmbeddingNet
from sldml.models.registry import (
    Backbone,
    backbone_class,
    backbone_options,
    check_options,
    create_backbone,
    list_backbones,
    register_backbone,
)
from sldml.resources import import_submodules

import_submodules(__name__, __path__)

__all__ = [
    "Backbone",
    "Embedder",
    "EmbeddingNet",
    "backbone_class",
    "backbone_options",
    "build_net",
    "check_options",
    "create_backbone",
    "list_backbones",
    "method_name",
    "register_backbone",
]
