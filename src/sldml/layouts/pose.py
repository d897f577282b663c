"""The keypoint sets of image pose estimators: OpenPose (BODY_25, COCO-18), COCO-17 and MediaPipe Pose.

Image keypoints are 2-D (``dims=2``): stored as (T, J, 3) with z = 0, x to the right and y down in the image's
own unit (pixels; MediaPipe's image landmarks are fractions of the image width and height). MediaPipe's world
landmarks are 3-D metres (``mediapipe_world``), turned by the reader to sldml's y-up convention
(:mod:`sldml.io.mediapipe`).

These skeletons lack a joint for some common body joints: their head is the nose, their neck (where they have
none) the mean of the shoulders and their pelvis the mean of the hips. Converting *into* them places the face
on the head point and hands and feet along the forearm and shank (``estimates``): rough, since the direction
the face or a foot points cannot be known from the common body.

Every ``bones`` list is a tree over all joints, so graph networks (ST-GCN) can use it.
"""

from __future__ import annotations

from sldml.layouts.base import Estimate, Layout, bones_of, limb_body, sided_estimates

_ARMS_LEGS = limb_body()
_HIPS = ("left_hip", "right_hip")
_SHOULDERS = ("left_shoulder", "right_shoulder")


def _on_head(*joints: str) -> tuple[Estimate, ...]:
    return sided_estimates(*((joint, "neck", "head", 1.0) for joint in joints))


def _limbs(shoulder_root: str, hip_root: str) -> list[tuple[str, str]]:
    """Shoulder-elbow-wrist and hip-knee-ankle on both sides, hung from the given joints."""
    return [
        pair
        for side in ("left", "right")
        for pair in (
            (shoulder_root.format(side=side), f"{side}_shoulder"),
            (f"{side}_shoulder", f"{side}_elbow"),
            (f"{side}_elbow", f"{side}_wrist"),
            (hip_root.format(side=side), f"{side}_hip"),
            (f"{side}_hip", f"{side}_knee"),
            (f"{side}_knee", f"{side}_ankle"),
        )
    ]


def _face(root: str, *chains: tuple[str, ...]) -> list[tuple[str, str]]:
    """Chains of face points hung from ``root`` on both sides (``{side}`` in the names)."""
    return [
        (a.format(side=side), b.format(side=side))
        for side in ("left", "right")
        for chain in chains
        for a, b in zip((root, *chain), chain, strict=False)
    ]


_OPENPOSE_COMMON = (
    "nose",
    "neck",
    "right_shoulder",
    "right_elbow",
    "right_wrist",
    "left_shoulder",
    "left_elbow",
    "left_wrist",
)
_OPENPOSE_FACE = ("right_eye", "left_eye", "right_ear", "left_ear")
_LEGS = ("{side}_hip", "{side}_knee", "{side}_ankle")
_BODY25_NAMES = (
    *_OPENPOSE_COMMON,
    "mid_hip",
    *(j.format(side="right") for j in _LEGS),
    *(j.format(side="left") for j in _LEGS),
    *_OPENPOSE_FACE,
    *(f"{side}_{j}" for side in ("left", "right") for j in ("big_toe", "small_toe", "heel")),
)
_COCO18_NAMES = (
    *_OPENPOSE_COMMON,
    *(j.format(side="right") for j in _LEGS),
    *(j.format(side="left") for j in _LEGS),
    *_OPENPOSE_FACE,
)
_COCO17_NAMES = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    *(f"{side}_{j}" for j in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle") for side in ("left", "right")),
)
_MEDIAPIPE_NAMES = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    *(
        f"{side}_{j}"
        for j in ("shoulder", "elbow", "wrist", "pinky", "index", "thumb", "hip", "knee", "ankle", "heel", "foot_index")
        for side in ("left", "right")
    ),
)

OPENPOSE_BODY25 = Layout(
    name="openpose_body25",
    kind="skeleton",
    names=_BODY25_NAMES,
    # OpenPose's drawing pairs for BODY_25: a tree rooted at the mid hip.
    bones=bones_of(
        _BODY25_NAMES,
        [("mid_hip", "neck"), ("neck", "nose"), *_face("nose", ("{side}_eye", "{side}_ear"))]
        + _limbs("neck", "mid_hip")
        + [
            (f"{side}_{a}", f"{side}_{b}")
            for side in ("left", "right")
            for a, b in (("ankle", "big_toe"), ("big_toe", "small_toe"), ("ankle", "heel"))
        ],
    ),
    centre="mid_hip",
    torso=("neck", "mid_hip"),
    units=("px",),
    description="OpenPose BODY_25, 25 image keypoints (2-D, pixels, y down)",
    dims=2,
    body=(("head", ("nose",)), ("neck", ("neck",)), ("pelvis", ("mid_hip",)), *_ARMS_LEGS),
    estimates=_on_head("{side}_eye", "{side}_ear")
    + sided_estimates(
        ("{side}_big_toe", "{side}_knee", "{side}_ankle", 1.2),
        ("{side}_small_toe", "{side}_knee", "{side}_ankle", 1.2),
        ("{side}_heel", "{side}_knee", "{side}_ankle", 1.05),
    ),
)

