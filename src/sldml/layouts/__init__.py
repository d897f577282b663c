"""The one home of skeleton and sensor topologies: joint names, bones and channel names.

Indices here are 0-based everywhere. Other modules never spell out a topology; they ask this package. The
layouts live in three modules (:mod:`~sldml.layouts.kinect`, :mod:`~sldml.layouts.pose`,
:mod:`~sldml.layouts.mocap`); :class:`Layout` and the common body in :mod:`~sldml.layouts.base`.

Built in:

* ``kinect_v1``: the 20-joint Kinect v1 skeleton in UTD-MHAD's joint order.
* ``kinect_v2``: the 25-joint Kinect v2 skeleton in NTU RGB+D's joint order.
* ``kinect_v2_pair``: two Kinect v2 bodies side by side (50 joints), for two-person actions.
* ``openpose_body25``, ``openpose_coco18``, ``coco17``, ``mediapipe``: image keypoints (2-D, ``dims=2``,
  stored as (T, J, 3) with z = 0); ``mediapipe_world``: MediaPipe's 33 landmarks in metres.
* ``cmu31``: the CMU / HDM05 motion-capture skeleton (root + 30 bones) of ``.asf`` / ``.amc`` files.
* ``common`` and ``common_2d``: the 15 joints of the common body (:data:`COMMON_JOINTS`) that every
  single-body skeleton above maps onto (:func:`sldml.bodies.convert`).
* ``imu6``: a 6-channel inertial unit, accelerometer x, y, z (g) then gyroscope x, y, z (deg/s).

``SENSOR+SKELETON`` (e.g. ``imu6+kinect_v1``) is a fused layout (:func:`fused`): the sensor's 3-axis groups
as rows above the skeleton's joints.

A user's own data of any size uses the generic layouts ``points-N`` (N 3-D points per frame) and
``channels-N`` (N scalar channels per frame), which :func:`get_layout` makes on demand.
"""

from __future__ import annotations

import re

from sldml.errors import ConfigError
from sldml.layouts.base import COMMON_JOINTS, Layout, LayoutKind, common
from sldml.layouts.kinect import IMU6, KINECT_V1, KINECT_V2, KINECT_V2_PAIR
from sldml.layouts.mocap import CMU31
from sldml.layouts.pose import COCO17, MEDIAPIPE, MEDIAPIPE_WORLD, OPENPOSE_BODY25, OPENPOSE_COCO18

__all__ = [
    "CMU31",
    "COCO17",
    "COMMON_JOINTS",
    "IMU6",
    "KINECT_V1",
    "KINECT_V2",
    "KINECT_V2_PAIR",
    "MEDIAPIPE",
    "MEDIAPIPE_WORLD",
    "OPENPOSE_BODY25",
    "OPENPOSE_COCO18",
    "Layout",
    "LayoutKind",
    "channels",
    "common",
    "fused",
    "get_layout",
    "infer_layout",
    "list_layouts",
    "points",
]


def fused(sensor: Layout, skeleton: Layout) -> Layout:
    """The layout of a sensor's 3-axis groups stacked above a skeleton's joints (SL-DML's S_fused = (S_imu | S_skl)).

    Row i < len(sensor.groups) is sensor group i (e.g. accelerometer x, y, z); the skeleton's joints follow.
    Centring and rotation apply to the joint rows only; per-sensor scaling treats each sensor group and the
    whole skeleton as separate sensors.

    Raises:
        ConfigError: If ``sensor`` is not a channel layout with 3-axis groups or ``skeleton`` is not a skeleton.
    """
    if sensor.kind != "channels" or not sensor.groups or skeleton.kind != "skeleton":
        raise ConfigError(
            f"cannot fuse {sensor.name!r} with {skeleton.name!r}: expected 3-axis channels and a skeleton"
        )
    offset = len(sensor.groups)
    group_names = tuple(sensor.names[g[0]].rsplit("_", 1)[0] for g in sensor.groups)
    return Layout(
        name=f"{sensor.name}+{skeleton.name}",
        kind="skeleton",
        names=group_names + skeleton.names,
        bones=tuple((a + offset, b + offset) for a, b in skeleton.bones),
        centre=skeleton.centre,
        torso=skeleton.torso,
        units=sensor.units + skeleton.units,
        description=f"{sensor.description} stacked above {skeleton.description}",
        point_rows=tuple(range(offset, offset + skeleton.size)),
        dims=skeleton.dims,
        sensors=(*((row,) for row in range(offset)), tuple(range(offset, offset + skeleton.size))),
        up=skeleton.up,
        facing=skeleton.facing_names(),
    )


