"""The forward-kinematics body the generated datasets share: joint angles -> Kinect v1 joints, camera, wrist IMU.

Used by :mod:`sldml.io.synthetic` (23 hand-written actions) and :mod:`sldml.io.procedural` (unlimited actions
composed of motion primitives). A body of 20 Kinect v1 joints (pelvis, spine, head, two arms and two legs) is
driven by joint-angle curves in degrees: torso pitch / yaw / roll, shoulder flexion and abduction, elbow, hip,
knee, a vertical ``jump`` offset and, optionally, the whole body's yaw and a horizontal shift. The feet stay on
the ground by a soft minimum over the ankles. A camera (:class:`View`) looks at the body; the IMU on the right
wrist reads the second derivative of the wrist's path plus gravity and the forearm's angular velocity.

Private (``_body``): not a file format, so :func:`sldml.resources.import_submodules` skips it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial.transform import Rotation

from sldml.layouts import KINECT_V1

Array = npt.NDArray[np.float64]
SKELETON_RATE_HZ = 30.0
IMU_RATE_HZ = 50.0
GRAVITY = 9.81

# Segment lengths (m) of a 1.0-size body.
SEGMENTS = {
    "torso": 0.50,
    "neck": 0.22,
    "shoulder": 0.18,
    "upper": 0.29,
    "fore": 0.26,
    "hand": 0.08,
    "hip": 0.09,
    "thigh": 0.43,
    "shin": 0.42,
}


def smootherstep(x: Array) -> Array:
    """0 -> 1 with zero first and second derivative at both ends (no acceleration spikes)."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * x * (x * (6 * x - 15) + 10)


def envelope(phase: Array) -> Array:
    """Smooth 0 -> 1 -> 0 window with a flat middle."""
    return smootherstep(phase / 0.2) * smootherstep((1 - phase) / 0.2)


def roll(deg: Array) -> Array:
    """Rotation about z (turns -y towards +x for positive angles)."""
    t = np.deg2rad(deg)
    c, s, z, o = np.cos(t), np.sin(t), np.zeros_like(t), np.ones_like(t)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


def yaw(deg: Array) -> Array:
    """Rotation about the vertical y axis."""
    t = np.deg2rad(deg)
    c, s, z, o = np.cos(t), np.sin(t), np.zeros_like(t), np.ones_like(t)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2)


def pitch(deg: Array) -> Array:
    """Rotation about x that tips the upper body forward (towards +z) for positive angles."""
    t = np.deg2rad(deg)
    c, s, z, o = np.cos(t), np.sin(t), np.zeros_like(t), np.ones_like(t)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1), np.stack([z, s, c], -1)], -2)


def limb(flex: Array, abd: Array, side: float) -> Array:
    """Limb rotation (T, 3, 3), whose columns are the limb's own frame.

    The limb hangs along -y at 0 and swings forward (+z) with flexion, outwards (``side`` * x) with abduction.
    """
    return pitch(-np.asarray(flex)) @ roll(side * np.asarray(abd))


def _down(rotation: Array) -> Array:
    """The direction (T, 3) a limb with this rotation points in."""
    return -rotation[:, :, 1]


