from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sldml.errors import DataError
from sldml.io import load_folder, read
from sldml.io.openpose import read_openpose


def _person(x: float, y: float, joints: int = 25, conf: float = 0.9, pid: int = -1) -> dict[str, object]:
    flat: list[float] = []
    for j in range(joints):
        flat += [x + j, y + 2 * j, conf]
    return {"person_id": [pid], "pose_keypoints_2d": flat, "face_keypoints_2d": []}


def _frame(folder: Path, video: str, number: int, people: list[dict[str, object]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{video}_{number:012d}_keypoints.json"
    path.write_text(json.dumps({"version": 1.3, "people": people}))
    return path


def _video(folder: Path) -> list[Path]:
    """Five frames, the file of frame 3 missing; the mover walks right, the bystander stands."""
    paths = []
    for t in (0, 1, 2, 4):
        mover, bystander = _person(100.0 + 10 * t, 200.0), _person(500.0, 200.0)
        people = [bystander, mover] if t == 1 else [mover, bystander]  # OpenPose's order is not a track
        paths.append(_frame(folder, "clip", t, people))
    return paths


def test_a_video_is_one_sequence_read_from_its_first_frame_file(tmp_path: Path) -> None:
    paths = _video(tmp_path / "wave")
    [seq] = read(paths[0])
    assert read(paths[1]) == [] and read(paths[3]) == []  # later frame files give nothing
    assert seq.layout == "openpose_body25" and seq.data.shape == (5, 25, 3) and seq.get_layout().dims == 2
    assert seq.label == "wave" and seq.rate_hz == 30.0 and seq.subject is None
    np.testing.assert_allclose(seq.data[2, 1], [100.0 + 20 + 1, 200.0 + 2, 0.0])  # the mover's neck, frame 2
    np.testing.assert_allclose(seq.data[1, 0], [110.0, 200.0, 0.0])  # followed although listed second
    np.testing.assert_allclose(seq.data[3], seq.data[2])  # frame 3 had no file: taken from frame 2 (a tie)
    assert seq.meta["missing_frames"] == 1 and seq.meta["filled_joints"] == 25 and seq.meta["video"] == "clip"
    assert seq.meta["people"] == 2 and seq.meta["unseen_joints"] == 0
    report = load_folder(tmp_path)
    assert len(report.sequences) == 1 and report.skipped == [] and report.ignored == []


def test_low_confidence_joints_all_people_and_coco18(tmp_path: Path) -> None:
    folder = tmp_path / "jump"
    low = _person(0.0, 0.0, joints=18, pid=7)
    low["pose_keypoints_2d"][3 * 4 + 2] = 0.1  # type: ignore[index]  # right wrist of frame 1
    _frame(folder, "v", 0, [_person(0.0, 0.0, joints=18, pid=7), _person(300.0, 0.0, joints=18, pid=3)])
    _frame(folder, "v", 1, [low, _person(300.0, 0.0, joints=18, pid=3)])
    _frame(folder, "v", 2, [_person(0.0, 9.0, joints=18, pid=7)])
    main, other = read_openpose(folder, people="all")
    assert main.layout == "openpose_coco18" and main.data.shape == (3, 18, 3)
    assert (main.meta["track_id"], other.meta["track_id"]) == ("7", "3")
    assert main.meta["filled_joints"] == 1 and other.meta["filled_joints"] == 18  # absent in frame 2
    np.testing.assert_allclose(main.data[1, 4], [4.0, 8.0, 0.0])  # from frame 0 (nearest, earlier on a tie)
    np.testing.assert_allclose(main.data[2, 0], [0.0, 9.0, 0.0])


def test_malformed_frames(tmp_path: Path) -> None:
    person = _person(0.0, 0.0)
    person["pose_keypoints_2d"] = person["pose_keypoints_2d"][:-1]  # type: ignore[index]
    first = _frame(tmp_path / "a", "x", 0, [person])
    _frame(tmp_path / "a", "x", 1, [_person(0.0, 0.0)])
    with pytest.raises(
        DataError,
        match=r"x_000000000000_keypoints\.json: field 'people\[0\]\.pose_keypoints_2d': "
        r"74 numbers; expected 75 \(BODY_25\) or 54 \(COCO-18\)",
    ):
        read(first)
    broken = _frame(tmp_path / "b", "y", 0, [])
    broken.write_text('{"people": [}')
    with pytest.raises(DataError, match=r"y_000000000000_keypoints\.json: line 1, column 13: .*; expected JSON"):
        read(broken)
    mixed = _frame(tmp_path / "c", "z", 0, [_person(0.0, 0.0)])
    _frame(tmp_path / "c", "z", 1, [_person(0.0, 0.0, joints=18)])
    with pytest.raises(DataError, match=r"z_000000000001_keypoints\.json: 18 keypoints per person; expected 25"):
        read(mixed)
    far = _frame(tmp_path / "d", "w", 0, [_person(0.0, 0.0)])
    _frame(tmp_path / "d", "w", 999, [_person(0.0, 0.0)])
    with pytest.raises(DataError, match=r"frame numbers 0\.\.999 span 1000 frames but only 2 hold detections"):
        read(far)
    empty = _frame(tmp_path / "e", "u", 0, [])
    _frame(tmp_path / "e", "u", 1, [])
    with pytest.raises(DataError, match=r"no person in any of the video's 2 frame files"):
        read(empty)
