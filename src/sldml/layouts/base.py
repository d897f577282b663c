"""The :class:`Layout` type and the common body that every shipped skeleton layout maps onto.

A layout may declare how it maps onto the *common body* (:data:`COMMON_JOINTS`): ``body`` names, per common
joint, the layout's joint (or joints, whose mean it is: a pelvis that is the mean of the hips), and
``estimates`` says how each of its other joints is placed from common joints when a sequence is converted
*into* this layout (:func:`sldml.bodies.convert`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal

from sldml.errors import ConfigError

LayoutKind = Literal["skeleton", "channels"]

COMMON_JOINTS = (
    "head",
    "neck",
    "pelvis",
    "left_shoulder",
    "left_elbow",
    "left_wrist",
    "right_shoulder",
    "right_elbow",
    "right_wrist",
    "left_hip",
    "left_knee",
    "left_ankle",
    "right_hip",
    "right_knee",
    "right_ankle",
)
"""The shared body joints. ``head``: the layout's head point (the head joint of a Kinect, the nose of an image
pose estimator, the end of the head bone of a mocap skeleton); ``neck``: the base of the neck between the
shoulders; ``pelvis``: the hip centre (the mean of the hips where a layout has no such joint)."""

Estimate = tuple[str, str, str, float]
"""``(joint, a, b, t)``: the joint is placed at ``a + t * (b - a)`` for common joints a and b."""


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
        dims: For skeleton layouts, how many coordinates are measured: 3, or 2 for image keypoints, which
            are stored as (T, J, 3) with z = 0 (x, y in image coordinates, y down).
        body: Per common joint (:data:`COMMON_JOINTS`), the layout's joints whose mean it is (usually one);
            empty when the layout has no mapping onto the common body.
        estimates: For each joint that is not the single joint of a common joint, how it is estimated from
            common joints when converting into this layout (see :data:`Estimate`).
        up: The vertical coordinate (0, 1 or 2): rotations that turn a body to face a canonical direction, and
            the rotation augmentation, turn about it. 1 (y up) for every shipped 3-D layout.
        facing: (left joint, right joint) pairs whose left-to-right vectors, seen from above, give the body's
            orientation (:func:`sldml.transforms.face_forward`); empty: the left and right hips and shoulders
            of the ``body`` mapping. No orientation for 2-D layouts or layouts without such joints.
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
    dims: int = 3
    body: tuple[tuple[str, tuple[str, ...]], ...] = ()
    estimates: tuple[Estimate, ...] = ()
    up: int = 1
    facing: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.body:
            _check_body(self)

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

    def facing_pairs(self) -> list[tuple[list[int], list[int]]]:
        """Rows of (left, right) joint groups whose difference points from the body's left to its right side.

        Empty for channel layouts, 2-D image keypoints and layouts without orientation joints (``points-N``).
        """
        if self.kind != "skeleton" or self.dims != 3:
            return []
        if self.facing:
            return [([self.index(a)], [self.index(b)]) for a, b in self.facing]
        body = dict(self.body)
        pairs = []
        for part in ("hip", "shoulder"):
            left, right = body.get(f"left_{part}"), body.get(f"right_{part}")
            if left and right:
                pairs.append(([self.index(j) for j in left], [self.index(j) for j in right]))
        return pairs

    def facing_names(self) -> tuple[tuple[str, str], ...]:
        """The (left, right) joint names of :meth:`facing_pairs` (single joints only), for derived layouts."""
        return tuple(
            (self.names[left[0]], self.names[right[0]])
            for left, right in self.facing_pairs()
            if len(left) == 1 and len(right) == 1
        )

    def data_shape(self) -> str:
        """The expected per-frame shape, for error messages."""
        return f"(T, {self.size}, 3)" if self.kind == "skeleton" else f"(T, {self.size})"


def copied_joints(layout: Layout) -> dict[str, str]:
    """Joint -> the common joint it is a copy of (the common joints that map onto one joint of the layout)."""
    return {joints[0]: name for name, joints in layout.body if len(joints) == 1}


def _check_body(layout: Layout) -> None:
    """A mapping must name real joints, cover every common joint, and say how each other joint is estimated."""
    where = f"layout {layout.name!r}"
    mapped = [name for name, _ in layout.body]
    if sorted(mapped) != sorted(COMMON_JOINTS):
        raise ConfigError(f"{where}: body maps {sorted(mapped)}; expected each of {', '.join(COMMON_JOINTS)} once")
    for name, joints in layout.body:
        unknown = [j for j in joints if j not in layout.names]
        if not joints or unknown:
            raise ConfigError(f"{where}: common joint {name!r} maps to unknown joints {unknown or '(none)'}")
    copies = copied_joints(layout)
    if len(copies) != sum(len(joints) == 1 for _, joints in layout.body):
        raise ConfigError(f"{where}: two common joints are copies of the same joint")
    estimated = [joint for joint, *_ in layout.estimates]
    for joint, a, b, _ in layout.estimates:
        if joint in copies or joint not in layout.names or {a, b} - set(COMMON_JOINTS):
            raise ConfigError(f"{where}: estimate rule for {joint!r} ({a}, {b}): not a joint to estimate")
    missing = [j for j in layout.names if j not in copies and j not in estimated]
    if missing or len(set(estimated)) != len(estimated):
        raise ConfigError(f"{where}: joints without exactly one estimate rule: {', '.join(missing) or 'duplicates'}")


def bones_of(names: tuple[str, ...], pairs: list[tuple[str, str]]) -> tuple[tuple[int, int], ...]:
    """Bones given by joint names, as 0-based index pairs (a typo fails at import, not in a model)."""
    return tuple((names.index(a), names.index(b)) for a, b in pairs)


def _fill(template: str, side: str) -> str:
    return template.format(side=side, s=side[:1])


def _sides(*templates: str) -> tuple[str, ...]:
    return ("left", "right") if any("{side}" in t or "{s}" in t for t in templates) else ("",)


def sided(*pairs: tuple[str, str | tuple[str, ...]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A body mapping with ``{side}`` expanded to ``left`` and ``right`` (and ``{s}`` to ``l`` and ``r``).

    ``("{side}_elbow", "{s}humerus")`` gives ``left_elbow -> lhumerus`` and ``right_elbow -> rhumerus``; a pair
    without ``{side}`` is kept once.
    """
    out: list[tuple[str, tuple[str, ...]]] = []
    for common_joint, joints in pairs:
        many = (joints,) if isinstance(joints, str) else joints
        for side in _sides(common_joint):
            out.append((_fill(common_joint, side), tuple(_fill(j, side) for j in many)))
    return tuple(out)


