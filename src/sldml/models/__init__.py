"""Models: backbones behind one registry, the embedder, and the SL-DML network."""

from sldml.models import frames as _frames  # noqa: F401  (import registers the backbone)
from sldml.models import lstm as _lstm  # noqa: F401  (import registers the backbone)
from sldml.models import resnet as _resnet  # noqa: F401  (import registers the backbone)
from sldml.models import stgcn as _stgcn  # noqa: F401  (import registers the backbone)
from sldml.models import tcn as _tcn  # noqa: F401  (import registers the backbone)
from sldml.models.net import Embedder, EmbeddingNet
from sldml.models.registry import create_backbone, list_backbones, register_backbone

__all__ = ["Embedder", "EmbeddingNet", "create_backbone", "list_backbones", "register_backbone"]
