"""Reader for Acclaim motion capture (``.amc`` with its ``.asf`` skeleton), as in HDM05 and CMU: joint positions.

An ``.amc`` holds, per frame, a frame number line and one line per joint: ``root`` with six values (translation
and rotation, in the order the ``.asf`` root gives) and each bone's angles (its ``dof``), in degrees unless the
file says ``:RADIANS`` (or the ``.asf`` says ``angle rad``). Positions come from forward kinematics through the
``.asf`` (:mod:`sldml.io._asf`): metres, y up; the root and the end of every bone. The CMU / HDM05 skeleton
(root + 30 bones) gives layout ``cmu31``; any other skeleton a ``points-N`` layout with the joint names in
``meta["joints"]``.

**The skeleton of an .amc** is the ``.asf`` in the same folder whose name starts the ``.amc``'s name
(``HDM_bd.asf`` for ``HDM_bd_depositFloorR_001_120.amc``, ``01.asf`` for CMU's ``01_01.amc``; the longest such
name wins), else the folder's only ``.asf``; a ``DataError`` otherwise. The ``.asf`` files are not claimed by
any format: a folder load lists them as ignored, not skipped.

**HDM05 names** ``HDM_<actor>_<motion class>_<take>_<rate>.amc`` give the label (the motion class, e.g.
``grabHighR``), the trial (the take), the rate (Hz) and the subject: the actors bd, bk, dg, mm, tr are 1-5;
any other two-letter actor is 6 + its rank among all other two-letter codes in alphabetical order (aa = 6,
ab = 7, ...), so a number never depends on which files are present. ``meta["actor"]`` keeps the code. CMU names
``<subject>_<trial>.amc`` give subject and trial. Otherwise the label is the name of the folder holding the
file. The rate is 120 Hz (CMU's and HDM05's) unless the name or ``rate_hz`` says otherwise.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from sldml.errors import DataError
from sldml.io._asf import ROOT, Skeleton, forward, parse_asf
from sldml.io._keypoints import folder_label
from sldml.io._mocap import Array, numbers, read_lines
from sldml.io.registry import register_format
from sldml.layouts import CMU31
from sldml.sequence import Sequence

RATE_HZ = 120.0
HDM05_ACTORS = ("bd", "bk", "dg", "mm", "tr")
_HDM05 = re.compile(r"^HDM_(?P<actor>[A-Za-z]+)_(?P<motion>.+)_(?P<take>\d+)_(?P<rate>\d+)$")
_CMU = re.compile(r"^(?P<subject>\d+)_(?P<trial>\d+)$")


def actor_number(actor: str) -> int | None:
    """HDM05's subject number of an actor code (module docstring), ``None`` if it is not two letters."""
    code = actor.lower()
    if code in HDM05_ACTORS:
        return HDM05_ACTORS.index(code) + 1
    if not re.fullmatch(r"[a-z]{2}", code):
        return None
    rank = (ord(code[0]) - ord("a")) * 26 + ord(code[1]) - ord("a")
    return 6 + rank - sum(known < code for known in HDM05_ACTORS)


def find_skeleton(amc: Path) -> Path:
    """The ``.asf`` of an ``.amc`` (module docstring).

    Raises:
        DataError: If the folder holds no ``.asf`` that fits.
    """
    found = sorted(p for p in amc.parent.iterdir() if p.suffix.lower() == ".asf" and p.is_file())
    prefixed = [p for p in found if amc.stem.startswith(p.stem)]
    if prefixed:
        return max(prefixed, key=lambda p: len(p.stem))
    if len(found) == 1:
        return found[0]
    names = ", ".join(p.name for p in found) or "none"
    raise DataError(
        amc, f"no skeleton: expected an .asf whose name starts {amc.stem!r}, or a single .asf beside it; found: {names}"
    )


