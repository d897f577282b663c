"""Shared by the pose-estimator readers: people tracks, low-confidence joints, the main person.

A *track* is one person over the frames of a video: positions (T, J, 3) (z = 0 for image keypoints) and a
confidence per joint and frame (0 where the person was not detected). Joints whose confidence is below the
threshold (default :data:`CONFIDENCE`) count as missing; each is filled from the nearest frame where that
joint is confident, as NTU's untracked frames are (:mod:`sldml.io.ntu`); a joint never confident keeps 0.
The counts go to ``meta["filled_joints"]`` ((frame, joint) values taken from another frame) and
``meta["unseen_joints"]`` (joints never confident, left at 0).

The *main* person is, among the tracks present in at least half as many frames as the longest-present one,
the one that moves most (sum of the variance of its confident joints' coordinates), the rule NTU's reader
uses for bodies. Detections without a person id are linked into tracks frame by frame: each detection joins
the track whose last position (mean of its confident joints) is nearest, one detection per track and frame
(:func:`link`), else starts a new track.
"""

from __future__ import annotations

import json
from collections.abc import Sequence as Seq
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from sldml.errors import ConfigError, DataError
from sldml.sequence import Sequence

CONFIDENCE = 0.3
"""Default threshold: a keypoint with a lower score (confidence, visibility) is missing."""

MAX_SPAN = 10
"""A video's frame numbers may span at most this many times as many frames as hold a detection, so that a
stray frame number (10**9) fails clearly instead of allocating."""

People = Literal["main", "all"]
Array = npt.NDArray[np.float64]


@dataclass
class Track:
    """One person: positions (T, J, 3), scores (T, J) (0 where absent), and the file's id for it."""

    points: Array
    scores: Array
    key: str = ""
    meta: dict[str, object] = field(default_factory=dict)


def check_people(people: str) -> None:
    """Raise ConfigError unless ``people`` is ``main`` or ``all``."""
    if people not in ("main", "all"):
        raise ConfigError(f"people={people!r}; valid: main, all")


def frame_span(source: object, frames: Seq[int]) -> tuple[int, int]:
    """(first frame number, frame count) of a video, checked against :data:`MAX_SPAN`.

    Raises:
        DataError: If there are no frames, a frame number is negative, or the numbers span too many frames.
    """
    if not frames:
        raise DataError(str(source), "no frame holds a detection; expected at least 2 frames")
    first, last = min(frames), max(frames)
    if first < 0:
        raise DataError(str(source), f"frame number {first}; expected numbers >= 0")
    count = last - first + 1
    distinct = len(set(frames))
    if count > MAX_SPAN * distinct:
        raise DataError(
            str(source),
            f"frame numbers {first}..{last} span {count} frames but only {distinct} hold detections; "
            f"expected frame numbers that count the video's frames (at most {MAX_SPAN}x as many)",
        )
    return first, count


def _centre(points: Array, scores: Array, threshold: float) -> Array:
    good = scores >= threshold
    chosen = points[good] if good.any() else points
    centre: Array = chosen.mean(axis=0)
    return centre


def link(frames: Seq[Seq[tuple[Array, Array]]], n_joints: int, threshold: float) -> list[Track]:
    """Link per-frame detections ``(points (J, 3), scores (J,))`` without ids into tracks (module docstring)."""
    n_frames = len(frames)
    tracks: list[Track] = []
    last: list[Array] = []
    for t, detections in enumerate(frames):
        centres = [_centre(p, s, threshold) for p, s in detections]
        pairs: list[tuple[int, int]] = []
        if tracks and centres:
            cost = np.linalg.norm(np.asarray(last)[:, None, :] - np.asarray(centres)[None, :, :], axis=-1)
            rows, cols = linear_sum_assignment(cost)
            pairs = list(zip(rows.tolist(), cols.tolist(), strict=True))
        taken = {d for _, d in pairs}
        for d in range(len(detections)):
            if d not in taken:
                tracks.append(
                    Track(np.zeros((n_frames, n_joints, 3)), np.zeros((n_frames, n_joints)), str(len(tracks)))
                )
                last.append(centres[d])
                pairs.append((len(tracks) - 1, d))
        for k, d in pairs:
            tracks[k].points[t], tracks[k].scores[t] = detections[d]
            last[k] = centres[d]
    return tracks


