"""``Sequence``: one recorded sample, checked when it is built.

A sequence's ``data`` is (T, J, 3) for skeletons and other point data, or (T, C) for scalar sensor
channels; which of the two, and what each joint or channel is, is given by its layout
(:mod:`sldml.layouts`). Everything downstream (transforms, representations, models) takes a
``Sequence`` so that a bad sample is caught once, here, with the file it came from in the message.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from sldml.errors import ConfigError, DataError
from sldml.layouts import Layout, get_layout

FloatArray = npt.NDArray[np.float32]

MIN_FRAMES = 2


@dataclass(frozen=True, eq=False)
class Sequence:
    """One sample of a multivariate signal over time.

    Attributes:
        data: float32 array, (T, J, 3) for skeleton layouts or (T, C) for channel layouts.
        layout: Layout name (see :func:`sldml.layouts.get_layout`).
        rate_hz: Sampling rate in frames per second.
        label: Class name, or ``None`` when unknown (e.g. a query).
        class_id: The dataset's numeric class id (UTD-MHAD action 1-27, NTU A1-A120), if any.
        subject: Subject (performer) number, if known.
        trial: Trial (repetition) number, if known.
        modality: What recorded it: ``"skeleton"``, ``"inertial"``, ``"mocap"``, ...
        source: The file it was read from (``None`` for data made in memory).
        meta: Further facts from the file (camera, setup, body count, ...), JSON-friendly values.

    Raises:
        DataError: If the data is not finite, has fewer than 2 frames, or does not match the layout.
    """

    data: npt.NDArray[Any]  # any real array in; stored as read-only float32
    layout: str
    rate_hz: float
    label: str | None = None
    class_id: int | None = None
    subject: int | None = None
    trial: int | None = None
    modality: str = "skeleton"
    source: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            layout = get_layout(self.layout)
        except ConfigError as err:
            raise DataError(self.source, f"field 'layout': {err}") from None
        data = np.asarray(self.data)
        if not np.issubdtype(data.dtype, np.number) or np.issubdtype(data.dtype, np.complexfloating):
            raise DataError(self.source, f"field 'data': expected real numbers, got dtype {data.dtype}")
        _check_shape(data, layout, self.source)
        if not np.all(np.isfinite(data)):
            bad = np.argwhere(~np.isfinite(data))
            frame = int(bad[0][0])
            raise DataError(
                self.source,
                f"field 'data': {len(bad)} non-finite values (NaN or inf), first in frame {frame}; "
                "expected finite numbers",
            )
        with np.errstate(over="ignore"):
            data = np.ascontiguousarray(data, dtype=np.float32)
        if not np.all(np.isfinite(data)):
            frame = int(np.argwhere(~np.isfinite(data))[0][0])
            raise DataError(
                self.source,
                f"field 'data': values beyond float32's range (about 3.4e38), first in frame {frame}; "
                "expected coordinates or sensor readings of a sane size",
            )
        if not (np.isfinite(self.rate_hz) and self.rate_hz > 0):
            raise DataError(self.source, f"field 'rate_hz': expected a positive number, got {self.rate_hz}")
        data.setflags(write=False)
        object.__setattr__(self, "data", data)
        object.__setattr__(self, "rate_hz", float(self.rate_hz))

    @classmethod
    def from_checked(
        cls,
        data: FloatArray,
        layout: str,
        rate_hz: float,
        label: str | None = None,
        class_id: int | None = None,
        subject: int | None = None,
        trial: int | None = None,
        modality: str = "skeleton",
        source: str | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> Sequence:
        """A sequence of values that passed these checks when first read, without reading them again.

        For the parsed-data cache (:mod:`sldml.io.cache`), whose values were checked when it was built and whose
        checksum proves them unchanged: the layout, shape, dtype and rate are checked, the values are not read,
        so that a memory-mapped array stays on disk until a sample is used.

        Args:
            data: A read-only float32 array (a view of the cache's memory map), shaped as the layout says.
            layout: Layout name.
            rate_hz: Sampling rate.
            label: See the class attributes.
            class_id: See the class attributes.
            subject: See the class attributes.
            trial: See the class attributes.
            modality: See the class attributes.
            source: See the class attributes.
            meta: See the class attributes.

        Raises:
            DataError: If the layout is unknown, the array is not read-only float32, or its shape does not fit.
        """
        try:
            found = get_layout(layout)
        except ConfigError as err:
            raise DataError(source, f"field 'layout': {err}") from None
        if data.dtype != np.float32 or data.flags.writeable:
            raise DataError(source, f"field 'data': {data.dtype} array; expected read-only float32 checked values")
        _check_shape(data, found, source)
        if not (np.isfinite(rate_hz) and rate_hz > 0):
            raise DataError(source, f"field 'rate_hz': expected a positive number, got {rate_hz}")
        seq = object.__new__(cls)
        fields = {
            "data": data,
            "layout": layout,
            "rate_hz": float(rate_hz),
            "label": label,
            "class_id": class_id,
            "subject": subject,
            "trial": trial,
            "modality": modality,
            "source": source,
            "meta": dict(meta or {}),
        }
        for name, value in fields.items():
            object.__setattr__(seq, name, value)
        return seq

    @property
    def frames(self) -> int:
        """Number of frames T."""
        return int(self.data.shape[0])

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.frames / self.rate_hz

    def get_layout(self) -> Layout:
        """The :class:`~sldml.layouts.Layout` object for this sequence."""
        return get_layout(self.layout)

    def replace(self, **changes: Any) -> Sequence:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly summary, as ``sldml info`` prints it."""
        layout = self.get_layout()
        out: dict[str, Any] = {
            "source": self.source,
            "layout": self.layout,
            "modality": self.modality,
            "frames": self.frames,
            "rate_hz": self.rate_hz,
            "label": self.label,
            "class_id": self.class_id,
            "subject": self.subject,
            "trial": self.trial,
        }
        out["joints" if layout.kind == "skeleton" else "channels"] = layout.size
        out.update(self.meta)
        return out


def _check_shape(data: FloatArray, layout: Layout, source: str | None) -> None:
    expected = layout.data_shape()
    if layout.kind == "skeleton":
        ok = data.ndim == 3 and data.shape[1] == layout.size and data.shape[2] == 3
    else:
        ok = data.ndim == 2 and data.shape[1] == layout.size
    if not ok:
        what = "joints" if layout.kind == "skeleton" else "channels"
        raise DataError(
            source,
            f"field 'data': shape {tuple(data.shape)} does not match layout {layout.name!r}; "
            f"expected {expected} ({layout.size} {what})",
        )
    if data.shape[0] < MIN_FRAMES:
        raise DataError(source, f"field 'data': {data.shape[0]} frames; expected at least {MIN_FRAMES}")


def class_label(seq: Sequence) -> str:
    """The class name a sample is scored under: its label, else its class id as text."""
    return seq.label if seq.label is not None else str(seq.class_id)
