"""The generic format for a user's own data: ``.npy`` / ``.csv`` arrays listed in a ``manifest.csv``.

A dataset folder holds a ``manifest.csv`` whose header names its columns::

    path,label,subject,trial,modality,view
    wave/anna_1.npy,wave,1,1,skeleton,1
    wave/anna_2.csv,wave,1,2,skeleton,3

``path`` (relative to the manifest's folder) and ``label`` are required; ``subject``, ``trial``
(whole numbers), ``modality``, ``layout`` and ``rate_hz`` are optional; any other column (a camera, view,
session) is kept as metadata of the sample (``Sequence.meta``; whole numbers as numbers), which protocol rules
can select on. Each file holds one sequence: a ``.npy`` array of shape (T, J, 3) (joints) or (T, C) (channels),
saved with ``numpy.save`` (loaded with ``allow_pickle=False``, its header checked against the file's size before
anything is allocated); or a ``.csv`` of T rows of numbers, with an optional header row, holding C channels or,
when the layout is a skeleton one, J * 3 columns ``x1, y1, z1, x2, ...``. Without a ``layout`` column the layout
is inferred from the shape (:func:`sldml.layouts.infer_layout`); ``rate_hz`` defaults to 30.

A manifest may name only files inside its own folder: a path that leaves it (``..``, an absolute path, a
symbolic link to a file elsewhere) is refused, so a manifest cannot make sldml read any other file on the
machine. A file listed twice is an error naming both lines. CSV files and manifests may start with a UTF-8
byte-order mark (as spreadsheet programs save them).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from tokenize import TokenError
from typing import Any

import numpy as np
import numpy.typing as npt

from sldml.errors import ConfigError, DataError
from sldml.io._text import excerpt, is_number
from sldml.io.limits import check_shape
from sldml.io.registry import register_format
from sldml.layouts import Layout, get_layout, infer_layout
from sldml.resources import write_bytes_atomic, write_text_atomic
from sldml.sequence import Sequence

MANIFEST = "manifest.csv"
DEFAULT_RATE_HZ = 30.0
REQUIRED_COLUMNS = ("path", "label")
OPTIONAL_COLUMNS = ("subject", "trial", "modality", "layout", "rate_hz")


def _read_csv_array(path: Path) -> npt.NDArray[np.float64]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
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
                raise DataError(path, f"data row {number}, column {column}: {excerpt(cell)} is not a number")
        values.append([float(cell) for cell in row])
    return np.asarray(values, dtype=np.float64)


def _load_npy(path: Path) -> npt.NDArray[Any]:
    """A ``.npy`` array, its header checked before the data is read (no pickle, no oversized allocation)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            try:
                version = np.lib.format.read_magic(handle)
            except ValueError:
                raise DataError(path, "not a .npy file: it does not start with NumPy's magic string") from None
            readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
            if version not in readers:
                raise DataError(path, f".npy format version {version}; expected 1.0 or 2.0")
            try:
                shape, _, dtype = readers[version](handle)
            except (ValueError, SyntaxError, TokenError) as err:  # numpy parses the header dict with ast / tokenize
                first = (str(err).splitlines() or [type(err).__name__])[0][:80]
                raise DataError(path, f"damaged .npy header ({first})") from None
            offset = handle.tell()
    except OSError as err:
        raise DataError(path, f"cannot be read ({err})") from None
    if dtype.hasobject:
        raise DataError(path, "the .npy array holds Python objects (pickled data); expected numbers")
    check_shape(path, "field 'shape' of the .npy header", tuple(shape), dtype.itemsize, size - offset)
    try:
        array: npt.NDArray[Any] = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, SyntaxError, TokenError) as err:
        first = (str(err).splitlines() or [type(err).__name__])[0][:80]
        raise DataError(path, f"not a readable .npy array ({first})") from None
    return array


def read_array(
    path: Path,
    layout: str | None = None,
    *,
    label: str | None = None,
    subject: int | None = None,
    trial: int | None = None,
    modality: str | None = None,
    rate_hz: float = DEFAULT_RATE_HZ,
    meta: dict[str, Any] | None = None,
) -> Sequence:
    """Read one ``.npy`` or ``.csv`` array file into a sequence (``meta``: further facts about it, kept).

    Raises:
        DataError: If the file is unreadable, not numeric, or its shape does not fit the layout.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found")
    array = _load_npy(path) if path.suffix.lower() == ".npy" else _read_csv_array(path)
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
        meta={**(meta or {}), "format": "array"},
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
        raise DataError(source, f"{where}: field {field!r} is {excerpt(value)}; expected a whole number") from None


def _metadata(value: str) -> int | str:
    """An extra column's value: a whole number as a number, anything else as text."""
    return int(value) if value.lstrip("-").isdigit() else value


def _inside(root: Path, relative: str, where: str, manifest: Path) -> Path:
    """The file a manifest row names, resolved (symbolic links followed), refused if it leaves the folder."""
    if not relative:
        raise DataError(manifest, f"{where}: field 'path' is empty")
    try:
        target = (root / relative).resolve()
    except (ValueError, OSError) as err:  # a NUL byte, a loop of symbolic links
        raise DataError(manifest, f"{where}: field 'path' {excerpt(relative)} is not a usable path ({err})") from None
    if Path(relative).is_absolute() or not target.is_relative_to(root):
        raise DataError(
            manifest,
            f"{where}: field 'path' {excerpt(relative)} leads outside the dataset folder {root}; "
            "a manifest may only name files inside its own folder",
        )
    return target


