from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from sldml.errors import DataError
from sldml.io import detect_format, read
from sldml.io.mediapipe import read_mediapipe


def _poses(frames: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(T, 33, 4) image and world landmarks of one person; landmark 15 (left wrist) hidden in frame 1."""
    k = np.arange(33)[None, :]
    t = np.arange(frames)[:, None]
    image = np.stack([0.3 + 0.01 * k + 0.1 * t, 0.2 + 0.02 * k + 0 * t, -0.1 + 0 * k + 0 * t, 0.9 + 0 * k + 0 * t], -1)
    world = np.stack([0.01 * k + 0.05 * t, -0.5 + 0.03 * k + 0 * t, 0.1 + 0 * k + 0 * t, image[..., 3]], -1)
    image[1, 15, 3] = world[1, 15, 3] = 0.2
    return image, world


def _json(folder: Path, image: np.ndarray, world: np.ndarray, name: str = "take.json") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    frames = [
        {"pose_landmarks": [i.tolist()], "pose_world_landmarks": [w.tolist()]}
        for i, w in zip(image, world, strict=True)
    ]
    path = folder / name
    path.write_text(json.dumps({"format": "mediapipe_pose", "rate_hz": 25, "frames": frames}))
    return path


def _csv(folder: Path, image: np.ndarray, world: np.ndarray | None, name: str = "take.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["frame", "pose", "landmark", "x", "y", "z", "visibility"]
            + (["world_x", "world_y", "world_z"] if world is not None else [])
        )
        for t in range(len(image)):
            for k in range(33):
                tail = list(world[t, k, :3]) if world is not None else []
                writer.writerow([t, 0, k, *image[t, k], *tail])
    return path


def test_json_world_landmarks_turned_y_up(tmp_path: Path) -> None:
    image, world = _poses()
    path = _json(tmp_path / "squat", image, world)
    assert detect_format(path).name == "mediapipe"  # type: ignore[union-attr]
    [seq] = read(path)
    assert seq.layout == "mediapipe_world" and seq.data.shape == (3, 33, 3) and seq.rate_hz == 25.0
    assert seq.label == "squat" and seq.meta["coordinates"] == "world" and seq.meta["filled_joints"] == 1
    # left shoulder (11) of frame 2: (0.11 + 0.1, -0.5 + 0.33, 0.1) turned to (-x, -y, z)
    np.testing.assert_allclose(seq.data[2, 11], [-0.21, 0.17, 0.1], atol=1e-6)
    np.testing.assert_allclose(seq.data[1, 15], seq.data[0, 15])  # hidden wrist from the nearer frame (a tie)


def test_image_landmarks_are_2d_and_the_csv_reads_like_the_json(tmp_path: Path) -> None:
    image, world = _poses()
    [from_json] = read_mediapipe(_json(tmp_path, image, world), coordinates="image")
    [from_csv] = read_mediapipe(_csv(tmp_path, image, world), coordinates="image")
    assert from_json.layout == "mediapipe" and from_json.get_layout().dims == 2
    np.testing.assert_allclose(from_json.data[2, 11], [0.3 + 0.11 + 0.2, 0.2 + 0.22, 0.0], atol=1e-6)
    np.testing.assert_allclose(from_csv.data, from_json.data, atol=1e-6)
    assert from_csv.rate_hz == 30.0  # a CSV carries no rate
    [world_csv] = read(_csv(tmp_path / "x", image, world))
    [world_json] = read(_json(tmp_path / "x", image, world))
    np.testing.assert_allclose(world_csv.data, world_json.data, atol=1e-6)
    [image_only] = read(_csv(tmp_path / "y", image, None))
    assert image_only.layout == "mediapipe"
    with pytest.raises(DataError, match="no world landmarks"):
        read_mediapipe(_csv(tmp_path / "y", image, None), coordinates="world")


def test_malformed_json(tmp_path: Path) -> None:
    image, world = _poses()
    path = _json(tmp_path, image, world)
    content = json.loads(path.read_text())
    content["frames"][1]["pose_landmarks"][0].pop()
    path.write_text(json.dumps(content))
    with pytest.raises(
        DataError,
        match=r"take\.json: field 'frames\[1\]\.pose_landmarks\[0\]': 32 landmarks; "
        r"expected 33 landmarks of \[x, y, z, visibility\]",
    ):
        read(path)
    content["frames"][1]["pose_landmarks"][0].append([0.1, "a", 0.0, 1.0])
    path.write_text(json.dumps(content))
    with pytest.raises(DataError, match=r"field 'frames\[1\]\.pose_landmarks\[0\]'\[32\]: \[0\.1, 'a', 0\.0, 1\.0\]"):
        read(path)


def test_malformed_csv(tmp_path: Path) -> None:
    image, _ = _poses()
    path = _csv(tmp_path, image, None)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[1].replace("0.9", "high"), *lines[2:]]) + "\n")
    with pytest.raises(DataError, match=r"take\.csv: line 2: column 'visibility' is 'high'; expected a number"):
        read(path)
    path.write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(DataError, match=r"take\.csv: frame 2, pose 0: 32 landmarks; expected 33 \(0-32\)"):
        read(path)
    path.write_text("\n".join([*lines, lines[5]]) + "\n")
    with pytest.raises(DataError, match=r"line 101: landmark 4 of frame 0, pose 0 appears twice"):
        read(path)
    path.write_text("frame,landmark,x,y,z,visibility,world_x\n0,0,1,1,1,1,1\n")
    with pytest.raises(DataError, match=r"line 1: header lacks world_y, world_z; expected frame,landmark"):
        read(path)
    plain = tmp_path / "numbers.csv"
    plain.write_text("1,2,3\n4,5,6\n")
    assert detect_format(plain).name == "array"  # type: ignore[union-attr]
