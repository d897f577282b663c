"""Reader for OpenPose JSON output: one file per frame, ``<video>_<frame number>_keypoints.json``.

Each file is ``{"people": [{"person_id": [-1], "pose_keypoints_2d": [x0, y0, c0, x1, ...]}, ...]}``: per
person a flat list of x, y (pixels, y down) and confidence triples, 25 keypoints for BODY_25 (75 numbers,
layout ``openpose_body25``) or 18 for COCO (54 numbers, ``openpose_coco18``); face and hand keypoints are not
read. The keypoints become (T, J, 3) with z = 0 (the layouts are 2-D). Keypoints with a confidence below
``threshold`` (0.3) are missing and filled per joint from the nearest frame where they are confident
(:mod:`sldml.io._keypoints`). OpenPose does not track people (``person_id`` is -1): detections are linked
frame to frame by nearest position, unless every detection carries a ``person_id``; the main person is
returned, or everyone with ``people="all"``.

**A folder of frame files is one sequence per video.** The frames of a video are the files that share its
prefix ``<video>_`` beside each other, in the order of their frame numbers; a number without a file is a frame
without people (at most 10 times as many frames as files). :func:`read_openpose` takes a folder (every video
in it) or any frame file (its whole video). The registered format claims every ``*_keypoints.json`` file, but
only a video's *first* frame file reads the video; its other frame files give no sequence, so a folder load
reads each video once and lists no frame file as skipped or ignored. OpenPose records no frame rate: 30 Hz
unless ``rate_hz`` is given. The label is the name of the folder holding the files (``<class>/<video>_...``).
"""

from __future__ import annotations

import glob
import re
from pathlib import Path
from typing import Any

import numpy as np

from sldml.errors import DataError
from sldml.io._keypoints import (
    CONFIDENCE,
    Array,
    People,
    Track,
    check_people,
    folder_label,
    frame_span,
    link,
    load_json,
    sequences,
)
from sldml.io.registry import register_format
from sldml.sequence import Sequence

RATE_HZ = 30.0
SUFFIX = "_keypoints.json"
LAYOUTS = {75: "openpose_body25", 54: "openpose_coco18"}
_FRAME_FILE = re.compile(r"^(?P<video>.*?)(?P<frame>\d+)_keypoints\.json$")

Detection = tuple[Array, Array, int | None]


def _parts(path: Path) -> tuple[str, int, int] | None:
    """(video prefix, frame number, digits) of a frame file's name, or ``None``."""
    match = _FRAME_FILE.match(path.name)
    return (match["video"], int(match["frame"]), len(match["frame"])) if match else None


def video_frames(path: Path) -> list[tuple[int, Path]]:
    """The frame files of the video a frame file belongs to, by frame number.

    Raises:
        DataError: If the name has no frame number.
    """
    parts = _parts(path)
    if parts is None:
        raise DataError(path, f"file name has no frame number; expected <video>_<frame number>{SUFFIX}")
    video = parts[0]
    found = []
    for sibling in path.parent.glob(f"{glob.escape(video)}*{SUFFIX}"):
        other = _parts(sibling)
        if other is not None and other[0] == video:
            found.append((other[1], sibling))
    return sorted(found)


def is_first_frame(path: Path) -> bool:
    """Whether a frame file is its video's first (cheap: one ``stat`` for all but a video's first file)."""
    parts = _parts(path)
    if parts is None:
        return True  # read, to report its name
    video, frame, digits = parts
    if frame == 0:
        return True
    if (path.parent / f"{video}{frame - 1:0{digits}d}{SUFFIX}").exists():
        return False
    return video_frames(path)[0][1] == path


def _person(path: Path, index: int, person: Any) -> Detection:
    keypoints = person.get("pose_keypoints_2d") if isinstance(person, dict) else None
    field = f"field 'people[{index}].pose_keypoints_2d'"
    if not isinstance(keypoints, list) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in keypoints
    ):
        raise DataError(path, f"{field}: expected a list of numbers (x, y, confidence per keypoint)")
    if len(keypoints) not in LAYOUTS:
        raise DataError(
            path, f"{field}: {len(keypoints)} numbers; expected 75 (BODY_25) or 54 (COCO-18): x, y, confidence each"
        )
    triples = np.asarray(keypoints, dtype=np.float64).reshape(-1, 3)
    if not np.all(np.isfinite(triples)):
        raise DataError(path, f"{field}: NaN or inf values; expected finite numbers")
    points = np.concatenate([triples[:, :2], np.zeros((len(triples), 1))], axis=1)
    ids = person.get("person_id")
    pid = ids[0] if isinstance(ids, list) and len(ids) == 1 else ids
    known = isinstance(pid, int) and not isinstance(pid, bool) and pid >= 0
    return points, triples[:, 2], pid if known else None


