"""Non-learned one-shot baselines, scored by the same code as the learned metric.

* ``euclidean``: 1-nearest-neighbour with Euclidean distance between representation images (the same
  preprocessing and image the network sees).
* ``dtw``: 1-nearest-neighbour with dynamic time warping (dtaidistance, exact, no window) on the raw
  sequence: skeletons centred on the centre joint in every frame, (T, J * 3); channel data z-scored per
  channel, (T, C). The frame cost is the squared Euclidean distance and the result its accumulated sum's
  square root, as in ``FINDINGS.md``. (Every-frame centring is the stronger choice for DTW: on UTD-MHAD 7/20
  88.0 % against 86.5 % with first-frame centring, 3/24 84.8 % against 82.9 %.)
"""

from __future__ import annotations

import numpy as np
from dtaidistance import dtw_ndim

from sldml import transforms
from sldml.config import PreprocessConfig
from sldml.datasets import image, preprocess
from sldml.errors import ConfigError
from sldml.evaluation.oneshot import OneShotResult, euclidean_distances, score_distances
from sldml.protocols import OneShotSplit
from sldml.sequence import Sequence

BASELINES = ("euclidean", "dtw")


def dtw_distances(references: list[Sequence], queries: list[Sequence]) -> np.ndarray:
    """(queries x references) exact DTW distances."""
    refs = [transforms.frame_features(s) for s in references]
    out = np.empty((len(queries), len(refs)))
    for i, query in enumerate(queries):
        series = transforms.frame_features(query)
        for j, ref in enumerate(refs):
            out[i, j] = dtw_ndim.distance_fast(series, ref)
    return out


def _labels(seqs: list[Sequence]) -> list[str]:
    return [s.label if s.label is not None else str(s.class_id) for s in seqs]


def run_baseline(name: str, split: OneShotSplit, config: PreprocessConfig) -> OneShotResult:
    """Score one baseline on a protocol split."""
    if name == "euclidean":
        refs = np.stack([image(preprocess(s, config), config) for s in split.references])
        queries = np.stack([image(preprocess(s, config), config) for s in split.queries])
        distances = euclidean_distances(refs, queries)
    elif name == "dtw":
        distances = dtw_distances(split.references, split.queries)
    else:
        raise ConfigError(f"unknown baseline {name!r}; valid: {', '.join(BASELINES)}")
    return score_distances(distances, _labels(split.references), _labels(split.queries))
