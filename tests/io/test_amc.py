from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sldml.errors import DataError
from sldml.io import detect_format, load_folder, read
from sldml.io.amc import actor_number, read_amc
from sldml.layouts import CMU31

ASF = """# hand-made: an upper arm and a forearm
:version 1.10
:name arm
:units
  mass 1.0
  length 0.5
  angle deg
:documentation
  two bones along x
:root
   order TX TY TZ RX RY RZ
   axis XYZ
   position 0 0 0
   orientation 0 0 0
:bonedata
  begin
     id 1
     name upperarm
     direction 1 0 0
     length 10
     axis 0 0 0  XYZ
     dof rx ry rz
     limits (-180.0 180.0)
            (-180.0 180.0)
            (-180.0 180.0)
  end
  begin
     id 2
     name forearm
     direction 1 0 0
     length 8
     axis 0 0 90  XYZ
     dof rx
  end
:hierarchy
  begin
    root upperarm
    upperarm forearm
  end
"""

AMC = """#!OML:ASF HDM_xy.asf
:FULLY-SPECIFIED
:DEGREES
1
root 0 20 0 0 0 0
upperarm 0 0 0
forearm 0
2
root 0 20 0 0 0 0
upperarm 0 0 90
forearm 0
3
root 0 20 0 0 0 0
upperarm 0 0 0
forearm 90
4
root 5 20 0 0 90 0
upperarm 0 0 0
forearm 0
"""

UNIT = 0.0254 / 0.5  # metres per file unit: inches / the length scale


def _pair(folder: Path, amc: str = AMC, asf: str = ASF, name: str = "HDM_xy_grabHighR_003_120.amc") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "HDM_xy.asf").write_text(asf)
    path = folder / name
    path.write_text(amc)
    return path


def test_forward_kinematics_of_a_hand_made_arm(tmp_path: Path) -> None:
    path = _pair(tmp_path)
    assert detect_format(path).name == "asf_amc"  # type: ignore[union-attr]
    [seq] = read(path)
    assert seq.layout == "points-3" and seq.data.shape == (4, 3, 3) and seq.modality == "mocap"
    assert seq.meta["joints"] == ["root", "upperarm", "forearm"] and seq.meta["skeleton"] == "HDM_xy.asf"
    expected = [
        [[0, 20, 0], [10, 20, 0], [18, 20, 0]],  # rest: along x
        [[0, 20, 0], [0, 30, 0], [0, 38, 0]],  # upper arm turned 90 degrees about z: the arm points up
        # forearm rx 90 in its frame, whose x is the parent's y (axis 0 0 90): a turn about y, (8, 0, 0) -> (0, 0, -8)
        [[0, 20, 0], [10, 20, 0], [10, 20, -8]],
        [[5, 20, 0], [5, 20, -10], [5, 20, -18]],  # root moved and turned 90 degrees about y
    ]
    np.testing.assert_allclose(seq.data, np.asarray(expected) * UNIT, atol=1e-6)


def test_hdm05_names(tmp_path: Path) -> None:
    [seq] = read(_pair(tmp_path))
    assert (seq.label, seq.subject, seq.trial, seq.rate_hz) == ("grabHighR", actor_number("xy"), 3, 120.0)
    assert seq.meta["actor"] == "xy"
    assert [actor_number(a) for a in ("bd", "bk", "dg", "mm", "tr")] == [1, 2, 3, 4, 5]
    assert (actor_number("aa"), actor_number("ab"), actor_number("be"), actor_number("bob")) == (6, 7, 35, None)
    [cmu] = read(_pair(tmp_path / "cmu", name="05_12.amc"))  # no prefix .asf: the folder's only one
    assert (cmu.label, cmu.subject, cmu.trial, cmu.rate_hz) == ("cmu", 5, 12, 120.0)
    assert read_amc(tmp_path / "cmu" / "05_12.amc", rate_hz=60.0)[0].rate_hz == 60.0


