"""The Acclaim skeleton file (``.asf``) and forward kinematics through it, for :mod:`sldml.io.amc`.

An ``.asf`` gives units (``:units``: ``length`` scale, ``angle`` deg or rad), the root (``order`` of its six
AMC values, ``axis`` order, ``position``, ``orientation``), one ``begin ... end`` block per bone (``name``,
unit ``direction`` and ``length`` in the rest pose, ``axis`` angles and order of the bone's local frame,
``dof`` among rx, ry, rz) and the ``:hierarchy`` (parent, then its children, per line).

Forward kinematics (the Acclaim convention, column vectors): a bone's local frame is C = R(axis angles, in
the axis order, extrinsic); its motion M = R(its AMC angles, same order); its global rotation is
G = G_parent C M C^-1; the joint at its end is the parent's end plus G (length * direction). The root's G
is C_root M_root C_root^-1 with the root's order, and its position the ``position`` plus the AMC translation.
Lengths are in inches divided by the ``length`` scale (CMU and HDM05 write 0.45), so metres are
value / length * 0.0254. Axes are the file's: y up in CMU and HDM05.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from sldml.errors import DataError
from sldml.io._mocap import INCH_M, Array, euler, numbers, read_lines

ROOT = "root"
_ORDERS = {"".join(p) for p in ("XYZ", "XZY", "YXZ", "YZX", "ZXY", "ZYX")}
_ROOT_CHANNELS = {"TX", "TY", "TZ", "RX", "RY", "RZ"}


@dataclass
class Bone:
    """One bone of the skeleton (lengths in file units, angles in the file's unit)."""

    name: str
    line: int
    direction: list[float] | None = None
    length: float | None = None
    axis: list[float] | None = None
    order: str = "XYZ"
    dof: list[str] = field(default_factory=list)
    parent: str | None = None


@dataclass
class Skeleton:
    """A parsed ``.asf``: units, root, bones in file order, children per joint."""

    path: Path
    length: float = 1.0
    degrees: bool = True
    root_order: list[str] = field(default_factory=lambda: ["TX", "TY", "TZ", "RX", "RY", "RZ"])
    root_axis: str = "XYZ"
    position: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    orientation: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    bones: dict[str, Bone] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)

    def channels(self, name: str) -> int:
        """How many AMC values a joint has per frame (the root's six, a bone's dof count)."""
        return len(self.root_order) if name == ROOT else len(self.bones[name].dof)


def _order(path: Path, line: int, token: str) -> str:
    if token.upper() not in _ORDERS:
        raise DataError(path, f"line {line}: axis order {token!r}; expected a permutation of XYZ")
    return token.upper()


def _units(skel: Skeleton, line: int, tokens: list[str]) -> None:
    key, values = tokens[0], tokens[1:]
    if key == "length":
        [skel.length] = numbers(skel.path, line, values, 1, "'length <scale>'")
        if skel.length <= 0:
            raise DataError(skel.path, f"line {line}: length scale {skel.length}; expected > 0")
    elif key == "angle":
        if values not in (["deg"], ["rad"]):
            raise DataError(skel.path, f"line {line}: angle unit {' '.join(values)!r}; expected deg or rad")
        skel.degrees = values == ["deg"]


def _root(skel: Skeleton, line: int, tokens: list[str]) -> None:
    key, values = tokens[0], tokens[1:]
    if key == "order":
        upper = [v.upper() for v in values]
        if len(set(upper)) != len(upper) or not set(upper) <= _ROOT_CHANNELS:
            raise DataError(skel.path, f"line {line}: root order {' '.join(values)}; expected TX TY TZ RX RY RZ")
        skel.root_order = upper
    elif key == "axis":
        skel.root_axis = _order(skel.path, line, values[0] if values else "")
    elif key in ("position", "orientation"):
        setattr(skel, key, numbers(skel.path, line, values, 3, f"'{key} x y z'"))


def _bone_field(skel: Skeleton, bone: Bone, line: int, tokens: list[str]) -> None:
    key, values = tokens[0], tokens[1:]
    if key == "name":
        if len(values) != 1 or values[0] == ROOT or values[0] in skel.bones:
            raise DataError(skel.path, f"line {line}: bone name {' '.join(values)!r}; expected a new single word")
        bone.name = values[0]
    elif key == "direction":
        bone.direction = numbers(skel.path, line, values, 3, "'direction x y z'")
    elif key == "length":
        [bone.length] = numbers(skel.path, line, values, 1, "'length <number>'")
    elif key == "axis":
        bone.axis = numbers(skel.path, line, values[:3], 3, "'axis ax ay az ORDER'")
        bone.order = _order(skel.path, line, values[3] if len(values) == 4 else "")
    elif key == "dof":
        if not values or not set(values) <= {"rx", "ry", "rz"} or len(set(values)) != len(values):
            raise DataError(skel.path, f"line {line}: dof {' '.join(values)!r}; expected some of rx ry rz")
        bone.dof = values