def sided_estimates(*rules: Estimate) -> tuple[Estimate, ...]:
    """Estimate rules with ``{side}`` / ``{s}`` expanded to both sides, as in :func:`sided`."""
    return tuple(
        (_fill(joint, side), _fill(a, side), _fill(b, side), t) for joint, a, b, t in rules for side in _sides(joint)
    )


def limb_body() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The body mapping of arm and leg joints that carry the common names (``left_elbow`` is ``left_elbow``)."""
    return sided(*((f"{{side}}_{j}", f"{{side}}_{j}") for j in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")))


def _common_bones() -> list[tuple[str, str]]:
    limbs = [("neck", "head"), ("pelvis", "neck")]
    for side in ("left", "right"):
        for root, joints in (("neck", ("shoulder", "elbow", "wrist")), ("pelvis", ("hip", "knee", "ankle"))):
            limbs += itertools.pairwise((root, *(f"{side}_{j}" for j in joints)))
    return limbs


def common(dims: int = 3) -> Layout:
    """The common body as a layout of its own (``common``, 3-D, or ``common_2d``, image keypoints)."""
    return Layout(
        name="common" if dims == 3 else "common_2d",
        kind="skeleton",
        names=COMMON_JOINTS,
        bones=bones_of(COMMON_JOINTS, _common_bones()),
        centre="pelvis",
        torso=("neck", "pelvis"),
        units=("m",) if dims == 3 else ("px",),
        description=f"the {len(COMMON_JOINTS)} joints of the common body"
        + (" (image keypoints, z = 0)" if dims == 2 else ""),
        dims=dims,
        body=tuple((j, (j,)) for j in COMMON_JOINTS),
    )