def read_frame(path: Path) -> list[Detection]:
    """The people of one frame file: (points (J, 3), confidences (J,), person id or ``None``).

    Raises:
        DataError: If the file is not JSON, has no ``people`` list, or a person's keypoints are malformed.
    """
    content = load_json(path)
    people = content.get("people") if isinstance(content, dict) else None
    if not isinstance(people, list):
        raise DataError(path, "field 'people': missing or not a list; expected OpenPose JSON {\"people\": [...]}")
    return [_person(path, i, person) for i, person in enumerate(people)]


def _tracks(frames: list[list[Detection]], joints: int, threshold: float) -> list[Track]:
    detections = [d for frame in frames for d in frame]
    if not all(pid is not None for _, _, pid in detections):
        return link([[(p, s) for p, s, _ in frame] for frame in frames], joints, threshold)
    tracks: dict[int, Track] = {}
    for t, frame in enumerate(frames):
        for points, scores, pid in frame:
            assert pid is not None
            track = tracks.setdefault(
                pid, Track(np.zeros((len(frames), joints, 3)), np.zeros((len(frames), joints)), str(pid))
            )
            track.points[t], track.scores[t] = points, scores
    return list(tracks.values())


def _read_video(files: list[tuple[int, Path]], people: str, threshold: float, rate_hz: float) -> list[Sequence]:
    first_file = files[0][1]
    first, count = frame_span(first_file, [n for n, _ in files])
    frames: list[list[Detection]] = [[] for _ in range(count)]
    joints = None
    for number, file in files:
        frames[number - first] = read_frame(file)
        for points, _, _ in frames[number - first]:
            if joints is None:
                joints = len(points)
            elif len(points) != joints:
                raise DataError(file, f"{len(points)} keypoints per person; expected {joints} like the video's first")
    if joints is None:
        raise DataError(first_file, f"no person in any of the video's {len(files)} frame files; expected at least one")
    video = _parts(first_file)
    meta: dict[str, object] = {
        "format": "openpose",
        "video": video[0].rstrip("_") if video else first_file.stem,
        "first_frame": first,
        "missing_frames": count - len(files),
    }
    return sequences(
        _tracks(frames, joints, threshold),
        layout=LAYOUTS[joints * 3],
        rate_hz=rate_hz,
        source=first_file,
        people=people,
        threshold=threshold,
        meta=meta,
        label=folder_label(first_file),
    )


def read_openpose(
    path: Path, people: People = "main", threshold: float = CONFIDENCE, rate_hz: float = RATE_HZ
) -> list[Sequence]:
    """Read OpenPose output: a folder (one sequence per video in it) or a frame file (its video).

    Args:
        path: A folder of ``*_keypoints.json`` files, or one of them.
        people: ``"main"`` (one sequence per video) or ``"all"`` (one per person).
        threshold: Keypoints with a lower confidence are missing (filled from other frames).
        rate_hz: Frame rate of the video.

    Raises:
        DataError: If a file is malformed (see :func:`read_frame`), the folder holds no frame files, or a
            video has no person at all.
        ConfigError: If ``people`` is not ``main`` or ``all``.
    """
    check_people(people)
    path = Path(path)
    if not path.is_dir():
        return _read_video(video_frames(path), people, threshold, rate_hz)
    firsts = sorted(p for p in path.glob(f"*{SUFFIX}") if _parts(p) is not None and is_first_frame(p))
    if not firsts:
        raise DataError(path, f"no frame files; expected <video>_<frame number>{SUFFIX} files")
    return [seq for first in firsts for seq in _read_video(video_frames(first), people, threshold, rate_hz)]


@register_format(
    "openpose",
    lambda p: p.name.endswith(SUFFIX),
    "OpenPose per-frame JSON (*_keypoints.json)",
    priority=25,  # by name alone: asked before the formats that open .json files to peek
)
def _read_registered(path: Path) -> list[Sequence]:
    return read_openpose(path) if is_first_frame(path) else []