def _close(skel: Skeleton, bone: Bone) -> None:
    for name in ("direction", "length", "axis"):
        if getattr(bone, name) is None:
            raise DataError(skel.path, f"line {bone.line}: bone {bone.name!r} lacks field {name!r}")
    if not bone.name:
        raise DataError(skel.path, f"line {bone.line}: bone without a name")
    skel.bones[bone.name] = bone


def _hierarchy(skel: Skeleton, line: int, tokens: list[str]) -> None:
    if tokens in (["begin"], ["end"]):
        return
    parent, kids = tokens[0], tokens[1:]
    for name in (parent, *kids):
        if name != ROOT and name not in skel.bones:
            raise DataError(skel.path, f"line {line}: {name!r} is not a bone of :bonedata")
    for kid in kids:
        if kid == ROOT or skel.bones[kid].parent is not None:
            raise DataError(skel.path, f"line {line}: {kid!r} has a second parent; expected a tree")
        skel.bones[kid].parent = parent
        skel.children.setdefault(parent, []).append(kid)


@functools.lru_cache(maxsize=8)
def _parse_cached(path: str, mtime_ns: int, size: int) -> Skeleton:
    skel = Skeleton(Path(path))
    section, bone = "", None
    for number, raw in enumerate(read_lines(skel.path), start=1):
        tokens = raw.split("#", 1)[0].split()
        if not tokens:
            continue
        if tokens[0].startswith(":"):
            section = tokens[0]
        elif section == ":units":
            _units(skel, number, tokens)
        elif section == ":root":
            _root(skel, number, tokens)
        elif section == ":bonedata":
            if tokens[0] == "begin":
                bone = Bone("", number)
            elif tokens[0] == "end" and bone is not None:
                _close(skel, bone)
                bone = None
            elif bone is not None and not tokens[0].startswith("("):  # limits continue on '(' lines
                _bone_field(skel, bone, number, tokens)
        elif section == ":hierarchy":
            _hierarchy(skel, number, tokens)
    if not skel.bones:
        raise DataError(skel.path, "no bones; expected a :bonedata section of begin ... end blocks")
    orphans = [name for name, b in skel.bones.items() if b.parent is None]
    if orphans:
        raise DataError(skel.path, f"bones without a parent in :hierarchy: {', '.join(orphans)}")
    return skel


def parse_asf(path: Path) -> Skeleton:
    """Parse an ``.asf`` (cached while the file is unchanged).

    Raises:
        DataError: On a malformed line (named by number), a bone lacking direction, length or axis, or a
            hierarchy that names unknown bones, gives a bone two parents or leaves one without.
    """
    try:
        stat = Path(path).stat()
    except OSError as err:
        raise DataError(path, f"cannot read the skeleton ({err})") from None
    return _parse_cached(str(path), stat.st_mtime_ns, stat.st_size)


def order(skel: Skeleton) -> list[str]:
    """Bone names, parents before children (breadth first from the root, children in hierarchy order)."""
    out, queue = [], list(skel.children.get(ROOT, []))
    while queue:
        name = queue.pop(0)
        out.append(name)
        queue += skel.children.get(name, [])
    if len(out) != len(skel.bones):
        raise DataError(skel.path, "the :hierarchy has a cycle (bones unreachable from the root)")
    return out


def _rotation(axes: str, names: list[str], values: Array, degrees: bool) -> Rotation:
    """Euler rotation from AMC columns named rx/ry/rz (or RX...), in the axis order, missing ones 0."""
    angles = np.zeros((len(values), 3))
    for k, name in enumerate(names):
        if name[0].lower() == "r":
            angles[:, axes.index(name[1].upper())] = values[:, k]
    return euler(axes.lower(), angles, degrees)


def forward(skel: Skeleton, motion: dict[str, Array], degrees: bool) -> dict[str, Array]:
    """Joint positions in metres: ``root`` and the end of every bone, each (T, 3) (module docstring)."""
    values = motion[ROOT]
    frames = len(values)
    c = euler(skel.root_axis.lower(), np.asarray(skel.orientation), skel.degrees)
    rotations = {ROOT: c * _rotation(skel.root_axis, skel.root_order, values, degrees) * c.inv()}
    translation = np.asarray(skel.position) + np.stack(
        [values[:, skel.root_order.index(f"T{a}")] if f"T{a}" in skel.root_order else np.zeros(frames) for a in "XYZ"],
        axis=1,
    )
    positions = {ROOT: translation}
    for name in order(skel):
        bone = skel.bones[name]
        assert bone.parent is not None and bone.axis is not None and bone.direction is not None
        c = euler(bone.order.lower(), np.asarray(bone.axis), skel.degrees)
        local = _rotation(bone.order, bone.dof, motion.get(name, np.zeros((frames, 0))), degrees)
        rotations[name] = rotations[bone.parent] * c * local * c.inv()
        offset = np.asarray(bone.direction) * (bone.length or 0.0)
        positions[name] = positions[bone.parent] + rotations[name].apply(offset)
    scale = INCH_M / skel.length
    return {name: p * scale for name, p in positions.items()}
