"""Open-set recognition: when is a query "unknown"? Threshold calibration and open-set scores.

A recogniser answers "unknown" when a query is farther than a threshold from every enrolled reference.
The threshold is chosen for a target false-accept rate (FAR) on labelled calibration data that simulates
the situation that matters, a query of an action nobody enrolled:

1. One reference per calibration class is enrolled (its first sample in the given order); every other
   sample is a query.
2. The *genuine* distance of a query is its distance to its own class's reference.
3. Its *impostor* distance is its distance to the nearest reference of any other class: what the query
   would see if its own class had never been enrolled.
4. The threshold is chosen at an operating point (:class:`OperatingPoint`) read off both distributions:
   ``accept=0.95`` (the default) accepts 95 % of the genuine queries, whatever share of never-enrolled ones
   that lets through; ``far=0.05`` accepts 5 % of the never-enrolled queries (as their nearest wrong class),
   whatever share of genuine ones that rejects; ``eer`` makes the two error rates equal.

Both distributions are stored as percentiles, so another operating point can be chosen later without
calibrating again (``sldml recognize --far 0.1``). A threshold is reported with what it means on the calibration
data: the share of genuine queries it accepts and of never-enrolled ones it rejects. The old default (a 5 %
false-accept rate) rejected up to 80 % of genuine queries on data unlike the training data (issue 18): a
recogniser that answers "unknown" to most of what a user shows it looks broken, so the default now protects
the genuine queries and says what it costs in rejections.

The calibration data should be held out from training: classes or subjects the network never saw. The
embedding of samples the network was trained on is tighter than that of new ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from sldml.distances import euclidean_distances
from sldml.errors import ConfigError

Floats = npt.NDArray[np.floating[Any]]
Distance = Callable[[Floats, Floats], Floats]
"""(references, queries) -> (queries x references) distances."""


@dataclass(frozen=True)
class OperatingPoint:
    """Which threshold to use: accept a share of genuine queries, accept a share of unknown ones, or equal errors.

    Attributes:
        kind: ``accept`` (share of genuine queries accepted), ``far`` (share of never-enrolled queries accepted)
            or ``eer`` (equal error rate: genuine rejected = unknown accepted).
        value: The share, for ``accept`` and ``far`` (strictly between 0 and 1).
    """

    kind: Literal["accept", "far", "eer"] = "accept"
    value: float = 0.95

    def __post_init__(self) -> None:
        if self.kind not in ("accept", "far", "eer"):
            raise ConfigError(f"operating point {self.kind!r}; valid: accept, far, eer")
        if self.kind != "eer" and not 0.0 < self.value < 1.0:
            raise ConfigError(f"operating point {self.kind}={self.value}: expected a share strictly between 0 and 1")

    def __str__(self) -> str:
        return "eer" if self.kind == "eer" else f"{self.kind}={self.value:g}"

    @classmethod
    def parse(cls, text: str) -> OperatingPoint:
        """``accept=0.95``, ``far=0.05`` or ``eer``.

        Raises:
            ConfigError: On anything else.
        """
        match = re.fullmatch(r"\s*(accept|far)\s*=\s*([0-9.eE+-]+)\s*|\s*(eer)\s*", text)
        if not match:
            raise ConfigError(f"operating point {text!r}; expected accept=<share>, far=<share> or eer")
        if match.group(3):
            return cls("eer", 0.0)
        try:
            return cls(match.group(1), float(match.group(2)))  # type: ignore[arg-type]
        except ValueError:
            raise ConfigError(f"operating point {text!r}: {match.group(2)!r} is not a number") from None


DEFAULT_POINT = OperatingPoint("accept", 0.95)
"""The default: accept 95 % of the genuine calibration queries."""
_LEVELS = np.linspace(0.0, 1.0, 101)


def _at(quantiles: tuple[float, ...], share: float) -> float:
    return float(np.interp(share, _LEVELS, quantiles))


def _share_below(quantiles: tuple[float, ...], distance: float) -> float:
    if distance < quantiles[0]:
        return 0.0
    if distance >= quantiles[-1]:
        return 1.0
    return float(np.interp(distance, quantiles, _LEVELS))


@dataclass(frozen=True)
class Calibration:
    """A calibrated rejection threshold.

    Attributes:
        threshold: Queries farther than this from every reference are unknown.
        target_far: The false-accept rate asked for, when the operating point is ``far`` (else the rate reached).
        far: The share of never-enrolled queries it accepts on the calibration data.
        tar: The share of genuine queries it accepts on the calibration data.
        temperature: Distance scale of the confidence softmax (median genuine distance).
        classes: Calibration classes.
        queries: Calibration queries.
        source: Where the calibration data came from (free text).
        impostor_quantiles: The 0, 1, ..., 100th percentiles of the impostor distances, from which
            :meth:`false_accept_rate` reads how often a never-enrolled query comes as close as a distance.
        genuine_quantiles: The same percentiles of the genuine distances (empty in calibrations of sldml
            versions before operating points: they cannot move to another point).
        operating_point: The operating point the threshold was chosen at (``accept=0.95``, ``far=0.05``, ``eer``).
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
    genuine_quantiles: tuple[float, ...] = ()
    operating_point: str = "far=0.05"

    @property
    def unknown_rejection(self) -> float:
        """The share of never-enrolled calibration queries the threshold rejects."""
        return 1.0 - self.far

    def describe(self) -> str:
        """What the threshold means, in a line: the shares it accepts and rejects on the calibration data."""
        return (
            f"threshold {self.threshold:.4f} ({self.operating_point}): on the calibration data ({self.queries} queries "
            f"of {self.classes} classes) it accepts {100 * self.tar:.1f} % of genuine queries and rejects "
            f"{100 * self.unknown_rejection:.1f} % of never-enrolled actions"
        )

    def threshold_at(self, point: OperatingPoint) -> float:
        """The threshold of another operating point, read off the stored distributions.

        Raises:
            ConfigError: If the calibration has no genuine distribution (an older calibration.json).
        """
        if not (self.genuine_quantiles and self.impostor_quantiles):
            raise ConfigError("this calibration stores no distributions to move the threshold on; calibrate again")
        if point.kind == "accept":
            return _at(self.genuine_quantiles, point.value)
        if point.kind == "far":
            return _at(self.impostor_quantiles, point.value)
        grid = np.linspace(self.genuine_quantiles[0], self.genuine_quantiles[-1], 2001)
        gap = [
            abs((1.0 - _share_below(self.genuine_quantiles, t)) - _share_below(self.impostor_quantiles, t))
            for t in grid
        ]
        return float(grid[int(np.argmin(gap))])

    def at(self, point: OperatingPoint) -> Calibration:
        """This calibration moved to another operating point (threshold and rates from the stored distributions)."""
        threshold = self.threshold_at(point)
        far = _share_below(self.impostor_quantiles, threshold)
        return Calibration(
            threshold=threshold,
            target_far=point.value if point.kind == "far" else far,
            far=far,
            tar=_share_below(self.genuine_quantiles, threshold),
            temperature=self.temperature,
            classes=self.classes,
            queries=self.queries,
            source=self.source,
            impostor_quantiles=self.impostor_quantiles,
            genuine_quantiles=self.genuine_quantiles,
            operating_point=str(point),
        )

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
                genuine_quantiles=tuple(float(x) for x in data.get("genuine_quantiles", ())),
                operating_point=str(data.get("operating_point", "far=0.05")),
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
    point: OperatingPoint = DEFAULT_POINT,
    source: str = "",
    distance: Distance = euclidean_distances,
) -> Calibration:
    """Choose the rejection threshold at an operating point (see the module docstring).

    Raises:
        ConfigError: If the data cannot calibrate.
    """
    genuine, impostor = genuine_impostor(np.asarray(embeddings, dtype=np.float64), labels, distance)
    if point.kind == "accept":  # at least the share of genuine queries is accepted
        threshold = float(np.quantile(genuine, point.value, method="higher"))
    elif point.kind == "far":  # at most the share of never-enrolled queries is accepted
        threshold = float(np.quantile(impostor, point.value, method="lower"))
    else:
        candidates = np.unique(np.concatenate([genuine, impostor]))
        gap = [abs(np.mean(genuine > t) - np.mean(impostor <= t)) for t in candidates]
        threshold = float(candidates[int(np.argmin(gap))])
    far = float(np.mean(impostor <= threshold))
    return Calibration(
        threshold=threshold,
        target_far=point.value if point.kind == "far" else far,
        far=far,
        tar=float(np.mean(genuine <= threshold)),
        temperature=float(np.median(genuine)) or 1.0,
        classes=len(set(labels)),
        queries=len(genuine),
        source=source,
        impostor_quantiles=tuple(float(x) for x in np.quantile(impostor, _LEVELS)),
        genuine_quantiles=tuple(float(x) for x in np.quantile(genuine, _LEVELS)),
        operating_point=str(point),
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
