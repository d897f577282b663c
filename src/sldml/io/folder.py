"""The generic format for a user's own data: ``.npy`` / ``.csv`` arrays listed in a ``manifest.csv``.

A dataset folder holds a ``manifest.csv`` whose header names its columns::

    path,label,subject,trial,modality
    wave/anna_1.npy,wave,1,1,skeleton
    wave/anna_2.csv,wave,1,2,skeleton

``path`` (relative to the manifest's folder) and ``label`` are required; ``subject``, ``trial``
(whole numbers), ``modality``, ``layout`` and ``rate_hz`` are optional. Each file holds one
sequence: a ``.npy`` array of shape (T, J, 3) (joints) or (T, C) (channels), saved with
``numpy.save`` (loaded with ``allow_pickle=False``); or a ``.csv`` of T rows of numbers, with an
optional header row, holding C channels or, when the layout is a skeleton one, J * 3 columns
``x1, y1, z1, x2, ...``. Without a ``layout`` column the layout is inferred from the shape
(:func:`sldml.layouts.infer_layout`); ``rate_hz`` defaults to 30.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import numpy.typing as npt

from sldml.errors import ConfigError, DataError
from sldml.io._text import is_number
from sldml.io.registry import register_format
from sldml.layouts import Layout, get_layout, infer_layout
from sldml.sequence import Sequence

MANIFEST = "manifest.csv"
DEFAULT_RATE_HZ = 30.0
REQUIRED_COLUMNS = ("path", "label")
OPTIONAL_COLUMNS = ("subject", "trial", "modality", "layout", "rate_hz")


def _read_csv_array(path: Path) -> npt.NDArray[np.float64]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = [row for row in csv.reader(handle) if row and any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(path, f"cannot read as CSV text ({err})") from None
    if rows and not all(is_number(cell) for cell in rows[0]):
        rows = rows[1:]  # a header row
    if not rows:
        raise DataError(path, "0 rows of numbers; expected T >= 2 rows, one per frame")
    width = len(rows[0])
    values = []
    for number, row in enumerate(rows, start=1):
        if len(row) != width:
            raise DataError(path, f"data row {number}: {len(row)} columns; expected {width} like the first row")
        for column, cell in enumerate(row, start=1):
            if not is_number(cell):
                raise DataError(path, f"data row {number}, column {column}: {cell!r} is not a number")
        values.append([float(cell) for cell in row])
    return np.asarray(values, dtype=np.float64)


def read_array(
    path: Path,
    layout: str | None = None,
    *,
    label: str | None = None,
    subject: int | None = None,
    trial: int | None = None,
    modality: str | None = None,
    rate_hz: float = DEFAULT_RATE_HZ,
) -> Sequence:
    """Read one ``.npy`` or ``.csv`` array file into a sequence.

    Raises:
        DataError: If the file is unreadable, not numeric, or its shape does not fit the layout.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found")
    if path.suffix.lower() == ".npy":
        try:
            array = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as err:
            raise DataError(path, f"not a readable .npy array ({err})") from None
    else:
        array = _read_csv_array(path)
    try:
        lay: Layout = get_layout(layout) if layout else infer_layout(array.shape)
    except ConfigError as err:
        raise DataError(path, f"field 'layout': {err}") from None
    if lay.kind == "skeleton" and array.ndim == 2:
        if array.shape[1] != lay.size * 3:
            raise DataError(
                path, f"{array.shape[1]} columns; layout {lay.name!r} expects {lay.size * 3} (x, y, z per joint)"
            )
        array = array.reshape(array.shape[0], lay.size, 3)
    return Sequence(
        data=array,
        layout=lay.name,
        rate_hz=rate_hz,
        label=label,
        subject=subject,
        trial=trial,
        modality=modality or ("skeleton" if lay.kind == "skeleton" else "sensor"),
        source=str(path),
        meta={"format": "array"},
    )


