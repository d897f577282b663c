"""Zero-shot heads over visual features and class-text embeddings: DeViSE and the Relation Network.

Both score every (sample, class) pair, (B, C), from visual features v (B, D) and class embeddings t (C, E);
both read unit-normalised v and t (the zero-shot paper's setting).

* :class:`DeViSE` (Frome et al. 2013): a linear projection M of v into the text space; score = t . (M v);
  trained with the hinge rank loss :func:`devise_rank_loss`.
* :class:`RelationNet` (Sung et al. 2018): an attribute network (2 fully connected layers, ReLU) maps t to the
  visual feature size; a relation network (2 fully connected layers, sigmoid output) scores the concatenation
  [v, f(t)]; trained with :func:`relation_mse` against 1 for the true class and 0 for the others.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sldml.errors import ConfigError


def _check(visual: Tensor, text: Tensor, visual_dim: int, text_dim: int) -> None:
    if visual.dim() != 2 or visual.shape[1] != visual_dim or text.dim() != 2 or text.shape[1] != text_dim:
        raise ConfigError(
            f"zero-shot head: visual {tuple(visual.shape)}, text {tuple(text.shape)}; "
            f"expected (B, {visual_dim}) and (C, {text_dim})"
        )


class DeViSE(nn.Module):
    """score(v, t) = t . (M v), with M a linear projection (no bias) from visual to text space.

    Args:
        visual_dim: Size of the visual features (256 for ST-GCN).
        text_dim: Size of the class embeddings (384 for all-MiniLM-L6-v2).
    """

    def __init__(self, visual_dim: int, text_dim: int) -> None:
        super().__init__()
        self.visual_dim, self.text_dim = visual_dim, text_dim
        self.projection = nn.Linear(visual_dim, text_dim, bias=False)

    def forward(self, visual: Tensor, text: Tensor) -> Tensor:
        """(B, C) scores of unit-normalised visual features against unit-normalised class embeddings."""
        _check(visual, text, self.visual_dim, self.text_dim)
        out: Tensor = self.projection(F.normalize(visual, dim=1)) @ F.normalize(text, dim=1).T
        return out


def devise_rank_loss(scores: Tensor, labels: Tensor, margin: float = 0.1) -> Tensor:
    """Hinge rank loss: mean over samples of sum_{j != y} max(0, margin - s_y + s_j).

    Args:
        scores: (B, C) scores.
        labels: (B,) true class indices.
        margin: The margin (0.1 in the paper).
    """
    true = scores.gather(1, labels[:, None])
    hinge = (margin - true + scores).clamp_min(0)
    hinge = hinge.masked_fill(F.one_hot(labels, scores.shape[1]).bool(), 0.0)
    return hinge.sum(1).mean()


class RelationNet(nn.Module):
    """Learned similarity of a visual feature and a class embedding, in (0, 1).

    Args:
        visual_dim: Size of the visual features.
        text_dim: Size of the class embeddings.
        hidden: Hidden size of the attribute and relation networks.
    """

    def __init__(self, visual_dim: int, text_dim: int, hidden: int = 512) -> None:
        super().__init__()
        self.visual_dim, self.text_dim = visual_dim, text_dim
        self.attribute = nn.Sequential(
            nn.Linear(text_dim, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, visual_dim), nn.ReLU(inplace=True)
        )
        self.relation = nn.Sequential(nn.Linear(2 * visual_dim, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, 1))

    def forward(self, visual: Tensor, text: Tensor) -> Tensor:
        """(B, C) relation scores of every sample with every class."""
        _check(visual, text, self.visual_dim, self.text_dim)
        v = F.normalize(visual, dim=1)
        t = self.attribute(F.normalize(text, dim=1))
        pairs = torch.cat([v[:, None, :].expand(-1, len(t), -1), t[None, :, :].expand(len(v), -1, -1)], dim=2)
        out: Tensor = torch.sigmoid(self.relation(pairs).squeeze(-1))
        return out


def relation_mse(scores: Tensor, labels: Tensor, balance: bool = False) -> Tensor:
    """Squared error of (B, C) relation scores against 1 for each sample's class and 0 for the others.

    Args:
        scores: (B, C) relation scores.
        labels: (B,) true class indices.
        balance: False: the plain mean over all B x C pairs (the paper). True: the mean over the B matching pairs
            plus the mean over the B (C - 1) non-matching ones, so that the 1-in-C matches weigh as much as the
            rest (without it, a short schedule learns "never a match": every score near 0, ties everywhere).
    """
    target = F.one_hot(labels, scores.shape[1]).to(scores.dtype)
    if not balance:
        return F.mse_loss(scores, target)
    error = (scores - target) ** 2
    return (error * target).sum() / target.sum() + (error * (1 - target)).sum() / (1 - target).sum()
