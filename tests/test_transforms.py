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
