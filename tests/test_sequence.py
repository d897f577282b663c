from __future__ import annotations

import numpy as np
import pytest

from sldml.errors import DataError
from sldml.sequence import Sequence


def test_valid_sequence_is_float32_and_read_only() -> None:
    seq = Sequence(data=np.zeros((4, 20, 3), dtype=np.float64), layout="kinect_v1", rate_hz=30, label="a")
    assert seq.data.dtype == np.float32
    assert seq.frames == 4 and seq.duration_s == pytest.approx(4 / 30)
    with pytest.raises(ValueError):
        seq.data[0, 0, 0] = 1.0


def test_nan_is_refused_with_source_and_frame() -> None:
    data = np.zeros((5, 6))
    data[3, 2] = np.nan
    with pytest.raises(DataError, match=r"walk\.npy: field 'data': 1 non-finite values .* frame 3"):
        Sequence(data=data, layout="imu6", rate_hz=50, source="walk.npy")


def test_too_few_frames_is_refused() -> None:
    with pytest.raises(DataError, match="1 frames; expected at least 2"):
        Sequence(data=np.zeros((1, 6)), layout="imu6", rate_hz=50, source="a.csv")
    with pytest.raises(DataError, match="0 frames"):
        Sequence(data=np.zeros((0, 20, 3)), layout="kinect_v1", rate_hz=30)


def test_wrong_joint_count_names_layout_and_expectation() -> None:
    with pytest.raises(DataError, match=r"x\.mat: .*shape \(10, 19, 3\).*expected \(T, 20, 3\) \(20 joints\)"):
        Sequence(data=np.zeros((10, 19, 3)), layout="kinect_v1", rate_hz=30, source="x.mat")
    with pytest.raises(DataError, match=r"expected \(T, 6\) \(6 channels\)"):
        Sequence(data=np.zeros((10, 20, 3)), layout="imu6", rate_hz=30)


def test_non_numeric_data_unknown_layout_and_bad_rate() -> None:
    with pytest.raises(DataError, match="expected real numbers"):
        Sequence(data=np.array([["a"] * 6] * 3), layout="imu6", rate_hz=50)
    with pytest.raises(DataError, match="field 'layout': unknown layout 'kinect'"):
        Sequence(data=np.zeros((3, 6)), layout="kinect", rate_hz=50)
    with pytest.raises(DataError, match="field 'rate_hz'"):
        Sequence(data=np.zeros((3, 6)), layout="imu6", rate_hz=0)


def test_describe_reports_joints_or_channels() -> None:
    skel = Sequence(data=np.zeros((3, 25, 3)), layout="kinect_v2", rate_hz=30, meta={"bodies": 2})
    assert skel.describe()["joints"] == 25 and skel.describe()["bodies"] == 2
    assert Sequence(data=np.zeros((3, 6)), layout="imu6", rate_hz=50).describe()["channels"] == 6
