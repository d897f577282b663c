"""The parsed-data cache's files: its key, writing them, reading them back with every check, and the load report.

The format is documented in :mod:`sldml.io.cache`, which builds, locks and loads caches with these pieces.
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sldml.io.folder import MANIFEST
from sldml.io.loader import LoadReport, Skipped, list_files
from sldml.io.registry import reader_versions
from sldml.resources import write_text_atomic
from sldml.sequence import Sequence

CACHE_VERSION = 1
"""Raise it when the cache's files or what a load makes of them change."""
CACHE_FORMAT = "sldml-parsed-cache"
HEADER, DATA, INDEX, RECORDS = "cache.json", "data.f32", "index.npy", "records.json"
_LOCAL = "\x00"  # starts a path stored relative to the dataset folder
_INDEX_COLUMNS = 5
_VERIFY_BLOCK = 16 * 1024 * 1024


class DamagedError(Exception):
    """A cache that cannot be used: the message says why."""


class StaleError(Exception):
    """A cache built from other files or readers: the message says what changed."""


class UncacheableError(Exception):
    """A sequence whose metadata JSON cannot hold: the folder is read without a cache."""


@dataclass(frozen=True)
class Listing:
    """A folder's files now: relative paths, paths, sizes, modification times, and the cache key."""

    root: Path
    rels: list[str]
    paths: list[Path]
    sizes: list[int]
    mtimes: list[int]
    readers: dict[str, int]
    key: str

    @classmethod
    def of(cls, root: Path) -> Listing:
        entries = list_files(root)
        rels = [path.relative_to(root).as_posix() for path, _ in entries]
        sizes = [stat.st_size for _, stat in entries]
        mtimes = [stat.st_mtime_ns for _, stat in entries]
        readers = reader_versions()
        digest = hashlib.sha256(json.dumps({"cache": CACHE_VERSION, "readers": readers}, sort_keys=True).encode())
        for rel, size, mtime in zip(rels, sizes, mtimes, strict=True):
            digest.update(f"\n{rel}\x00{size}\x00{mtime}".encode())
        paths = [path for path, _ in entries]
        return cls(root, rels, paths, sizes, mtimes, readers, digest.hexdigest())

    def manifest(self) -> bool:
        return MANIFEST in self.rels


def portable(text: str | None, root: Path) -> str | None:
    """A path or message with the dataset folder's name at its start replaced by a mark (see the docstring)."""
    prefix = str(root) + os.sep
    if text is None or not text.startswith(prefix) or str(root) == ".":
        return text
    return _LOCAL + text[len(prefix) :]


def local(text: str | None, root: Path) -> str | None:
    if text is None or not text.startswith(_LOCAL):
        return text
    return str(root / text[1:])


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise UncacheableError(f"a metadata value of type {type(value).__name__}")


def record_of(seq: Sequence, root: Path) -> list[Any]:
    return [
        portable(seq.source, root),
        seq.layout,
        seq.rate_hz,
        seq.label,
        seq.class_id,
        seq.subject,
        seq.trial,
        seq.modality,
        json.loads(json.dumps(dict(seq.meta), default=_jsonable)),
    ]


