"""SL-DML's training objective, assembled from pytorch-metric-learning.

loss = alpha * TripletMarginLoss(margin) on the pairs a MultiSimilarityMiner(epsilon) mines
     + beta * cross-entropy of the classifier on the auxiliary classes.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch.nn.functional as F
from pytorch_metric_learning import losses, miners
from torch import Tensor, nn


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
    """

    def __init__(self, alpha: float = 0.5, beta: float = 0.5, margin: float = 0.1, miner_epsilon: float = 0.05) -> None:
        super().__init__()
        self.alpha, self.beta = alpha, beta
        self.miner = miners.MultiSimilarityMiner(epsilon=miner_epsilon)
        self.triplet = losses.TripletMarginLoss(margin=margin)

    def forward(self, embeddings: Tensor, labels: Tensor, logits: Tensor | None) -> LossParts:
        """The loss of one batch."""
        pairs = self.miner(embeddings, labels)
        triplet = self.triplet(embeddings, labels, pairs) if self.alpha else embeddings.new_zeros(())
        zero = embeddings.new_zeros(())
        classifier = F.cross_entropy(logits, labels) if self.beta and logits is not None else zero
        mined = len(pairs[0]) + len(pairs[2])  # positive + negative pairs
        return LossParts(self.alpha * triplet + self.beta * classifier, triplet, classifier, mined)
