"""Reader for NTU RGB+D (60 and 120) ``.skeleton`` text files.

The format: a line with the frame count; per frame a line with the body count; per body one line of
10 body fields (body id, clipped edges, hand confidences and states, restricted, lean x, lean y,
tracking state), a line with the joint count (25) and 25 lines of 12 values (x, y, z in metres,
depth x, y, colour x, y, orientation w, x, y, z, tracking state). 30 frames per second. The file
name ``SsssCcccPpppRrrrAaaa`` gives setup, camera, performer, replication and action.

How bodies are handled (``bodies=``):

* ``"main"`` (the default): one sequence of the main actor. Among the bodies tracked in at least half
  as many frames as the longest-tracked one, the one with the most motion (sum over joints of the
  variance of x, y, z over its frames) is the main actor; the usual choice in NTU preprocessing, since
  spurious bodies are short or still.
* ``"pair"``: one sequence in the 50-joint ``kinect_v2_pair`` layout: the main actor's 25 joints,
  then the second actor's (chosen the same way among the rest); zeros when the file has one body.
* ``"each"``: one sequence per tracked body.

Frames in which a chosen body is not tracked (including frames with 0 bodies) keep their place, so
the frame count is the file's; they are filled with the body's nearest tracked frame, and their
number is reported as ``meta["filled_frames"]``.

Speed: a well-formed file is parsed by a fast path (the frame structure walked in Python, the joint lines
converted at once by numpy's C parser, :func:`numpy.loadtxt`), about 2.5 times faster than converting each
value in Python; anything unusual in a file (a count that is not plain digits, a joint line that numpy will not
read as 12 numbers, ...) sends it to the careful line-by-line parser, which gives the same values for every file
the fast path accepts and the line-numbered error for every file it refuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from sldml import classnames
from sldml.errors import ConfigError, DataError
from sldml.io._text import excerpt, is_number
from sldml.io.limits import MAX_FRAMES, MAX_POINTS, check_count, check_shape
from sldml.io.registry import register_format
from sldml.layouts import KINECT_V2, KINECT_V2_PAIR
from sldml.sequence import Sequence

RATE_HZ = 30.0
BODY_FIELDS = 10
JOINT_VALUES = 12
_NAME = re.compile(r"S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})")
BodyMode = Literal["main", "pair", "each"]


def parse_name(path: Path) -> dict[str, int] | None:
    """Setup, camera, performer, replication and action from an NTU file name, or ``None``."""
    match = _NAME.search(path.name)
    if not match:
        return None
    keys = ("setup", "camera", "performer", "replication", "action")
    return {k: int(v) for k, v in zip(keys, match.groups(), strict=True)}


class _Lines:
    """A cursor over a text file's lines that reports the line number in every error."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.pos = 0

    def next(self, expect: str) -> list[str]:
        if self.pos >= len(self.lines):
            raise DataError(self.path, f"truncated: file ends after line {self.pos}; expected {expect}")
        self.pos += 1
        return self.lines[self.pos - 1].split()

    def integer(self, expect: str) -> int:
        tokens = self.next(expect)
        if len(tokens) != 1 or not tokens[0].lstrip("-").isdigit():
            raise DataError(self.path, f"line {self.pos}: {excerpt(' '.join(tokens))}; expected {expect}")
        return int(tokens[0])

    def numbers(self, count: int, expect: str) -> list[float]:
        tokens = self.next(expect)
        if len(tokens) != count:
            raise DataError(self.path, f"line {self.pos}: {len(tokens)} values; expected {expect}")
        try:
            return [float(t) for t in tokens]
        except ValueError:
            bad = next(t for t in tokens if not is_number(t))
            raise DataError(self.path, f"line {self.pos}: {excerpt(bad)} is not a number; expected {expect}") from None

    def rest(self) -> Iterator[tuple[int, str]]:
        for i in range(self.pos, len(self.lines)):
            yield i + 1, self.lines[i]


Track = dict[int, npt.NDArray[np.float64]]
"""One body's tracked frames: frame index -> (25, 3) joint positions (sparse: memory follows the file)."""
_JOINTS = KINECT_V2.size
_MIN_LINES_PER_BODY = 2  # its fields and its joint count (a wrong joint count is its own error)


def _plain_count(line: str) -> int | None:
    """A line holding one count in plain ASCII digits, else ``None`` (the careful parser then looks at it)."""
    text = line.strip()
    return int(text) if text.isascii() and text.isdigit() else None