OPENPOSE_COCO18 = Layout(
    name="openpose_coco18",
    kind="skeleton",
    names=_COCO18_NAMES,
    # ST-GCN's graph for OpenPose's 18 keypoints (Kinetics-skeleton): hips hang off the shoulders, a tree at the neck.
    bones=bones_of(
        _COCO18_NAMES,
        [("neck", "nose"), *_face("nose", ("{side}_eye", "{side}_ear")), *_limbs("neck", "{side}_shoulder")],
    ),
    centre="neck",
    torso=("neck", "right_hip"),
    units=("px",),
    description="OpenPose COCO-18 (BODY_18), 18 image keypoints (2-D, pixels, y down)",
    dims=2,
    body=(("head", ("nose",)), ("neck", ("neck",)), ("pelvis", _HIPS), *_ARMS_LEGS),
    estimates=_on_head("{side}_eye", "{side}_ear"),
)

COCO17 = Layout(
    name="coco17",
    kind="skeleton",
    names=_COCO17_NAMES,
    # pyskl's COCO graph: a tree rooted at the nose, hips hanging off the shoulders.
    bones=bones_of(
        _COCO17_NAMES,
        [*_face("nose", ("{side}_eye", "{side}_ear")), *_limbs("nose", "{side}_shoulder")],
    ),
    centre="nose",
    torso=("left_shoulder", "left_hip"),
    units=("px",),
    description="COCO-17 keypoints (MMPose, RTMPose, AlphaPose, YOLO-pose, pyskl), 2-D, pixels, y down",
    dims=2,
    body=(("head", ("nose",)), ("neck", _SHOULDERS), ("pelvis", _HIPS), *_ARMS_LEGS),
    estimates=_on_head("{side}_eye", "{side}_ear"),
)

_MEDIAPIPE_BONES = bones_of(
    _MEDIAPIPE_NAMES,
    [("nose", "mouth_left"), ("nose", "mouth_right")]
    + _face("nose", ("{side}_eye_inner", "{side}_eye", "{side}_eye_outer", "{side}_ear"))
    + _limbs("nose", "{side}_shoulder")
    + [
        (f"{side}_{a}", f"{side}_{b}")
        for side in ("left", "right")
        for a, b in (
            ("wrist", "pinky"),
            ("wrist", "index"),
            ("wrist", "thumb"),
            ("ankle", "heel"),
            ("ankle", "foot_index"),
        )
    ],
)
_MEDIAPIPE_BODY = (("head", ("nose",)), ("neck", _SHOULDERS), ("pelvis", _HIPS), *_ARMS_LEGS)
_MEDIAPIPE_ESTIMATES = _on_head(
    "{side}_eye_inner", "{side}_eye", "{side}_eye_outer", "{side}_ear", "mouth_{side}"
) + sided_estimates(
    ("{side}_pinky", "{side}_elbow", "{side}_wrist", 1.3),
    ("{side}_index", "{side}_elbow", "{side}_wrist", 1.3),
    ("{side}_thumb", "{side}_elbow", "{side}_wrist", 1.25),
    ("{side}_heel", "{side}_knee", "{side}_ankle", 1.05),
    ("{side}_foot_index", "{side}_knee", "{side}_ankle", 1.2),
)

MEDIAPIPE = Layout(
    name="mediapipe",
    kind="skeleton",
    names=_MEDIAPIPE_NAMES,
    bones=_MEDIAPIPE_BONES,
    centre="nose",
    torso=("left_shoulder", "left_hip"),
    units=("image fraction",),
    description="MediaPipe Pose, 33 image landmarks (2-D, fractions of the image width and height, y down)",
    dims=2,
    body=_MEDIAPIPE_BODY,
    estimates=_MEDIAPIPE_ESTIMATES,
)

MEDIAPIPE_WORLD = Layout(
    name="mediapipe_world",
    kind="skeleton",
    names=_MEDIAPIPE_NAMES,
    bones=_MEDIAPIPE_BONES,
    centre="nose",
    torso=("left_shoulder", "left_hip"),
    units=("m",),
    description="MediaPipe Pose, 33 world landmarks (3-D, metres, origin between the hips, y up)",
    body=_MEDIAPIPE_BODY,
    estimates=_MEDIAPIPE_ESTIMATES,
)
