"""The parsed-dataset cache: a folder's files parsed once, then memory-mapped on every later load.

Parsing a large dataset's text files on every run costs minutes before the first training step (NTU RGB+D 120:
114,480 ``.skeleton`` files of a few milliseconds each). :func:`load_cached` gives what :func:`sldml.io.load_folder`
gives (the same sequences in the same order, the same skipped and ignored files), read the first time by worker
processes over the files into a cache, and from the cache afterwards: the values memory-mapped (a sample's values
are read from disk when it is used, so memory holds the index and the metadata, not the data), the metadata from
one JSON file.

**Where.** One cache per dataset folder, ``<cache root>/<folder name>-<12 hex digits of its resolved path>/``. The
cache root is ``data.cache`` (default ``<output_dir>/cache``, beside the runs); a cache root inside the dataset
folder is refused: sldml writes nothing into the user's data.

**When it is rebuilt.** The cache is keyed by the folder's files (each one's path relative to the folder, size and
modification time, in nanoseconds), every registered reader's name and version
(:func:`sldml.io.registry.reader_versions`) and :data:`CACHE_VERSION`: touching, adding or removing a file, or a
new or changed reader, rebuilds it, with a note that says which. A damaged cache (a file missing, truncated,
unreadable or inconsistent with the others, or values whose CRC-32 differs from the one recorded) is rebuilt with a
note that says what was wrong. Every load checks the CRC-32 of the values (reading them once, about 2 GB/s, without
mapping them) before trusting them: a sequence is then made without scanning its values again
(:meth:`sldml.sequence.Sequence.from_checked`).

**What it holds.** Every file any registered format claims, whatever ``formats`` a load asks for: a load then lists
the other formats' files as ignored, as ``load_folder`` does, so one cache serves ``data.dataset=folder`` and
``data.dataset=ntu`` alike. A folder with a ``manifest.csv`` is read through the manifest (serially) and cached
the same way. Folders with fewer than ``min_files`` files are read directly: parsing them takes a second or two.

**Files** (built in a temporary folder beside the cache, then renamed into place, under a lock file
``<cache root>/<name>.lock`` that concurrent loads, such as the processes of a multi-GPU run, wait on):

* ``data.f32``: every sequence's values, float32 little-endian, C order ((T, J, 3) or (T, C)), back to back.
* ``index.npy``: int64, one row per sequence: ``offset`` (in values, into ``data.f32``), ``frames``, ``size``
  (joints or channels), ``dims`` (3 for point layouts (T, J, 3), 0 for channel layouts (T, C)), ``file`` (its
  row in the file table; -1 for a manifest folder).
* ``records.json``: ``{"files": [[path, format, reason, size, mtime_ns], ...], "sequences": [[source, layout,
  rate_hz, label, class_id, subject, trial, modality, meta], ...], "skipped": [[path, reason], ...]}``: every
  file of the folder in reading order (path relative to the folder, the format that claims it or null, why it was
  skipped or null), each sequence's fields, and (manifest folders) the rows that could not be read. A path under
  the folder is stored as NUL + its path relative to the folder, so that sources and messages name the folder as
  the load that reads the cache names it.
* ``cache.json``, written last: ``{"format": "sldml-parsed-cache", "version", "folder" (resolved), "key" (SHA-256
  of the key above), "mode" ("files" or "manifest"), "files", "sequences", "values", "crc32" (of data.f32),
  "readers", "built" (UTC, ISO 8601), "build_seconds", "workers"}``.

Nothing is pickled into the cache; the worker processes hand their parsed arrays to the parent through
:mod:`multiprocessing` (its own pipes, between processes of one run).
"""

from __future__ import annotations

import datetime
import hashlib
import multiprocessing
import os
import re
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from filelock import FileLock
from filelock import Timeout as LockTimeout

