from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sldml import transforms
from sldml.errors import DataError
from sldml.fusion import fuse, fuse_pairs
from sldml.io import read
from sldml.representations import represent
from sldml.transforms import resample_array
from tests.conftest import make_imu, make_skeleton


def test_fusion_of_real_utd_pair_aligns_lengths_and_rows(utd_dir: Path) -> None:
    [skeleton] = read(utd_dir / "Skeleton" / "a5_s2_t3_skeleton.mat")
    [inertial] = read(utd_dir / "Inertial" / "a5_s2_t3_inertial.mat")
    assert inertial.frames > skeleton.frames  # 50 Hz against 30 Hz
    both = fuse(inertial, skeleton)
    assert both.layout == "imu6+kinect_v1" and both.modality == "fused"
    assert both.data.shape == (skeleton.frames, 2 + 20, 3) and both.rate_hz == 30.0
    assert (both.label, both.subject, both.trial) == ("throw", 2, 3)
    np.testing.assert_allclose(both.data[:, 2:], skeleton.data, atol=1e-6)  # the lower rate is kept as it is
    resampled = resample_array(inertial.data, skeleton.frames)
    np.testing.assert_allclose(both.data[:, 0], resampled[:, :3], atol=1e-5)  # accelerometer first
    np.testing.assert_allclose(both.data[:, 1], resampled[:, 3:], atol=1e-5)  # then the gyroscope
    assert both.get_layout().names[:3] == ("acc", "gyro", "head")


def test_fuse_pairs_reports_recordings_without_partner() -> None:
    skel = make_skeleton(12).replace(subject=1, trial=1, class_id=3, modality="skeleton")
    imu = make_imu(20).replace(subject=1, trial=1, class_id=3, label="x")
    lonely = make_imu(20).replace(subject=2, trial=1, class_id=3, label="x", source="lonely.mat")
    fused, unpaired = fuse_pairs([skel, imu, lonely])
    assert len(fused) == 1 and fused[0].frames == 12
    assert unpaired == ["lonely.mat: no skeleton recording of the same trial to fuse with"]
    twice = imu.replace(source="again.mat")
    fused, unpaired = fuse_pairs([skel, imu, twice])
    assert len(fused) == 1 and len(unpaired) == 1
    assert unpaired[0].startswith("again.mat: a second inertial recording of class 3, subject 1, trial 1")


def test_fuse_refuses_different_trials() -> None:
    with pytest.raises(DataError, match="field 'subject': 1 and 2; fusion needs two recordings of one trial"):
        fuse(make_imu().replace(subject=1), make_skeleton().replace(subject=2))


def test_centring_and_scaling_leave_sensor_rows_alone() -> None:
    both = fuse(make_imu(20, seed=1), make_skeleton(10, seed=2))
    centred = transforms.centre(both)
    np.testing.assert_array_equal(centred.data[:, :2], both.data[:, :2])
    np.testing.assert_allclose(centred.data[0, 2 + 3], 0, atol=1e-6)  # hip centre of the skeleton rows
    rotated = transforms.rotate_vertical(both, 30)
    np.testing.assert_array_equal(rotated.data[:, :2], both.data[:, :2])
    image = represent(both, "compact", width=10, scale="per_sensor")
    for row in (0, 1):  # each sensor row spans [0, 1] on its own
        assert image[:, row].min() == 0.0 and image[:, row].max() == 1.0
    assert image[:, 2:].min() == 0.0 and image[:, 2:].max() == 1.0