@register_format(
    "array",
    lambda p: p.suffix.lower() in (".npy", ".csv") and p.name != MANIFEST,
    ".npy / .csv array, (T, J, 3) or (T, C)",
    priority=100,  # claims every .npy / .csv: asked after the formats that look inside
)
def _read_one(path: Path) -> list[Sequence]:
    return [read_array(path)]


def _optional_int(value: str, field: str, where: str, source: Path) -> int | None:
    if not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise DataError(source, f"{where}: field {field!r} is {value!r}; expected a whole number") from None


def read_manifest(manifest: Path) -> tuple[list[Sequence], list[tuple[str, str]]]:
    """Read every row of a ``manifest.csv``.

    Returns:
        The sequences read, and ``(path, reason)`` for every row that could not be read.

    Raises:
        DataError: If the manifest itself is unreadable or its header lacks a required column or has
            an unknown one.
    """
    manifest = Path(manifest)
    try:
        with manifest.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in (reader.fieldnames or [])]
            rows = list(reader)
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(manifest, f"cannot read the manifest ({err})") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        raise DataError(
            manifest,
            f"header {','.join(header) or '(empty)'}: "
            + (f"missing column(s) {', '.join(missing)}; " if missing else "")
            + (f"unknown column(s) {', '.join(unknown)}; " if unknown else "")
            + f"expected {','.join(REQUIRED_COLUMNS)} and optionally {','.join(OPTIONAL_COLUMNS)}",
        )
    sequences: list[Sequence] = []
    skipped: list[tuple[str, str]] = []
    for line, raw in enumerate(rows, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        where = f"{manifest.name} line {line}"
        target = manifest.parent / row["path"]
        try:
            if not row["path"]:
                raise DataError(manifest, f"{where}: field 'path' is empty")
            if not row["label"]:
                raise DataError(manifest, f"{where}: field 'label' is empty; expected a class name")
            if not target.is_file():
                raise DataError(manifest, f"{where}: field 'path': {target} not found")
            rate = row.get("rate_hz") or str(DEFAULT_RATE_HZ)
            try:
                rate_hz = float(rate)
            except ValueError:
                raise DataError(manifest, f"{where}: field 'rate_hz' is {rate!r}; expected a number") from None
            sequences.append(
                read_array(
                    target,
                    row.get("layout") or None,
                    label=row["label"],
                    subject=_optional_int(row.get("subject", ""), "subject", where, manifest),
                    trial=_optional_int(row.get("trial", ""), "trial", where, manifest),
                    modality=row.get("modality") or None,
                    rate_hz=rate_hz,
                )
            )
        except DataError as err:
            skipped.append((str(target), str(err)))
    return sequences, skipped


def write_folder(sequences: list[Sequence], folder: str | Path) -> Path:
    """Write sequences as a generic dataset folder: one ``.npy`` per sequence plus ``manifest.csv``.

    Files go to ``<folder>/<label>/<label>_s<subject>_t<trial>_<modality>.npy``; the manifest records
    label, subject, trial, modality, layout and rate, so :func:`read_manifest` reads them back as they were.

    Returns:
        The manifest's path.

    Raises:
        DataError: If a sequence has no label, or two sequences would share a file name.
    """
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    seen: set[str] = set()
    for seq in sequences:
        if seq.label is None:
            raise DataError(seq.source, "field 'label' is empty; a dataset folder needs a label per sample")
        stem = f"{seq.label}_s{seq.subject or 0}_t{seq.trial or 0}_{seq.modality}"
        relative = f"{seq.label}/{stem}.npy"
        if relative in seen:
            raise DataError(seq.source, f"two samples would both be written to {relative}")
        seen.add(relative)
        (root / seq.label).mkdir(exist_ok=True)
        np.save(root / relative, seq.data, allow_pickle=False)
        rows.append([relative, seq.label, seq.subject or "", seq.trial or "", seq.modality, seq.layout, seq.rate_hz])
    manifest = root / MANIFEST
    with manifest.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS])
        writer.writerows(rows)
    return manifest
