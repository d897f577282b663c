"""One-shot recognition: pick one reference per novel class, label every query by its nearest one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sldml.errors import ConfigError, DataError
from sldml.sequence import Sequence


@dataclass(frozen=True)
class OneShotSplit:
    """Auxiliary (training) samples, one reference per evaluation class, and the queries."""

    auxiliary: list[Sequence]
    references: list[Sequence]
    queries: list[Sequence]


def split_one_shot(
    sequences: Iterable[Sequence], evaluation_labels: Iterable[str], reference_subject: int, reference_trial: int
) -> OneShotSplit:
    """Split labelled sequences into auxiliary classes and one-shot evaluation classes.

    The reference of each evaluation class is its sample of ``reference_subject``, ``reference_trial``;
    every other sample of an evaluation class is a query.

    Raises:
        ConfigError: If an evaluation class has no samples or no such reference.
        DataError: If a sequence has no label.
    """
    evaluation = set(evaluation_labels)
    auxiliary, references, queries = [], {}, []
    for seq in sequences:
        if seq.label is None:
            raise DataError(seq.source, "field 'label' is empty; one-shot evaluation needs labelled samples")
        if seq.label not in evaluation:
            auxiliary.append(seq)
        elif seq.subject == reference_subject and seq.trial == reference_trial and seq.label not in references:
            references[seq.label] = seq
        else:
            queries.append(seq)
    missing = sorted(evaluation - set(references))
    if missing:
        raise ConfigError(
            f"no reference (subject {reference_subject}, trial {reference_trial}) for class(es) {', '.join(missing)}"
        )
    return OneShotSplit(auxiliary, [references[k] for k in sorted(references)], queries)


def nearest_neighbour(
    references: npt.NDArray[np.floating], queries: npt.NDArray[np.floating]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """Index of, and Euclidean distance to, the nearest reference row for every query row."""
    ref = np.asarray(references, dtype=np.float64).reshape(len(references), -1)
    qry = np.asarray(queries, dtype=np.float64).reshape(len(queries), -1)
    if ref.shape[1] != qry.shape[1]:
        raise ConfigError(f"references have {ref.shape[1]} features, queries {qry.shape[1]}; expected the same")
    squared = (qry**2).sum(1)[:, None] - 2 * qry @ ref.T + (ref**2).sum(1)[None, :]
    index = squared.argmin(axis=1)
    return index, np.sqrt(np.maximum(squared[np.arange(len(qry)), index], 0.0))


def one_shot_accuracy(
    reference_vectors: npt.NDArray[np.floating],
    reference_labels: list[str],
    query_vectors: npt.NDArray[np.floating],
    query_labels: list[str],
) -> float:
    """Top-1 accuracy of labelling each query with its nearest reference's label."""
    if len(query_labels) == 0:
        raise ConfigError("one-shot accuracy over 0 queries is undefined")
    index, _ = nearest_neighbour(reference_vectors, query_vectors)
    predicted = np.asarray(reference_labels)[index]
    return float(np.mean(predicted == np.asarray(query_labels)))