def fill(track: Track, threshold: float) -> tuple[Array, int, int]:
    """Fill each joint's low-confidence frames from its nearest confident frame (module docstring).

    Returns:
        The filled (T, J, 3) positions, the number of (frame, joint) values filled, the number of joints never
        confident (left at 0).
    """
    points = track.points.copy()
    confident = track.scores >= threshold
    filled = unseen = 0
    for j in range(points.shape[1]):
        present = np.flatnonzero(confident[:, j])
        missing = np.flatnonzero(~confident[:, j])
        if len(missing) == 0:
            continue
        if len(present) == 0:
            points[:, j] = 0.0
            unseen += 1
            continue
        after = np.clip(np.searchsorted(present, missing), 0, len(present) - 1)
        before = np.clip(after - 1, 0, len(present) - 1)
        use_before = np.abs(present[before] - missing) <= np.abs(present[after] - missing)
        points[missing, j] = points[np.where(use_before, present[before], present[after]), j]
        filled += len(missing)
    return points, filled, unseen


def rank(tracks: Seq[Track], threshold: float) -> list[int]:
    """Indices of the tracks, main person first (module docstring)."""
    present = [int((t.scores >= threshold).any(axis=1).sum()) for t in tracks]
    longest = max(present, default=0)

    def key(i: int) -> tuple[bool, float]:
        good = tracks[i].scores >= threshold
        motion = 0.0
        for j in range(good.shape[1]):
            if good[:, j].sum() > 1:
                motion += float(tracks[i].points[good[:, j], j].var(axis=0).sum())
        return present[i] * 2 >= longest, motion

    return sorted(range(len(tracks)), key=key, reverse=True)


def choose(
    tracks: Seq[Track], people: str, threshold: float, source: object, where: str = ""
) -> list[tuple[Track, Array, dict[str, object]]]:
    """The tracks to return, main first (one for ``main``), each with its filled positions and meta counts.

    Raises:
        DataError: If no track has a single confident joint (``where`` says which part of the file).
    """
    check_people(people)
    order = [i for i in rank(tracks, threshold) if (tracks[i].scores >= threshold).any()]
    if not order:
        raise DataError(
            str(source), f"{where}no keypoint has a score of at least {threshold}; expected a detected person"
        )
    out = []
    for position, i in enumerate(order[:1] if people == "main" else order):
        points, filled, unseen = fill(tracks[i], threshold)
        meta: dict[str, object] = {
            "people": len(order),
            "person": position,
            "filled_joints": filled,
            "unseen_joints": unseen,
            "confidence_threshold": threshold,
            **tracks[i].meta,
        }
        if tracks[i].key:
            meta["track_id"] = tracks[i].key
        out.append((tracks[i], points, meta))
    return out


def sequences(
    tracks: Seq[Track],
    *,
    layout: str,
    rate_hz: float,
    source: Path,
    people: str,
    threshold: float,
    meta: dict[str, object],
    label: str | None,
    where: str = "",
    **fields: Any,
) -> list[Sequence]:
    """The chosen people of a video as sequences (main first), with the counts of :func:`choose` in meta."""
    return [
        Sequence(
            data=points,
            layout=layout,
            rate_hz=rate_hz,
            label=label,
            source=str(source),
            meta={**meta, **extra},
            **fields,
        )
        for _, points, extra in choose(tracks, people, threshold, source, where)
    ]


def folder_label(path: Path) -> str | None:
    """The class-folder convention: a sample's label is the name of the folder its file sits in."""
    return path.parent.name or None


def load_json(path: Path) -> Any:
    """Parse a JSON file.

    Raises:
        DataError: If it is unreadable or not JSON (with the line and column of the first error).
    """
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(path, f"cannot read as UTF-8 text ({err})") from None
    except json.JSONDecodeError as err:
        raise DataError(path, f"line {err.lineno}, column {err.colno}: {err.msg}; expected JSON") from None
