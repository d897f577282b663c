"""Reader for MediaPipe Pose landmarks, in a JSON or CSV export that sldml defines (MediaPipe writes no file).

MediaPipe Pose gives, per frame and detected pose, 33 landmarks twice: *image* landmarks (x, y as fractions of
the image width and height, y down; z a relative depth; visibility 0-1) and *world* landmarks (x, y, z in
metres, origin between the hips). Write them as either of:

**JSON** (``.json``), one entry per video frame, the lists as MediaPipe's ``PoseLandmarkerResult`` has them::

    {"format": "mediapipe_pose", "rate_hz": 30,
     "frames": [{"pose_landmarks": [[[x, y, z, visibility], ... 33]],
                 "pose_world_landmarks": [[[x, y, z, visibility], ... 33]]},
                {"pose_landmarks": [], "pose_world_landmarks": []}]}

``format`` is required (it is how the file is recognised); ``rate_hz`` is optional (default 30); each frame
holds one list of 33 landmarks per pose (an empty list or a missing key: no pose in that frame). The sequence
runs from the first to the last frame with a pose (``meta["first_frame"]``).

**CSV** (``.csv``), one row per landmark, a header row naming the columns (in any order)::

    frame,pose,landmark,x,y,z,visibility,world_x,world_y,world_z
    0,0,0,0.512,0.231,-0.402,0.998,0.031,-0.622,-0.301

``frame`` (0, 1, ...), ``landmark`` (0-32, MediaPipe's order), ``x``, ``y``, ``z``, ``visibility`` are required;
``pose`` (default 0) and ``world_x``, ``world_y``, ``world_z`` (all three or none) are optional. A frame without
rows has no pose. The rate is not in a CSV: 30 Hz unless ``rate_hz`` is given.

How sldml reads them (``coordinates``): ``"world"`` gives layout ``mediapipe_world``, 3-D metres turned 180
degrees about the camera axis, (x, y, z) -> (-x, -y, z), so that y is up as in the Kinect layouts (x to the
camera's left, z away from it); ``"image"`` gives layout ``mediapipe`` (2-D): x, y as in the file and z = 0
(MediaPipe's image z is a rough relative depth, not an image coordinate). ``"auto"`` (the default) is world
when the file has world landmarks. Landmarks whose visibility is below ``threshold`` (0.3) are missing and
filled per joint from the nearest frame where they are visible (:mod:`sldml.io._keypoints`). Poses are
linked frame to frame by nearest position; the main person is returned, or everyone with ``people="all"``.
The label is the name of the folder holding the file.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Literal

import numpy as np

from sldml.errors import ConfigError, DataError
from sldml.io._keypoints import (
    CONFIDENCE,
    Array,
    People,
    check_people,
    folder_label,
    frame_span,
    link,
    load_json,
    sequences,
)
from sldml.io._text import is_number
from sldml.io.registry import register_format
from sldml.layouts import MEDIAPIPE, MEDIAPIPE_WORLD
from sldml.sequence import Sequence

RATE_HZ = 30.0
FORMAT = "mediapipe_pose"
LANDMARKS = MEDIAPIPE.size
CSV_REQUIRED = ("frame", "landmark", "x", "y", "z", "visibility")
CSV_WORLD = ("world_x", "world_y", "world_z")
Coordinates = Literal["auto", "image", "world"]
Poses = list[list[Array]]  # per frame, per pose: (33, 4) x, y, z, visibility


def _head(path: Path, size: int = 4096) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return handle.read(size)
    except OSError:
        return ""


def _claims(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return f'"{FORMAT}"' in _head(path)
    if suffix == ".csv":
        header = {c.strip() for c in _head(path, 1024).split("\n", 1)[0].split(",")}
        return set(CSV_REQUIRED) <= header
    return False


def _landmarks(path: Path, where: str, value: Any) -> Array:
    if not isinstance(value, list) or len(value) != LANDMARKS:
        got = f"{len(value)} landmarks" if isinstance(value, list) else type(value).__name__
        raise DataError(path, f"{where}: {got}; expected {LANDMARKS} landmarks of [x, y, z, visibility]")
    for k, landmark in enumerate(value):
        if not (
            isinstance(landmark, list)
            and len(landmark) == 4
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in landmark)
        ):
            raise DataError(path, f"{where}[{k}]: {landmark!r}; expected [x, y, z, visibility] (4 numbers)")
    return np.asarray(value, dtype=np.float64)


def _read_json(path: Path) -> tuple[dict[str, Poses], float | None]:
    content = load_json(path)
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        raise DataError(path, f"field 'format': expected {FORMAT!r} (sldml's MediaPipe JSON export)")
    frames, rate = content.get("frames"), content.get("rate_hz")
    if not isinstance(frames, list):
        raise DataError(path, "field 'frames': expected a list, one entry per video frame")
    if rate is not None and not (isinstance(rate, int | float) and not isinstance(rate, bool) and rate > 0):
        raise DataError(path, f"field 'rate_hz': {rate!r}; expected a positive number")
    out: dict[str, Poses] = {"image": [], "world": []}
    for t, frame in enumerate(frames):
        if not isinstance(frame, dict):
            raise DataError(path, f"field 'frames[{t}]': expected an object with 'pose_landmarks'")
        for kind, key in (("image", "pose_landmarks"), ("world", "pose_world_landmarks")):
            poses = frame.get(key) or []
            if not isinstance(poses, list):
                raise DataError(path, f"field 'frames[{t}].{key}': expected a list of poses")
            out[kind].append([_landmarks(path, f"field 'frames[{t}].{key}[{p}]'", v) for p, v in enumerate(poses)])
    return out, float(rate) if rate is not None else None


def _read_csv(path: Path) -> dict[str, Poses]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = [c.strip() for c in next(reader, [])]
            rows = list(enumerate(reader, start=2))
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(path, f"cannot read as CSV text ({err})") from None
    world = [c for c in CSV_WORLD if c in header]
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing or len(world) not in (0, 3):
        raise DataError(
            path,
            f"line 1: header lacks {', '.join(missing or [c for c in CSV_WORLD if c not in world])}; expected "
            f"{','.join(CSV_REQUIRED)} (pose and {','.join(CSV_WORLD)} optional)",
        )
    col = {name: header.index(name) for name in (*CSV_REQUIRED, *world, *(["pose"] if "pose" in header else []))}
    found: dict[tuple[int, int], dict[int, list[float]]] = {}
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise DataError(path, f"line {line}: {len(row)} columns; expected {len(header)} like the header")
        bad = next((name for name, i in col.items() if not is_number(row[i])), None)
        if bad is not None:
            raise DataError(path, f"line {line}: column {bad!r} is {row[col[bad]]!r}; expected a number")
        frame, landmark = int(float(row[col["frame"]])), int(float(row[col["landmark"]]))
        pose = int(float(row[col["pose"]])) if "pose" in col else 0
        if not 0 <= landmark < LANDMARKS or frame < 0:
            raise DataError(path, f"line {line}: frame {frame}, landmark {landmark}; expected 0-32 and frame >= 0")
        values = found.setdefault((frame, pose), {})
        if landmark in values:
            raise DataError(path, f"line {line}: landmark {landmark} of frame {frame}, pose {pose} appears twice")
        values[landmark] = [float(row[col[c]]) for c in ("x", "y", "z", "visibility", *world)]
    first, count = frame_span(path, [frame for frame, _ in found])
    out: dict[str, Poses] = {"image": [[] for _ in range(first + count)], "world": [[] for _ in range(first + count)]}
    for (frame, pose), values in sorted(found.items()):
        if len(values) != LANDMARKS:
            raise DataError(path, f"frame {frame}, pose {pose}: {len(values)} landmarks; expected {LANDMARKS} (0-32)")
        table = np.asarray([values[k] for k in range(LANDMARKS)])
        out["image"][frame].append(table[:, :4])
        if world:
            out["world"][frame].append(np.concatenate([table[:, 4:7], table[:, 3:4]], axis=1))
    return out


def read_mediapipe(
    path: Path,
    coordinates: Coordinates = "auto",
    people: People = "main",
    threshold: float = CONFIDENCE,
    rate_hz: float | None = None,
) -> list[Sequence]:
    """Read a MediaPipe Pose export (JSON or CSV, see the module docstring).

    Raises:
        DataError: If the file does not follow the export format (the message names the field or line), or
            world landmarks are asked for and the file has none.
        ConfigError: If ``coordinates`` or ``people`` is not a valid choice.
    """
    if coordinates not in ("auto", "image", "world"):
        raise ConfigError(f"coordinates={coordinates!r}; valid: auto, image, world")
    check_people(people)
    path = Path(path)
    file_rate = None
    if path.suffix.lower() == ".csv":
        poses = _read_csv(path)
    else:
        poses, file_rate = _read_json(path)
    has_world = any(frame for frame in poses["world"])
    kind = ("world" if has_world else "image") if coordinates == "auto" else coordinates
    if kind == "world" and not has_world:
        raise DataError(path, "no world landmarks (pose_world_landmarks / world_x, world_y, world_z); expected some")
    frames = poses[kind]
    with_pose = [t for t, frame in enumerate(frames) if frame]
    first, count = frame_span(path, with_pose)
    turn = np.array([-1.0, -1.0, 1.0]) if kind == "world" else np.array([1.0, 1.0, 0.0])
    detections = [[(pose[:, :3] * turn, pose[:, 3]) for pose in frame] for frame in frames[first : first + count]]
    layout = MEDIAPIPE_WORLD if kind == "world" else MEDIAPIPE
    return sequences(
        link(detections, LANDMARKS, threshold),
        layout=layout.name,
        rate_hz=rate_hz or file_rate or RATE_HZ,
        source=path,
        people=people,
        threshold=threshold,
        meta={"format": "mediapipe", "coordinates": kind, "first_frame": first},
        label=folder_label(path),
    )


@register_format("mediapipe", _claims, "MediaPipe Pose landmarks, sldml's JSON / CSV export", priority=30)
def _read_registered(path: Path) -> list[Sequence]:
    return read_mediapipe(path)
