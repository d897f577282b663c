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
    """The body's size: mean torso length (the layout's torso joints), else mean bone length, else joint spread.

    The torso is the steadiest measure a skeleton offers; a layout without one but with bones uses the mean length
    of its bones; a layout without topology (``points-N``) the mean distance of its points from their centroid.
    """
    _require_skeleton(seq, "body size")
    layout = seq.get_layout()
    if layout.torso:
        a, b = (layout.index(n) for n in layout.torso)
        return float(np.linalg.norm(seq.data[:, a] - seq.data[:, b], axis=-1).mean())
    if layout.bones:
        parents, children = zip(*layout.bones, strict=True)
        return float(np.linalg.norm(seq.data[:, list(children)] - seq.data[:, list(parents)], axis=-1).mean())
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


def rotate_vertical(seq: Sequence, degrees: float, up_axis: int | None = None, about: npt.ArrayLike = 0.0) -> Sequence:
    """Rotate a skeleton about the vertical axis (through ``about``, default the origin: centre it first).

    Args:
        seq: A skeleton sequence (3-D: image keypoints are not rotated out of their plane; refused).
        degrees: Angle, counter-clockwise seen from above.
        up_axis: Index of the vertical coordinate; default the layout's (``Layout.up``: 1 = y, the Kinect convention).
        about: A point on the axis (3 values).
    """
    _require_skeleton(seq, "rotate_vertical")
    layout = seq.get_layout()
    if layout.dims != 3:
        raise DataError(seq.source, f"rotate_vertical: layout {seq.layout!r} holds 2-D image keypoints")
    up = layout.up if up_axis is None else up_axis
    if up not in (0, 1, 2):
        raise ConfigError(f"up_axis {up}; valid: 0, 1, 2")
    a, b = [i for i in range(3) if i != up]
    theta = np.deg2rad(degrees)
    cos, sin = np.cos(theta), np.sin(theta)
    rows = layout.positions()
    centre_point = np.broadcast_to(np.asarray(about, dtype=np.float64), (3,))
    points = seq.data[:, rows] - centre_point
    data = seq.data.copy()
    data[:, rows, a] = cos * points[..., a] + sin * points[..., b] + centre_point[a]
    data[:, rows, b] = -sin * points[..., a] + cos * points[..., b] + centre_point[b]
    return seq.replace(data=data)


def facing_angle(seq: Sequence) -> float | None:
    """The direction of the body's left-to-right vector seen from above, in degrees; ``None`` where unknown.

    Per frame, the mean of the layout's (left, right) joint differences (``Layout.facing_pairs``: hips and
    shoulders) is projected onto the horizontal plane; the frames' unit vectors are averaged, weighted by their
    projected length (a frame where the body turns edge-on weighs little), so a few bad frames do not turn it.
    ``None`` for 2-D keypoints, layouts without orientation joints, or a body never seen from above.
    """
    layout = seq.get_layout()
    pairs = layout.facing_pairs()
    if not pairs:
        return None
    a, b = [i for i in range(3) if i != layout.up]
    vectors = np.mean([seq.data[:, right].mean(axis=1) - seq.data[:, left].mean(axis=1) for left, right in pairs], 0)
    flat = vectors[:, [a, b]].astype(np.float64)
    if not np.linalg.norm(flat, axis=1).sum() > 1e-9:
        return None
    total = flat.sum(axis=0)  # length-weighted mean of the unit vectors: the sum of the vectors themselves
    return float(np.rad2deg(np.arctan2(total[1], total[0])))


def face_forward(seq: Sequence) -> Sequence:
    """Rotate a skeleton about the vertical axis so that its body faces the canonical direction.

    After it, the body's left-to-right vector (:func:`facing_angle`, over the whole sequence) points along the
    first horizontal axis (+x for a y-up layout), whatever the camera's azimuth was. The rotation turns about the
    mean of the centre joint (or of all points) over the sequence. 2-D keypoints and layouts without orientation
    joints are returned unchanged (they get centring and scaling only).
    """
    _require_skeleton(seq, "face_forward")
    angle = facing_angle(seq)
    if angle is None:
        return seq
    layout = seq.get_layout()
    rows = layout.positions()
    centre_point = (seq.data[:, layout.index(layout.centre)] if layout.centre else seq.data[:, rows].mean(1)).mean(0)
    return rotate_vertical(seq, angle, about=centre_point)


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
