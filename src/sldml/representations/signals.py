"""The ``signals`` representation of Gimme Signals (Memmesheimer et al., IROS 2020; SL-DML's reference [25]).

Every 1-D signal (each x, y, z of each joint; each sensor channel) is drawn as a line over time into the
image, in its own colour, like a plot: columns are time resampled to ``width``, rows are the signal's value
(high values at the top) over ``height`` pixels. The comparison representation of SL-DML Table VI.

``scale="per_signal"`` (the default) stretches each signal to the full height, so that signals of different
units (metres, g, deg/s) and different sensors look alike, which is what lets a model trained on one
modality be used on another; ``scale="global"`` keeps their relative magnitudes with one min-max over all.
Colours are fixed per signal index (hues spread evenly), so a signal keeps its colour across samples.
Where lines cross, the later signal is drawn on top.
"""

from __future__ import annotations

import colorsys
from functools import cache
from typing import Literal

import numpy as np
import numpy.typing as npt

from sldml.errors import ConfigError
from sldml.representations.compact import DEFAULT_WIDTH
from sldml.representations.registry import register_representation
from sldml.sequence import FloatArray, Sequence
from sldml.transforms import resample_array

DEFAULT_HEIGHT = 64
SignalScale = Literal["per_signal", "global"]


@cache
def signal_colours(count: int) -> npt.NDArray[np.float32]:
    """(count, 3) RGB colours in [0, 1]: hues spread evenly, full saturation and value."""
    return np.array([colorsys.hsv_to_rgb(i / count, 1.0, 1.0) for i in range(count)], dtype=np.float32)


def signal_rows(seq: Sequence, width: int, height: int, scale: SignalScale) -> npt.NDArray[np.int64]:
    """(signals, width) pixel row of every signal at every column (0 = top = highest value)."""
    signals = resample_array(seq.data, width).reshape(width, -1).T.astype(np.float64)  # (signals, width)
    if scale == "per_signal":
        low, high = signals.min(axis=1, keepdims=True), signals.max(axis=1, keepdims=True)
    elif scale == "global":
        low, high = np.full((len(signals), 1), signals.min()), np.full((len(signals), 1), signals.max())
    else:
        raise ConfigError(f"signals scale {scale!r}; valid: per_signal, global")
    span = np.where(high > low, high - low, 1.0)
    level = np.where(high > low, (signals - low) / span, 0.5)  # a constant signal runs through the middle
    return np.rint((1.0 - level) * (height - 1)).astype(np.int64)


@register_representation("signals", reads=("height",))
def signals(
    seq: Sequence, width: int = DEFAULT_WIDTH, height: int = DEFAULT_HEIGHT, scale: SignalScale = "per_signal"
) -> FloatArray:
    """Each signal as a coloured line over time: (3, height, width)."""
    if width < 2 or height < 2:
        raise ConfigError(f"signals width {width}, height {height}; expected at least 2 each")
    rows = signal_rows(seq, width, height, scale)
    colours = signal_colours(len(rows))
    # A segment joins column x to column x + 1: column x is filled between the two heights.
    nxt = np.concatenate([rows[:, 1:], rows[:, -1:]], axis=1)
    low, high = np.minimum(rows, nxt), np.maximum(rows, nxt)
    pixel_rows = np.arange(height)[:, None]
    image = np.zeros((3, height, width), dtype=np.float32)
    for index in range(len(rows)):
        mask = (pixel_rows >= low[index]) & (pixel_rows <= high[index])  # (height, width)
        image[:, mask] = colours[index][:, None]
    return image
