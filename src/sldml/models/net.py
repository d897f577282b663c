"""The SL-DML network: backbone, 2-layer MLP embedder, and a classifier over the auxiliary classes."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from sldml.models.registry import Backbone


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

    With a frame-level backbone (``output_kind = "frames"``, e.g. ``tcn``) the embedder maps every frame to
    ``embedding_dim`` values, each frame is unit-normalised, and :meth:`embed` returns the frames flattened,
    (B, T' * embedding_dim), so that everything downstream handles plain vectors; :attr:`frame_dim` says how to
    unflatten them for a time-aligned distance. The classifier then reads the mean frame. A backbone that makes
    its own frames (``embeds = True``, e.g. ``frames``) gets no embedder: its frames are the embedding, as they are.

    Args:
        backbone: A registered backbone (see :mod:`sldml.models.registry`).
        embedding_dim: Embedding size (128 in the paper).
        hidden_dim: Hidden size of the embedder.
        num_classes: Auxiliary classes the classifier predicts (0: no classifier).
        resize: Resize image input to resize x resize first (the paper: 256), or ``None``.
    """

    def __init__(
        self,
        backbone: Backbone,
        embedding_dim: int = 128,
        hidden_dim: int = 256,
        num_classes: int = 0,
        resize: int | None = None,
    ) -> None:
        super().__init__()
        self.backbone = backbone
        self.own_frames = backbone.embeds
        self.embedder = None if self.own_frames else Embedder(backbone.num_features, hidden_dim, embedding_dim)
        self.classifier: nn.Module | None = None
        if num_classes > 0:
            self.classifier = nn.LazyLinear(num_classes) if self.own_frames else nn.Linear(embedding_dim, num_classes)
        self.resize = resize
        self._frame_dim: int | None = embedding_dim if backbone.output_kind == "frames" else None

    @property
    def frame_dim(self) -> int | None:
        """Values per frame of a frame-level embedding (``None``: pooled embeddings)."""
        if self._frame_dim is not None and self.own_frames:
            return self.backbone.num_features or None
        return self._frame_dim

    def embed(self, x: Tensor) -> Tensor:
        """Inputs to (B, embedding_dim) embeddings, or (B, T' * embedding_dim) unit frames (frame-level)."""
        if self.resize and x.dim() == 4:
            x = F.interpolate(x, size=(self.resize, self.resize), mode="bilinear", align_corners=False)
        features = self.backbone(x)
        if self.embedder is None:
            frames_first: Tensor = features.transpose(1, 2).reshape(len(features), -1)
            return frames_first
        if self.frame_dim is None:
            out: Tensor = self.embedder(features)
            return out
        batch, channels, frames = features.shape
        per_frame = self.embedder(features.transpose(1, 2).reshape(batch * frames, channels))
        return F.normalize(per_frame.reshape(batch, frames, -1), dim=-1).reshape(batch, -1)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor | None]:
        """Embeddings and, when there is a classifier, its logits."""
        embeddings = self.embed(x)
        if self.classifier is None:
            return embeddings, None
        pooled = embeddings if self.frame_dim is None else embeddings.reshape(len(x), -1, self.frame_dim).mean(1)
        return embeddings, self.classifier(pooled)
