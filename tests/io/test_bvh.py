from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from sldml.errors import DataError
from sldml.io import detect_format, read
from sldml.io.bvh import read_bvh

ARM = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Shoulder
  {
    OFFSET 0 10 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    JOINT Elbow
    {
      OFFSET 30 0 0
      CHANNELS 3 Zrotation Xrotation Yrotation
      End Site
      {
        OFFSET 25 0 0
      }
    }
  }
}
MOTION
Frames: 4
Frame Time: 0.0333333
0 100 0 0 0 0 0 0 0 0 0 0
5 100 0 0 0 0 90 0 0 0 0 0
5 100 0 0 0 0 90 0 0 0 0 90
0 100 0 0 0 0 90 90 0 0 0 0
"""


def _write(folder: Path, text: str, name: str = "arm.bvh") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_forward_kinematics_of_a_two_bone_arm(tmp_path: Path) -> None:
    path = _write(tmp_path / "raise", ARM)
    assert detect_format(path).name == "bvh"  # type: ignore[union-attr]
    [seq] = read(path)
    assert seq.layout == "points-4" and seq.data.shape == (4, 4, 3) and seq.rate_hz == 30.0
    assert seq.meta["joints"] == ["Hips", "Shoulder", "Elbow", "Elbow_end"] and seq.meta["parents"] == [-1, 0, 1, 2]
    assert seq.label == "raise" and seq.modality == "mocap"
    cm = 0.01
    # rest: the arm points along +x from the shoulder
    np.testing.assert_allclose(seq.data[0], np.array([[0, 100, 0], [0, 110, 0], [30, 110, 0], [55, 110, 0]]) * cm)
    # shoulder turned 90 degrees about z: the arm points up; the wrist is at shoulder + (0, 30 + 25, 0)
    np.testing.assert_allclose(seq.data[1, 3], np.array([5, 165, 0]) * cm, atol=1e-9)
    # ... and the elbow turned 90 degrees about its y: the forearm (25, 0, 0) -> (0, 0, -25)
    np.testing.assert_allclose(seq.data[2, 2], np.array([5, 140, 0]) * cm, atol=1e-9)
    np.testing.assert_allclose(seq.data[2, 3], np.array([5, 140, -25]) * cm, atol=1e-9)
    # Zrotation then Xrotation is Rz Rx (intrinsic): Rx leaves the upper arm on x, Rz lifts it to y
    np.testing.assert_allclose(seq.data[3, 2], np.array([0, 140, 0]) * cm, atol=1e-9)
    [inches] = read_bvh(path, length_scale=0.0254)
    np.testing.assert_allclose(inches.data, seq.data / cm * 0.0254, rtol=1e-6)


def test_a_huge_frame_count_fails_before_allocating(tmp_path: Path) -> None:
    path = _write(tmp_path, ARM.replace("Frames: 4", "Frames: 100000000") + "0 " * 40000 + "\n")
    tracemalloc.start()
    with pytest.raises(
        DataError,
        match=r"arm\.bvh: line 22: Frames: 100000000 of 12 channels need at least "
        r"2399999999 bytes; the file has \d+ after the header",
    ):
        read(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20_000_000


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "5 100 0 0 0 0 90 0 0 0 0 0",
            "5 100 0 0 0 0 ninety 0 0 0 0 0",
            r"line 25: 'ninety' is not a number; expected 12 channel values",
        ),
        ("5 100 0 0 0 0 90 0 0 0 0 0", "5 100 0 0 0 0 90 0 0 0 0", r"line 25: 11 values; expected 12 channel values"),
        ("0 100 0 0 0 0 90 90 0 0 0 0\n", " " * 40 + "\n", r"truncated: 3 of 4 frame lines \(Frames: 4\); file ends"),
        (
            "Yrotation\n    JOINT Elbow",
            "Wrotation\n    JOINT Elbow",
            r"line 9: channel 'Wrotation'; expected Xposition",
        ),
        ("OFFSET 30 0 0", "OFFSET 30 0", r"line 12: 'CHANNELS' is not a number; expected OFFSET x y z"),
        ("  JOINT Shoulder\n  {", "  JOINT Shoulder\n  (", r"line 7: '\('; expected '\{'"),
        ("Frame Time: 0.0333333", "Frame Time: 0", r"line 22: Frames: 4, Frame Time: 0; expected N >= 1, dt > 0"),
        ("MOTION", "MOTON", r"no MOTION line; expected HIERARCHY \.\.\. MOTION"),
    ],
)
def test_malformed_lines(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in ARM
    with pytest.raises(DataError, match=r"arm\.bvh: " + message):
        read(_write(tmp_path, ARM.replace(old, new, 1)))


def test_extra_frame_lines(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"line 28: more frame lines than Frames: 4"):
        read(_write(tmp_path, ARM + "0 0 0 0 0 0 0 0 0 0 0 0\n"))
