"""Pairs of sequences labelled match / no match, for the Siamese-LSTM (numpy only).

Pairs are drawn within one dataset at a time, never across datasets, so class labels need only be consistent
inside each dataset: several datasets (e.g. UTD-MHAD and NTU, each with its own action names) can train one
pair model. The share of matching pairs is controlled: the S-LSTM paper keeps the ratio match : no match near
1 : U for U classes, i.e. a match fraction of 1 / (U + 1), the default here (``match_fraction=None``).

A pair table is an int64 array (n, 4): dataset, index of the first sequence, index of the second, match (0/1).
"""

from __future__ import annotations

from collections.abc import Hashable
from collections.abc import Sequence as Seq

import numpy as np
import numpy.typing as npt

from sldml.errors import ConfigError

PairTable = npt.NDArray[np.int64]


def default_match_fraction(classes: int) -> float:
    """The paper's rule: match : no match = 1 : U, so a fraction 1 / (U + 1) of the pairs match."""
    return 1.0 / (classes + 1)


def _pairs_of_one(
    labels: Seq[Hashable], count: int, match_fraction: float | None, rng: np.random.Generator, name: str
) -> npt.NDArray[np.int64]:
    codes = np.unique(np.asarray([str(x) for x in labels]), return_inverse=True)[1]
    classes = int(codes.max()) + 1 if len(codes) else 0
    if classes < 2:
        raise ConfigError(f"pairs of {name}: {classes} class(es); non-matching pairs need at least 2")
    fraction = default_match_fraction(classes) if match_fraction is None else match_fraction
    members = [np.flatnonzero(codes == c) for c in range(classes)]
    matches = round(count * fraction)
    pairs = np.zeros((count, 3), dtype=np.int64)
    if matches:
        pool = np.concatenate([m for m in members if len(m) >= 2]) if any(len(m) >= 2 for m in members) else None
        if pool is None:
            raise ConfigError(f"pairs of {name}: no class has 2 samples, so no matching pair exists")
        first = rng.choice(pool, size=matches)
        for row, i in enumerate(first):
            same = members[codes[i]]
            j = same[rng.integers(len(same) - 1)]
            pairs[row] = (i, j if j != i else same[-1], 1)
    others = [np.flatnonzero(codes != c) for c in range(classes)]
    for row in range(matches, count):
        i = int(rng.integers(len(codes)))
        candidates = others[codes[i]]
        pairs[row] = (i, candidates[rng.integers(len(candidates))], 0)
    return pairs[rng.permutation(count)]


def sample_pairs(
    datasets: Seq[Seq[Hashable]],
    count: int,
    match_fraction: float | None = None,
    rng: np.random.Generator | None = None,
    names: Seq[str] | None = None,
) -> PairTable:
    """Draw ``count`` pairs from one or several datasets, each pair within one dataset.

    Every dataset gets a share of the pairs proportional to its number of samples; within it, the first
    sequence of a pair is drawn uniformly, the second from the same class (a match, never the sequence itself)
    or from another class.

    Args:
        datasets: Per dataset, the class label of each sample.
        count: Pairs in all.
        match_fraction: Fraction of matching pairs in each dataset, in [0, 1]; ``None``: 1 / (U + 1) for a
            dataset of U classes (the paper's 1 : U ratio).
        rng: Random generator (default: a fresh unseeded one).
        names: Dataset names for messages.

    Returns:
        (count, 4) int64: dataset, first index, second index, match.

    Raises:
        ConfigError: On a count below 1, a fraction outside [0, 1], a dataset with fewer than 2 classes, or
            matching pairs asked of a dataset where no class has two samples.
    """
    if count < 1:
        raise ConfigError(f"pairs: count={count}; expected at least 1")
    if match_fraction is not None and not 0.0 <= match_fraction <= 1.0:
        raise ConfigError(f"pairs.match_fraction={match_fraction}; expected a fraction in [0, 1] or null")
    if not datasets or any(len(d) == 0 for d in datasets):
        raise ConfigError("pairs: every dataset needs at least one sample")
    rng = rng or np.random.default_rng()
    sizes = np.array([len(d) for d in datasets], dtype=np.float64)
    shares = np.floor(count * sizes / sizes.sum()).astype(np.int64)
    shares[np.argsort(-sizes)[: count - int(shares.sum())]] += 1  # the remainder to the largest datasets
    tables = []
    for index, (labels, share) in enumerate(zip(datasets, shares, strict=True)):
        if share == 0:
            continue
        name = names[index] if names else f"dataset {index}"
        one = _pairs_of_one(labels, int(share), match_fraction, rng, name)
        tables.append(np.column_stack([np.full(len(one), index, dtype=np.int64), one]))
    table = np.concatenate(tables)
    return table[rng.permutation(len(table))]