from sldml.errors import ConfigError, DataError
from sldml.io._cache_files import (
    CACHE_FORMAT,
    CACHE_VERSION,
    DamagedError,
    Listing,
    Opened,
    StaleError,
    UncacheableError,
    Writer,
    open_cache,
    portable,
    read_header,
    record_of,
    report_of,
)
from sldml.io.folder import MANIFEST
from sldml.io.loader import LoadReport, load_folder, read_file
from sldml.resources import removed_on_failure

MIN_FILES = 200
"""Folders with fewer files are read directly (:func:`load_cached`'s ``min_files``)."""
_CHUNK = 32  # files per task of a worker process

Notes = Callable[[str], None]
"""Where a cache's notes go (built, rebuilt and why, waiting for another process)."""
State = Literal["fresh", "stale", "damaged", "missing"]


def print_note(text: str) -> None:
    """The default :data:`Notes`: one line ``note: ...`` on stderr."""
    print(f"note: {text}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class CacheStatus:
    """A folder's cache as it stands (:func:`cache_status`).

    Attributes:
        folder: The dataset folder.
        path: The cache's folder.
        state: ``fresh`` (usable), ``stale`` (the files or readers changed), ``damaged`` or ``missing``.
        reason: Why it is not fresh (empty when it is).
        files: Files the dataset folder holds now.
        header: The cache's ``cache.json`` (empty when there is none or it is unreadable).
    """

    folder: str
    path: str
    state: State
    reason: str
    files: int
    header: dict[str, Any] = field(default_factory=dict)


def cache_root(root: str | Path, folder: str | Path) -> Path:
    """A cache root checked against the dataset folder.

    Raises:
        ConfigError: If the cache root is inside the dataset folder (sldml writes nothing into the user's data).
    """
    cache = Path(root).resolve()
    data = Path(folder).resolve()
    if cache == data or cache.is_relative_to(data):
        raise ConfigError(
            f"data.cache={root}: the cache would be inside the dataset folder {folder}; sldml writes nothing "
            "there: choose a folder outside it (the default is beside the runs: <output_dir>/cache)"
        )
    return cache


def cache_path(folder: str | Path, root: str | Path) -> Path:
    """The cache folder of a dataset folder: ``<root>/<folder name>-<12 hex digits of its resolved path>``."""
    resolved = Path(folder).resolve()
    name = re.sub(r"[^A-Za-z0-9._-]", "_", resolved.name)[:40] or "root"
    return Path(root) / f"{name}-{hashlib.sha256(str(resolved).encode()).hexdigest()[:12]}"


def _dataset_root(folder: str | Path) -> Path:
    root = Path(folder)
    if root.is_file() and root.name == MANIFEST:
        root = root.parent
    if not root.is_dir():
        raise DataError(root, "folder not found" if not root.exists() else "not a folder")
    return root


_Parsed = tuple[str, str | None, str | None, list[tuple[npt.NDArray[np.float32], list[Any]]]]
"""One file read by a worker: relative path, format, reason it was skipped, (values, record) per sequence."""


def _read_chunk(task: tuple[str, list[str]]) -> list[_Parsed]:
    """Read files of a folder (a worker process's task): what :func:`sldml.io.loader.read_file` gives, as data."""
    root_text, rels = task
    root = Path(root_text)
    inside = root.resolve()
    out: list[_Parsed] = []
    for rel in rels:
        outcome = read_file(root / rel, inside)
        sequences = [(np.ascontiguousarray(s.data, dtype="<f4"), record_of(s, root)) for s in outcome.sequences]
        out.append((rel, outcome.format, portable(outcome.reason, root), sequences))
    return out


def _workers(requested: int, tasks: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    wanted = cores if requested <= 0 else requested
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1  # the registered formats (a user's own too) reach the workers by forking
    return max(1, min(wanted, tasks))


@contextmanager
def _progress_bar(total: int, title: str, show: bool) -> Iterator[Callable[[int], None]]:
    if not (show and sys.stderr.isatty()):
        yield lambda _: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True, markup=False, highlight=False, emoji=False)
    columns = (TextColumn(title), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(title, total=total)
        yield lambda n: bar.advance(task, n)


def _parse_files(listing: Listing, writer: Writer, workers: int, progress: bool) -> int:
    """Parse every file of a folder (in worker processes when there are several) into the writer."""
    tasks = [(str(listing.root), listing.rels[i : i + _CHUNK]) for i in range(0, len(listing.rels), _CHUNK)]
    count = _workers(workers, len(tasks))
    title = f"parsing {len(listing.rels):,} files"

    def take(parsed: list[_Parsed]) -> None:
        for rel, fmt, reason, sequences in parsed:
            number = len(writer.files)
            writer.files.append([rel, fmt, reason, listing.sizes[number], listing.mtimes[number]])
            for values, record in sequences:
                writer.add(values, record, number)

    with _progress_bar(len(listing.rels), title, progress) as advance:
        if count == 1:
            for task in tasks:
                take(_read_chunk(task))
                advance(len(task[1]))
            return 1
        with multiprocessing.get_context("fork").Pool(count) as pool:
            for parsed in pool.imap(_read_chunk, tasks):
                take(parsed)
                advance(len(parsed))
    return count


def _read_manifest_folder(listing: Listing, writer: Writer) -> None:
    report = load_folder(listing.root)
    writer.files = [
        [rel, None, None, size, mtime]
        for rel, size, mtime in zip(listing.rels, listing.sizes, listing.mtimes, strict=True)
    ]
    for seq in report.sequences:
        writer.add(np.asarray(seq.data, dtype=np.float32), record_of(seq, listing.root), -1)
    writer.skipped = [[portable(s.path, listing.root), portable(s.reason, listing.root)] for s in report.skipped]


def _build(listing: Listing, target: Path, workers: int, progress: bool) -> dict[str, Any]:
    """Parse the folder into a temporary folder beside ``target``, then put it in place (the lock is held)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.building-{uuid.uuid4().hex[:8]}")
    temporary.mkdir()
    start = time.perf_counter()
    with removed_on_failure(temporary, f"parsing {listing.root} into its cache; nothing was written to {target}"):
        writer = Writer(temporary)
        try:
            if listing.manifest():
                _read_manifest_folder(listing, writer)
                used = 1
            else:
                used = _parse_files(listing, writer, workers, progress)
            header = writer.finish(
                {
                    "format": CACHE_FORMAT,
                    "version": CACHE_VERSION,
                    "folder": str(listing.root.resolve()),
                    "key": listing.key,
                    "mode": "manifest" if listing.manifest() else "files",
                    "readers": listing.readers,
                    "built": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                    "build_seconds": round(time.perf_counter() - start, 2),
                    "workers": used,
                }
            )
        finally:
            writer.close()
        if target.exists():
            old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
            os.replace(target, old)
            os.replace(temporary, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temporary, target)
    return header


@contextmanager
def _locked(target: Path, notes: Notes) -> Iterator[None]:
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(target.with_name(target.name + ".lock")))
    try:
        lock.acquire(timeout=2)
    except LockTimeout:
        notes(f"waiting for another process that is using the cache {target}")
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def _open_or_build(
    listing: Listing, target: Path, workers: int, progress: bool, notes: Notes, rebuild: bool = False
) -> Opened:
    why = "forced" if rebuild else ""
    if not rebuild:
        try:
            return open_cache(target, listing)
        except StaleError as err:
            why = f"stale: {err}"
        except DamagedError as err:
            why = f"damaged: {err}" if target.exists() else ""
    done = f" ({why}; rebuilding it)" if why else ""
    notes(f"parsing {len(listing.rels):,} files of {listing.root} into the cache {target}{done}")
    header = _build(listing, target, workers, progress)
    notes(
        f"cached {header['sequences']:,} sequences from {header['files']:,} files in {header['build_seconds']:.1f} s "
        f"({header['workers']} process{'es' if header['workers'] > 1 else ''}); later loads read the cache"
    )
    return open_cache(target, listing, verify=False)


def load_cached(
    folder: str | Path,
    root: str | Path,
    formats: Collection[str] | None = None,
    workers: int = 0,
    min_files: int = MIN_FILES,
    progress: bool = True,
    notes: Notes = print_note,
) -> LoadReport:
    """Read a dataset folder through its cache: what :func:`sldml.io.load_folder` gives (see the module docstring).

    Args:
        folder: The dataset folder (or its ``manifest.csv``).
        root: The cache root (the cache goes in a folder of its own below it).
        formats: Read only files of these formats, as ``load_folder`` (``None``: every format).
        workers: Processes that parse files when the cache is built (0: one per core).
        min_files: Read folders with fewer files directly, without a cache.
        progress: Show a progress bar on a terminal while building.
        notes: Where the notes go (built, rebuilt and why).

    Raises:
        DataError: If the folder does not exist, or its manifest is unreadable.
        ConfigError: If the cache root is inside the folder.
        Interrupted: If the build is stopped (Ctrl-C); nothing is left behind.
    """
    dataset = _dataset_root(folder)
    listing = Listing.of(dataset)
    if len(listing.rels) < min_files:
        return load_folder(dataset, formats)
    target = cache_path(dataset, cache_root(root, dataset))
    try:
        with _locked(target, notes):
            opened = _open_or_build(listing, target, workers, progress, notes)
    except UncacheableError as err:
        notes(f"{dataset} is read without a cache: {err} cannot be stored in one")
        return load_folder(dataset, formats)
    return report_of(opened, dataset, formats)


def build_cache(
    folder: str | Path,
    root: str | Path,
    workers: int = 0,
    force: bool = False,
    progress: bool = True,
    notes: Notes = print_note,
) -> CacheStatus:
    """Build a folder's cache now (or rebuild it with ``force``); a fresh cache is left as it is.

    Raises:
        DataError: If the folder does not exist.
        ConfigError: If the cache root is inside the folder, or a sequence's metadata cannot be stored.
        Interrupted: If the build is stopped (Ctrl-C).
    """
    dataset = _dataset_root(folder)
    listing = Listing.of(dataset)
    target = cache_path(dataset, cache_root(root, dataset))
    try:
        with _locked(target, notes):
            opened = _open_or_build(listing, target, workers, progress, notes, rebuild=force)
    except UncacheableError as err:
        raise ConfigError(f"{dataset}: {err} cannot be stored in a cache; read it without one") from None
    return CacheStatus(str(dataset), str(cache_path(dataset, root)), "fresh", "", len(listing.rels), opened.header)


def cache_status(folder: str | Path, root: str | Path, verify: bool = False) -> CacheStatus:
    """Whether a folder's cache is usable, and what its header says (``verify``: check the values' CRC-32 too).

    Raises:
        DataError: If the folder does not exist.
    """
    dataset = _dataset_root(folder)
    listing = Listing.of(dataset)
    target = cache_path(dataset, root)
    if not target.exists():
        return CacheStatus(str(dataset), str(target), "missing", "no cache has been built", len(listing.rels))
    try:
        header = read_header(target)
    except DamagedError as err:
        return CacheStatus(str(dataset), str(target), "damaged", str(err), len(listing.rels))
    try:
        open_cache(target, listing, verify=verify)
    except StaleError as err:
        return CacheStatus(str(dataset), str(target), "stale", str(err), len(listing.rels), header)
    except DamagedError as err:
        return CacheStatus(str(dataset), str(target), "damaged", str(err), len(listing.rels), header)
    return CacheStatus(str(dataset), str(target), "fresh", "", len(listing.rels), header)


def clear_cache(folder: str | Path, root: str | Path, notes: Notes = print_note) -> bool:
    """Delete a folder's cache (under its lock). Returns whether there was one.

    Raises:
        DataError: If the folder does not exist.
    """
    target = cache_path(_dataset_root(folder), root)
    if not target.exists():
        return False
    with _locked(target, notes):
        shutil.rmtree(target)
    return True
