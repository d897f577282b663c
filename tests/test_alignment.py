"""Aligned distances (DTW, soft-DTW) against reference implementations, and their defining properties."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from dtaidistance import dtw_ndim
from tslearn.metrics import SoftDTWLossPyTorch
from tslearn.metrics import soft_dtw as tslearn_soft_dtw

from sldml.alignment import distance_matrix, dtw, soft_dtw, soft_dtw_divergence
from sldml.errors import ConfigError


def _pairs(seed: int, lengths: tuple[int, int], pairs: int = 4, dim: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    x = torch.from_numpy(rng.normal(size=(pairs, lengths[0], dim)))
    y = torch.from_numpy(rng.normal(size=(pairs, lengths[1], dim)))
    return x, y


@pytest.mark.parametrize(("lengths", "gamma"), [((5, 5), 1.0), ((7, 4), 0.1), ((3, 9), 0.5), ((1, 6), 1.0)])
def test_soft_dtw_values_match_tslearn(lengths: tuple[int, int], gamma: float) -> None:
    x, y = _pairs(0, lengths)
    ours = soft_dtw(x, y, gamma).numpy()
    reference = [tslearn_soft_dtw(a.numpy(), b.numpy(), gamma=gamma) for a, b in zip(x, y, strict=True)]
    np.testing.assert_allclose(ours, reference, rtol=1e-9, atol=1e-9)


def test_soft_dtw_gradient_matches_tslearn() -> None:
    x, y = _pairs(1, (6, 8), pairs=3)
    ours = x.clone().requires_grad_(True)
    soft_dtw(ours, y, 0.5).sum().backward()
    theirs = x.clone().requires_grad_(True)
    SoftDTWLossPyTorch(gamma=0.5)(theirs, y).sum().backward()
    assert ours.grad is not None and theirs.grad is not None
    # tslearn's torch loss runs its kernels in float32 internally: agreement to 1e-4
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-4, atol=1e-6)
    small = x[:1, :4].clone().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda a: soft_dtw(a, y[:1, :5], 0.5), (small,))


def test_dtw_matches_dtaidistance() -> None:
    x, y = _pairs(2, (12, 9), pairs=5)
    ours = dtw(x, y).numpy()
    reference = [dtw_ndim.distance(a.numpy(), b.numpy()) for a, b in zip(x, y, strict=True)]
    np.testing.assert_allclose(ours, reference, rtol=1e-9)


def test_divergence_is_zero_for_itself_and_positive_otherwise() -> None:
    x, y = _pairs(3, (10, 10))
    assert torch.allclose(soft_dtw_divergence(x, x, 0.1), torch.zeros(4, dtype=x.dtype), atol=1e-9)
    assert bool((soft_dtw_divergence(x, y, 0.1) > 0).all())


def test_a_time_stretched_copy_is_far_closer_than_another_sequence() -> None:
    t = np.linspace(0, 1, 40)
    motion = np.stack([np.sin(2 * np.pi * t), np.cos(3 * np.pi * t), t**2], 1)
    slow = np.linspace(0, 1, 64) ** 1.5  # the same motion, 1.6x longer and not uniformly slowed
    stretched = np.stack([np.sin(2 * np.pi * slow), np.cos(3 * np.pi * slow), slow**2], 1)
    other = np.stack([np.cos(2 * np.pi * t), np.sin(3 * np.pi * t), 1 - t], 1)
    a = torch.from_numpy(motion)[None]
    same = dtw(a, torch.from_numpy(stretched)[None]).item()
    assert same < 0.2 * dtw(a, torch.from_numpy(other)[None]).item()


def test_distance_matrix_equals_pairwise_calls() -> None:
    rng = np.random.default_rng(4)
    queries = torch.from_numpy(rng.normal(size=(5, 8, 4)))
    references = torch.from_numpy(rng.normal(size=(3, 6, 4)))
    for kind in ("dtw", "soft_dtw", "soft_dtw_divergence"):
        matrix = distance_matrix(queries, references, kind=kind, gamma=0.3, chunk=4)  # type: ignore[arg-type]
        assert matrix.shape == (5, 3)
        for i in range(5):
            for j in range(3):
                q, r = queries[i : i + 1], references[j : j + 1]
                single = {
                    "dtw": dtw(q, r),
                    "soft_dtw": soft_dtw(q, r, 0.3),
                    "soft_dtw_divergence": soft_dtw_divergence(q, r, 0.3),
                }
                assert matrix[i, j].item() == pytest.approx(single[kind].item(), rel=1e-9)
    with pytest.raises(ConfigError, match="valid: dtw, soft_dtw"):
        distance_matrix(queries, references, kind="cosine")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="gamma > 0"):
        soft_dtw(queries, queries, 0.0)


def test_distance_matrix_chunks_give_the_same_dtw_values() -> None:
    torch.manual_seed(1)
    queries, references = torch.randn(37, 12, 5), torch.randn(6, 9, 5)
    default = distance_matrix(queries, references)  # 512 pairs at a time for dtw
    for chunk in (1, 7, 4096):
        assert torch.equal(distance_matrix(queries, references, chunk=chunk), default)
    pairwise = dtw(queries.repeat_interleave(6, 0), references.repeat(37, 1, 1)).reshape(37, 6)
    assert torch.allclose(default, pairwise)
