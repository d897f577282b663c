"""Euclidean distances between rows of two arrays (numpy): the metric of pooled embeddings and of images."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sldml.errors import ConfigError


def euclidean_distances(references: npt.ArrayLike, queries: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """(queries x references) Euclidean distances between flattened rows.

    Raises:
        ConfigError: If references and queries have different sizes.
    """
    ref = np.asarray(references, dtype=np.float64)
    qry = np.asarray(queries, dtype=np.float64)
    ref, qry = ref.reshape(len(ref), -1), qry.reshape(len(qry), -1)
    if ref.shape[1] != qry.shape[1]:
        raise ConfigError(f"references have {ref.shape[1]} features, queries {qry.shape[1]}; expected the same")
    squared = (qry**2).sum(1)[:, None] - 2 * qry @ ref.T + (ref**2).sum(1)[None, :]
    return np.asarray(np.sqrt(np.maximum(squared, 0.0)), dtype=np.float64)