class Writer:
    """Writes a cache's files into a temporary folder as sequences arrive."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = (folder / DATA).open("wb")
        self.crc = 0
        self.values = 0
        self.index: list[tuple[int, int, int, int, int]] = []
        self.sequences: list[list[Any]] = []
        self.files: list[list[Any]] = []
        self.skipped: list[list[str | None]] = []

    def add(self, values: npt.NDArray[np.float32], record: list[Any], file: int) -> None:
        raw = np.ascontiguousarray(values, dtype="<f4").tobytes()
        self.data.write(raw)
        self.crc = zlib.crc32(raw, self.crc)
        dims = values.shape[2] if values.ndim == 3 else 0
        self.index.append((self.values, values.shape[0], values.shape[1], dims, file))
        self.values += values.size
        self.sequences.append(record)

    def close(self) -> None:
        self.data.close()

    def finish(self, header: dict[str, Any]) -> dict[str, Any]:
        self.data.flush()
        os.fsync(self.data.fileno())
        self.data.close()
        index = np.array(self.index, dtype=np.int64).reshape(len(self.index), _INDEX_COLUMNS)
        with (self.folder / INDEX).open("wb") as handle:
            np.save(handle, index, allow_pickle=False)
            handle.flush()
            os.fsync(handle.fileno())
        records = {"files": self.files, "sequences": self.sequences, "skipped": self.skipped}
        write_text_atomic(self.folder / RECORDS, json.dumps(records, separators=(",", ":")))
        header = {
            **header,
            "files": len(self.files),
            "sequences": len(self.sequences),
            "values": self.values,
            "crc32": self.crc,
        }
        write_text_atomic(self.folder / HEADER, json.dumps(header, indent=1) + "\n")
        return header


@dataclass
class Opened:
    """A cache read back: its header, records, index and memory-mapped values."""

    header: dict[str, Any]
    records: dict[str, Any]
    index: npt.NDArray[np.int64]
    values: npt.NDArray[np.float32]


def _read_json(target: Path, name: str) -> Any:
    """A cache's JSON file; a missing or unreadable one is a :class:`DamagedError`."""
    try:
        return json.loads((target / name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DamagedError(f"{name} is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DamagedError(f"{name} is unreadable ({err})") from None


def read_header(target: Path) -> dict[str, Any]:
    header = _read_json(target, HEADER)
    if not isinstance(header, dict) or header.get("format") != CACHE_FORMAT:
        raise DamagedError(f"{HEADER} is not an sldml cache header")
    return header


def changes(header: dict[str, Any], records: dict[str, Any] | None, listing: Listing) -> str:
    """What changed since a cache was built, in words."""
    if header.get("version") != CACHE_VERSION:
        return f"the cache format changed (version {header.get('version')} -> {CACHE_VERSION})"
    old_readers = header.get("readers", {})
    readers = [
        f"{name} {old_readers.get(name, 'new')} -> {version}"
        for name, version in listing.readers.items()
        if old_readers.get(name) != version
    ]
    readers += [f"{name} removed" for name in old_readers if name not in listing.readers]
    if readers:
        return "readers changed (" + ", ".join(readers) + ")"
    if records is None:
        return "the folder's files changed"
    old = {row[0]: (row[3], row[4]) for row in records.get("files", [])}
    now = dict(zip(listing.rels, zip(listing.sizes, listing.mtimes, strict=True), strict=True))
    added = len(now.keys() - old.keys())
    removed = len(old.keys() - now.keys())
    changed = sum(1 for rel in now.keys() & old.keys() if tuple(old[rel]) != now[rel])
    return f"the folder's files changed: {changed} changed, {added} added, {removed} removed"


def read_records(target: Path) -> dict[str, Any]:
    records = _read_json(target, RECORDS)
    if not isinstance(records, dict) or not all(isinstance(records.get(k), list) for k in ("files", "sequences")):
        raise DamagedError(f"{RECORDS} lacks its file table or its sequences")
    return records


def check_index(index: npt.NDArray[np.int64], header: dict[str, Any], files: int) -> None:
    if index.ndim != 2 or index.shape != (header["sequences"], _INDEX_COLUMNS):
        raise DamagedError(f"{INDEX} has shape {index.shape}; expected ({header['sequences']}, {_INDEX_COLUMNS})")
    offset, frames, size, dims, file = index.T
    lengths = frames * size * np.maximum(dims, 1)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(index) else np.zeros(0, dtype=np.int64)
    if (
        np.any(frames < 2)
        or np.any(size < 1)
        or np.any((dims != 0) & (dims != 3))
        or not np.array_equal(offset, starts)
        or int(lengths.sum()) != header["values"]
        or np.any(file < -1)
        or np.any(file >= files)
    ):
        raise DamagedError(f"{INDEX} does not fit the values and files it indexes")


def verify_values(path: Path, expected: int) -> None:
    crc = 0
    with path.open("rb") as handle:
        while block := handle.read(_VERIFY_BLOCK):
            crc = zlib.crc32(block, crc)
    if crc != expected:
        raise DamagedError(
            f"the values in {DATA} changed since the cache was built (CRC-32 {crc:08x}, recorded {expected:08x})"
        )


def open_cache(target: Path, listing: Listing, verify: bool = True) -> Opened:
    """Read a cache back, checking everything but the values' meaning.

    Raises:
        DamagedError: Naming what is wrong.
        StaleError: Saying what changed.
    """
    header = read_header(target)
    if header.get("version") != CACHE_VERSION or header.get("key") != listing.key:
        try:
            records: dict[str, Any] | None = read_records(target)
        except DamagedError:
            records = None
        raise StaleError(changes(header, records, listing))
    try:
        counts = {k: int(header[k]) for k in ("files", "sequences", "values", "crc32")}
    except (KeyError, TypeError, ValueError):
        raise DamagedError(f"{HEADER} lacks its counts") from None
    records = read_records(target)
    if len(records["files"]) != counts["files"] or len(records["sequences"]) != counts["sequences"]:
        raise DamagedError(
            f"{RECORDS} lists {len(records['sequences'])} sequences; {HEADER} says {counts['sequences']}"
        )
    data = target / DATA
    try:
        size = data.stat().st_size
        index = np.load(target / INDEX, allow_pickle=False)
    except FileNotFoundError as err:
        raise DamagedError(f"{Path(str(err.filename)).name} is missing") from None
    except (OSError, ValueError, EOFError) as err:
        raise DamagedError(f"{INDEX} is unreadable ({err})") from None
    if size != 4 * counts["values"]:
        raise DamagedError(f"{DATA} holds {size:,} bytes; expected {4 * counts['values']:,} (truncated or replaced)")
    if index.dtype != np.int64:
        raise DamagedError(f"{INDEX} holds {index.dtype}; expected int64")
    check_index(index, {**header, **counts}, counts["files"])
    if verify:
        verify_values(data, counts["crc32"])
    values = np.asarray(np.memmap(data, dtype="<f4", mode="r")) if counts["values"] else np.zeros(0, dtype=np.float32)
    values.flags.writeable = False
    return Opened(header, records, index, values)


def report_of(opened: Opened, root: Path, formats: Collection[str] | None) -> LoadReport:
    """The :class:`LoadReport` that :func:`load_folder` would give, from an opened cache."""
    report = LoadReport(root=str(root))
    files = opened.records["files"]
    if opened.header.get("mode") == "manifest":
        wanted = None
        report.skipped = [Skipped(str(local(p, root)), str(local(r, root))) for p, r in opened.records["skipped"]]
    else:
        wanted = np.zeros(len(files), dtype=bool)
        for number, (rel, fmt, reason, _, _) in enumerate(files):
            path = str(root / rel)
            if fmt is None or (formats is not None and fmt not in formats):
                report.ignored.append(path)
            elif reason is not None:
                report.skipped.append(Skipped(path, str(local(reason, root))))
            else:
                wanted[number] = True
    for (offset, frames, size, dims, file), record in zip(
        opened.index.tolist(), opened.records["sequences"], strict=True
    ):
        if wanted is not None and not wanted[file]:
            continue
        source, layout, rate_hz, label, class_id, subject, trial, modality, meta = record
        shape = (frames, size, dims) if dims else (frames, size)
        report.sequences.append(
            Sequence.from_checked(
                opened.values[offset : offset + frames * size * max(dims, 1)].reshape(shape),
                layout,
                rate_hz,
                label=label,
                class_id=class_id,
                subject=subject,
                trial=trial,
                modality=modality,
                source=local(source, root),
                meta=meta,
            )
        )
    return report
