from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.io

from sldml.errors import DataError
from sldml.io import load_folder, read


def test_skeleton_file_matches_the_raw_matrix(utd_dir: Path) -> None:
    path = utd_dir / "Skeleton" / "a1_s1_t1_skeleton.mat"
    [seq] = read(path)
    raw = scipy.io.loadmat(str(path))["d_skel"]  # (20, 3, T)
    assert seq.data.shape == (raw.shape[2], 20, 3)
    np.testing.assert_allclose(seq.data[5, 7], raw[7, :, 5], rtol=1e-6)  # frame 5, joint 8 (left hand)
    assert (seq.label, seq.class_id, seq.subject, seq.trial) == ("swipe_left", 1, 1, 1)
    assert (seq.layout, seq.modality, seq.rate_hz) == ("kinect_v1", "skeleton", 30.0)


def test_inertial_file(utd_dir: Path) -> None:
    path = utd_dir / "Inertial" / "a27_s8_t3_inertial.mat"
    [seq] = read(path)
    raw = scipy.io.loadmat(str(path))["d_iner"]
    assert seq.data.shape == raw.shape and raw.shape[1] == 6
    np.testing.assert_allclose(seq.data, raw, rtol=1e-6)
    assert (seq.label, seq.class_id, seq.subject, seq.trial) == ("squat", 27, 8, 3)
    assert (seq.layout, seq.modality, seq.rate_hz) == ("imu6", "inertial", 50.0)


def test_whole_dataset_loads_without_skips(utd_dir: Path) -> None:
    report = load_folder(utd_dir)
    summary = report.summary()
    assert summary["by_modality"] == {"inertial": 861, "skeleton": 861}
    assert summary["classes"] == 27 and summary["subjects"] == 8
    assert report.skipped == []
    assert sorted(Path(p).name for p in report.ignored) == ["PROVENANCE.txt", "Skeleton_joint_order.txt"]
    # the three sequences the official release lacks
    assert summary["per_class"]["draw_x"] == 62 and summary["per_class"]["walk"] == 62


def test_mat_without_expected_variable(tmp_path: Path) -> None:
    path = tmp_path / "a1_s1_t1_skeleton.mat"
    scipy.io.savemat(str(path), {"skeleton": np.zeros((20, 3, 5))})
    with pytest.raises(DataError, match=r"a1_s1_t1_skeleton\.mat: variable 'd_skel' missing.*found: skeleton"):
        read(path)


def test_mat_with_wrong_shape(tmp_path: Path) -> None:
    path = tmp_path / "a1_s1_t1_skeleton.mat"
    scipy.io.savemat(str(path), {"d_skel": np.zeros((25, 3, 5))})
    with pytest.raises(DataError, match=r"variable 'd_skel': shape \(25, 3, 5\); expected \(20, 3, T\)"):
        read(path)


def test_truncated_mat(tmp_path: Path, utd_dir: Path) -> None:
    source = utd_dir / "Inertial" / "a1_s1_t1_inertial.mat"
    path = tmp_path / source.name
    path.write_bytes(source.read_bytes()[:200])
    with pytest.raises(DataError, match=r"a1_s1_t1_inertial\.mat: not a readable MATLAB \.mat file"):
        read(path)


def test_nan_in_mat_is_reported(tmp_path: Path) -> None:
    data = np.zeros((10, 6))
    data[4, 1] = np.nan
    path = tmp_path / "a2_s3_t4_inertial.mat"
    scipy.io.savemat(str(path), {"d_iner": data})
    with pytest.raises(DataError, match=r"non-finite values .* frame 4"):
        read(path)


def test_folder_reports_each_bad_file_and_keeps_the_rest(tmp_path: Path, utd_dir: Path) -> None:
    shutil.copy(utd_dir / "Skeleton" / "a1_s1_t1_skeleton.mat", tmp_path)
    scipy.io.savemat(str(tmp_path / "a2_s1_t1_skeleton.mat"), {"other": np.zeros(3)})
    (tmp_path / "a3_s1_t1_skeleton.mat").write_bytes(b"MATLAB 5.0 truncated")
    report = load_folder(tmp_path)
    assert [s.label for s in report.sequences] == ["swipe_left"]
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(reasons) == {"a2_s1_t1_skeleton.mat", "a3_s1_t1_skeleton.mat"}
    assert "variable 'd_skel' missing" in reasons["a2_s1_t1_skeleton.mat"]
