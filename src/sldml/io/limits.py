"""Bounds on what a file may declare, checked before anything is allocated.

A header's sizes (frame, body or joint counts, an ``.npy`` shape, ``.mat`` dimensions) are checked against what
the file can hold and against these limits, so that a 100 KB file claiming 10^8 frames is refused with one
clear error instead of asking for gigabytes. The limits are far above any real recording (a 30 Hz recording of
:data:`MAX_FRAMES` frames is over nine hours) and can be raised here if a dataset ever needs it.
"""

from __future__ import annotations

import math
from pathlib import Path

from sldml.errors import DataError

MAX_FRAMES = 1_000_000
"""Frames of one sequence."""
MAX_POINTS = 10_000
"""Joints, markers or channels of one frame."""
MAX_VALUES = 100_000_000
"""Numbers in one array read from a file (800 MB as float64)."""
MAX_IMAGE_COLUMNS = 16_384
"""Columns (time steps) of a representation image (``--width``, ``preprocess.width``)."""


def check_count(source: str | Path, field: str, declared: int, limit: int, can_hold: int | None = None) -> int:
    """Refuse a declared count that is negative, above ``limit`` or above what the file can hold.

    Args:
        source: The file (for the message).
        field: What the count is, e.g. ``"line 1: frame count"``.
        declared: The count the file declares.
        limit: The named limit (one of this module's constants).
        can_hold: The most the file's size allows, if known.

    Returns:
        The count, when it is valid.

    Raises:
        DataError: Saying what was declared and what is possible.
    """
    if declared < 0:
        raise DataError(source, f"{field} {declared}; expected 0 or more")
    if declared > limit:
        raise DataError(source, f"{field} {declared}; expected at most {limit:,} (sldml.io.limits)")
    if can_hold is not None and declared > can_hold:
        raise DataError(source, f"{field} {declared}, but the file's size can hold at most {can_hold:,}")
    return declared


def check_shape(source: str | Path, field: str, shape: tuple[int, ...], item_bytes: int, available: int | None) -> None:
    """Refuse an array shape with more than :data:`MAX_VALUES` numbers or more bytes than the file holds.

    Raises:
        DataError: Saying what was declared and what the file can hold.
    """
    values = math.prod(shape)
    if any(n < 0 for n in shape) or values > MAX_VALUES:
        raise DataError(
            source, f"{field} {shape}: {values:,} values; expected at most {MAX_VALUES:,} (sldml.io.limits)"
        )
    if available is not None and values * item_bytes > available:
        raise DataError(
            source,
            f"{field} {shape} needs {values * item_bytes:,} bytes, but the file holds {available:,} after its header "
            "(truncated, or a damaged header)",
        )
