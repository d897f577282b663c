"""Reader for COCO-17 keypoint results of a video, as MMPose, RTMPose, AlphaPose or YOLO-pose write them.

The file is a JSON list of detections, one per person and frame::

    [{"image_id": 0, "category_id": 1, "keypoints": [x0, y0, s0, ..., x16, y16, s16], "score": 0.93,
      "track_id": 2}, ...]

* ``keypoints``: 17 COCO keypoints (nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles) as 51
  numbers, x and y in pixels (y down) and a score; they become (T, 17, 3) with z = 0 (layout ``coco17``, 2-D).
* The frame: ``frame_id``, ``frame_idx`` or ``frame`` if present, else ``image_id``: a whole number, or the last
  number in a name (AlphaPose's ``"12.jpg"``, ``"frame_000012.png"``). The sequence runs from the first to the
  last frame; frames without a detection of a person are missing for it (at most 10 times as many frames as
  there are frames with detections).
* The person: ``track_id``, ``idx`` (AlphaPose; a number or a one-number list) or ``person_id``, when every
  detection has one; without ids, detections are linked frame to frame by nearest position.

Keypoints scored below ``threshold`` (0.3) are missing and filled per joint from the nearest frame where they
are confident (:mod:`sldml.io._keypoints`). One file is one video: the main person's sequence, or everyone's
with ``people="all"``. The frame rate is not in the file (30 Hz unless ``rate_hz`` is given); the label is the
name of the folder holding the file (``<class>/<video>.json``).
"""

from __future__ import annotations

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
from sldml.layouts import COCO17
from sldml.sequence import Sequence

RATE_HZ = 30.0
FRAME_KEYS = ("frame_id", "frame_idx", "frame", "image_id")
ID_KEYS = ("track_id", "idx", "person_id")
_PEEK = 4096


def _claims(path: Path) -> bool:
    if path.suffix.lower() != ".json" or path.name.endswith("_keypoints.json"):
        return False
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            head = handle.read(_PEEK)
    except OSError:
        return False
    return head.lstrip().startswith("[") and '"keypoints"' in head


def _number(value: Any) -> int | None:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        digits = re.findall(r"\d+", Path(value).stem)
        return int(digits[-1]) if digits else None
    return None


def _detection(path: Path, index: int, item: Any) -> tuple[int, int | None, Array, Array]:
    where = f"detection [{index}]"
    if not isinstance(item, dict):
        raise DataError(path, f"{where}: {type(item).__name__}; expected an object with 'keypoints'")
    keypoints = item.get("keypoints")
    if not isinstance(keypoints, list) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in keypoints
    ):
        raise DataError(path, f"{where} field 'keypoints': expected a list of numbers (x, y, score per keypoint)")
    if len(keypoints) != 3 * COCO17.size:
        raise DataError(
            path, f"{where} field 'keypoints': {len(keypoints)} numbers; expected 51 (17 COCO keypoints: x, y, score)"
        )
    key = next((k for k in FRAME_KEYS if k in item), None)
    frame = _number(item[key]) if key else None
    if frame is None:
        raise DataError(
            path, f"{where} field {key or 'image_id'!r}: {item.get(key or 'image_id')!r}; expected a frame number"
        )
    id_key = next((k for k in ID_KEYS if k in item), None)
    person = _number(item[id_key]) if id_key else None
    if id_key and person is None:
        raise DataError(path, f"{where} field {id_key!r}: {item[id_key]!r}; expected a whole number")
    triples = np.asarray(keypoints, dtype=np.float64).reshape(COCO17.size, 3)
    if not np.all(np.isfinite(triples)):
        raise DataError(path, f"{where} field 'keypoints': NaN or inf values; expected finite numbers")
    return frame, person, np.concatenate([triples[:, :2], np.zeros((COCO17.size, 1))], axis=1), triples[:, 2]


def read_coco_keypoints(
    path: Path, people: People = "main", threshold: float = CONFIDENCE, rate_hz: float = RATE_HZ
) -> list[Sequence]:
    """Read one video's COCO-17 keypoint results (see the module docstring).

    Raises:
        DataError: If the file is not a JSON list of detections, a detection lacks keypoints (51 numbers) or a
            frame number, only some detections carry a person id, or one person appears twice in a frame.
        ConfigError: If ``people`` is not ``main`` or ``all``.
    """
    check_people(people)
    path = Path(path)
    content = load_json(path)
    if not isinstance(content, list) or not content:
        raise DataError(path, "top level: expected a non-empty JSON list of detections")
    detections = [_detection(path, i, item) for i, item in enumerate(content)]
    first, count = frame_span(path, [d[0] for d in detections])
    with_ids = sum(d[1] is not None for d in detections)
    if with_ids not in (0, len(detections)):
        raise DataError(
            path, f"{with_ids} of {len(detections)} detections carry a person id; expected all or none ({ID_KEYS})"
        )
    size = COCO17.size
    if with_ids:
        tracks: dict[int | None, Track] = {}
        seen: set[tuple[int | None, int]] = set()
        for index, (frame, person, points, scores) in enumerate(detections):
            if (person, frame) in seen:
                raise DataError(path, f"detection [{index}]: person {person} appears twice in frame {frame}")
            seen.add((person, frame))
            track = tracks.setdefault(person, Track(np.zeros((count, size, 3)), np.zeros((count, size)), str(person)))
            track.points[frame - first], track.scores[frame - first] = points, scores
        found = list(tracks.values())
    else:
        frames: list[list[tuple[Array, Array]]] = [[] for _ in range(count)]
        for frame, _, points, scores in detections:
            frames[frame - first].append((points, scores))
        found = link(frames, size, threshold)
    return sequences(
        found,
        layout=COCO17.name,
        rate_hz=rate_hz,
        source=path,
        people=people,
        threshold=threshold,
        meta={"format": "coco_keypoints", "first_frame": first, "detections": len(detections)},
        label=folder_label(path),
    )


@register_format("coco_keypoints", _claims, "COCO-17 keypoint results JSON (MMPose, AlphaPose, YOLO-pose)", priority=35)
def _read_registered(path: Path) -> list[Sequence]:
    return read_coco_keypoints(path)
