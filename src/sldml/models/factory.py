"""Build the SL-DML network an experiment config describes."""

from __future__ import annotations

from sldml.config import Config
from sldml.models.net import EmbeddingNet
from sldml.models.registry import create_backbone


def build_net(config: Config, num_classes: int, pretrained: bool = True) -> EmbeddingNet:
    """The network of ``config.model`` with a classifier over ``num_classes`` auxiliary classes.

    Args:
        config: The experiment config.
        num_classes: Auxiliary classes (the classifier's outputs).
        pretrained: Load ``model.pretrained`` weights (``False`` when a trained run's weights follow anyway).
    """
    backbone = create_backbone(
        config.model.backbone, stem=config.model.stem, pretrained=config.model.pretrained if pretrained else "none"
    )
    return EmbeddingNet(
        backbone,
        embedding_dim=config.model.embedding_dim,
        hidden_dim=config.model.hidden_dim,
        num_classes=num_classes,
        resize=config.preprocess.resize,
    )
