"""Reader for BVH motion capture (``.bvh``): joint positions by forward kinematics.

A BVH file has a ``HIERARCHY`` of joints (``ROOT`` / ``JOINT`` with an ``OFFSET`` from the parent and
``CHANNELS``; ``End Site`` blocks with an ``OFFSET`` only) and a ``MOTION`` section: ``Frames: N``,
``Frame Time: dt`` and N lines of channel values. Per frame, a joint's rotation is the product of its rotation
channels in the order they are listed (``Zrotation Xrotation Yrotation`` is Rz Rx Ry: intrinsic, degrees); its
position is the parent's position plus the parent's rotation applied to its offset, where position channels
(``Xposition`` ...) replace the offset's components (as Blender reads them; usually only the root has them).

The sequence holds every joint and every end site (named ``<parent>_end``), in the file's order, as a
generic ``points-N`` layout; ``meta["joints"]`` names them and ``meta["parents"]`` gives each one's parent index
(-1 for the root). Coordinates stay in the file's axes (BVH is y up by convention); lengths are scaled by
``length_scale`` to metres: BVH declares no unit, and sldml assumes centimetres (0.01) unless told otherwise.
The rate is 1 / Frame Time (rounded to a whole number when within 0.01 Hz of one); the label is the name of the
folder holding the file. Every malformed line gives a ``DataError`` with its line number, and ``Frames: N`` is
checked against the bytes the file has left before any frame is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from sldml.errors import DataError
from sldml.io._keypoints import folder_label
from sldml.io._mocap import Array, euler, numbers, read_lines
from sldml.io.registry import register_format
from sldml.sequence import Sequence

CENTIMETRE = 0.01
_AXES = {"X": 0, "Y": 1, "Z": 2}


@dataclass
class _Joint:
    name: str
    parent: int
    offset: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    channels: list[str] = field(default_factory=list)
    end: bool = False


class _Tokens:
    """The hierarchy's tokens, each with its line number, read front to back."""

    def __init__(self, path: Path, lines: list[str]) -> None:
        self.path = path
        self.items = [(tok, n) for n, line in enumerate(lines, start=1) for tok in line.split()]
        self.pos = 0

    def line(self) -> int:
        """The line of the token taken last."""
        return self.items[self.pos - 1][1] if self.pos else 1

    def take(self, expect: str) -> str:
        if self.pos >= len(self.items):
            raise DataError(self.path, f"truncated: file ends after line {self.line()}; expected {expect}")
        self.pos += 1
        return self.items[self.pos - 1][0]

    def expect(self, word: str) -> None:
        got = self.take(repr(word))
        if got != word:
            raise DataError(self.path, f"line {self.line()}: {got!r}; expected {word!r}")

    def numbers(self, count: int, expect: str) -> list[float]:
        tokens = [self.take(expect)]
        start = self.line()
        tokens += [self.take(expect) for _ in range(count - 1)]
        return numbers(self.path, start, tokens, count, expect)


def _block(tokens: _Tokens, joints: list[_Joint]) -> None:
    """The body of a ROOT or JOINT after its name: { OFFSET, CHANNELS, children }."""
    me = len(joints) - 1
    tokens.expect("{")
    tokens.expect("OFFSET")
    joints[me].offset = tokens.numbers(3, "OFFSET x y z")
    tokens.expect("CHANNELS")
    count_token = tokens.take("the channel count")
    if not count_token.isdigit():
        raise DataError(tokens.path, f"line {tokens.line()}: channel count {count_token!r}; expected a whole number")
    for _ in range(int(count_token)):
        channel = tokens.take("a channel name")
        if len(channel) != 9 or channel[0] not in _AXES or channel[1:] not in ("position", "rotation"):
            raise DataError(tokens.path, f"line {tokens.line()}: channel {channel!r}; expected Xposition ... Zrotation")
        joints[me].channels.append(channel)
    while True:
        word = tokens.take("JOINT, End Site or '}'")
        if word == "}":
            return
        if word == "JOINT":
            joints.append(_Joint(tokens.take("a joint name"), me))
            _block(tokens, joints)
        elif word == "End":
            tokens.expect("Site")
            tokens.expect("{")
            tokens.expect("OFFSET")
            offset = tokens.numbers(3, "OFFSET x y z")
            tokens.expect("}")
            names, name = {j.name for j in joints}, f"{joints[me].name}_end"
            while name in names:  # a second end site of one joint
                name += "_"
            joints.append(_Joint(name, me, offset, end=True))
        else:
            raise DataError(
                tokens.path, f"line {tokens.line()}: {word!r}; expected JOINT, End Site or '}}' in {joints[me].name}"
            )