def _fast_tracks(text: str) -> tuple[int, dict[str, Track]] | None:
    """The well-formed common case quickly, or ``None`` whenever anything is unusual (see the module docstring).

    Accepts only what :func:`_careful_tracks` accepts, with the same values: counts in plain digits within the
    limits, ten body fields, a joint count of exactly ``25``, 12 numbers on every joint line, nothing but
    whitespace after the last frame.
    """
    lines = text.splitlines()
    n_frames = _plain_count(lines[0]) if lines else None
    if n_frames is None or not 1 <= n_frames <= min(MAX_FRAMES, len(lines) - 1):
        return None
    starts: list[int] = []  # the first joint line of each (body, frame)
    owners: list[tuple[str, int]] = []
    pos = 1
    try:
        for frame in range(n_frames):
            n_bodies = _plain_count(lines[pos])
            if n_bodies is None or n_bodies > MAX_POINTS:
                return None
            pos += 1
            for _ in range(n_bodies):
                fields = lines[pos].split()
                if len(fields) != BODY_FIELDS or lines[pos + 1].strip() != "25":
                    return None
                starts.append(pos + 2)
                owners.append((fields[0], frame))
                pos += 2 + _JOINTS
    except IndexError:
        return None
    if not starts or pos > len(lines) or any(line.strip() for line in lines[pos:]):
        return None
    joint_lines = list(chain.from_iterable(lines[s : s + _JOINTS] for s in starts))
    try:
        values = np.loadtxt(joint_lines, dtype=np.float64, comments=None, ndmin=2)
    except ValueError:
        return None
    if values.shape != (len(joint_lines), JOINT_VALUES):  # loadtxt skips blank lines: the count tells
        return None
    xyz = values[:, :3].reshape(len(starts), _JOINTS, 3)
    tracks: dict[str, Track] = {}
    for joints, (body, frame) in zip(xyz, owners, strict=True):
        tracks.setdefault(body, {})[frame] = joints
    return n_frames, tracks


def parse_tracks(path: Path) -> tuple[int, dict[str, Track]]:
    """Parse a ``.skeleton`` file into its frame count and each body's tracked frames.

    Every count the file declares is checked against what its size can hold before the next line is read
    (:mod:`sldml.io.limits`); nothing is allocated for frames a file only claims.

    Returns:
        The frame count T and, per body id in order of first appearance, its tracked frames.

    Raises:
        DataError: On a missing or truncated file, a non-numeric value, a joint count other than 25,
            zero frames, an impossible count, or content after the last frame.
    """
    try:  # bytes then decode: faster than a text-mode read, and splitlines() breaks lines the same way
        text = path.read_bytes().decode("utf-8", errors="strict")
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(path, f"cannot read as text ({err})") from None
    return _fast_tracks(text) or _careful_tracks(path, text)


