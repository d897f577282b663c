from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sldml.errors import DataError
from sldml.io import read
from sldml.io.ntu import parse_bodies, read_ntu_skeleton

EXPECTED = {
    "S001C001P001R001A011": (82, 1, "reading"),
    "S001C003P008R002A058": (70, 2, "handshaking"),
    "S002C001P003R001A003": (100, 1, "brushing teeth"),
    "S003C001P015R001A034": (71, 1, "rub two hands together"),
    "S004C002P003R001A017": (124, 1, "take off a shoe"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_samples_frame_and_body_counts(ntu_dir: Path, name: str) -> None:
    frames, bodies, label = EXPECTED[name]
    [seq] = read(ntu_dir / f"{name}.skeleton")
    assert seq.frames == frames and seq.meta["bodies"] == bodies and seq.label == label
    assert seq.data.shape == (frames, 25, 3) and seq.layout == "kinect_v2"
    assert (seq.subject, seq.trial, seq.class_id) == (int(name[9:12]), int(name[13:16]), int(name[17:20]))


def test_first_joint_matches_the_text(ntu_dir: Path) -> None:
    path = ntu_dir / "S001C003P008R002A058.skeleton"
    lines = path.read_text().splitlines()
    first = [float(v) for v in lines[4].split()[:3]]  # frame 1, body 1, joint 1
    _, tracks = parse_bodies(path)
    body_ids = list(tracks)
    assert body_ids[0] == lines[2].split()[0]
    np.testing.assert_allclose(tracks[body_ids[0]][0, 0], first)


def test_two_body_modes(ntu_dir: Path) -> None:
    path = ntu_dir / "S001C003P008R002A058.skeleton"
    [pair] = read_ntu_skeleton(path, bodies="pair")
    each = read_ntu_skeleton(path, bodies="each")
    assert pair.layout == "kinect_v2_pair" and pair.data.shape == (70, 50, 3)
    assert len(each) == 2
    np.testing.assert_array_equal(pair.data[:, :25], each[0].data)
    np.testing.assert_array_equal(pair.data[:, 25:], each[1].data)
    assert not np.allclose(each[0].data, each[1].data)  # two different people
    [single_pair] = read_ntu_skeleton(ntu_dir / "S001C001P001R001A011.skeleton", bodies="pair")
    assert np.all(single_pair.data[:, 25:] == 0)


def _joint_lines(value: float) -> list[str]:
    return [f"{value} {value + 1} {value + 2} 0 0 0 0 0 0 0 0 2" for _ in range(25)]


def _frame(body: str, value: float) -> list[str]:
    return ["1", f"{body} 0 1 1 1 1 0 0.1 -0.2 2", "25", *_joint_lines(value)]


def _write(tmp_path: Path, lines: list[str], name: str = "S001C001P001R001A001.skeleton") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_empty_frames_are_filled_from_the_nearest_tracked_frame(tmp_path: Path) -> None:
    lines = ["5", "0", *_frame("7", 1.0), "0", *_frame("7", 3.0), "0"]
    [seq] = read(_write(tmp_path, lines))
    assert seq.frames == 5 and seq.meta["filled_frames"] == 3
    np.testing.assert_allclose(seq.data[:, 0, 0], [1.0, 1.0, 1.0, 3.0, 3.0])
    assert seq.label == "drink water"


def test_main_actor_is_the_one_that_moves(tmp_path: Path) -> None:
    lines = ["3"]
    for t in range(3):
        lines += ["2", "11 0 1 1 1 1 0 0.1 -0.2 2", "25", *_joint_lines(0.0)]
        lines += ["22 0 1 1 1 1 0 0.1 -0.2 2", "25", *_joint_lines(float(t))]
    [seq] = read(_write(tmp_path, lines))
    np.testing.assert_allclose(seq.data[:, 0, 0], [0.0, 1.0, 2.0])


def test_truncated_file(tmp_path: Path, ntu_dir: Path) -> None:
    text = (ntu_dir / "S001C001P001R001A011.skeleton").read_text().splitlines()
    path = _write(tmp_path, text[:100], "S001C001P001R001A011.skeleton")
    with pytest.raises(DataError, match=r"S001C001P001R001A011\.skeleton: truncated: file ends after line 100"):
        read(path)


def test_non_numeric_value(tmp_path: Path) -> None:
    lines = ["1", *_frame("7", 1.0)]
    lines[5] = "0.1 abc 0.3 0 0 0 0 0 0 0 0 2"
    with pytest.raises(DataError, match=r"line 6: 'abc' is not a number; expected 12 numbers"):
        read(_write(tmp_path, lines))


def test_wrong_joint_count(tmp_path: Path) -> None:
    lines = ["1", "1", "7 0 1 1 1 1 0 0.1 -0.2 2", "24", *_joint_lines(1.0)[:24]]
    with pytest.raises(DataError, match=r"line 4: joint count 24; expected 25 \(Kinect v2\)"):
        read(_write(tmp_path, lines))


def test_zero_frames_and_no_bodies(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="frame count 0; expected at least 1 frame"):
        read(_write(tmp_path, ["0"]))
    with pytest.raises(DataError, match="no body is tracked in any of the 2 frames"):
        read(_write(tmp_path, ["2", "0", "0"]))


def test_content_after_last_frame(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="unexpected content after the last of 1 frames"):
        read(_write(tmp_path, ["1", *_frame("7", 1.0), "1"]))