def parse_amc(path: Path, skel: Skeleton) -> tuple[dict[str, Array], bool]:
    """Per joint, its (T, channels) AMC values; and whether the angles are in degrees.

    Raises:
        DataError: Naming the line, on a joint the skeleton lacks, a wrong value count, a non-number, a frame
            number out of sequence, a joint missing from or repeated in a frame, or no frames at all.
    """
    degrees = skel.degrees
    wanted = [ROOT, *(name for name, bone in skel.bones.items() if bone.dof)]
    rows: dict[str, list[list[float]]] = {name: [] for name in wanted}
    frame, start, seen = None, 0, set[str]()

    def close() -> None:
        missing = [n for n in wanted if n not in seen]
        if frame is not None and missing:
            raise DataError(path, f"line {start}: frame {frame} lacks {', '.join(missing)}; expected every joint")

    for number, raw in enumerate(read_lines(path), start=1):
        tokens = raw.split()
        if not tokens or raw.startswith("#"):
            continue
        if tokens[0].startswith(":"):
            degrees = {":DEGREES": True, ":RADIANS": False}.get(tokens[0].upper(), degrees)
        elif len(tokens) == 1 and tokens[0].isdigit():
            close()
            if frame is not None and int(tokens[0]) != frame + 1:
                raise DataError(path, f"line {number}: frame {tokens[0]} after frame {frame}; expected {frame + 1}")
            frame, start, seen = int(tokens[0]), number, set()
        elif frame is None:
            raise DataError(path, f"line {number}: {raw.strip()[:40]!r} before the first frame number")
        else:
            name = tokens[0]
            if name not in rows or name in seen:
                what = "appears twice in the frame" if name in seen else "is not a joint with a dof in the .asf"
                raise DataError(path, f"line {number}: {name!r} {what}")
            count = skel.channels(name)
            rows[name].append(numbers(path, number, tokens[1:], count, f"{count} values for {name}"))
            seen.add(name)
    close()
    if frame is None:
        raise DataError(path, "no frames; expected a frame number line followed by one line per joint")
    return {name: np.asarray(values, dtype=np.float64) for name, values in rows.items()}, degrees


def parse_name(path: Path) -> tuple[str | None, int | None, int | None, dict[str, object], float | None]:
    """Label, subject, trial, meta and rate from an HDM05 or CMU file name (module docstring)."""
    if match := _HDM05.match(path.stem):
        actor = match["actor"].lower()
        rate = float(match["rate"]) or None
        return match["motion"], actor_number(actor), int(match["take"]), {"actor": actor}, rate
    if match := _CMU.match(path.stem):
        return folder_label(path), int(match["subject"]), int(match["trial"]), {}, None
    return folder_label(path), None, None, {}, None


def read_amc(path: Path, skeleton: Path | None = None, rate_hz: float | None = None) -> list[Sequence]:
    """Read one ``.amc`` into joint positions (see the module docstring).

    Args:
        path: The ``.amc`` file.
        skeleton: Its ``.asf``; found beside it when ``None`` (:func:`find_skeleton`).
        rate_hz: Frame rate; from an HDM05 name, else 120 Hz, when ``None``.

    Raises:
        DataError: If no skeleton is found, or the ``.asf`` or ``.amc`` is malformed (the message names the
            file and line).
    """
    path = Path(path)
    asf = Path(skeleton) if skeleton is not None else find_skeleton(path)
    skel = parse_asf(asf)
    motion, degrees = parse_amc(path, skel)
    positions = forward(skel, motion, degrees)
    names = [ROOT, *skel.bones]
    if set(names) == set(CMU31.names):
        layout, names = CMU31.name, list(CMU31.names)
    else:
        layout = f"points-{len(names)}"
    label, subject, trial, extra, name_rate = parse_name(path)
    meta: dict[str, object] = {"format": "asf_amc", "skeleton": asf.name, **extra}
    if layout != CMU31.name:
        meta["joints"] = names
    return [
        Sequence(
            data=np.stack([positions[n] for n in names], axis=1),
            layout=layout,
            rate_hz=rate_hz or name_rate or RATE_HZ,
            label=label,
            subject=subject,
            trial=trial,
            modality="mocap",
            source=str(path),
            meta=meta,
        )
    ]


@register_format(
    "asf_amc",
    lambda p: p.suffix.lower() == ".amc",
    "Acclaim motion capture .amc with its .asf (HDM05, CMU)",
    priority=30,
    aliases=("amc", "hdm05"),
)
def _read_registered(path: Path) -> list[Sequence]:
    return read_amc(path)