_BUILTIN: dict[str, Layout] = {
    lay.name: lay
    for lay in (
        KINECT_V1,
        KINECT_V2,
        KINECT_V2_PAIR,
        OPENPOSE_BODY25,
        OPENPOSE_COCO18,
        COCO17,
        MEDIAPIPE,
        MEDIAPIPE_WORLD,
        CMU31,
        common(3),
        common(2),
        IMU6,
    )
}
_GENERIC = re.compile(r"^(points|channels)-([1-9][0-9]*)$")


def points(n: int) -> Layout:
    """A generic layout of ``n`` 3-D points per frame, without bones (e.g. motion-capture markers)."""
    if n < 1:
        raise ConfigError(f"a points layout needs at least 1 point, got {n}")
    return Layout(
        name=f"points-{n}",
        kind="skeleton",
        names=tuple(f"p{i}" for i in range(n)),
        description=f"{n} generic 3-D points",
    )


def channels(n: int) -> Layout:
    """A generic layout of ``n`` scalar channels per frame, grouped in threes where possible."""
    if n < 1:
        raise ConfigError(f"a channels layout needs at least 1 channel, got {n}")
    groups = tuple(tuple(range(i, i + 3)) for i in range(0, n - n % 3, 3))
    return Layout(
        name=f"channels-{n}",
        kind="channels",
        names=tuple(f"c{i}" for i in range(n)),
        groups=groups if n % 3 == 0 else (),
        description=f"{n} generic channels",
    )


def get_layout(name: str) -> Layout:
    """Look a layout up by name.

    Args:
        name: A built-in name (``kinect_v1``, ``coco17``, ``imu6``, ...; :func:`list_layouts`), ``points-N`` /
            ``channels-N`` or ``SENSOR+SKELETON``.

    Raises:
        ConfigError: If the name is unknown; the message lists the valid names.
    """
    if name in _BUILTIN:
        return _BUILTIN[name]
    if "+" in name:
        sensor, skeleton = name.split("+", 1)
        return fused(get_layout(sensor), get_layout(skeleton))
    match = _GENERIC.match(name)
    if match:
        n = int(match.group(2))
        return points(n) if match.group(1) == "points" else channels(n)
    raise ConfigError(
        f"unknown layout {name!r}; valid: {', '.join(list_layouts())}, points-N, channels-N, SENSOR+SKELETON"
    )


def list_layouts() -> list[str]:
    """Names of the built-in layouts."""
    return sorted(_BUILTIN)


def infer_layout(shape: tuple[int, ...]) -> Layout:
    """Choose a layout for an array of the given shape when the user named none.

    (T, 20, 3) is ``kinect_v1``, (T, 25, 3) is ``kinect_v2``, (T, 6) is ``imu6``; any other
    (T, J, 3) is ``points-J`` and any other (T, C) is ``channels-C``.

    Raises:
        ConfigError: If the shape is neither (T, J, 3) nor (T, C).
    """
    if len(shape) == 3 and shape[2] == 3:
        return {20: KINECT_V1, 25: KINECT_V2}.get(shape[1]) or points(shape[1])
    if len(shape) == 2:
        return IMU6 if shape[1] == 6 else channels(shape[1])
    raise ConfigError(f"cannot infer a layout for an array of shape {shape}; expected (T, J, 3) or (T, C)")
