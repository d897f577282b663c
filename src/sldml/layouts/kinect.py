"""The Kinect skeletons (v1 as in UTD-MHAD, v2 as in NTU RGB+D) and the 6-axis inertial unit.

Both Kinects give metres in the camera's space: x to the sensor's left, y up, z away from the sensor. Their
``estimates`` (how a joint outside the common body is placed when converting into the layout) were measured on
the real recordings: the median position of the joint along the line through two common joints (UTD-MHAD's
hand lies 1.3 forearm lengths from the elbow, its spine 0.15 of the way from the hip centre to the neck).
"""

from __future__ import annotations

from sldml.layouts.base import Layout, limb_body, sided_estimates


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

_LIMB_BODY = limb_body()

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
    body=(("head", ("head",)), ("neck", ("shoulder_center",)), ("pelvis", ("hip_center",)), *_LIMB_BODY),
    estimates=sided_estimates(
        ("spine", "pelvis", "neck", 0.15),
        ("{side}_hand", "{side}_elbow", "{side}_wrist", 1.3),
        ("{side}_foot", "{side}_knee", "{side}_ankle", 1.15),
    ),
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
    # The common neck is the base of the neck between the shoulders: Kinect v2's spine_shoulder, not its neck.
    body=(("head", ("head",)), ("neck", ("spine_shoulder",)), ("pelvis", ("spine_base",)), *_LIMB_BODY),
    estimates=sided_estimates(
        ("spine_mid", "pelvis", "neck", 0.55),
        ("neck", "neck", "head", 0.35),
        ("{side}_hand", "{side}_elbow", "{side}_wrist", 1.25),
        ("{side}_hand_tip", "{side}_elbow", "{side}_wrist", 1.4),
        ("{side}_thumb", "{side}_elbow", "{side}_wrist", 1.3),
        ("{side}_foot", "{side}_knee", "{side}_ankle", 1.1),
    ),
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
    facing=(("b1_left_hip", "b1_right_hip"), ("b1_left_shoulder", "b1_right_shoulder")),
)

IMU6 = Layout(
    name="imu6",
    kind="channels",
    names=("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"),
    groups=((0, 1, 2), (3, 4, 5)),
    units=("g", "deg/s"),
    description="6-axis inertial unit: accelerometer x, y, z (g), gyroscope x, y, z (deg/s)",
)
