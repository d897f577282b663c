from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sldml.bodies import common_layout, convert, mapped_layouts
from sldml.errors import ConfigError, DataError
from sldml.layouts import COMMON_JOINTS, get_layout
from sldml.sequence import Sequence

# A standing Kinect v1 body (metres, y up), hand-made: hands and feet lie near the rules' lines.
STANDING = {
    "head": (0.0, 1.62, 2.0),
    "shoulder_center": (0.0, 1.42, 2.0),
    "spine": (0.0, 1.02, 2.0),
    "hip_center": (0.0, 0.95, 2.0),
    "left_shoulder": (0.18, 1.38, 2.0),
    "left_elbow": (0.22, 1.1, 2.0),
    "left_wrist": (0.24, 0.86, 2.0),
    "left_hand": (0.246, 0.79, 2.0),
    "right_shoulder": (-0.18, 1.38, 2.0),
    "right_elbow": (-0.22, 1.1, 2.0),
    "right_wrist": (-0.24, 0.86, 2.0),
    "right_hand": (-0.246, 0.79, 2.0),
    "left_hip": (0.1, 0.9, 2.0),
    "left_knee": (0.1, 0.5, 2.0),
    "left_ankle": (0.1, 0.1, 2.0),
    "left_foot": (0.1, 0.04, 1.95),
    "right_hip": (-0.1, 0.9, 2.0),
    "right_knee": (-0.1, 0.5, 2.0),
    "right_ankle": (-0.1, 0.1, 2.0),
    "right_foot": (-0.1, 0.04, 1.95),
}


def _kinect_v1(frames: int = 6) -> Sequence:
    layout = get_layout("kinect_v1")
    pose = np.array([STANDING[name] for name in layout.names])
    data = np.stack([pose + np.array([0.05, 0.0, -0.02]) * t for t in range(frames)])
    return Sequence(data=data, layout="kinect_v1", rate_hz=30.0, label="stand", source="hand-made")


def test_round_trip_through_mediapipe_world_keeps_shared_joints_exactly() -> None:
    seq = _kinect_v1()
    there = convert(seq, "mediapipe_world")
    back = convert(there, "kinect_v1")
    assert there.data.shape == (6, 33, 3) and back.data.shape == (6, 20, 3)
    assert there.meta["converted_from"] == "kinect_v1" and back.label == "stand"
    v1, mp = get_layout("kinect_v1"), get_layout("mediapipe_world")
    # joints both layouts have: exact, both ways
    for joint in ("left_shoulder", "right_elbow", "left_wrist", "right_hip", "left_knee", "right_ankle"):
        np.testing.assert_array_equal(there.data[:, mp.index(joint)], seq.data[:, v1.index(joint)])
        np.testing.assert_array_equal(back.data[:, v1.index(joint)], seq.data[:, v1.index(joint)])
    np.testing.assert_array_equal(there.data[:, mp.index("nose")], seq.data[:, v1.index("head")])
    np.testing.assert_array_equal(back.data[:, v1.index("head")], seq.data[:, v1.index("head")])
    # MediaPipe has no neck or pelvis joint: they come back as the mean of the shoulders / hips
    np.testing.assert_allclose(back.data[0, v1.index("shoulder_center")], [0.0, 1.38, 2.0], atol=1e-6)
    np.testing.assert_allclose(back.data[0, v1.index("hip_center")], [0.0, 0.9, 2.0], atol=1e-6)
    # estimated joints are close to the originals (hand: elbow + 1.3 (wrist - elbow))
    np.testing.assert_allclose(back.data[0, v1.index("left_hand")], [0.246, 0.788, 2.0], atol=1e-6)
    error = np.linalg.norm(back.data - seq.data, axis=-1)
    assert error.max() < 0.1  # metres: the feet, whose forward offset the rules cannot know
    # MediaPipe's hands go past the wrist along the forearm
    np.testing.assert_allclose(there.data[0, mp.index("left_index")], [0.246, 0.788, 2.0], atol=1e-6)


def test_common_layout_round_trip_is_exact_for_every_common_joint() -> None:
    seq = _kinect_v1()
    body = convert(seq, "common")
    assert body.get_layout() == common_layout() and body.data.shape == (6, len(COMMON_JOINTS), 3)
    np.testing.assert_array_equal(body.data[:, COMMON_JOINTS.index("neck")], seq.data[:, 1])  # shoulder_center
    again = convert(convert(body, "kinect_v2"), "common")
    np.testing.assert_allclose(again.data, body.data, atol=1e-6)


