"""Recognise actions in a long recording by sliding a window over it.

Each window (``window`` long, every ``stride``) is recognised on its own and speaks for the ``stride``-long
stretch at its centre (the first window also for the start of the recording, the last for its end), so the
stretches tile the recording without overlap. Consecutive stretches with the same answer are merged into one
segment that keeps the smallest distance and the largest confidence of its windows. Durations
are written ``2s``, ``0.5s``, ``500ms`` or ``60f`` (frames); a bare number is seconds.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from sldml.errors import ConfigError
from sldml.inference.recognizer import Recognizer
from sldml.sequence import Sequence

_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(s|ms|f)?\s*$")


def frames_of(duration: str, rate_hz: float, field: str = "duration", minimum: int = 2) -> int:
    """Frames in a duration such as ``2s``, ``500ms`` or ``60f`` at ``rate_hz``.

    Raises:
        ConfigError: If the text is not a duration, or it is shorter than ``minimum`` frames.
    """
    match = _DURATION.match(duration)
    if not match:
        raise ConfigError(f"{field}={duration!r}: expected a duration like 2s, 500ms or 60f")
    value, unit = float(match.group(1)), match.group(2) or "s"
    frames = round(value) if unit == "f" else round(value * (1e-3 if unit == "ms" else 1.0) * rate_hz)
    if frames < minimum:
        raise ConfigError(f"{field}={duration!r}: {frames} frame(s) at {rate_hz:g} Hz; expected at least {minimum}")
    return int(frames)


@dataclass(frozen=True)
class Segment:
    """A stretch of a recording with one answer.

    Attributes:
        start_s: Start time in seconds.
        end_s: End time in seconds.
        label: The answer (a label or ``unknown``).
        distance: Smallest distance of its windows to their nearest reference.
        confidence: Largest confidence of its windows.
        windows: How many windows it merges.
    """

    start_s: float
    end_s: float
    label: str
    distance: float
    confidence: float
    windows: int = 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly fields."""
        return asdict(self)


def windows(seq: Sequence, window: int, stride: int) -> list[tuple[int, Sequence]]:
    """(start frame, sub-sequence) of every full window; a recording shorter than one window is one window.

    Raises:
        ConfigError: If ``stride`` < 1.
    """
    if stride < 1:
        raise ConfigError(f"stride: {stride} frames; expected at least 1")
    if seq.frames <= window:
        return [(0, seq)]
    starts = list(range(0, seq.frames - window + 1, stride))
    return [(a, seq.replace(data=seq.data[a : a + window])) for a in starts]


def segment(recognizer: Recognizer, seq: Sequence, window: str = "2s", stride: str = "0.5s") -> list[Segment]:
    """Slide a window over ``seq``, recognise each, and merge runs of the same answer (see module docstring)."""
    width = frames_of(window, seq.rate_hz, "window")
    step = frames_of(stride, seq.rate_hz, "stride", minimum=1)
    pieces = windows(seq, width, step)
    answers = recognizer.recognize_many([piece for _, piece in pieces], k=1)
    merged: list[Segment] = []
    for number, ((start, piece), answer) in enumerate(zip(pieces, answers, strict=True)):
        centre = start + piece.frames / 2
        first = 0 if number == 0 else centre - step / 2
        last_frame = seq.frames if number == len(pieces) - 1 else centre + step / 2
        begin, end = first / seq.rate_hz, last_frame / seq.rate_hz
        last = merged[-1] if merged else None
        if last is not None and last.label == answer.label:
            merged[-1] = Segment(
                last.start_s,
                end,
                last.label,
                min(last.distance, answer.distance),
                max(last.confidence, answer.confidence),
                last.windows + 1,
            )
        else:
            merged.append(Segment(begin, end, answer.label, answer.distance, answer.confidence))
    return merged
