"""Build the SL-DML network an experiment config describes, and name what it is."""

from __future__ import annotations

import torch

from sldml.config import Config, ModelConfig
from sldml.models.net import EmbeddingNet
from sldml.models.registry import backbone_class, create_backbone


def build_net(
    config: Config,
    num_classes: int,
    pretrained: bool = True,
    input_shape: tuple[int, ...] | None = None,
    layout: str | None = None,
) -> EmbeddingNet:
    """The network of ``config.model`` with a classifier over ``num_classes`` auxiliary classes.

    Args:
        config: The experiment config.
        num_classes: Auxiliary classes (the classifier's outputs).
        pretrained: Load ``model.pretrained`` weights (``False`` when a trained run's weights follow anyway).
        input_shape: The shape of one input (e.g. (3, 20, 64)); given, the network runs once on zeros so that
            layers sized by their first input (the ``tcn`` stem) exist before an optimiser or state dict needs them.
        layout: The input's layout name (passed to backbones that read it, e.g. ``stgcn``'s graph).

    Raises:
        ConfigError: If the backbone, one of its options or the pretrained weights are invalid.
    """
    backbone = create_backbone(
        config.model.backbone,
        layout=layout,
        pretrained=config.model.pretrained if pretrained else "none",
        options=config.model.options,
    )
    net = EmbeddingNet(
        backbone,
        embedding_dim=config.model.embedding_dim,
        hidden_dim=config.model.hidden_dim,
        num_classes=num_classes,
        resize=config.preprocess.resize,
    )
    if input_shape is not None:
        net.eval()
        with torch.no_grad():
            net(torch.zeros((2, *input_shape)))
        net.train()
    return net


def method_name(model: ModelConfig) -> str:
    """What a model config trains, as results and tables name it: ``SL-DML (resnet18)``, ``aligned (frames, DTW)``.

    Backbones that declare frame-level output are compared by DTW: the time-aligned metric.

    Raises:
        ConfigError: If the backbone is not registered.
    """
    if backbone_class(model.backbone).output_kind == "frames":
        return f"aligned ({model.backbone}, DTW)"
    return f"SL-DML ({model.backbone})"
