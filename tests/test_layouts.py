from __future__ import annotations

import re

import pytest

from sldml.errors import ConfigError
from sldml.layouts import COMMON_JOINTS, Layout, get_layout, infer_layout, list_layouts

SKELETONS = [
    "kinect_v1",
    "kinect_v2",
    "kinect_v2_pair",
    "openpose_body25",
    "openpose_coco18",
    "coco17",
    "mediapipe",
    "mediapipe_world",
    "cmu31",
    "common",
]


@pytest.mark.parametrize("name", SKELETONS)
def test_skeleton_bones_form_a_tree_over_every_joint(name: str) -> None:
    layout = get_layout(name)
    bodies = 2 if name.endswith("pair") else 1
    assert len(layout.bones) == layout.size - bodies  # a forest: one tree per body
    assert len(set(layout.names)) == layout.size
    # every joint is reachable from the centre joint(s) of each body through the bones
    neighbours: dict[int, set[int]] = {i: set() for i in range(layout.size)}
    for a, b in layout.bones:
        assert 0 <= a < layout.size and 0 <= b < layout.size and a != b
        neighbours[a].add(b)
        neighbours[b].add(a)
    seen: set[int] = set()
    for root in range(0, layout.size, layout.size // bodies):
        stack = [root]
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(neighbours[node])
    assert seen == set(range(layout.size))


def test_kinect_v1_matches_utd_joint_order_file(utd_dir) -> None:
    text = (utd_dir / "Skeleton" / "Skeleton_joint_order.txt").read_text()
    names = re.findall(r"^\s*\d+\.\s*([a-z_]+)", text, flags=re.M)
    assert tuple(names) == get_layout("kinect_v1").names


def test_kinect_v1_bones_connect_the_expected_joints() -> None:
    layout = get_layout("kinect_v1")
    named = {(layout.names[a], layout.names[b]) for a, b in layout.bones}
    assert ("right_elbow", "right_wrist") in named
    assert ("hip_center", "left_hip") in named
    assert ("shoulder_center", "head") in named


def test_kinect_v2_hands_and_spine() -> None:
    layout = get_layout("kinect_v2")
    named = {(layout.names[a], layout.names[b]) for a, b in layout.bones}
    assert ("right_hand", "right_hand_tip") in named
    assert ("spine_shoulder", "neck") in named
    assert layout.names[20] == "spine_shoulder" and layout.size == 25


def test_imu_groups_are_acc_then_gyro() -> None:
    imu = get_layout("imu6")
    assert [[imu.names[i] for i in g] for g in imu.groups] == [
        ["acc_x", "acc_y", "acc_z"],
        ["gyro_x", "gyro_y", "gyro_z"],
    ]


def test_generic_layouts_and_unknown_names() -> None:
    assert get_layout("points-7").size == 7 and get_layout("points-7").kind == "skeleton"
    assert get_layout("channels-9").groups == ((0, 1, 2), (3, 4, 5), (6, 7, 8))
    assert get_layout("channels-4").groups == ()
    with pytest.raises(ConfigError, match="kinect_v1"):
        get_layout("kinect_v3")
    assert "imu6" in list_layouts()


@pytest.mark.parametrize(
    ("shape", "name"),
    [
        ((5, 20, 3), "kinect_v1"),
        ((5, 25, 3), "kinect_v2"),
        ((5, 6), "imu6"),
        ((5, 4, 3), "points-4"),
        ((5, 2), "channels-2"),
    ],
)
def test_infer_layout(shape: tuple[int, ...], name: str) -> None:
    assert infer_layout(shape).name == name


def test_infer_layout_refuses_other_shapes() -> None:
    with pytest.raises(ConfigError, match=r"\(T, J, 3\) or \(T, C\)"):
        infer_layout((5, 4, 2))


def test_image_keypoint_layouts_are_two_dimensional() -> None:
    dims = {name: get_layout(name).dims for name in list_layouts() if get_layout(name).kind == "skeleton"}
    assert {name for name, d in dims.items() if d == 2} == {
        "openpose_body25",
        "openpose_coco18",
        "coco17",
        "mediapipe",
        "common_2d",
    }
    assert get_layout("imu6+coco17").dims == 2 and get_layout("imu6+kinect_v1").dims == 3


def test_pose_estimator_joint_orders() -> None:
    body25, coco18, coco17 = get_layout("openpose_body25"), get_layout("openpose_coco18"), get_layout("coco17")
    assert (body25.index("mid_hip"), body25.index("left_big_toe"), body25.index("right_heel")) == (8, 19, 24)
    assert body25.names[:8] == coco18.names[:8] and coco18.index("left_ear") == 17
    assert (coco17.index("left_shoulder"), coco17.index("right_wrist"), coco17.index("right_ankle")) == (5, 10, 16)
    mediapipe = get_layout("mediapipe")
    assert (mediapipe.index("left_shoulder"), mediapipe.index("right_hip"), mediapipe.index("right_foot_index")) == (
        11,
        24,
        32,
    )
    cmu = get_layout("cmu31")
    assert cmu.names[:3] == ("root", "lhipjoint", "lfemur") and cmu.index("rthumb") == 30


def test_common_body_mapping_names_each_common_joint() -> None:
    assert len(COMMON_JOINTS) == 15
    assert dict(get_layout("kinect_v2").body)["neck"] == ("spine_shoulder",)
    assert dict(get_layout("coco17").body)["pelvis"] == ("left_hip", "right_hip")
    assert dict(get_layout("cmu31").body)["left_knee"] == ("lfemur",)


def test_a_broken_body_mapping_fails_when_the_layout_is_made() -> None:
    names = ("a", *COMMON_JOINTS[1:])
    body = tuple((j, (j,)) for j in COMMON_JOINTS[1:])
    with pytest.raises(ConfigError, match="body maps"):
        Layout(name="broken", kind="skeleton", names=names, body=body)
    with pytest.raises(ConfigError, match="joints without exactly one estimate rule: a"):
        Layout(name="broken", kind="skeleton", names=names, body=(("head", ("neck", "pelvis")), *body))
    with pytest.raises(ConfigError, match="two common joints are copies of the same joint"):
        Layout(name="broken", kind="skeleton", names=names, body=(("head", ("neck",)), *body))
    with pytest.raises(ConfigError, match="maps to unknown joints"):
        Layout(name="broken", kind="skeleton", names=names, body=(("head", ("nose",)), *body))
