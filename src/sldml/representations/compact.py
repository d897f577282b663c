"""The SL-DML ``compact`` representation (Memmesheimer et al., Section III.B).

A signal matrix becomes an image: one row per joint (or per 3-axis sensor), one column per time step
after resampling to ``width``, and the x, y, z values in the red, green and blue channels. One global
min-max normalisation over the whole image maps values to [0, 1], which keeps the relative magnitude
of the signals. Keeping that min and max makes the image invertible (:func:`decode_compact`).

For channel layouts the rows are the layout's groups of three channels (``imu6``: row 0 the
accelerometer, row 1 the gyroscope, x / y / z in red / green / blue); a channel layout without such
groups (a channel count that is not a multiple of 3) is refused.

``scale="per_sensor"`` normalises each sensor on its own instead: each 3-axis row of channel data, and in
a fused layout each sensor row and the skeleton (a plain skeleton is one sensor, so nothing changes
there). The paper's global min-max lets the gyroscope's deg/s flatten the accelerometer's g, which costs
10-25 points of one-shot accuracy on UTD-MHAD (``FINDINGS.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from sldml.errors import ConfigError, DataError
from sldml.layouts import get_layout
from sldml.representations.registry import register_representation
from sldml.sequence import FloatArray, Sequence
from sldml.transforms import resample_array

DEFAULT_WIDTH = 64
Scale = Literal["global", "per_sensor"]


@dataclass(frozen=True)
class CompactImage:
    """A compact image with what is needed to invert it.

    Attributes:
        image: (3, H, W) float32 in [0, 1].
        low: Per image row, the value that maps to 0 (the same for every row under global scaling).
        high: Per image row, the value that maps to 1.
        layout: Layout name of the sequence it came from.
    """

    image: FloatArray
    low: npt.NDArray[np.float64]
    high: npt.NDArray[np.float64]
    layout: str


def signal_matrix(seq: Sequence, width: int) -> FloatArray:
    """The (rows, W, 3) signal matrix of a sequence, time resampled to ``width``."""
    if width < 2:
        raise ConfigError(f"compact width {width}; expected at least 2")
    layout = seq.get_layout()
    data = resample_array(seq.data, width)
    if layout.kind == "skeleton":
        return np.ascontiguousarray(data.transpose(1, 0, 2))
    if not layout.groups:
        raise DataError(
            seq.source,
            f"compact needs channels in groups of 3 (x, y, z); layout {layout.name!r} has {layout.size} channels",
        )
    return np.stack([data[:, list(group)] for group in layout.groups], axis=0)


def encode_compact(seq: Sequence, width: int = DEFAULT_WIDTH, scale: Scale = "global") -> CompactImage:
    """The compact image of a sequence, with the per-row minimum and maximum that invert it."""
    matrix = signal_matrix(seq, width)
    rows = matrix.shape[0]
    if scale == "global":
        sensors = [list(range(rows))]
    elif scale == "per_sensor":
        sensors = seq.get_layout().sensor_rows()
    else:
        raise ConfigError(f"compact scale {scale!r}; valid: global, per_sensor")
    low, high = np.empty(rows, dtype=np.float64), np.empty(rows, dtype=np.float64)
    for group in sensors:
        low[group], high[group] = matrix[group].min(), matrix[group].max()
    span = high - low
    safe = np.where(span > 0, span, 1.0)[:, None, None]
    scaled = np.where(span[:, None, None] > 0, (matrix - low[:, None, None]) / safe, 0.0)
    return CompactImage(np.ascontiguousarray(scaled.transpose(2, 0, 1), dtype=np.float32), low, high, seq.layout)


def decode_compact(compact: CompactImage) -> FloatArray:
    """Invert :func:`encode_compact`: the resampled data, (W, J, 3) or (W, C), from image, min and max."""
    layout = get_layout(compact.layout)
    span = (compact.high - compact.low)[:, None, None]
    matrix = compact.image.transpose(1, 2, 0) * span + compact.low[:, None, None]  # (rows, W, 3)
    if layout.kind == "skeleton":
        return np.ascontiguousarray(matrix.transpose(1, 0, 2), dtype=np.float32)
    out = np.empty((matrix.shape[1], layout.size), dtype=np.float32)
    for row, group in enumerate(layout.groups):
        out[:, list(group)] = matrix[row]
    return out


@register_representation("compact", reads=("scale",))
def compact(seq: Sequence, width: int = DEFAULT_WIDTH, scale: Scale = "global") -> FloatArray:
    """SL-DML's compact image: (3, rows, width), rows = joints or 3-axis sensors, colour = x, y, z."""
    return encode_compact(seq, width, scale).image
