from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sldml.errors import DataError
from sldml.io import detect_format, load_folder, read
from sldml.io.coco import read_coco_keypoints


def _keypoints(x: float, y: float, score: float = 0.9) -> list[float]:
    flat: list[float] = []
    for j in range(17):
        flat += [x + j, y + 3 * j, score]
    return flat


def _write(folder: Path, detections: list[dict[str, Any]], name: str = "video.json") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(detections, indent=1))
    return path


def test_alphapose_results_with_ids(tmp_path: Path) -> None:
    detections = []
    for t in range(4):
        detections.append(
            {"image_id": f"{t}.jpg", "category_id": 1, "keypoints": _keypoints(50.0 * t, 0.0), "score": 2.9, "idx": [1]}
        )
        if t != 2:
            detections.append(
                {
                    "image_id": f"{t}.jpg",
                    "category_id": 1,
                    "keypoints": _keypoints(900.0, 0.0),
                    "score": 2.1,
                    "idx": [2.0],
                }
            )
    detections[0]["keypoints"][3 * 9 + 2] = 0.05  # left wrist of the mover, frame 0: filled from frame 1
    path = _write(tmp_path / "run", detections)
    assert detect_format(path).name == "coco_keypoints"  # type: ignore[union-attr]
    [seq] = read(path)
    assert seq.layout == "coco17" and seq.data.shape == (4, 17, 3) and seq.label == "run"
    assert seq.meta["track_id"] == "1" and seq.meta["people"] == 2 and seq.meta["filled_joints"] == 1
    np.testing.assert_allclose(seq.data[3, 5], [150.0 + 5, 15.0, 0.0])  # left shoulder, frame 3
    np.testing.assert_allclose(seq.data[0, 9], seq.data[1, 9])
    mover, bystander = read_coco_keypoints(path, people="all")
    np.testing.assert_array_equal(mover.data, seq.data)
    assert bystander.meta["track_id"] == "2" and bystander.meta["filled_joints"] == 17  # absent in frame 2
    np.testing.assert_allclose(bystander.data[2], bystander.data[1])


def test_mmpose_frames_without_ids_are_linked_by_position(tmp_path: Path) -> None:
    detections = []
    for t in range(3):
        pair = [
            {"frame_id": 10 + t, "keypoints": _keypoints(20.0 * t, 0.0)},
            {"frame_id": 10 + t, "keypoints": _keypoints(700.0, 400.0)},
        ]
        detections += pair[::-1] if t == 1 else pair
    [seq] = read(_write(tmp_path / "walk", detections))
    np.testing.assert_allclose(seq.data[:, 0, 0], [0.0, 20.0, 40.0])  # the mover, whatever the list order
    assert seq.meta["first_frame"] == 10 and seq.meta["people"] == 2


def test_claims_only_lists_of_keypoints(tmp_path: Path) -> None:
    other = tmp_path / "config.json"
    other.write_text(json.dumps({"keypoints": [1, 2, 3]}))
    assert detect_format(other) is None
    assert load_folder(tmp_path).ignored == [str(other)]


@pytest.mark.parametrize(
    ("detection", "message"),
    [
        ({"image_id": 1, "keypoints": [1.0] * 50}, r"detection \[1\] field 'keypoints': 50 numbers; expected 51"),
        ({"keypoints": _keypoints(0, 0)}, r"detection \[1\] field 'image_id': None; expected a frame number"),
        (
            {"image_id": "cover.jpg", "keypoints": _keypoints(0, 0)},
            r"detection \[1\] field 'image_id': 'cover\.jpg'; expected a frame",
        ),
        ({"image_id": 1, "keypoints": _keypoints(0, 0), "track_id": 4}, r"1 of 2 detections carry a person id"),
        ({"image_id": 1, "keypoints": "none"}, r"detection \[1\] field 'keypoints': expected a list of numbers"),
    ],
)
def test_malformed_detections(tmp_path: Path, detection: dict[str, Any], message: str) -> None:
    path = _write(tmp_path, [{"image_id": 0, "keypoints": _keypoints(0, 0)}, detection])
    with pytest.raises(DataError, match=r"video\.json: " + message):
        read(path)


def test_one_person_twice_in_a_frame(tmp_path: Path) -> None:
    same = {"image_id": 0, "keypoints": _keypoints(0, 0), "track_id": 1}
    with pytest.raises(DataError, match=r"detection \[1\]: person 1 appears twice in frame 0"):
        read(_write(tmp_path, [same, same]))
