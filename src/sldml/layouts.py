"""The one home of skeleton and sensor topologies: joint names, bones and channel names.

Indices here are 0-based everywhere. Other modules never spell out a topology; they ask this module.

Three layouts are built in:

* ``kinect_v1``: the 20-joint Kinect v1 skeleton in UTD-MHAD's joint order.
* ``kinect_v2``: the 25-joint Kinect v2 skeleton in NTU RGB+D's joint order.
* ``kinect_v2_pair``: two Kinect v2 bodies side by side (50 joints), for two-person actions.
* ``imu6``: a 6-channel inertial unit, accelerometer x, y, z (g) then gyroscope x, y, z (deg/s).

``SENSOR+SKELETON`` (e.g. ``imu6+kinect_v1``) is a fused layout (:func:`fused`): the sensor's 3-axis groups
as rows above the skeleton's joints.

A user's own data of any size uses the generic layouts ``points-N`` (N 3-D points per frame) and
``channels-N`` (N scalar channels per frame), which :func:`get_layout` makes on demand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from sldml.errors import ConfigError

LayoutKind = Literal["skeleton", "channels"]


@dataclass(frozen=True)
class Layout:
    """A topology: what the second axis of a sequence's data means.

    Attributes:
        name: Registry name, e.g. ``"kinect_v1"``.
        kind: ``"skeleton"`` for (T, J, 3) point data, ``"channels"`` for (T, C) scalar channels.
        names: Joint names (skeleton) or channel names (channels), in data order.
        bones: Pairs of 0-based joint indices (parent, child); empty for channel layouts.
        centre: Name of the joint that skeletons are centred on, if the layout has one.
        torso: Two joint names whose distance measures body size, if the layout has them.
        groups: For channel layouts, tuples of channel indices that form one 3-axis sensor
            (e.g. accelerometer x, y, z). Representations use them as image rows.
        units: Unit per group or for all points, for documentation and plots.
        description: One line for humans.
        point_rows: For skeleton layouts, the rows that are 3-D positions (centring and rotation apply to
            them); ``None`` means all. A fused layout's sensor rows are not positions.
        sensors: For skeleton layouts, groups of rows measured by one sensor, which per-sensor scaling
            normalises together; ``None`` means all rows are one sensor.
    """

    name: str
    kind: LayoutKind
    names: tuple[str, ...]
    bones: tuple[tuple[int, int], ...] = ()
    centre: str | None = None
    torso: tuple[str, str] | None = None
    groups: tuple[tuple[int, ...], ...] = field(default=())
    units: tuple[str, ...] = ()
    description: str = ""
    point_rows: tuple[int, ...] | None = None
    sensors: tuple[tuple[int, ...], ...] | None = None

    @property
    def size(self) -> int:
        """Number of joints (skeleton) or channels (channels)."""
        return len(self.names)

    def index(self, name: str) -> int:
        """Return the 0-based index of a joint or channel.

        Raises:
            ConfigError: If the name is not in this layout.
        """
        try:
            return self.names.index(name)
        except ValueError:
            raise ConfigError(
                f"layout {self.name!r} has no joint or channel {name!r}; valid: {', '.join(self.names)}"
            ) from None

    def positions(self) -> list[int]:
        """Rows that are 3-D positions (all rows of a plain skeleton; none of a channel layout)."""
        if self.kind == "channels":
            return []
        return list(self.point_rows) if self.point_rows is not None else list(range(self.size))

    def sensor_rows(self) -> list[list[int]]:
        """Image rows per sensor: each channel group of a channel layout; the sensors of a skeleton layout."""
        if self.kind == "channels":
            return [[row] for row in range(len(self.groups))]
        if self.sensors is None:
            return [list(range(self.size))]
        return [list(group) for group in self.sensors]

    def data_shape(self) -> str:
        """The expected per-frame shape, for error messages."""
        return f"(T, {self.size}, 3)" if self.kind == "skeleton" else f"(T, {self.size})"


def _bones(pairs_1based: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    return tuple((a - 1, b - 1) for a, b in pairs_1based)


# Both Kinect skeletons number their arm and leg joints alike: joints 5-20 (1-based) in this order.
_LIMBS = tuple(
    f"{side}_{joint}"
    for side, joints in (
        ("left", ("shoulder", "elbow", "wrist", "hand")),
        ("right", ("shoulder", "elbow", "wrist", "hand")),
        ("left", ("hip", "knee", "ankle", "foot")),
        ("right", ("hip", "knee", "ankle", "foot")),
    )
    for joint in joints
)

# ... and connect them alike: shoulder-elbow-wrist-hand and hip-knee-ankle-foot (1-based joint numbers).
_LIMB_BONES = [(a, a + 1) for first in (5, 9, 13, 17) for a in range(first, first + 3)]

KINECT_V1 = Layout(
    name="kinect_v1",
    kind="skeleton",
    names=("head", "shoulder_center", "spine", "hip_center", *_LIMBS),
    # Joint numbers as in UTD-MHAD's Skeleton_joint_order.txt (1-based), converted to 0-based.
    bones=_bones([(2, 1), (3, 2), (4, 3), (2, 5), (2, 9), (4, 13), (4, 17), *_LIMB_BONES]),
    centre="hip_center",
    torso=("shoulder_center", "hip_center"),
    units=("m",),
    description="Kinect v1, 20 joints, UTD-MHAD joint order",
)

KINECT_V2 = Layout(
    name="kinect_v2",
    kind="skeleton",
    names=(
        "spine_base",
        "spine_mid",
        "neck",
        "head",
        *_LIMBS,
        "spine_shoulder",
        "left_hand_tip",
        "left_thumb",
        "right_hand_tip",
        "right_thumb",
    ),
    # NTU RGB+D joint numbers (1-based); the hand tip hangs off the hand, the thumb off the wrist (Kinect SDK).
    bones=_bones(
        [
            (1, 2),
            (2, 21),
            (21, 3),
            (3, 4),
            (21, 5),
            (21, 9),
            (1, 13),
            (1, 17),
            *_LIMB_BONES,
            (8, 22),
            (7, 23),
            (12, 24),
            (11, 25),
        ]
    ),
    centre="spine_base",
    torso=("spine_shoulder", "spine_base"),
    units=("m",),
    description="Kinect v2, 25 joints, NTU RGB+D joint order",
)

KINECT_V2_PAIR = Layout(
    name="kinect_v2_pair",
    kind="skeleton",
    names=tuple(f"{who}_{n}" for who in ("b1", "b2") for n in KINECT_V2.names),
    bones=KINECT_V2.bones + tuple((a + 25, b + 25) for a, b in KINECT_V2.bones),
    centre="b1_spine_base",
    torso=("b1_spine_shoulder", "b1_spine_base"),
    units=("m",),
    description="two Kinect v2 bodies, 25 joints each (b1_* then b2_*), for NTU two-person actions",
)

IMU6 = Layout(
    name="imu6",
    kind="channels",
    names=("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"),
    groups=((0, 1, 2), (3, 4, 5)),
    units=("g", "deg/s"),
    description="6-axis inertial unit: accelerometer x, y, z (g), gyroscope x, y, z (deg/s)",
)


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
        sensors=(*((row,) for row in range(offset)), tuple(range(offset, offset + skeleton.size))),
    )


_BUILTIN: dict[str, Layout] = {lay.name: lay for lay in (KINECT_V1, KINECT_V2, KINECT_V2_PAIR, IMU6)}
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
        name: A built-in name (``kinect_v1``, ``kinect_v2``, ``imu6``) or ``points-N`` / ``channels-N``.

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
