"""One-shot episodes: many small random one-shot tests drawn from labelled samples, scored on a distance matrix.

A single class split is a noisy estimate of one-shot accuracy (``FINDINGS.md``), and choosing a method needs
classes that will not be evaluated later: the AUXILIARY ones. An episode takes ``way`` classes and one
reference subject (one that all of them have where possible, else one per class), one reference per class from
that subject, and every sample of that class from the OTHER subjects as queries (cross-subject, as the papers'
protocols are); its accuracy is the share of queries whose nearest reference has their class. Samples without
a subject use a random reference each and the rest as queries. Optional masks say which samples may be a
reference and which a query, so that episodes mirror a protocol's metadata rules (references from view 0, queries
from view 45: a cross-view protocol's episodes are cross-view too).
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Sequence as Seq
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sldml.errors import ConfigError


@dataclass(frozen=True)
class Episode:
    """One one-shot test: reference indices (one per class) and query indices into a sample list."""

    references: tuple[int, ...]
    queries: tuple[int, ...]


def draw_episodes(
    labels: Seq[str],
    subjects: Seq[int | None],
    count: int,
    way: int = 5,
    seed: int = 0,
    can_reference: Seq[bool] | None = None,
    can_query: Seq[bool] | None = None,
) -> list[Episode]:
    """Draw ``count`` cross-subject one-shot episodes (see the module docstring).

    Args:
        labels: Class of each sample.
        subjects: Subject of each sample (``None``: unknown).
        count: Episodes to draw.
        way: Classes per episode (fewer if fewer classes have a usable reference and queries).
        seed: Seed of the draw.
        can_reference: Which samples may be a reference (default: all).
        can_query: Which samples may be a query (default: all).

    Raises:
        ConfigError: If fewer than two classes can form an episode.
    """
    rng = np.random.default_rng(seed)
    ref_ok = list(can_reference) if can_reference is not None else [True] * len(labels)
    query_ok = list(can_query) if can_query is not None else [True] * len(labels)
    by_class: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
        by_class.setdefault(label, []).append(index)
    usable = sorted(
        c
        for c, members in by_class.items()
        if any(ref_ok[i] for i in members) and any(query_ok[i] for i in members) and len(members) >= 2
    )
    if len(usable) < 2:
        raise ConfigError(
            "one-shot episodes need at least 2 classes with a possible reference and a possible query; "
            f"got {len(usable)}"
        )
    episodes = []
    for _ in range(count):
        chosen = [usable[i] for i in rng.choice(len(usable), min(way, len(usable)), replace=False)]
        per_class = [{s for i in by_class[c] if ref_ok[i] and (s := subjects[i]) is not None} for c in chosen]
        shared = sorted(set.intersection(*per_class))
        subject = shared[rng.integers(len(shared))] if shared else None
        references, queries = [], []
        for label, known in zip(chosen, per_class, strict=True):
            members = by_class[label]
            # the episode's subject where the class has it, else one of the class's own subjects
            own_subject = subject if subject in known else (sorted(known)[rng.integers(len(known))] if known else None)
            possible = [i for i in members if ref_ok[i]]
            own = [i for i in possible if own_subject is not None and subjects[i] == own_subject]
            reference = int(rng.choice(own if own else possible))
            references.append(reference)
            queries += [
                i
                for i in members
                if i != reference and query_ok[i] and (own_subject is None or subjects[i] != own_subject)
            ]
        if queries:
            episodes.append(Episode(tuple(references), tuple(queries)))
    if not episodes:
        raise ConfigError("no one-shot episode has a query from another subject; give samples of several subjects")
    return episodes


def _blocks(
    distances: npt.NDArray[np.floating[Any]], labels: Seq[str], episodes: Seq[Episode]
) -> Iterator[tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]]:
    """Per episode: its (queries, references) distances and which reference has each query's class."""
    names = np.asarray(labels)
    for episode in episodes:
        refs = np.asarray(episode.references)
        queries = np.asarray(episode.queries)
        block = np.asarray(distances[np.ix_(queries, refs)], dtype=np.float64)
        yield block, names[refs][None, :] == names[queries][:, None]


def episode_accuracy(
    distances: npt.NDArray[np.floating[Any]], labels: Seq[str], episodes: Seq[Episode]
) -> tuple[float, float]:
    """Mean and standard deviation over episodes of their top-1 accuracy.

    Args:
        distances: (N, N) distances between the samples the episodes index.
        labels: Class of each of the N samples.
        episodes: From :func:`draw_episodes` on the same samples.
    """
    scores = [
        float(np.mean(own[np.arange(len(block)), np.argmin(block, axis=1)]))
        for block, own in _blocks(distances, labels, episodes)
    ]
    return float(np.mean(scores)), float(np.std(scores))


def episode_margin(distances: npt.NDArray[np.floating[Any]], labels: Seq[str], episodes: Seq[Episode]) -> float:
    """Mean over episodes of the queries' relative margin: how clearly the right reference is the nearest.

    A query's margin is ``(w - r) / (w + r)`` with ``r`` its distance to its own class's reference and ``w`` to
    the nearest other reference: positive when 1-NN is right, in ``[-1, 1]`` and free of the metric's scale, so
    that metrics can be compared by it. Unlike accuracy it does not saturate when every query is right, which
    makes it the tie-break between metrics that are equally accurate on easy episodes. Arguments as
    :func:`episode_accuracy`'s.
    """
    margins = []
    for block, own in _blocks(distances, labels, episodes):
        right = np.where(own, block, np.inf).min(axis=1)
        wrong = np.where(own, np.inf, block).min(axis=1)
        total = right + wrong
        with np.errstate(invalid="ignore", divide="ignore"):
            margin = np.where(total > 0, (wrong - right) / np.where(total > 0, total, 1.0), 0.0)
        margins.append(float(np.mean(np.clip(margin, -1.0, 1.0))))
    return float(np.mean(margins))
