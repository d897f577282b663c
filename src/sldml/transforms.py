"""Small composable ``Sequence -> Sequence`` transforms (pure numpy, no torch).

Each function returns a new sequence and leaves its input alone. :func:`compose` chains them into
one callable, so a pipeline is a list of small functions (as in pyskl). Geometric transforms
(centre, scale, rotate) need a skeleton layout; they refuse channel data with a clear error.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence as Seq
from typing import Literal

import numpy as np
import numpy.typing as npt

from sldml.errors import ConfigError, DataError
from sldml.sequence import MIN_FRAMES, FloatArray, Sequence

Transform = Callable[[Sequence], Sequence]


def compose(transforms: Seq[Transform]) -> Transform:
    """Chain transforms left to right into one."""

    def run(seq: Sequence) -> Sequence:
        for transform in transforms:
            seq = transform(seq)
        return seq

    return run


def resample_array(data: FloatArray, length: int) -> FloatArray:
    """Linearly resample the first (time) axis of an array to ``length`` frames.

    The first and last frames are kept; values in between are interpolated.
    """
    if length < 1:
        raise ConfigError(f"resample length {length}; expected at least 1")
    src = np.linspace(0.0, 1.0, data.shape[0])
    dst = np.linspace(0.0, 1.0, length)
    flat = data.reshape(data.shape[0], -1)
    out = np.empty((length, flat.shape[1]), dtype=np.float32)
    for column in range(flat.shape[1]):
        out[:, column] = np.interp(dst, src, flat[:, column])
    return out.reshape((length, *data.shape[1:]))


def resample(seq: Sequence, length: int) -> Sequence:
    """Resample a sequence to ``length`` frames over the same duration (``rate_hz`` follows)."""
    if length < MIN_FRAMES:
        raise ConfigError(f"resample length {length}; expected at least {MIN_FRAMES}")
    return seq.replace(data=resample_array(seq.data, length), rate_hz=seq.rate_hz * length / seq.frames)


def _require_skeleton(seq: Sequence, what: str) -> None:
    if seq.get_layout().kind != "skeleton":
        raise DataError(seq.source, f"{what} needs (T, J, 3) point data; layout {seq.layout!r} holds channels")


def centre(seq: Sequence, joint: str | None = None, mode: Literal["first", "every"] = "first") -> Sequence:
    """Translate a skeleton so that a joint is at the origin.

    Args:
        seq: A skeleton sequence.
        joint: Joint name; default the layout's centre joint (hip centre / spine base), else the
            mean of all joints.
        mode: ``"first"`` subtracts the joint's position in the first frame (keeps global motion,
            e.g. a lunge's step); ``"every"`` subtracts it frame by frame.
    """
    _require_skeleton(seq, "centre")
    layout = seq.get_layout()
    rows = layout.positions()
    name = joint or layout.centre
    point = seq.data[:, layout.index(name)] if name else seq.data[:, rows].mean(axis=1)
    if mode == "first":
        offset = point[:1, None, :]
    elif mode == "every":
        offset = point[:, None, :]
    else:
        raise ConfigError(f"centre mode {mode!r}; valid: first, every")
    data = seq.data.copy()
    data[:, rows] -= offset
    return seq.replace(data=data)


def body_size(seq: Sequence) -> float:
    """Mean torso length (layout's torso joints), or the mean joint spread when it has none."""
    _require_skeleton(seq, "body size")
    layout = seq.get_layout()
    if layout.torso:
        a, b = (layout.index(n) for n in layout.torso)
        return float(np.linalg.norm(seq.data[:, a] - seq.data[:, b], axis=-1).mean())
    points = seq.data[:, layout.positions()]
    return float(np.linalg.norm(points - points.mean(axis=1, keepdims=True), axis=-1).mean())


def scale_to_body(seq: Sequence, target: float = 1.0) -> Sequence:
    """Scale a skeleton's positions so that its body size (:func:`body_size`) becomes ``target``."""
    size = body_size(seq)
    if not size > 1e-9:
        raise DataError(seq.source, "scale_to_body: body size is 0 (all torso joints coincide)")
    rows = seq.get_layout().positions()
    data = seq.data.copy()
    data[:, rows] *= target / size
    return seq.replace(data=data)


def rotate_vertical(seq: Sequence, degrees: float, up_axis: int = 1) -> Sequence:
    """Rotate a skeleton about the vertical axis through the origin (centre it first).

    Args:
        seq: A skeleton sequence.
        degrees: Angle, counter-clockwise seen from above.
        up_axis: Index of the vertical coordinate (1 = y, the Kinect convention).
    """
    _require_skeleton(seq, "rotate_vertical")
    if up_axis not in (0, 1, 2):
        raise ConfigError(f"up_axis {up_axis}; valid: 0, 1, 2")
    a, b = [i for i in range(3) if i != up_axis]
    theta = np.deg2rad(degrees)
    cos, sin = np.cos(theta), np.sin(theta)
    rows = seq.get_layout().positions()
    points = seq.data[:, rows]
    data = seq.data.copy()
    data[:, rows, a] = cos * points[..., a] + sin * points[..., b]
    data[:, rows, b] = -sin * points[..., a] + cos * points[..., b]
    return seq.replace(data=data)


def crop_time(seq: Sequence, start: float, end: float) -> Sequence:
    """Keep the part between fractions ``start`` and ``end`` (0 <= start < end <= 1) of the sequence."""
    if not 0.0 <= start < end <= 1.0:
        raise ConfigError(f"crop_time({start}, {end}); expected 0 <= start < end <= 1")
    first = round(start * seq.frames)
    last = max(first + MIN_FRAMES, round(end * seq.frames))
    if last > seq.frames:
        first, last = seq.frames - MIN_FRAMES, seq.frames
    return seq.replace(data=seq.data[first:last])


def add_noise(seq: Sequence, sigma: float, rng: np.random.Generator) -> Sequence:
    """Add independent Gaussian noise of standard deviation ``sigma`` (data units) to every value."""
    if sigma < 0:
        raise ConfigError(f"noise sigma {sigma}; expected >= 0")
    noise = rng.normal(0.0, sigma, size=seq.data.shape).astype(np.float32)
    return seq.replace(data=seq.data + noise)


def frame_features(seq: Sequence) -> npt.NDArray[np.float64]:
    """The (T, features) series that frame-by-frame comparisons read (the DTW baseline, the S-LSTM).

    Skeletons: centred on the centre joint in every frame, (T, J * 3). Channel data: z-scored per channel, (T, C).
    """
    if seq.get_layout().kind == "skeleton":
        data = centre(seq, mode="every").data.reshape(seq.frames, -1)
    else:
        data = (seq.data - seq.data.mean(axis=0)) / np.maximum(seq.data.std(axis=0), 1e-8)
    return np.ascontiguousarray(data, dtype=np.float64)