def test_asf_files_are_ignored_not_skipped(tmp_path: Path) -> None:
    _pair(tmp_path)
    report = load_folder(tmp_path)
    assert len(report.sequences) == 1 and report.skipped == [] and report.ignored == [str(tmp_path / "HDM_xy.asf")]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("upperarm 0 0 90", "upperarm 0 90", r"line 10: 2 values; expected 3 values for upperarm"),
        ("forearm 90", "forearm ninety", r"line 15: 'ninety' is not a number; expected 1 values for forearm"),
        ("forearm 90\n", "", r"line 12: frame 3 lacks forearm; expected every joint"),
        ("upperarm 0 0 0\nforearm 90", "elbow 0 0 0\nforearm 90", r"line 14: 'elbow' is not a joint with a dof"),
        ("\n4\n", "\n5\n", r"line 16: frame 5 after frame 3; expected 4"),
    ],
)
def test_malformed_amc(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in AMC
    with pytest.raises(DataError, match=r"HDM_xy_grabHighR_003_120\.amc: " + message):
        read(_pair(tmp_path, amc=AMC.replace(old, new, 1)))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("direction 1 0 0\n     length 8", "length 8", r"line 27: bone 'forearm' lacks field 'direction'"),
        ("upperarm forearm", "upperarm hand", r"line 38: 'hand' is not a bone of :bonedata"),
        ("length 10", "length ten", r"line 20: 'ten' is not a number; expected 'length <number>'"),
        ("length 0.5", "length 0", r"line 6: length scale 0\.0; expected > 0"),
        ("axis 0 0 90  XYZ", "axis 0 0 90  XYW", r"line 32: axis order 'XYW'; expected a permutation of XYZ"),
    ],
)
def test_malformed_asf(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in ASF
    with pytest.raises(DataError, match=r"HDM_xy\.asf: " + message):
        read(_pair(tmp_path, asf=ASF.replace(old, new, 1)))


def test_no_skeleton(tmp_path: Path) -> None:
    path = tmp_path / "take.amc"
    path.write_text(AMC)
    (tmp_path / "a.asf").write_text(ASF)
    (tmp_path / "b.asf").write_text(ASF)
    with pytest.raises(
        DataError,
        match=r"take\.amc: no skeleton: expected an \.asf whose name starts 'take', "
        r"or a single \.asf beside it; found: a\.asf, b\.asf",
    ):
        read(path)


def test_real_hdm05_take(hdm05_dir: Path) -> None:
    [seq] = read(hdm05_dir / "train" / "1" / "HDM_bd_depositFloorR_001_120.amc")
    assert seq.layout == "cmu31" and seq.data.shape == (301, 31, 3) and seq.rate_hz == 120.0
    assert (seq.label, seq.subject, seq.trial, seq.meta["actor"]) == ("depositFloorR", 1, 1, "bd")
    femur = np.linalg.norm(seq.data[:, CMU31.index("lfemur")] - seq.data[:, CMU31.index("lhipjoint")], axis=-1)
    np.testing.assert_allclose(femur, 7.34031 / 0.45 * 0.0254, rtol=1e-5)  # HDM_bd.asf's lfemur length
    # frame 1's root line is "root 5.19708 17.2839 -4.18609 ...": inches / 0.45, in metres; y is up
    np.testing.assert_allclose(seq.data[0, 0], np.array([5.19708, 17.2839, -4.18609]) / 0.45 * 0.0254, rtol=1e-5)
    assert seq.data[0, CMU31.index("head"), 1] > 1.4 and 0.0 < seq.data[0, CMU31.index("ltoes"), 1] < 0.1


def test_real_hdm05_folder_with_an_upper_case_extension(hdm05_dir: Path) -> None:
    report = load_folder(hdm05_dir / "train" / "9")
    assert report.skipped == [] and {Path(p).suffix for p in report.ignored} == {".asf"}
    upper = [s for s in report.sequences if s.source and s.source.endswith(".AMC")]
    assert len(upper) == 1 and upper[0].label == "sneak2StepsLStart" and upper[0].trial == 6
    assert {s.subject for s in report.sequences} == {1, 2, 3}
