"""The registry of file formats: each format says which files it claims and how to read one.

A new format touches ``sldml/io/`` alone: write a reader ``Path -> list[Sequence]`` and register it
with :func:`register_format`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sldml.errors import DataError
from sldml.resources import Registry
from sldml.sequence import Sequence

Reader = Callable[[Path], list[Sequence]]
Claim = Callable[[Path], bool]


@dataclass(frozen=True)
class FileFormat:
    """A registered file format.

    Attributes:
        name: Registry name, e.g. ``"utd_mhad"``.
        claims: Says whether a file (by its name, or a cheap peek) is in this format.
        read: Reads one file into one or more sequences; raises ``DataError`` on bad content.
        description: One line for ``sldml info`` and the docs.
        priority: Formats are asked in increasing priority; a generic format that claims files by suffix
            alone (``.csv``) has a high number so that specific ones (which peek at the content) go first.
        aliases: Other names the format answers to (e.g. ``ntu`` for ``ntu_skeleton``), as a dataset name.
        version: The reader's version: raise it whenever what the reader returns for a file changes (values,
            metadata, which files it claims), so that parsed-data caches built by an earlier reader are rebuilt
            (:mod:`sldml.io.cache`).
    """

    name: str
    claims: Claim
    read: Reader
    description: str
    priority: int = 50
    aliases: tuple[str, ...] = ()
    version: int = 1


_FORMATS: Registry[FileFormat] = Registry("file format")


def register_format(
    name: str,
    claims: Claim,
    description: str,
    priority: int = 50,
    aliases: tuple[str, ...] = (),
    version: int = 1,
) -> Callable[[Reader], Reader]:
    """Decorator that registers a reader under ``name`` (see :class:`FileFormat` for the other arguments)."""

    def wrap(read: Reader) -> Reader:
        _FORMATS.add(name, FileFormat(name, claims, read, description, priority, aliases, version))
        return read

    return wrap


def _in_order() -> list[FileFormat]:
    return sorted(_FORMATS.values(), key=lambda fmt: fmt.priority)


def list_formats() -> list[str]:
    """Names of the registered formats, in the order they are asked."""
    return [fmt.name for fmt in _in_order()]


def get_format(name: str) -> FileFormat:
    """Look a format up by name or alias.

    Raises:
        ConfigError: If no format has that name; the message lists the valid ones.
    """
    for fmt in _FORMATS.values():
        if name in fmt.aliases:
            return fmt
    return _FORMATS.get(name)


def reader_versions() -> dict[str, int]:
    """Every registered format's name and version: what a parsed-data cache is keyed by."""
    return {fmt.name: fmt.version for fmt in _in_order()}


def detect_format(path: Path) -> FileFormat | None:
    """The first registered format that claims ``path``, or ``None``."""
    for fmt in _in_order():
        if fmt.claims(path):
            return fmt
    return None


def read_as(fmt: FileFormat, path: Path) -> list[Sequence]:
    """Read one file with a given format, all-zero skeleton frames filled (:mod:`sldml.io.untracked`).

    Raises:
        DataError: If the file is malformed.
    """
    from sldml.io.untracked import fill_zero_frames

    return [fill_zero_frames(seq) for seq in fmt.read(path)]


def read(path: str | Path, format: str | None = None) -> list[Sequence]:
    """Read one file into sequences, detecting its format unless one is named.

    Args:
        path: The file.
        format: A registered format name, or ``None`` to detect it.

    Raises:
        DataError: If the file is missing, in no known format, or malformed.
        ConfigError: If ``format`` names no registered format.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found" if not path.exists() else "not a file")
    fmt = get_format(format) if format else detect_format(path)
    if fmt is None:
        raise DataError(path, f"unknown file format; sldml reads: {', '.join(f.description for f in _in_order())}")
    return read_as(fmt, path)
