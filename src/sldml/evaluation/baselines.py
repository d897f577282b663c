"""Non-learned one-shot baselines behind one registry, scored by the same code as the learned metric.

A baseline is a function (references, queries, :class:`Setting`) -> (queries x references) distances,
registered with :func:`register_baseline` under a name (``evaluate.baselines``) and the name a table shows.

* ``euclidean``: 1-nearest-neighbour with Euclidean distance between representation images (the same
  preprocessing and image the network sees).
* ``dtw``: 1-nearest-neighbour with dynamic time warping (dtaidistance, exact, no window) on the raw
  sequence: skeletons centred on the centre joint in every frame, (T, J * 3); channel data z-scored per
  channel, (T, C). The frame cost is the squared Euclidean distance and the result its accumulated sum's
  square root, as in ``FINDINGS.md``. (Every-frame centring is the stronger choice for DTW: on UTD-MHAD 7/20
  88.0 % against 86.5 % with first-frame centring, 3/24 84.8 % against 82.9 %.)
* ``dtw_unit``: the same DTW over the representation image's columns (the network's own input: the configured
  scaling and width; skeletons centred in every frame, whatever the model's centring), each column
  unit-normalised, so that a frame's cost compares the pose's shape and not its size. Measured on UTD-MHAD
  skeletons (width 64): 92.1 % at 7/20, 88.8 % at 3/24, 96.8 % at 15/12, above ``dtw``'s 88.0 / 84.8 / 94.1
  (``benchmarks/results/dtw_unit_utd.md``); on inertial data it is worse (72.0 against 78.0 at 7/20). The bar
  a learned aligned metric has to clear on skeletons.
* ``dtw_frames``: the same DTW over the image's columns exactly as an untrained ``frames`` network sees them:
  the configured preprocessing (centring included) and the ``frames`` backbone's ``norm`` option (``auto``: unit
  columns for skeletons, each channel centred for inertial and fused data). It is the ``aligned`` config's model before
  training, so beside a trained run it shows what training added (on UTD-MHAD: a little for skeletons with a
  dozen or more auxiliary actions, a loss for inertial and fused data; ``docs/oneshot.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import numpy as np
from dtaidistance import dtw_ndim

from sldml import transforms
from sldml.config import PreprocessConfig
from sldml.datasets import image, preprocess
from sldml.distances import euclidean_distances
from sldml.errors import ConfigError
from sldml.evaluation.oneshot import OneShotResult, score_distances
from sldml.protocols import OneShotSplit
from sldml.representations.columns import image_columns, resolve_norm
from sldml.resources import Registry
from sldml.sequence import Sequence, class_label

_BLOCK = 1024
"""Queries whose images the ``euclidean`` baseline holds at once."""


@dataclass(frozen=True)
class Setting:
    """What a baseline may read besides the samples: the run's preprocessing and the ``frames`` norm.

    Attributes:
        preprocess: The configured preprocessing and representation.
        frame_norm: The frame normalisation ``dtw_frames`` uses (the ``frames`` backbone's ``norm`` option).
    """

    preprocess: PreprocessConfig
    frame_norm: str = "auto"


Distances = Callable[[list[Sequence], list[Sequence], Setting], np.ndarray]
"""(references, queries, setting) -> (queries x references) distances."""


@dataclass(frozen=True)
class Baseline:
    """A registered baseline: its config name, the row name a table shows, and its distances."""

    name: str
    title: str
    distances: Distances


_BASELINES: Registry[Baseline] = Registry("baseline")


def register_baseline(name: str, title: str) -> Callable[[Distances], Distances]:
    """Decorator that registers a distance function as the baseline ``name`` (shown as ``title``)."""

    def wrap(fn: Distances) -> Distances:
        _BASELINES.add(name, Baseline(name, title, fn))
        return fn

    return wrap


def list_baselines() -> list[str]:
    """Names of the registered baselines, in registration order."""
    return _BASELINES.names()


def baseline_title(name: str) -> str:
    """How a table names a baseline (the name itself if it is not registered)."""
    return _BASELINES.get(name).title if name in _BASELINES.names() else name


def check_baselines(names: list[str]) -> None:
    """Refuse names that are not registered baselines.

    Raises:
        ConfigError: Naming the unknown ones and listing the valid ones.
    """
    unknown = sorted(set(names) - set(list_baselines()))
    if unknown:
        raise ConfigError(f"evaluate.baselines: unknown {', '.join(unknown)}; valid: {', '.join(list_baselines())}")


def dtw_distances(references: list[Sequence], queries: list[Sequence]) -> np.ndarray:
    """(queries x references) exact DTW distances."""
    refs = [transforms.frame_features(s) for s in references]
    out = np.empty((len(queries), len(refs)))
    for i, query in enumerate(queries):
        series = transforms.frame_features(query)
        for j, ref in enumerate(refs):
            out[i, j] = dtw_ndim.distance_fast(series, ref)
    return out


def unit_frames(seq: Sequence, config: PreprocessConfig) -> np.ndarray:
    """(T, 3 * rows) columns of the representation image, each unit-normalised (float64, for dtaidistance).

    Skeletons are centred in every frame (``config.centre`` is not used).
    """
    config = replace(config, centre="every")
    return image_columns(image(preprocess(seq, config), config), "unit")


def _dtw_matrix(references: list[np.ndarray], queries: Iterable[np.ndarray], count: int) -> np.ndarray:
    """(count x references) exact DTW distances; the queries' frames are made one at a time (streamed)."""
    out = np.empty((count, len(references)))
    for i, query in enumerate(queries):
        out[i] = [dtw_ndim.distance_fast(query, r) for r in references]
    return out


def dtw_unit_distances(references: list[Sequence], queries: list[Sequence], config: PreprocessConfig) -> np.ndarray:
    """(queries x references) exact DTW distances over unit image columns (:func:`unit_frames`)."""
    return _dtw_matrix(
        [unit_frames(s, config) for s in references], (unit_frames(q, config) for q in queries), len(queries)
    )


def dtw_frames_distances(
    references: list[Sequence], queries: list[Sequence], config: PreprocessConfig, frame_norm: str = "auto"
) -> np.ndarray:
    """(queries x references) exact DTW distances over the image's columns normalised by ``frame_norm``."""
    layouts = {s.layout for s in references} | {s.layout for s in queries}
    if len(layouts) != 1:
        raise ConfigError(f"dtw_frames: references and queries mix layouts {sorted(layouts)}; expected one")
    norm = resolve_norm(frame_norm, layouts.pop())

    def frames(seq: Sequence) -> np.ndarray:
        return image_columns(image(preprocess(seq, config), config), norm)

    return _dtw_matrix([frames(s) for s in references], (frames(q) for q in queries), len(queries))


@register_baseline("euclidean", "1-NN Euclidean on the image")
def _euclidean(references: list[Sequence], queries: list[Sequence], setting: Setting) -> np.ndarray:
    config = setting.preprocess
    refs = np.stack([image(preprocess(s, config), config) for s in references])
    blocks = [  # the queries' images a block at a time, never all at once
        euclidean_distances(refs, np.stack([image(preprocess(q, config), config) for q in queries[a : a + _BLOCK]]))
        for a in range(0, len(queries), _BLOCK)
    ]
    return np.concatenate(blocks) if blocks else np.zeros((0, len(references)))


@register_baseline("dtw", "1-NN DTW on the raw sequence")
def _dtw(references: list[Sequence], queries: list[Sequence], setting: Setting) -> np.ndarray:
    return dtw_distances(references, queries)


@register_baseline("dtw_unit", "1-NN DTW on unit image columns")
def _dtw_unit(references: list[Sequence], queries: list[Sequence], setting: Setting) -> np.ndarray:
    return dtw_unit_distances(references, queries, setting.preprocess)


@register_baseline("dtw_frames", "1-NN DTW on normalised frames (untrained)")
def _dtw_frames(references: list[Sequence], queries: list[Sequence], setting: Setting) -> np.ndarray:
    return dtw_frames_distances(references, queries, setting.preprocess, setting.frame_norm)


def run_baseline(name: str, split: OneShotSplit, config: PreprocessConfig, frame_norm: str = "auto") -> OneShotResult:
    """Score one registered baseline on a protocol split.

    Args:
        name: A registered baseline (:func:`list_baselines`).
        split: The one-shot split.
        config: The preprocessing and representation.
        frame_norm: The normalisation ``dtw_frames`` uses (the ``frames`` backbone's ``norm`` option).

    Raises:
        ConfigError: If the baseline is not registered.
    """
    distances = _BASELINES.get(name).distances(split.references, split.queries, Setting(config, frame_norm))
    labels = [class_label(s) for s in split.references]
    return score_distances(distances, labels, [class_label(s) for s in split.queries])