def _hierarchy(path: Path, lines: list[str]) -> tuple[list[_Joint], int]:
    """The joints, and the index of the MOTION line."""
    motion = next((i for i, line in enumerate(lines) if line.strip() == "MOTION"), None)
    if motion is None:
        raise DataError(path, "no MOTION line; expected HIERARCHY ... MOTION (a BVH file)")
    tokens = _Tokens(path, lines[:motion])
    tokens.expect("HIERARCHY")
    tokens.expect("ROOT")
    joints = [_Joint(tokens.take("the root's name"), -1)]
    try:
        _block(tokens, joints)
    except RecursionError:
        raise DataError(path, f"line {tokens.line()}: joints nested too deep; expected a body's hierarchy") from None
    if tokens.pos != len(tokens.items):
        raise DataError(path, f"line {tokens.line()}: {tokens.take('')!r} after the root; expected MOTION")
    return joints, motion


def _header(path: Path, lines: list[str], at: int, label: str) -> tuple[float, int]:
    if at >= len(lines) or not lines[at].strip().startswith(label):
        raise DataError(path, f"line {at + 1}: expected '{label} ...' after MOTION")
    tokens = lines[at].strip()[len(label) :].split()
    [value] = numbers(path, at + 1, tokens, 1, f"'{label} <number>'")
    return value, at + 1


def _motion(path: Path, lines: list[str], motion: int, channels: int) -> tuple[Array, float]:
    frames, _ = _header(path, lines, motion + 1, "Frames:")
    frame_time, _ = _header(path, lines, motion + 2, "Frame Time:")
    first = motion + 3  # 0-based index of the first frame line
    if frames < 1 or not frames.is_integer() or frame_time <= 0:
        raise DataError(
            path, f"line {motion + 2}: Frames: {frames:g}, Frame Time: {frame_time:g}; expected N >= 1, dt > 0"
        )
    count = int(frames)
    left = sum(len(line) + 1 for line in lines[first:])
    needed = count * 2 * max(channels, 1) - 1  # a digit and a separator per value, at least
    if needed > left:
        raise DataError(
            path,
            f"line {motion + 2}: Frames: {count} of {channels} channels need at least {needed} bytes; "
            f"the file has {left} after the header",
        )
    data = np.empty((count, channels))
    rows = (n for n in range(first, len(lines)) if lines[n].strip())
    for frame in range(count):
        n = next(rows, None)
        if n is None:
            raise DataError(path, f"truncated: {frame} of {count} frame lines (Frames: {count}); file ends")
        data[frame] = numbers(path, n + 1, lines[n].split(), channels, f"{channels} channel values")
    extra = next(rows, None)
    if extra is not None:
        raise DataError(path, f"line {extra + 1}: more frame lines than Frames: {count}")
    return data, frame_time


def _forward(joints: list[_Joint], motion: Array) -> Array:
    frames = len(motion)
    positions = np.zeros((frames, len(joints), 3))
    rotations: list[Rotation] = []
    column = 0
    for j, joint in enumerate(joints):
        local = np.tile(np.asarray(joint.offset), (frames, 1))
        axes, angles = "", []
        for channel in joint.channels:
            if channel.endswith("position"):
                local[:, _AXES[channel[0]]] = motion[:, column]
            else:
                axes += channel[0]
                angles.append(motion[:, column])
            column += 1
        rotation = euler(axes, np.stack(angles, axis=1) if angles else np.zeros((frames, 0)), degrees=True)
        if joint.parent >= 0:
            parent = rotations[joint.parent]
            local, rotation = positions[:, joint.parent] + parent.apply(local), parent * rotation
        positions[:, j] = local
        rotations.append(rotation)
    return positions


def read_bvh(path: Path, length_scale: float = CENTIMETRE) -> list[Sequence]:
    """Read one BVH file into joint positions (see the module docstring).

    Args:
        path: The ``.bvh`` file.
        length_scale: Metres per file unit (0.01: the file is in centimetres).

    Raises:
        DataError: On any malformed line (named by number), a frame count the file cannot hold, or fewer or
            more frame lines than ``Frames:`` says.
    """
    path = Path(path)
    lines = read_lines(path)
    joints, motion = _hierarchy(path, lines)
    channels = sum(len(j.channels) for j in joints)
    if channels == 0:
        raise DataError(path, "no CHANNELS in the hierarchy; expected at least the root's")
    values, frame_time = _motion(path, lines, motion, channels)
    positions = _forward(joints, values) * length_scale
    rate = 1.0 / frame_time
    return [
        Sequence(
            data=positions,
            layout=f"points-{len(joints)}",
            rate_hz=float(round(rate)) if abs(rate - round(rate)) < 0.01 else rate,
            label=folder_label(path),
            modality="mocap",
            source=str(path),
            meta={
                "format": "bvh",
                "joints": [j.name for j in joints],
                "parents": [j.parent for j in joints],
                "frame_time": frame_time,
                "length_scale": length_scale,
            },
        )
    ]


def _claims(path: Path) -> bool:
    return path.suffix.lower() == ".bvh"


@register_format("bvh", _claims, "BVH motion capture (.bvh), joint positions by forward kinematics", priority=30)
def _read_registered(path: Path) -> list[Sequence]:
    return read_bvh(path)
