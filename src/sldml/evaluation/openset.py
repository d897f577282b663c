"""Open-set recognition: when is a query "unknown"? Threshold calibration and open-set scores.

A recogniser answers "unknown" when a query is farther than a threshold from every enrolled reference.
The threshold is chosen for a target false-accept rate (FAR) on labelled calibration data that simulates
the situation that matters, a query of an action nobody enrolled:

1. One reference per calibration class is enrolled (its first sample in the given order); every other
   sample is a query.
2. The *genuine* distance of a query is its distance to its own class's reference.
3. Its *impostor* distance is its distance to the nearest reference of any other class: what the query
   would see if its own class had never been enrolled.
4. The threshold is the ``target_far`` quantile of the impostor distances, so that a fraction
   ``target_far`` of never-enrolled queries would still be accepted (as their nearest wrong class).

The calibration data should be held out from training: classes or subjects the network never saw. The
embedding of samples the network was trained on is tighter than that of new ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sldml.distances import euclidean_distances
from sldml.errors import ConfigError

Floats = npt.NDArray[np.floating[Any]]
Distance = Callable[[Floats, Floats], Floats]
"""(references, queries) -> (queries x references) distances."""


@dataclass(frozen=True)
class Calibration:
    """A calibrated rejection threshold.

    Attributes:
        threshold: Queries farther than this from every reference are unknown.
        target_far: The false-accept rate the threshold was chosen for.
        far: The false-accept rate it has on the calibration data.
        tar: The fraction of genuine queries it accepts on the calibration data.
        temperature: Distance scale of the confidence softmax (median genuine distance).
        classes: Calibration classes.
        queries: Calibration queries.
        source: Where the calibration data came from (free text).
        impostor_quantiles: The 0, 1, ..., 100th percentiles of the impostor distances, from which
            :meth:`false_accept_rate` reads how often a never-enrolled query comes as close as a distance.
    """

    threshold: float
    target_far: float
    far: float
    tar: float
    temperature: float
    classes: int
    queries: int
    source: str = ""
    impostor_quantiles: tuple[float, ...] = ()

    def false_accept_rate(self, distance: float) -> float:
        """Estimated fraction of never-enrolled queries whose nearest reference is at most ``distance`` away."""
        if not self.impostor_quantiles:
            return float(distance >= self.threshold)
        return float(np.interp(distance, self.impostor_quantiles, np.linspace(0.0, 1.0, len(self.impostor_quantiles))))

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly fields."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str) -> Calibration:
        """Read back :meth:`to_dict`'s output.

        Raises:
            ConfigError: If a field is missing or not a number.
        """
        try:
            return cls(
                threshold=float(data["threshold"]),
                target_far=float(data["target_far"]),
                far=float(data["far"]),
                tar=float(data["tar"]),
                temperature=float(data["temperature"]),
                classes=int(data["classes"]),
                queries=int(data["queries"]),
                source=str(data.get("source", "")),
                impostor_quantiles=tuple(float(x) for x in data.get("impostor_quantiles", ())),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise ConfigError(f"{where}: not a calibration ({type(err).__name__}: {err})") from None


def genuine_impostor(
    embeddings: Floats, labels: list[str], distance: Distance = euclidean_distances
) -> tuple[Floats, Floats]:
    """Genuine and impostor distances of every non-reference sample (see the module docstring).

    Args:
        embeddings: (N, d) embeddings.
        labels: N class labels; each class's first sample is its reference.
        distance: How embeddings are compared (default Euclidean).

    Raises:
        ConfigError: If there are fewer than two classes or no class has a second sample.
    """
    if len(labels) != len(embeddings):
        raise ConfigError(f"{len(embeddings)} embeddings but {len(labels)} labels")
    classes = list(dict.fromkeys(labels))
    if len(classes) < 2:
        raise ConfigError(f"calibration needs at least 2 classes, got {len(classes)}")
    ref_index = [labels.index(c) for c in classes]
    query_index = [i for i in range(len(labels)) if i not in set(ref_index)]
    if not query_index:
        raise ConfigError("calibration needs at least one class with two or more samples")
    distances = np.asarray(distance(embeddings[ref_index], embeddings[query_index]), dtype=np.float64)
    own = np.array([classes.index(labels[i]) for i in query_index])
    rows = np.arange(len(query_index))
    genuine = distances[rows, own]
    others = distances.copy()
    others[rows, own] = np.inf
    return genuine, others.min(axis=1)


def calibrate(
    embeddings: Floats,
    labels: list[str],
    target_far: float = 0.05,
    source: str = "",
    distance: Distance = euclidean_distances,
) -> Calibration:
    """Choose the rejection threshold for a target false-accept rate (see the module docstring).

    Raises:
        ConfigError: If ``target_far`` is outside (0, 1) or the data cannot calibrate.
    """
    if not 0.0 < target_far < 1.0:
        raise ConfigError(f"target_far={target_far}: expected a rate strictly between 0 and 1")
    genuine, impostor = genuine_impostor(np.asarray(embeddings, dtype=np.float64), labels, distance)
    threshold = float(np.quantile(impostor, target_far))
    temperature = float(np.median(genuine)) or 1.0
    return Calibration(
        threshold=threshold,
        target_far=target_far,
        far=float(np.mean(impostor <= threshold)),
        tar=float(np.mean(genuine <= threshold)),
        temperature=temperature,
        classes=len(set(labels)),
        queries=len(genuine),
        source=source,
        impostor_quantiles=tuple(float(x) for x in np.quantile(impostor, np.linspace(0.0, 1.0, 101))),
    )


@dataclass(frozen=True)
class OpenSetResult:
    """Scores of an open-set evaluation at one threshold.

    Attributes:
        known_accuracy: Known-class queries accepted with the right label (of all known queries).
        closed_accuracy: Known-class queries whose nearest class is right, ignoring the threshold.
        unknown_rejection: Unknown queries answered "unknown" (of all unknown queries).
        known_rejected: Known-class queries wrongly answered "unknown".
        known_queries: Number of known-class queries.
        unknown_queries: Number of unknown queries.
        threshold: The threshold used.
    """

    known_accuracy: float
    closed_accuracy: float
    unknown_rejection: float
    known_rejected: float
    known_queries: int
    unknown_queries: int
    threshold: float


def open_set_scores(
    distances: Floats, reference_labels: list[str], query_labels: list[str | None], threshold: float
) -> OpenSetResult:
    """Score queries against references at a threshold; a query labelled ``None`` is unknown.

    Args:
        distances: (queries x references) distances.
        reference_labels: Label of each reference (several references may share a label).
        query_labels: True label of each query, or ``None`` for a query of a class that was not enrolled.
        threshold: Rejection threshold.
    """
    nearest = distances.argmin(axis=1)
    best = distances[np.arange(len(nearest)), nearest]
    known = [i for i, label in enumerate(query_labels) if label is not None]
    unknown = [i for i, label in enumerate(query_labels) if label is None]
    right = [reference_labels[nearest[i]] == query_labels[i] for i in known]
    accepted = best <= threshold
    return OpenSetResult(
        known_accuracy=float(np.mean([r and accepted[i] for r, i in zip(right, known, strict=True)])) if known else 0.0,
        closed_accuracy=float(np.mean(right)) if known else 0.0,
        unknown_rejection=float(np.mean(~accepted[unknown])) if unknown else 0.0,
        known_rejected=float(np.mean(~accepted[known])) if known else 0.0,
        known_queries=len(known),
        unknown_queries=len(unknown),
        threshold=threshold,
    )