def _manifest_rows(manifest: Path) -> tuple[list[str], list[tuple[int, dict[str, str] | str]]]:
    """The header and, per data line, its cells by column (or why the line has the wrong number of cells)."""
    try:
        with manifest.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            rows: list[tuple[int, dict[str, str] | str]] = []
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) > len(header):
                    rows.append((reader.line_num, f"{len(cells)} cells; the header names {len(header)} columns"))
                    continue
                padded = [cell.strip() for cell in cells] + [""] * (len(header) - len(cells))
                rows.append((reader.line_num, dict(zip(header, padded, strict=True))))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise DataError(manifest, f"cannot read the manifest ({err})") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing or len(set(header)) != len(header) or "" in header:
        shown = excerpt(",".join(header), 120) if header else "(empty)"
        raise DataError(
            manifest,
            f"header {shown}: "
            + (f"missing column(s) {', '.join(missing)}; " if missing else "a column name is empty or repeated; ")
            + f"expected {','.join(REQUIRED_COLUMNS)}, optionally {','.join(OPTIONAL_COLUMNS)} and any metadata",
        )
    return header, rows


def read_manifest(manifest: Path) -> tuple[list[Sequence], list[tuple[str, str]]]:
    """Read every row of a ``manifest.csv``.

    Returns:
        The sequences read, and ``(path, reason)`` for every row that could not be read.

    Raises:
        DataError: If the manifest itself is unreadable, its header lacks a required column or repeats one, or
            a file is listed twice.
    """
    manifest = Path(manifest)
    root = manifest.parent.resolve()
    header, rows = _manifest_rows(manifest)
    extra = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    sequences: list[Sequence] = []
    skipped: list[tuple[str, str]] = []
    first_line: dict[Path, int] = {}
    for line, row in rows:
        where = f"{manifest.name} line {line}"
        if isinstance(row, str):
            skipped.append((where, f"{manifest}: {where}: {row}"))
            continue
        shown = row["path"] or "(empty)"
        try:
            target = _inside(root, row["path"], where, manifest)
            if target in first_line:
                raise DataError(
                    manifest,
                    f"{where}: {excerpt(row['path'])} is listed twice (lines {first_line[target]} "
                    f"and {line}); expected each file once",
                )
            first_line[target] = line
            if not row["label"]:
                raise DataError(manifest, f"{where}: field 'label' is empty; expected a class name")
            if not target.is_file():
                raise DataError(manifest, f"{where}: field 'path': {excerpt(row['path'])} not found in {root}")
            rate = row.get("rate_hz") or str(DEFAULT_RATE_HZ)
            try:
                rate_hz = float(rate)
            except ValueError:
                raise DataError(manifest, f"{where}: field 'rate_hz' is {excerpt(rate)}; expected a number") from None
            sequences.append(
                read_array(
                    target,
                    row.get("layout") or None,
                    label=row["label"],
                    subject=_optional_int(row.get("subject", ""), "subject", where, manifest),
                    trial=_optional_int(row.get("trial", ""), "trial", where, manifest),
                    modality=row.get("modality") or None,
                    rate_hz=rate_hz,
                    meta={c: _metadata(row[c]) for c in extra if row.get(c)},
                )
            )
        except DataError as err:
            if "is listed twice" in err.message:
                raise
            skipped.append((shown, str(err)))
    return sequences, skipped


def write_folder(sequences: list[Sequence], folder: str | Path, force: bool = False) -> Path:
    """Write sequences as a generic dataset folder: one ``.npy`` per sequence plus ``manifest.csv``.

    Files go to ``<folder>/<label>/<label>_s<subject>_t<trial>_<modality>.npy``; the manifest records
    label, subject, trial, modality, layout and rate, so :func:`read_manifest` reads them back as they were.
    Every file is written atomically, the manifest last.

    Args:
        sequences: The samples.
        folder: The folder to write.
        force: Write into a folder that is not empty (files of the same names are replaced).

    Returns:
        The manifest's path.

    Raises:
        DataError: If the folder is not empty and ``force`` is not set, a sequence has no label, or two
            sequences would share a file name.
    """
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise DataError(root, "exists and is not a folder; expected a folder to write the dataset into")
    if root.is_dir() and any(root.iterdir()) and not force:
        raise DataError(
            root, "the folder is not empty; choose an empty or new folder, or pass --force to write into it"
        )
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
        buffer = io.BytesIO()
        np.save(buffer, seq.data, allow_pickle=False)
        write_bytes_atomic(root / relative, buffer.getvalue())
        rows.append([relative, seq.label, seq.subject or "", seq.trial or "", seq.modality, seq.layout, seq.rate_hz])
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS])
    writer.writerows(rows)
    return write_text_atomic(root / MANIFEST, text.getvalue())