def pose(angles: dict[str, Array], size: float, proportions: dict[str, float] | None = None) -> tuple[Array, Array]:
    """Forward kinematics of one body.

    Args:
        angles: Joint-angle curves (degrees; ``jump`` in metres): ``torso_pitch``, ``torso_yaw``, ``jump`` and per
            side (``r_``, ``l_``) ``sh_flex``, ``sh_abd``, ``el_flex``, ``el_abd``, ``hip_flex``, ``hip_abd``,
            ``knee``. Optional: ``torso_roll`` (side bend), ``body_yaw`` (the whole body turns about the vertical),
            ``shift_x`` and ``shift_z`` (the whole body moves sideways / forwards, metres, in its starting frame).
        size: Factor on every segment length.
        proportions: Further factors on some segments (keys of :data:`SEGMENTS`), e.g. longer arms.

    Returns:
        Joint positions (T, 20, 3) in the body frame (x right, y up, z forward) with the feet on the
        ground at y = 0, and the right forearm's rotation (T, 3, 3) in that frame.
    """
    seg = {k: v * size * (proportions or {}).get(k, 1.0) for k, v in SEGMENTS.items()}
    n = len(angles["jump"])
    torso = yaw(angles["torso_yaw"]) @ pitch(angles["torso_pitch"])
    if "torso_roll" in angles:
        torso = torso @ roll(angles["torso_roll"])

    def up(v: Iterable[float]) -> Array:  # a torso-relative offset, rotated with the torso
        return np.asarray(np.einsum("tij,j->ti", torso, np.asarray(list(v))), dtype=np.float64)

    joints = np.zeros((n, 20, 3))
    names = {name: i for i, name in enumerate(KINECT_V1.names)}
    joints[:, names["spine"]] = up((0, 0.45 * seg["torso"], 0))
    joints[:, names["shoulder_center"]] = up((0, seg["torso"], 0))
    joints[:, names["head"]] = up((0, seg["torso"] + seg["neck"], 0))
    for prefix, side in (("right", 1.0), ("left", -1.0)):
        s = prefix[0]
        shoulder = up((side * seg["shoulder"], seg["torso"] - 0.03, 0))
        upper = _down(torso @ limb(angles[f"{s}_sh_flex"], angles[f"{s}_sh_abd"], side))
        forearm = torso @ limb(
            angles[f"{s}_sh_flex"] + angles[f"{s}_el_flex"], angles[f"{s}_sh_abd"] + angles[f"{s}_el_abd"], side
        )
        fore = _down(forearm)
        if prefix == "right":
            right_forearm = forearm
        joints[:, names[f"{prefix}_shoulder"]] = shoulder
        joints[:, names[f"{prefix}_elbow"]] = shoulder + seg["upper"] * upper
        joints[:, names[f"{prefix}_wrist"]] = joints[:, names[f"{prefix}_elbow"]] + seg["fore"] * fore
        joints[:, names[f"{prefix}_hand"]] = joints[:, names[f"{prefix}_wrist"]] + seg["hand"] * fore
        hip = np.array([side * seg["hip"], -0.05, 0.0])
        thigh = _down(limb(angles[f"{s}_hip_flex"], angles[f"{s}_hip_abd"], side))
        shin = _down(limb(angles[f"{s}_hip_flex"] - angles[f"{s}_knee"], angles[f"{s}_hip_abd"], side))
        joints[:, names[f"{prefix}_hip"]] = hip
        joints[:, names[f"{prefix}_knee"]] = hip + seg["thigh"] * thigh
        joints[:, names[f"{prefix}_ankle"]] = joints[:, names[f"{prefix}_knee"]] + seg["shin"] * shin
        joints[:, names[f"{prefix}_foot"]] = joints[:, names[f"{prefix}_ankle"]] + np.array([0, -0.04, 0.1]) * size
    # The lower ankle stands on the ground (0.08 m ankle height); jumps lift the whole body. A soft
    # minimum (2 cm scale) hands the weight from one foot to the other without a jolt.
    ankles = joints[:, [names["right_ankle"], names["left_ankle"]], 1]
    lowest = -0.02 * np.logaddexp(-ankles[:, 0] / 0.02, -ankles[:, 1] / 0.02)
    joints[..., 1] += (0.08 * size - lowest + angles["jump"])[:, None]
    if "body_yaw" in angles:
        turn = yaw(angles["body_yaw"])
        joints = np.einsum("tij,tkj->tki", turn, joints)
        right_forearm = turn @ right_forearm
    for axis, channel in ((0, "shift_x"), (2, "shift_z")):
        if channel in angles:
            joints[..., axis] += angles[channel][:, None]
    return joints, right_forearm