def test_kinect_v2_estimates_its_own_neck_between_spine_shoulder_and_head() -> None:
    v2 = convert(_kinect_v1(), "kinect_v2")
    layout = get_layout("kinect_v2")
    spine_shoulder, head = v2.data[0, layout.index("spine_shoulder")], v2.data[0, layout.index("head")]
    np.testing.assert_allclose(spine_shoulder, STANDING["shoulder_center"], atol=1e-6)
    np.testing.assert_allclose(v2.data[0, layout.index("neck")], spine_shoulder + 0.35 * (head - spine_shoulder))


def test_two_d_layouts_convert_among_themselves() -> None:
    rng = np.random.default_rng(0)
    coco = Sequence(
        data=np.concatenate([rng.uniform(0, 640, (4, 17, 2)), np.zeros((4, 17, 1))], axis=2),
        layout="coco17",
        rate_hz=30.0,
    )
    body25 = convert(coco, "openpose_body25")
    c, b = get_layout("coco17"), get_layout("openpose_body25")
    np.testing.assert_array_equal(body25.data[:, b.index("left_wrist")], coco.data[:, c.index("left_wrist")])
    hips = coco.data[:, [c.index("left_hip"), c.index("right_hip")]].mean(axis=1)
    np.testing.assert_allclose(body25.data[:, b.index("mid_hip")], hips, rtol=1e-6)
    assert np.all(body25.data[..., 2] == 0)  # still image keypoints


def test_refusals() -> None:
    seq = _kinect_v1()
    flat = Sequence(data=np.zeros((3, 15, 3)), layout="common_2d", rate_hz=30.0, source="hand-made")
    with pytest.raises(DataError, match=r"hand-made: convert: layout 'common_2d' is 2-D and 'kinect_v1' is 3-D"):
        convert(flat, "kinect_v1")
    with pytest.raises(DataError, match="is 3-D and 'coco17' is 2-D"):
        convert(seq, "coco17")
    with pytest.raises(DataError, match=r"target layout 'points-4' has no mapping onto the common body; expected"):
        convert(seq, "points-4")
    pair = Sequence(data=np.zeros((3, 50, 3)), layout="kinect_v2_pair", rate_hz=30.0)
    with pytest.raises(DataError, match="source layout 'kinect_v2_pair' has no mapping"):
        convert(pair, "kinect_v1")
    with pytest.raises(ConfigError, match="unknown layout 'kinect_v9'"):
        convert(seq, "kinect_v9")
    assert convert(seq, "kinect_v1") is seq


def test_every_single_body_skeleton_is_mapped() -> None:
    assert set(mapped_layouts()) == {
        "cmu31",
        "coco17",
        "common",
        "common_2d",
        "kinect_v1",
        "kinect_v2",
        "mediapipe",
        "mediapipe_world",
        "openpose_body25",
        "openpose_coco18",
    }


def test_real_kinect_v1_estimates_are_close(utd_dir: Path) -> None:
    from sldml.io import read

    seq = read(utd_dir / "Skeleton" / "a1_s1_t1_skeleton.mat")[0]
    back = convert(convert(seq, "kinect_v2"), "kinect_v1")
    layout = get_layout("kinect_v1")
    error = np.linalg.norm(back.data - seq.data, axis=-1)
    assert error[:, layout.index("left_wrist")].max() == 0.0
    assert np.median(error[:, layout.index("left_hand")]) < 0.05  # metres
    assert np.median(error[:, layout.index("spine")]) < 0.08


def test_real_hdm05_through_kinect_v2_and_back(hdm05_dir: Path) -> None:
    from sldml.io import read

    seq = read(hdm05_dir / "train" / "3" / "HDM_bd_grabHighR_001_120.amc")[0]
    back = convert(convert(seq, "kinect_v2"), "cmu31")
    layout = get_layout("cmu31")
    error = np.linalg.norm(back.data - seq.data, axis=-1)
    for joint in ("root", "thorax", "head", "lclavicle", "rhumerus", "lradius", "rhipjoint", "lfemur", "rtibia"):
        assert error[:, layout.index(joint)].max() < 1e-6, joint
    for joint in ("lowerback", "upperneck", "lwrist", "rhand"):
        assert np.median(error[:, layout.index(joint)]) < 0.05, joint  # metres
