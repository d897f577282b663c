"""Reader for Simitate motion-capture CSVs (ROS tf dumps, ``rostopic echo -p`` style).

Columns: ``%time`` (ns), ``header.seq``, ``header.stamp`` (ns), ``frame_id``, ``child_frame_id``, translation
x, y, z (m), rotation quaternion x, y, z, w. Several transforms are interleaved (world -> hand,
world -> checkerboard, camera frames); the demonstrator's hand is the ``world -> hand`` rows, which become a
(T, 1, 3) sequence of hand positions in the ``points-1`` layout, at the rate the stamps give (about
120 Hz). The class is the file name's prefix before the first ``_`` (``circle_2018-08-23-17-55-04.csv`` is
``circle``), as in the Simitate release.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from sldml.errors import DataError
from sldml.io._text import excerpt, is_number
from sldml.io.registry import register_format
from sldml.sequence import Sequence

PARENT, CHILD = "world", "hand"
_STAMP, _FRAME, _CHILD, _X = 2, 3, 4, 5
_COLUMNS = 12


def _claims(path: Path) -> bool:
    if path.suffix.lower() != ".csv":
        return False
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            first = handle.readline()
    except OSError:
        return False
    return first.startswith("%time") and "child_frame_id" in first


def _stamp(text: str, path: Path, line: int) -> int:
    """A time stamp in nanoseconds, written as a whole number or in exponent notation (``1.5e+18``)."""
    try:
        return int(text)
    except ValueError:
        value = float(text)
    if not np.isfinite(value) or value < 0:
        raise DataError(path, f"line {line}: time stamp {excerpt(text)}; expected a non-negative number of ns")
    return int(value)


@register_format("simitate", _claims, "Simitate motion-capture CSV (ROS tf dump, world -> hand)")
def read_simitate(path: Path) -> list[Sequence]:
    """Read the hand trajectory of one Simitate CSV.

    Raises:
        DataError: On a row with the wrong column count or a non-numeric value, no ``world -> hand`` rows,
            or time stamps that do not increase.
    """
    path = Path(path)
    stamps, positions = [], []
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = csv.reader(handle)
            header = next(rows, None)
            if not header or not header[0].startswith("%time"):
                raise DataError(path, "line 1: expected the ROS tf dump header starting with %time")
            for line, row in enumerate(rows, start=2):
                if len(row) != _COLUMNS:
                    raise DataError(path, f"line {line}: {len(row)} columns; expected {_COLUMNS} (a tf transform)")
                if row[_FRAME].strip("/") != PARENT or row[_CHILD].strip("/") != CHILD:
                    continue
                values = [row[_STAMP], *row[_X : _X + 3]]
                bad = next((v for v in values if not is_number(v)), None)
                if bad is not None:
                    raise DataError(path, f"line {line}: {excerpt(bad)} is not a number; expected stamp and x, y, z")
                stamps.append(_stamp(row[_STAMP], path, line))
                positions.append([float(v) for v in row[_X : _X + 3]])
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(path, f"cannot read as CSV text ({err})") from None
    if len(positions) < 2:
        raise DataError(path, f"{len(positions)} '{PARENT} -> {CHILD}' rows; expected at least 2")
    steps = np.diff(np.asarray(stamps, dtype=np.int64))
    if np.any(steps <= 0):
        first = int(np.argmax(steps <= 0)) + 1
        raise DataError(path, f"'{PARENT} -> {CHILD}' time stamps do not increase at row {first + 1} of them")
    rate = 1e9 * (len(stamps) - 1) / float(stamps[-1] - stamps[0])  # mean rate: the stamps jitter
    return [
        Sequence(
            data=np.asarray(positions)[:, None, :],
            layout="points-1",
            rate_hz=rate,
            label=path.name.split("_", 1)[0],
            modality="mocap",
            source=str(path),
            meta={"format": "simitate", "frame": f"{PARENT} -> {CHILD}"},
        )
    ]
