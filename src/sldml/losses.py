"""SL-DML's training objective, assembled from pytorch-metric-learning.

loss = alpha * TripletMarginLoss(margin) on the pairs a MultiSimilarityMiner(epsilon) mines
     + beta * cross-entropy of the classifier on the auxiliary classes.

Both the miner and the loss measure distances with pytorch-metric-learning's default (L2 distance of unit
embeddings, cosine similarity for the miner), or, for frame-level embeddings, with :class:`SoftDTWDistance`:
the soft-DTW divergence of the unit frame sequences, divided by the number of frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch.nn.functional as F
from pytorch_metric_learning import losses, miners
from pytorch_metric_learning.distances import BaseDistance
from torch import Tensor, nn

from sldml.alignment import distance_matrix, soft_dtw_divergence


class SoftDTWDistance(BaseDistance):  # type: ignore[misc]  # pytorch-metric-learning is untyped
    """Soft-DTW divergence between frame sequences, per frame, as a pytorch-metric-learning distance.

    Embeddings arrive flattened, (B, T' * frame_dim) (see :class:`~sldml.models.net.EmbeddingNet`).

    Args:
        frame_dim: Values per frame.
        gamma: Soft minimum temperature.
    """

    def __init__(self, frame_dim: int, gamma: float = 0.1) -> None:
        super().__init__(normalize_embeddings=False, is_inverted=False)
        self.frame_dim, self.gamma = frame_dim, gamma

    def _frames(self, embeddings: Tensor) -> Tensor:
        return embeddings.reshape(len(embeddings), -1, self.frame_dim)

    def compute_mat(self, query_emb: Tensor, ref_emb: Tensor | None) -> Tensor:
        """(Q, R) divergences."""
        queries = self._frames(query_emb)
        references = queries if ref_emb is None else self._frames(ref_emb)
        matrix: Tensor = distance_matrix(queries, references, "soft_dtw_divergence", self.gamma)
        return matrix / queries.shape[1]

    def pairwise_distance(self, query_emb: Tensor, ref_emb: Tensor) -> Tensor:
        """(P,) divergences of matching rows."""
        queries = self._frames(query_emb)
        values: Tensor = soft_dtw_divergence(queries, self._frames(ref_emb), self.gamma)
        return values / queries.shape[1]


@dataclass
class LossParts:
    """The total loss and its parts, for logging."""

    total: Tensor
    triplet: Tensor
    classifier: Tensor
    mined_pairs: int


class SLDMLLoss(nn.Module):
    """alpha * triplet margin loss on mined pairs + beta * classifier cross-entropy.

    Args:
        alpha: Weight of the triplet loss.
        beta: Weight of the cross-entropy.
        margin: Triplet margin (0.1 in the paper).
        miner_epsilon: Multi-similarity miner epsilon (0.05 in the paper).
        distance: The distance of the miner and the triplet loss (default: pytorch-metric-learning's).
    """

    def __init__(
        self,
        alpha: float = 0.5,
        beta: float = 0.5,
        margin: float = 0.1,
        miner_epsilon: float = 0.05,
        distance: BaseDistance | None = None,
    ) -> None:
        super().__init__()
        self.alpha, self.beta = alpha, beta
        extra = {} if distance is None else {"distance": distance}
        self.miner = miners.MultiSimilarityMiner(epsilon=miner_epsilon, **extra)
        self.triplet = losses.TripletMarginLoss(margin=margin, **extra)

    def forward(self, embeddings: Tensor, labels: Tensor, logits: Tensor | None) -> LossParts:
        """The loss of one batch."""
        pairs = self.miner(embeddings, labels)
        triplet = self.triplet(embeddings, labels, pairs) if self.alpha else embeddings.new_zeros(())
        zero = embeddings.new_zeros(())
        classifier = F.cross_entropy(logits, labels) if self.beta and logits is not None else zero
        mined = len(pairs[0]) + len(pairs[2])  # positive + negative pairs
        return LossParts(self.alpha * triplet + self.beta * classifier, triplet, classifier, mined)