@dataclass(frozen=True)
class Placement:
    """Where a body stands in front of the camera.

    Attributes:
        x: Left-right position (m).
        depth: Distance from the camera (m).
        floor: Floor height in camera coordinates (m).
    """

    x: float
    depth: float
    floor: float


def facing(style_deg: float) -> Array:
    """Body frame to camera frame rotation: the subject faces the camera (turned 180 deg about y)."""
    rotation: Array = yaw(np.array([style_deg + 180.0]))[0]
    return rotation


@dataclass(frozen=True)
class View:
    """A camera view of the generated subjects.

    Attributes:
        azimuth_deg: The camera moved this far around the subject (counter-clockwise seen from above); 0 is the
            dataset's usual frontal view, 90 a side view.
        elevation_deg: The camera raised this far, looking down at the subject (about the pelvis).
        distance_m: Distance to the camera (``None``: each subject's own, 2.4-3.2 m).
        mirror: Mirror the image left-right (a flipped video: left and right joints swap sides).
    """

    azimuth_deg: float = 0.0
    elevation_deg: float = 0.0
    distance_m: float | None = None
    mirror: bool = False

    def meta(self) -> dict[str, object]:
        """What a sample records of its view (``view`` is the azimuth in whole degrees)."""
        out: dict[str, object] = {"view": round(self.azimuth_deg)}
        if self.elevation_deg:
            out["elevation"] = round(self.elevation_deg)
        if self.mirror:
            out["mirror"] = 1
        return out


def camera(joints: Array, place: Placement, facing_deg: float, view: View | None = None) -> Array:
    """Joint positions from the body frame to the camera frame (x, y up, z = depth), seen from ``view``."""
    if view is None:
        moved: Array = joints @ facing(facing_deg).T + np.array([place.x, place.floor, place.depth])
        return moved
    turned = joints @ facing(facing_deg + view.azimuth_deg).T
    pivot = np.array([0.0, 1.0, 0.0])  # about pelvis height: the camera looks down at the body's middle
    tilted = (turned - pivot) @ pitch(np.array([-view.elevation_deg]))[0].T + pivot
    depth = place.depth if view.distance_m is None else view.distance_m
    placed: Array = tilted + np.array([place.x, place.floor, depth])
    if view.mirror:
        placed[..., 0] *= -1.0
    return placed


def body_proportions(seed: int, subject: int, spread: float) -> dict[str, float]:
    """One subject's segment factors (arms, legs, torso, shoulder and hip width), each in [1 - spread, 1 + spread].

    Drawn from a stream of their own, so that ``spread`` = 0 leaves the dataset exactly as it was.
    """
    if spread <= 0:
        return {}
    rng = np.random.default_rng([seed, subject, 7919])
    arm, leg, torso, width = rng.uniform(1 - spread, 1 + spread, size=4)
    return {
        "upper": arm,
        "fore": arm,
        "hand": arm,
        "thigh": leg,
        "shin": leg,
        "torso": torso,
        "neck": torso,
        "shoulder": width,
        "hip": width,
    }


def imu(wrist: Array, frame: Array, dt: float) -> Array:
    """A wrist IMU: acc (g) and gyro (deg/s) in the sensor frame.

    Args:
        wrist: (T, 3) wrist positions in a frame whose y axis points up (m).
        frame: (T, 3, 3) rotations from the sensor frame to that frame (their columns are the sensor's axes).
        dt: Sample period (s).
    """
    accel = np.gradient(np.gradient(wrist, dt, axis=0), dt, axis=0)
    specific = accel + np.array([0.0, GRAVITY, 0.0])  # an accelerometer at rest reads +1 g upwards
    acc = np.einsum("tji,tj->ti", frame, specific) / GRAVITY
    step = Rotation.from_matrix(np.einsum("tji,tjk->tik", frame[:-1], frame[1:]))
    gyro = np.rad2deg(step.as_rotvec() / dt)
    gyro = np.concatenate([gyro, gyro[-1:]], axis=0)
    return np.concatenate([acc, gyro], axis=1)
