"""The representation image's columns as a sequence of frames, normalised (numpy, no torch).

The ``frames`` backbone (:mod:`sldml.models.frames`) and the ``dtw_frames`` baseline
(:mod:`sldml.evaluation.baselines`) read an image (3, rows, T) as T frames of 3 x rows values and normalise
them the same way; the names and the ``auto`` rule live here, once.

``norm``: ``unit`` scales each frame to length one; ``centre`` subtracts each channel's mean over time;
``centre_unit`` does both; ``none`` nothing; ``auto`` is ``unit`` when every row of the layout is a 3-D point
(skeletons, motion capture) and ``centre`` when any row is channel data (inertial, fused).
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from sldml.errors import ConfigError
from sldml.layouts import get_layout

FrameNorm = Literal["auto", "none", "unit", "centre", "centre_unit"]
FRAME_NORMS: tuple[str, ...] = get_args(FrameNorm)


def resolve_norm(norm: str, layout: str | None) -> str:
    """The normalisation ``auto`` stands for with this layout (any other ``norm`` is returned as it is).

    Raises:
        ConfigError: If ``norm`` is unknown.
    """
    if norm not in FRAME_NORMS:
        raise ConfigError(f"model.options.norm={norm!r}; valid: {', '.join(FRAME_NORMS)}")
    if norm != "auto":
        return norm
    if layout is None:
        return "unit"
    lay = get_layout(layout)
    return "unit" if len(lay.positions()) == lay.size else "centre"


def image_columns(picture: npt.NDArray[np.floating], norm: str) -> npt.NDArray[np.float64]:
    """(T, 3 x rows) frames of a (3, rows, T) image, normalised by ``norm`` (resolved: not ``auto``).

    Raises:
        ConfigError: If ``norm`` is ``auto`` or unknown.
    """
    if norm not in FRAME_NORMS or norm == "auto":
        raise ConfigError(f"frame norm {norm!r}; valid: {', '.join(FRAME_NORMS[1:])} (resolve auto first)")
    columns = np.asarray(picture, dtype=np.float64).reshape(-1, picture.shape[-1]).T
    if norm.startswith("centre"):
        columns = columns - columns.mean(axis=0, keepdims=True)
    if norm.endswith("unit"):
        columns = columns / np.maximum(np.linalg.norm(columns, axis=1, keepdims=True), 1e-12)
    return np.ascontiguousarray(columns)
