"""Shared by the motion-capture readers (BVH, ASF/AMC): numbered lines, numbers with their line, rotations."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.spatial.transform import Rotation

from sldml.errors import DataError
from sldml.io._text import is_number

INCH_M = 0.0254
Array = npt.NDArray[np.float64]


def read_lines(path: Path) -> list[str]:
    """The file's lines, decoded as latin-1.

    Latin-1 never fails to decode: motion-capture headers carry stray bytes (an umlaut in HDM05's comment line),
    and everything sldml reads from them is ASCII.

    Raises:
        DataError: If the file cannot be read.
    """
    try:
        return path.read_bytes().decode("latin-1").splitlines()
    except OSError as err:
        raise DataError(path, f"cannot read the file ({err})") from None


def numbers(path: Path, line: int, tokens: list[str], count: int, expect: str) -> list[float]:
    """``count`` numbers from ``tokens`` (the values of line ``line``).

    Raises:
        DataError: Naming the line, if there are not exactly ``count`` tokens or one is not a number.
    """
    if len(tokens) != count:
        raise DataError(path, f"line {line}: {len(tokens)} values; expected {expect}")
    try:
        values = [float(t) for t in tokens]
    except ValueError:
        bad = next(t for t in tokens if not is_number(t))
        raise DataError(path, f"line {line}: {bad!r} is not a number; expected {expect}") from None
    if not all(map(math.isfinite, values)):
        raise DataError(path, f"line {line}: NaN or inf; expected {expect} (finite numbers)")
    return values


def euler(axes: str, angles: Array, degrees: bool) -> Rotation:
    """Rotations from Euler angles, (T, len(axes)) or one (len(axes),); upper-case axes intrinsic, lower extrinsic.

    An empty ``axes`` gives the identity for every frame.
    """
    if not axes:
        return Rotation.identity(len(angles))
    return Rotation.from_euler(axes, angles, degrees=degrees)
