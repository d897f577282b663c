"""Build the SL-DML network an experiment config describes."""

from __future__ import annotations

import torch

from sldml.config import Config
from sldml.models.net import EmbeddingNet
from sldml.models.registry import create_backbone


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
        layout: The input's layout name (the ``stgcn`` backbone builds its graph from its bones).
    """
    options = (
        {"norm": config.model.frame_norm, "kernel": config.model.frame_kernel}
        if config.model.backbone == "frames"
        else {}
    )
    backbone = create_backbone(
        config.model.backbone,
        stem=config.model.stem,
        pretrained=config.model.pretrained if pretrained else "none",
        layout=layout,
        **options,
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
