"""Time-aligned distances between sequences of frame features: DTW and differentiable soft-DTW, in torch.

Both work on batches of pairs at once. The cost of aligning frame ``i`` of ``x`` with frame ``j`` of ``y`` is
their squared Euclidean distance; the accumulated cost ``R`` follows the DTW recursion

    R[i, j] = cost[i, j] + min(R[i-1, j-1], R[i-1, j], R[i, j-1]),   R[0, 0] = 0,

with ``min`` replaced by the soft minimum ``-gamma * log(sum(exp(-a / gamma)))`` for soft-DTW (Cuturi and
Blondel, ICML 2017). The recursion is computed one anti-diagonal at a time (every cell of an anti-diagonal
depends only on the two before it), vectorised over the pairs and the cells of the diagonal: ``T + S`` torch
operations for a whole batch, and autograd gives the gradient. Values agree with ``tslearn.metrics.soft_dtw``
(tested); we use our own because tslearn's numba loops take seconds per thousand pairs on a 2-core CPU, too slow
to compare every pair of a training batch each step.

- :func:`dtw`: the square root of the minimal accumulated squared cost (FINDINGS.md's 1-NN DTW), no gradient.
- :func:`soft_dtw`: the soft minimum of the accumulated squared cost (differentiable).
- :func:`soft_dtw_divergence`: ``sdtw(x, y) - (sdtw(x, x) + sdtw(y, y)) / 2``, which is 0 for ``x == y``
  and positive otherwise (Blondel et al., AISTATS 2021), the training distance.
- :func:`distance_matrix`: every pair of two sets of sequences, in chunks.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor

from sldml.errors import ConfigError

_BIG = 1e10  # stands for "unreachable": finite, so that gradients never meet inf - inf
Kind = Literal["dtw", "soft_dtw", "soft_dtw_divergence"]


def squared_costs(x: Tensor, y: Tensor) -> Tensor:
    """(P, T, S) squared Euclidean distances between the frames of pairs x (P, T, d) and y (P, S, d)."""
    if x.dim() != 3 or y.dim() != 3 or x.shape[0] != y.shape[0] or x.shape[2] != y.shape[2]:
        raise ConfigError(f"expected pairs (P, T, d) and (P, S, d), got {tuple(x.shape)} and {tuple(y.shape)}")
    xx = (x * x).sum(-1, keepdim=True)
    yy = (y * y).sum(-1).unsqueeze(1)
    return (xx + yy - 2.0 * torch.bmm(x, y.transpose(1, 2))).clamp(min=0.0)


def _accumulate(costs: Tensor, gamma: float) -> Tensor:
    """R[T, S] for every pair of a (P, T, S) cost tensor; ``gamma`` = 0 is the hard minimum."""
    pairs, t, s = costs.shape
    rows = torch.arange(1, t + 1, device=costs.device)  # i of the cells on a diagonal, 1-based
    big = torch.full((pairs, 1), _BIG, dtype=costs.dtype, device=costs.device)
    # diagonals are indexed by i = 0..t; diagonal d holds R[i, d - i]
    before = torch.cat([torch.zeros_like(big), big.expand(pairs, t)], 1)  # d = 0: R[0, 0] = 0
    last = big.expand(pairs, t + 1)  # d = 1: R[0, 1] and R[1, 0] are unreachable
    diagonals = torch.arange(2, t + s + 1, device=costs.device)
    cols = diagonals[:, None] - rows[None, :]  # (D, t): j of cell i on diagonal d
    valid = (cols >= 1) & (cols <= s)
    # one gather for all diagonals, then unbind (whose backward is a single stack, not one scatter per step)
    gathered = costs.gather(2, (cols - 1).clamp(0, s - 1).T[None].expand(pairs, t, -1))  # (P, t, D)
    for step, cost in enumerate(gathered.unbind(2)):  # cost: (P, t), cost[i-1, j-1] of the diagonal's cells
        diag, up, left = before[:, :-1], last[:, :-1], last[:, 1:]  # R[i-1, j-1], R[i-1, j], R[i, j-1]
        low = torch.minimum(torch.minimum(diag, up), left)
        if gamma > 0:  # soft minimum, shifted by the hard one for stability
            spread = (low - diag).div_(gamma).exp_() + (low - up).div_(gamma).exp_() + (low - left).div_(gamma).exp_()
            best = low - gamma * spread.log()
        else:
            best = low
        cells = torch.where(valid[step], cost + best, torch.full_like(cost, _BIG))
        before, last = last, torch.cat([big, cells], 1)
    return last[:, t]


def soft_dtw(x: Tensor, y: Tensor, gamma: float = 0.1) -> Tensor:
    """Soft-DTW of each pair: x (P, T, d), y (P, S, d) -> (P,). Differentiable.

    Raises:
        ConfigError: If ``gamma`` is not positive or the shapes do not pair up.
    """
    if gamma <= 0:
        raise ConfigError(f"gamma={gamma}: soft-DTW needs gamma > 0 (use dtw() for the hard minimum)")
    return _accumulate(squared_costs(x, y), gamma)


def soft_dtw_divergence(x: Tensor, y: Tensor, gamma: float = 0.1) -> Tensor:
    """``soft_dtw(x, y) - (soft_dtw(x, x) + soft_dtw(y, y)) / 2`` for each pair (P,): 0 when x == y."""
    return soft_dtw(x, y, gamma) - 0.5 * (soft_dtw(x, x, gamma) + soft_dtw(y, y, gamma))


def dtw(x: Tensor, y: Tensor) -> Tensor:
    """DTW distance of each pair: sqrt of the minimal accumulated squared frame distance, (P,).

    Computed in float64 (no gradient is needed), so that a sequence's distance to itself is 0 to within 1e-6.
    """
    with torch.no_grad():
        return _accumulate(squared_costs(x.double(), y.double()), 0.0).sqrt().to(x.dtype)


def distance_matrix(
    queries: Tensor, references: Tensor, kind: Kind = "dtw", gamma: float = 0.1, chunk: int | None = None
) -> Tensor:
    """(N, M) aligned distances between queries (N, T, d) and references (M, S, d).

    Args:
        queries: Frame features of N sequences.
        references: Frame features of M sequences.
        kind: ``dtw``, ``soft_dtw`` or ``soft_dtw_divergence``.
        gamma: Soft minimum temperature of the soft variants.
        chunk: Pairs computed at once. ``None``: 512 for ``dtw`` (tensors that fit the CPU's caches: about 2.5 times
            faster than 4,096 on a 2-core CPU, and the same values, since no gradient is summed across pairs) and
            4,096 for the soft kinds (a training loss: another chunk would sum the gradients in another order,
            and trainings would no longer repeat those recorded before to the last bit).

    Raises:
        ConfigError: If ``kind`` is unknown.
    """
    if kind not in ("dtw", "soft_dtw", "soft_dtw_divergence"):
        raise ConfigError(f"aligned distance {kind!r}; valid: dtw, soft_dtw, soft_dtw_divergence")

    def pair(a: Tensor, b: Tensor) -> Tensor:
        return dtw(a, b) if kind == "dtw" else soft_dtw(a, b, gamma)

    if chunk is None:
        chunk = 512 if kind == "dtw" else 4096
    n, m = len(queries), len(references)
    if n == 0 or m == 0:
        return torch.zeros((n, m), device=queries.device)
    qi = torch.arange(n, device=queries.device).repeat_interleave(m)
    ri = torch.arange(m, device=queries.device).repeat(n)
    values = [pair(queries[qi[a : a + chunk]], references[ri[a : a + chunk]]) for a in range(0, n * m, chunk)]
    matrix = torch.cat(values).reshape(n, m)
    if kind == "soft_dtw_divergence":  # the self terms once per sequence, not once per pair
        matrix = matrix - 0.5 * (
            soft_dtw(queries, queries, gamma)[:, None] + soft_dtw(references, references, gamma)[None]
        )
    return matrix
