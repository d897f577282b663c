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


def _careful_or_error(path: Path, text: str) -> object:
    from sldml.io.ntu import _careful_tracks

    try:
        return _careful_tracks(path, text)
    except DataError as err:
        return err


def _same_tracks(a: object, b: object) -> bool:
    n_a, tracks_a = a  # type: ignore[misc]
    n_b, tracks_b = b  # type: ignore[misc]
    if n_a != n_b or list(tracks_a) != list(tracks_b):
        return False
    for body in tracks_a:
        if list(tracks_a[body]) != list(tracks_b[body]):
            return False
        if not all(np.array_equal(tracks_a[body][f], tracks_b[body][f], equal_nan=True) for f in tracks_a[body]):
            return False
    return True


def test_fast_parse_equals_the_careful_parse_on_real_files(ntu_dir: Path) -> None:
    from sldml.io.ntu import _fast_tracks

    for path in sorted(ntu_dir.glob("*.skeleton")):
        text = path.read_bytes().decode()
        fast = _fast_tracks(text)
        assert fast is not None, f"{path.name}: the fast path should read a real file"
        assert _same_tracks(fast, _careful_or_error(path, text)), path.name


UNUSUAL = {
    "signed frame count": lambda lines: ["+3", *lines[1:]],
    "joint count 025": lambda lines: [*lines[:3], "025", *lines[4:]],
    "tabs": lambda lines: [line.replace(" ", "\t") for line in lines],
    "double spaces": lambda lines: [line.replace(" ", "  ") for line in lines],
    "trailing spaces": lambda lines: [line + "  " for line in lines],
    "underscore number": lambda lines: [*lines[:4], "0.1 0.2 1_0 0 0 0 0 0 0 0 0 2", *lines[5:]],
    "nan": lambda lines: [*lines[:4], "nan 0.2 0.3 0 0 0 0 0 0 0 0 2", *lines[5:]],
    "hex float": lambda lines: [*lines[:4], "0x1p3 0.2 0.3 0 0 0 0 0 0 0 0 2", *lines[5:]],
    "13 values": lambda lines: [*lines[:4], "0.1 0.2 0.3 0 0 0 0 0 0 0 0 2 9", *lines[5:]],
    "11 values everywhere": lambda lines: [line.rsplit(" ", 1)[0] if line.count(" ") == 11 else line for line in lines],
    "blank joint line": lambda lines: [*lines[:4], "", *lines[5:]],
    "comment sign": lambda lines: [*lines[:4], "0.1 0.2 0.3 0 0 0 0 0 0 0 0 2 # x", *lines[5:]],
    "unicode space": lambda lines: [*lines[:4], "0.1\u20030.2 0.3 0 0 0 0 0 0 0 0 2", *lines[5:]],
    "exponent": lambda lines: [*lines[:4], "1e-5 -2.5E+01 .5 0 0 0 0 0 0 0 0 2", *lines[5:]],
    "body count too big": lambda lines: [lines[0], "99999", *lines[2:]],
    "missing last line": lambda lines: lines[:-1],
    "content after": lambda lines: [*lines, "1"],
    "blank lines after": lambda lines: [*lines, "", "  "],
    "two bodies with one id": lambda lines: [lines[0], "2", *lines[2:29], *lines[2:29], *lines[29:]],
}


@pytest.mark.parametrize("case", sorted(UNUSUAL))
def test_fast_parse_accepts_only_what_the_careful_parse_accepts(tmp_path: Path, case: str) -> None:
    """Whatever the fast path returns equals the careful parse; where the careful one refuses, it returns None."""
    from sldml.io.ntu import _fast_tracks

    lines = ["3"]
    for t in range(3):
        lines += ["1", "7 0 1 1 1 1 0 0.1 -0.2 2", "25"]
        lines += [f"{0.1 * t + j / 100:.4f} 0.2 3.1 250.1 200.2 1000.5 500.25 0.1 0.2 0.3 0.9 2" for j in range(25)]
    text = "\r\n".join(UNUSUAL[case](lines)) + "\r\n"
    path = tmp_path / "S001C001P001R001A001.skeleton"
    careful = _careful_or_error(path, text)
    fast = _fast_tracks(text)
    if isinstance(careful, DataError):
        assert fast is None, f"{case}: the fast path accepted what the careful one refuses ({careful})"
    else:
        assert fast is None or _same_tracks(fast, careful), case


def test_fast_parse_under_random_damage(tmp_path: Path, ntu_dir: Path) -> None:
    from sldml.io.ntu import _fast_tracks

    valid = ["13", *(ntu_dir / "S001C003P008R002A058.skeleton").read_bytes().decode().splitlines()[1 : 1 + 13 * 55]]
    rng = np.random.default_rng(0)
    alphabet = list("0123456789 .-+eE\t\nxn_")
    accepted = 0
    for _ in range(150):
        chars = list("\n".join(valid) + "\n")
        for _ in range(int(rng.integers(1, 4))):
            at = int(rng.integers(0, len(chars)))
            kind = rng.integers(0, 3)
            if kind == 0:
                chars[at] = str(rng.choice(alphabet))
            elif kind == 1:
                del chars[at]
            else:
                chars.insert(at, str(rng.choice(alphabet)))
        text = "".join(chars)
        careful = _careful_or_error(tmp_path / "x.skeleton", text)
        fast = _fast_tracks(text)
        if isinstance(careful, DataError):
            assert fast is None, f"accepted a file the careful parser refuses: {careful}"
        elif fast is not None:
            accepted += 1
            assert _same_tracks(fast, careful)
    assert accepted > 10  # many damaged files are still valid (a digit changed): the fast path took those
