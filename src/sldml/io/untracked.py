"""All-zero skeleton frames: an untracked body, as many Kinect datasets write it, filled like NTU's.

A frame in which every position row is exactly (0, 0, 0) is no pose: the sensor lost the body. Left as it is, it
teaches a network a pose that never happened and pulls every centred or normalised frame towards the origin.
:func:`fill_zero_frames` replaces each such frame with the nearest frame that has a pose (the earlier one on a
tie) and counts them in ``meta["zero_frames"]`` (and in ``meta["filled_frames"]``, with any frames the reader
filled itself). Every file sldml reads passes through it (:func:`sldml.io.read`, :func:`sldml.io.load_folder`).
"""

from __future__ import annotations

import numpy as np

from sldml.errors import DataError
from sldml.sequence import Sequence


def zero_frames(seq: Sequence) -> np.ndarray:
    """Indices of the frames whose position rows are all exactly zero (none for channel layouts)."""
    rows = seq.get_layout().positions()
    if not rows:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(~np.any(seq.data[:, rows, :] != 0.0, axis=(1, 2)))


def fill_zero_frames(seq: Sequence) -> Sequence:
    """The sequence with its all-zero frames filled from the nearest frame with a pose (see the module docstring).

    Raises:
        DataError: If every frame is all zero (no pose anywhere).
    """
    missing = zero_frames(seq)
    if len(missing) == 0:
        return seq
    if len(missing) == seq.frames:
        raise DataError(seq.source, f"field 'data': all {seq.frames} frames are zero (no tracked body in any frame)")
    present = np.setdiff1d(np.arange(seq.frames), missing)
    after = np.clip(np.searchsorted(present, missing), 0, len(present) - 1)
    before = np.clip(after - 1, 0, len(present) - 1)
    use_before = np.abs(present[before] - missing) <= np.abs(present[after] - missing)
    data = seq.data.copy()
    data[missing] = seq.data[np.where(use_before, present[before], present[after])]
    meta = dict(seq.meta)
    meta["zero_frames"] = len(missing)
    meta["filled_frames"] = int(meta.get("filled_frames", 0)) + len(missing)
    return seq.replace(data=data, meta=meta)
