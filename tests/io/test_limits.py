"""Sizes a file declares are checked before anything is allocated; traversal out of a dataset folder is refused."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sldml.errors import DataError
from sldml.io import load_folder, read
from sldml.io.untracked import fill_zero_frames
from sldml.sequence import Sequence

LIMITED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))
from sldml.cli import main
sys.argv = ["sldml", "info", sys.argv[1]]
main()
"""


@pytest.mark.parametrize("kind", ["ntu", "npy"])
def test_a_file_declaring_1e8_frames_fails_in_one_line_under_a_2gb_memory_limit(tmp_path: Path, kind: str) -> None:
    if kind == "ntu":
        path = tmp_path / "S001C001P001R001A001.skeleton"
        joint = "0.1 0.2 0.3 0 0 0 0 0 0 0 0 2\n"
        path.write_text("100000000\n" + ("1\n7 0 1 1 1 1 0 0.1 -0.2 2\n25\n" + joint * 25) * 300)
    else:
        path = tmp_path / "huge.npy"
        buffer = io.BytesIO()
        np.lib.format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False, "shape": (10**8, 25, 3)})
        path.write_bytes(buffer.getvalue() + bytes(100_000))
    assert path.stat().st_size < 300_000
    done = subprocess.run([sys.executable, "-c", LIMITED, str(path)], capture_output=True, text=True, timeout=120)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert lines[0].startswith(f"error: {path}:") and "100000000" in lines[0]


def test_a_manifest_cannot_name_a_file_outside_its_folder(tmp_path: Path) -> None:
    outside = tmp_path / "private"
    outside.mkdir()
    np.save(outside / "theirs.npy", np.ones((5, 20, 3)))
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    np.save(data / "sub" / "mine.npy", np.ones((5, 20, 3)))
    os.symlink(outside / "theirs.npy", data / "link.npy")
    rows = ["sub/mine.npy", "../private/theirs.npy", str(outside / "theirs.npy"), "link.npy", "sub/../sub/mine.npy"]
    (data / "manifest.csv").write_text("path,label\n" + "".join(f"{r},x\n" for r in rows[:4]))
    report = load_folder(data)
    assert [s.source for s in report.sequences] == [str((data / "sub" / "mine.npy").resolve())]
    assert [s.path for s in report.skipped] == rows[1:4]
    assert all("leads outside the dataset folder" in s.reason for s in report.skipped)
    (data / "manifest.csv").write_text("path,label\n" + "".join(f"{r},x\n" for r in (rows[0], rows[4])))
    with pytest.raises(DataError, match=r"'sub/\.\./sub/mine\.npy' is listed twice \(lines 2 and 3\)"):
        load_folder(data)  # the same file under two names


def test_all_zero_frames_are_untracked_and_filled_from_the_nearest_pose() -> None:
    data = np.arange(6 * 20 * 3, dtype=float).reshape(6, 20, 3) + 1.0
    data[[0, 3, 4]] = 0.0
    seq = fill_zero_frames(Sequence(data, "kinect_v1", 30.0, meta={"filled_frames": 2}))
    assert seq.meta["zero_frames"] == 3 and seq.meta["filled_frames"] == 5
    np.testing.assert_array_equal(seq.data[[0, 3, 4]], data[[1, 2, 5]])  # nearest pose, the earlier one on a tie
    imu = Sequence(np.zeros((5, 6)), "imu6", 50.0)  # channel data: a zero reading is a reading
    assert fill_zero_frames(imu) is imu
    with pytest.raises(DataError, match=r"all 4 frames are zero"):
        fill_zero_frames(Sequence(np.zeros((4, 20, 3)), "kinect_v1", 30.0))


def test_reading_a_file_fills_its_zero_frames(tmp_path: Path) -> None:
    data = np.random.default_rng(0).normal(size=(8, 20, 3))
    data[2] = 0.0
    np.save(tmp_path / "walk.npy", data)
    [seq] = read(tmp_path / "walk.npy")
    assert seq.meta["zero_frames"] == 1 and np.allclose(seq.data[2], data[1])
    (tmp_path / "manifest.csv").write_text("path,label\nwalk.npy,walk\n")
    assert load_folder(tmp_path).summary()["zero_frames"] == 1
