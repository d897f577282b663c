"""The SL-DML network: backbone, 2-layer MLP embedder, and a classifier over the auxiliary classes."""

from __future__ import annotations

from typing import cast

import torch.nn.functional as F
from torch import Tensor, nn


class Embedder(nn.Module):
    """Two fully connected layers from backbone features to the embedding (Linear-BN-ReLU-Linear)."""

    def __init__(self, in_features: int, hidden: int = 256, out_features: int = 128) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(in_features, hidden),
            nn.BatchNorm1d(hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, out_features),
        )

    def forward(self, x: Tensor) -> Tensor:
        """(B, in_features) to (B, out_features)."""
        out: Tensor = self.layers(x)
        return out


class EmbeddingNet(nn.Module):
    """backbone -> embedder -> embedding, plus a linear classifier on the embedding for the CE loss.

    Args:
        backbone: A registered backbone (see :mod:`sldml.models.registry`).
        embedding_dim: Embedding size (128 in the paper).
        hidden_dim: Hidden size of the embedder.
        num_classes: Auxiliary classes the classifier predicts (0: no classifier).
        resize: Resize image input to resize x resize first (the paper: 256), or ``None``.
    """

    def __init__(
        self,
        backbone: nn.Module,
        embedding_dim: int = 128,
        hidden_dim: int = 256,
        num_classes: int = 0,
        resize: int | None = None,
    ) -> None:
        super().__init__()
        self.backbone = backbone
        self.embedder = Embedder(cast(int, backbone.num_features), hidden_dim, embedding_dim)
        self.classifier = nn.Linear(embedding_dim, num_classes) if num_classes > 0 else None
        self.resize = resize

    def embed(self, x: Tensor) -> Tensor:
        """Inputs to (B, embedding_dim) embeddings."""
        if self.resize and x.dim() == 4:
            x = F.interpolate(x, size=(self.resize, self.resize), mode="bilinear", align_corners=False)
        out: Tensor = self.embedder(self.backbone(x))
        return out

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor | None]:
        """Embeddings and, when there is a classifier, its logits."""
        embeddings = self.embed(x)
        logits = self.classifier(embeddings) if self.classifier is not None else None
        return embeddings, logits
