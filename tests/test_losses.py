from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from sldml.losses import SLDMLLoss


def _loop_triplet_loss(embeddings: torch.Tensor, pairs: tuple[torch.Tensor, ...], margin: float) -> float:
    """The triplet margin loss, written out: every (anchor, positive, negative) sharing an anchor, unit-length
    embeddings, Euclidean distance, averaged over the triplets whose loss is above zero."""
    a1, p, a2, n = (t.tolist() for t in pairs)
    unit = [e / e.norm() for e in embeddings]
    losses = []
    for anchor, positive in zip(a1, p, strict=True):
        for anchor2, negative in zip(a2, n, strict=True):
            if anchor2 == anchor:
                d_ap = float((unit[anchor] - unit[positive]).norm())
                d_an = float((unit[anchor] - unit[negative]).norm())
                losses.append(max(d_ap - d_an + margin, 0.0))
    positive_losses = [v for v in losses if v > 0]
    return sum(positive_losses) / len(positive_losses) if positive_losses else 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_triplet_loss_equals_a_plain_loop_on_the_mined_pairs(seed: int) -> None:
    torch.manual_seed(seed)
    embeddings = torch.randn(9, 4)
    labels = torch.tensor([0, 0, 0, 1, 1, 1, 2, 2, 2])
    loss = SLDMLLoss(alpha=1.0, beta=0.0, margin=0.1, miner_epsilon=0.05)
    pairs = loss.miner(embeddings, labels)
    assert len(pairs[0]) > 0 and len(pairs[2]) > 0
    parts = loss(embeddings, labels, None)
    assert float(parts.triplet) == pytest.approx(_loop_triplet_loss(embeddings, pairs, 0.1), rel=1e-5)
    assert float(parts.total) == pytest.approx(float(parts.triplet))
    assert parts.mined_pairs == len(pairs[0]) + len(pairs[2])


def test_total_is_the_weighted_sum() -> None:
    torch.manual_seed(3)
    embeddings, logits = torch.randn(8, 4), torch.randn(8, 3)
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 0, 1])
    parts = SLDMLLoss(alpha=0.3, beta=0.7)(embeddings, labels, logits)
    assert float(parts.classifier) == pytest.approx(float(F.cross_entropy(logits, labels)))
    assert float(parts.total) == pytest.approx(0.3 * float(parts.triplet) + 0.7 * float(parts.classifier))
