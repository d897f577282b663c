from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sldml.errors import DataError
from sldml.io import detect_format, read
from sldml.io.pyskl import read_pyskl


def _coco_annotation(frame_dir: str = "S001C002P003R002A005", label: int = 4) -> dict[str, Any]:
    frames = 5
    keypoint = np.zeros((2, frames, 17, 2), dtype=np.float32)
    keypoint[0] = np.arange(17 * 2).reshape(17, 2) + 10.0 * np.arange(frames)[:, None, None]  # moves along
    keypoint[1] = 500.0  # a bystander who stands still
    score = np.ones((2, frames, 17), dtype=np.float32)
    score[0, 2, 9] = 0.1  # left wrist of frame 2: not confident, filled from a neighbour
    score[0, :, 3] = 0.05  # left ear: never confident
    return {
        "frame_dir": frame_dir,
        "label": label,
        "keypoint": keypoint,
        "keypoint_score": score,
        "total_frames": frames,
        "img_shape": (1080, 1920),
    }


def _write(tmp_path: Path, content: object, name: str = "ntu_hrnet.pkl") -> Path:
    path = tmp_path / name
    path.write_bytes(pickle.dumps(content, protocol=4))
    return path


def test_a_2d_annotation_becomes_a_coco17_sequence_of_the_main_person(tmp_path: Path) -> None:
    other = _coco_annotation("S002C001P007R001A010", label=9)
    content = {
        "split": {"xsub_train": ["S001C002P003R002A005"], "xsub_val": []},
        "annotations": [_coco_annotation(), other],
    }
    path = _write(tmp_path, content)
    assert detect_format(path) is not None and detect_format(path).name == "pyskl"  # type: ignore[union-attr]
    first, second = read(path)
    assert first.layout == "coco17" and first.data.shape == (5, 17, 3) and first.get_layout().dims == 2
    assert (first.label, first.class_id, first.subject, first.trial) == ("4", 4, 3, 2)
    assert (second.label, second.subject) == ("9", 7)
    np.testing.assert_allclose(first.data[3, 5], [10.0 + 30.0, 11.0 + 30.0, 0.0])  # left shoulder, frame 3
    # wrist (joint 9) of frame 2 is taken from frame 1 (the nearer earlier frame wins a tie)
    np.testing.assert_allclose(first.data[2, 9], first.data[1, 9])
    assert first.meta["filled_joints"] == 1 and first.meta["unseen_joints"] == 1
    assert np.all(first.data[:, 3] == 0)  # the ear, never seen
    assert first.meta["split"] == ["xsub_train"] and second.meta["split"] == []
    assert first.meta["img_shape"] == [1080, 1920] and first.meta["people"] == 2 and first.rate_hz == 30.0


def test_all_people_and_class_names(tmp_path: Path) -> None:
    path = _write(tmp_path, {"split": {}, "annotations": [_coco_annotation(label=1)], "classes": ["a", "wave"]})
    main, bystander = read_pyskl(path, people="all")
    assert main.label == "wave" and main.meta["person"] == 0 and bystander.meta["person"] == 1
    np.testing.assert_allclose(bystander.data[0, 0], [500.0, 500.0, 0.0])


def test_3d_ntu_annotation_without_scores(tmp_path: Path) -> None:
    keypoint = np.zeros((2, 4, 25, 3), dtype=np.float32)
    keypoint[0] = np.linspace(0, 1, 4 * 25 * 3).reshape(4, 25, 3)
    keypoint[0, 3] = 0.0  # pyskl pads a person's missing frames with zeros
    ann = {"frame_dir": "S001C001P001R001A001", "label": 0, "keypoint": keypoint, "total_frames": 4}
    path = _write(tmp_path, [ann], "ntu_3danno.pickle")  # an mmaction2-style bare list
    [seq] = read_pyskl(path, people="all")  # the second person is only padding
    assert seq.layout == "kinect_v2" and seq.frames == 4 and seq.meta["filled_joints"] == 25
    np.testing.assert_allclose(seq.data[3], keypoint[0, 2])
    assert seq.meta["split"] == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"keypoint": None}, r"field 'keypoint': NoneType; expected a numeric array \(M, T, V, C\)"),
        ({"total_frames": 6}, r"field 'total_frames': 6; expected 5 \(the keypoint's T\)"),
        (
            {"keypoint": np.zeros((1, 5, 19, 2)), "keypoint_score": np.ones((1, 5, 19))},
            r"field 'keypoint': 19 2-D joints",
        ),
        ({"keypoint_score": np.ones((2, 5, 16))}, r"field 'keypoint_score': shape \(2, 5, 16\); expected \(2, 5, 17\)"),
        ({"label": "wave"}, r"field 'label': 'wave'; expected a class index >= 0"),
    ],
)
def test_malformed_annotations(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    bad = {**_coco_annotation(), **change}
    path = _write(tmp_path, {"split": {}, "annotations": [_coco_annotation(), bad]})
    with pytest.raises(DataError, match=r"ntu_hrnet\.pkl: annotations\[1\] \(S001C002P003R002A005\): " + message):
        read(path)


def test_a_pickle_of_something_else(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"top level is dict; expected a dict with 'split' and 'annotations'"):
        read(_write(tmp_path, {"weights": np.zeros(3)}))