def _careful_tracks(path: Path, text: str) -> tuple[int, dict[str, Track]]:
    """Line by line, every count and value checked, the line number in every error (see :func:`parse_tracks`)."""
    lines = _Lines(path, text)
    n_frames = lines.integer("the frame count (a whole number) on line 1")
    if n_frames <= 0:
        raise DataError(path, f"line 1: frame count {n_frames}; expected at least 1 frame")
    check_count(path, "line 1: frame count", n_frames, MAX_FRAMES, can_hold=len(lines.lines) - 1)
    tracks: dict[str, Track] = {}
    joint_spec = f"{JOINT_VALUES} numbers (x y z depthX depthY colorX colorY orientW X Y Z trackingState)"
    for frame in range(n_frames):
        n_bodies = lines.integer(f"the body count of frame {frame + 1}")
        left = len(lines.lines) - lines.pos
        check_count(path, f"line {lines.pos}: body count", n_bodies, MAX_POINTS, can_hold=left // _MIN_LINES_PER_BODY)
        for _ in range(n_bodies):
            fields = lines.next(f"{BODY_FIELDS} body fields of frame {frame + 1}")
            if len(fields) != BODY_FIELDS:
                raise DataError(
                    path,
                    f"line {lines.pos}: {len(fields)} body fields; expected {BODY_FIELDS} (body id ... tracking state)",
                )
            n_joints = lines.integer(f"the joint count of frame {frame + 1}")
            if n_joints != KINECT_V2.size:
                raise DataError(
                    path, f"line {lines.pos}: joint count {n_joints}; expected {KINECT_V2.size} (Kinect v2)"
                )
            joints = [lines.numbers(JOINT_VALUES, joint_spec)[:3] for _ in range(n_joints)]
            tracks.setdefault(fields[0], {})[frame] = np.asarray(joints, dtype=np.float64)
    for number, line in lines.rest():
        if line.strip():
            raise DataError(path, f"line {number}: unexpected content after the last of {n_frames} frames")
    if not tracks:
        raise DataError(path, f"no body is tracked in any of the {n_frames} frames; expected at least one")
    return n_frames, tracks


def _dense(track: Track, n_frames: int) -> npt.NDArray[np.float64]:
    """(T, 25, 3) positions, NaN where the body is not tracked."""
    out = np.full((n_frames, KINECT_V2.size, 3), np.nan)
    for frame, joints in track.items():
        out[frame] = joints
    return out


def parse_bodies(path: Path) -> tuple[int, dict[str, npt.NDArray[np.float64]]]:
    """Parse a ``.skeleton`` file into its frame count and per-body (T, 25, 3) positions (NaN where untracked).

    Raises:
        DataError: See :func:`parse_tracks`; also if the bodies' arrays would exceed :data:`MAX_VALUES`.
    """
    n_frames, tracks = parse_tracks(path)
    check_shape(path, "bodies x frames x joints x 3", (len(tracks), n_frames, KINECT_V2.size, 3), 8, None)
    return n_frames, {body: _dense(track, n_frames) for body, track in tracks.items()}


def _tracked(track: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    return ~np.isnan(track[:, 0, 0])


def _rank_bodies(tracks: dict[str, Track]) -> list[str]:
    """Body ids, main actor first (see the module docstring)."""
    counts = {k: len(v) for k, v in tracks.items()}
    longest = max(counts.values())

    def key(body_id: str) -> tuple[bool, float]:
        frames = list(tracks[body_id].values())
        energy = float(np.stack(frames).var(axis=0).sum()) if len(frames) > 1 else 0.0
        return counts[body_id] * 2 >= longest, energy

    return sorted(tracks, key=key, reverse=True)


def _fill(track: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], int]:
    """Fill untracked frames with the nearest tracked frame; return the filled count too."""
    present = np.flatnonzero(_tracked(track))
    missing = np.flatnonzero(~_tracked(track))
    if len(missing) == 0:
        return track, 0
    filled = track.copy()
    after = np.clip(np.searchsorted(present, missing), 0, len(present) - 1)
    before = np.clip(after - 1, 0, len(present) - 1)
    use_before = np.abs(present[before] - missing) <= np.abs(present[after] - missing)
    filled[missing] = track[np.where(use_before, present[before], present[after])]
    return filled, len(missing)


def read_ntu_skeleton(path: Path, bodies: BodyMode = "main") -> list[Sequence]:
    """Read one NTU RGB+D ``.skeleton`` file.

    Args:
        path: The file.
        bodies: ``"main"``, ``"pair"`` or ``"each"`` (see the module docstring).

    Raises:
        DataError: If the file is malformed (see :func:`parse_bodies`).
        ConfigError: If ``bodies`` is not one of the three modes.
    """
    if bodies not in ("main", "pair", "each"):
        raise ConfigError(f"bodies={bodies!r}; valid: main, pair, each")
    path = Path(path)
    n_frames, sparse = parse_tracks(path)
    order = _rank_bodies(sparse)
    wanted = order if bodies == "each" else order[:2]
    check_shape(path, "bodies x frames x joints x 3", (len(wanted), n_frames, KINECT_V2.size, 3), 8, None)
    tracks = {body: _dense(sparse[body], n_frames) for body in wanted}
    name = parse_name(path)
    meta: dict[str, object] = {"format": "ntu_skeleton", "bodies": len(sparse), "file_frames": n_frames}
    if name is not None:
        meta.update(setup=name["setup"], camera=name["camera"])
    action = name["action"] if name else None

    def make(data: npt.NDArray[np.float64], layout: str, **extra: object) -> Sequence:
        return Sequence(
            data=data,
            layout=layout,
            rate_hz=RATE_HZ,
            label=classnames.ntu120().name(action) if action is not None and 1 <= action <= 120 else None,
            class_id=action,
            subject=name["performer"] if name else None,
            trial=name["replication"] if name else None,
            modality="skeleton",
            source=str(path),
            meta={**meta, **extra},
        )

    if bodies == "each":
        out = []
        for rank, body_id in enumerate(order):
            data, filled = _fill(tracks[body_id])
            out.append(make(data, KINECT_V2.name, body=rank, body_id=body_id, filled_frames=filled))
        return out
    main, filled = _fill(tracks[order[0]])
    if bodies == "main":
        return [make(main, KINECT_V2.name, filled_frames=filled)]
    second, filled_2 = _fill(tracks[order[1]]) if len(order) > 1 else (np.zeros_like(main), 0)
    return [make(np.concatenate([main, second], axis=1), KINECT_V2_PAIR.name, filled_frames=filled + filled_2)]


@register_format(
    "ntu_skeleton", lambda p: p.suffix.lower() == ".skeleton", "NTU RGB+D .skeleton text", aliases=("ntu",)
)
def _read_main(path: Path) -> list[Sequence]:
    return read_ntu_skeleton(path, bodies="main")
