from __future__ import annotations

import numpy as np
import pytest

from sldml import transforms as tf
from sldml.errors import ConfigError, DataError
from sldml.sequence import Sequence
from tests.conftest import make_imu, make_skeleton


def test_resample_keeps_ends_and_linear_signals() -> None:
    ramp = np.linspace(0, 9, 10, dtype=np.float32)[:, None] * np.ones((1, 6), dtype=np.float32)
    seq = Sequence(data=ramp, layout="imu6", rate_hz=10)
    out = tf.resample(seq, 19)
    np.testing.assert_allclose(out.data[:, 0], np.linspace(0, 9, 19), atol=1e-5)
    assert out.rate_hz == pytest.approx(19.0) and out.duration_s == pytest.approx(seq.duration_s)
    with pytest.raises(ConfigError, match="at least 2"):
        tf.resample(seq, 1)


def test_centre_first_and_every_frame() -> None:
    seq = make_skeleton(8)
    hip = seq.get_layout().index("hip_center")
    first = tf.centre(seq)
    np.testing.assert_allclose(first.data[0, hip], 0, atol=1e-6)
    np.testing.assert_allclose(first.data[3] - first.data[3, hip], seq.data[3] - seq.data[3, hip], atol=1e-5)
    every = tf.centre(seq, mode="every")
    np.testing.assert_allclose(every.data[:, hip], 0, atol=1e-6)
    head = tf.centre(seq, joint="head")
    np.testing.assert_allclose(head.data[0, 0], 0, atol=1e-6)


def test_scale_to_body_sets_torso_length() -> None:
    seq = make_skeleton(6)
    scaled = tf.scale_to_body(seq, target=2.0)
    assert tf.body_size(scaled) == pytest.approx(2.0, rel=1e-5)


def test_rotate_about_vertical_axis() -> None:
    data = np.zeros((2, 20, 3), dtype=np.float32)
    data[:, 0] = [1.0, 0.5, 0.0]
    seq = Sequence(data=data, layout="kinect_v1", rate_hz=30)
    out = tf.rotate_vertical(seq, 90)
    np.testing.assert_allclose(out.data[0, 0], [0.0, 0.5, -1.0], atol=1e-6)  # y (up) unchanged
    back = tf.rotate_vertical(out, -90)
    np.testing.assert_allclose(back.data, seq.data, atol=1e-6)


def test_crop_time_and_noise() -> None:
    seq = make_skeleton(100)
    cropped = tf.crop_time(seq, 0.1, 0.6)
    assert cropped.frames == 50
    np.testing.assert_array_equal(cropped.data[0], seq.data[10])
    with pytest.raises(ConfigError):
        tf.crop_time(seq, 0.6, 0.1)
    zeros = Sequence(data=np.zeros((2000, 6)), layout="imu6", rate_hz=50)
    noisy = tf.add_noise(zeros, 0.5, np.random.default_rng(0))
    assert noisy.data.std() == pytest.approx(0.5, rel=0.02)


def test_compose_runs_left_to_right() -> None:
    seq = make_skeleton(10)
    pipeline = tf.compose([tf.centre, lambda s: tf.resample(s, 5)])
    out = pipeline(seq)
    assert out.frames == 5
    np.testing.assert_allclose(out.data[0, 3], 0, atol=1e-6)


def test_geometric_transforms_refuse_channel_data() -> None:
    with pytest.raises(DataError, match="needs \\(T, J, 3\\) point data; layout 'imu6' holds channels"):
        tf.centre(make_imu())
    with pytest.raises(DataError):
        tf.rotate_vertical(make_imu(), 10)


@pytest.mark.parametrize("layout", ["kinect_v1", "kinect_v2", "mediapipe_world", "cmu31", "imu6+kinect_v1"])
def test_face_forward_removes_the_cameras_azimuth(layout: str) -> None:
    from sldml.io.synthetic import generate

    base = next(s for s in generate(3, 1, 1, 2) if s.modality == "skeleton")
    if layout not in ("kinect_v1", "imu6+kinect_v1"):
        from sldml.bodies import convert

        base = convert(base, layout)
    elif layout == "imu6+kinect_v1":
        from sldml.fusion import fuse

        base = fuse(next(s for s in generate(3, 1, 1, 2) if s.modality == "inertial"), base)
    centred = tf.centre(base, mode="every")
    reference = tf.face_forward(centred)
    lay = centred.get_layout()
    angle = tf.facing_angle(reference)
    assert angle is not None and abs(angle) < 1e-3  # the left-to-right vector now points along +x
    for degrees in (30.0, 90.0, 180.0, -135.0):
        turned = tf.rotate_vertical(centred, degrees)
        before = tf.facing_angle(centred)
        after = tf.facing_angle(turned)
        assert before is not None and after is not None
        assert np.isclose(np.cos(np.deg2rad(before - degrees - after)), 1.0, atol=1e-6)  # turned by -degrees
        np.testing.assert_allclose(
            tf.face_forward(turned).data[:, lay.positions()], reference.data[:, lay.positions()], atol=1e-4
        )


def test_face_forward_leaves_2d_keypoints_and_bare_points_alone() -> None:
    rng = np.random.default_rng(0)
    flat = Sequence(np.concatenate([rng.normal(size=(6, 17, 2)), np.zeros((6, 17, 1))], axis=2), "coco17", 30.0)
    assert tf.facing_angle(flat) is None and tf.face_forward(flat) is flat
    points = Sequence(rng.normal(size=(6, 5, 3)), "points-5", 30.0)
    assert tf.face_forward(points) is points
    with pytest.raises(DataError, match=r"rotate_vertical: layout 'coco17' holds 2-D image keypoints"):
        tf.rotate_vertical(flat, 10.0)


def test_body_size_uses_the_torso_then_the_bones_then_the_spread() -> None:
    skeleton = make_skeleton(frames=8)
    doubled = skeleton.replace(data=skeleton.data * 2)
    assert tf.body_size(doubled) == pytest.approx(2 * tf.body_size(skeleton))
    np.testing.assert_allclose(tf.scale_to_body(doubled).data, tf.scale_to_body(skeleton).data, atol=1e-5)
    coco = Sequence(np.random.default_rng(1).normal(size=(5, 17, 3)), "coco17", 30.0)
    assert tf.body_size(coco) > 0
    points = Sequence(np.ones((4, 3, 3)) * np.array([[0, 0, 0], [2, 0, 0], [4, 0, 0]])[None], "points-3", 30.0)
    assert tf.body_size(points) == pytest.approx(4 / 3)  # mean distance from the centroid


def test_preprocess_with_orient_and_scale_makes_views_and_sizes_agree() -> None:
    from sldml.config import PreprocessConfig
    from sldml.datasets import image, preprocess
    from sldml.io.synthetic import generate

    seq = next(s for s in generate(3, 1, 1, 4) if s.modality == "skeleton")
    other = tf.rotate_vertical(seq.replace(data=seq.data * 1.3), 70.0, about=seq.data[:, 3].mean(0))
    config = PreprocessConfig(centre="every", orient=True, scale_body=True)
    np.testing.assert_allclose(
        image(preprocess(seq, config), config), image(preprocess(other, config), config), atol=1e-4
    )
    plain = PreprocessConfig(centre="every")
    assert not np.allclose(image(preprocess(seq, plain), plain), image(preprocess(other, plain), plain), atol=1e-2)
