"""Read a whole dataset folder, reporting every file it could not read and why."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sldml.errors import DataError
from sldml.io.folder import MANIFEST, read_manifest
from sldml.io.registry import detect_format, read_as
from sldml.io.untracked import fill_zero_frames
from sldml.sequence import Sequence


@dataclass(frozen=True)
class Skipped:
    """A data file that could not be read. ``reason`` names the file, field and expectation."""

    path: str
    reason: str


@dataclass
class LoadReport:
    """What :func:`load_folder` found.

    Attributes:
        root: The folder (or manifest) that was read.
        sequences: Every sequence read.
        skipped: Data files (or manifest rows) that could not be read, with the reason.
        ignored: Files that no reader claims (documentation, joint-order notes, ...), listed so that
            nothing disappears unseen.
    """

    root: str
    sequences: list[Sequence] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Counts per modality, class and subject, plus the skipped and ignored files (JSON-friendly)."""
        seqs = self.sequences
        by_class = Counter(s.label for s in seqs if s.label is not None)
        by_subject = Counter(s.subject for s in seqs if s.subject is not None)
        return {
            "path": self.root,
            "samples": len(seqs),
            "by_modality": dict(sorted(Counter(s.modality for s in seqs).items())),
            "by_layout": dict(sorted(Counter(s.layout for s in seqs).items())),
            "classes": len(by_class),
            "subjects": len(by_subject),
            "per_class": dict(sorted(by_class.items())),
            "per_subject": {str(k): v for k, v in sorted(by_subject.items())},
            "unlabelled": sum(1 for s in seqs if s.label is None),
            "zero_frames": sum(int(s.meta.get("zero_frames", 0)) for s in seqs),
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "ignored": self.ignored,
        }


@dataclass(frozen=True)
class FileOutcome:
    """What one file of a folder gave.

    Attributes:
        path: The file.
        format: The format that claims it (``None``: no format does, the file is ignored).
        sequences: What it holds, when it was read.
        reason: Why it could not be read (it is skipped), else ``None``.
    """

    path: Path
    format: str | None
    sequences: list[Sequence] = field(default_factory=list)
    reason: str | None = None


def list_files(root: Path) -> list[tuple[Path, os.stat_result]]:
    """Every file below a folder with its status, in sorted path order (the order a folder is read in).

    Symbolic links to files are listed (and followed by the status); folders behind symbolic links are not
    entered; links that lead nowhere or loop are left out (as :meth:`pathlib.Path.is_file` does).

    Raises:
        DataError: If a folder cannot be listed (its files would silently be missing).
    """
    found: list[tuple[tuple[str, ...], Path, os.stat_result]] = []
    pending: list[tuple[Path, tuple[str, ...]]] = [(root, ())]
    while pending:
        folder, parts = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as err:
            raise DataError(
                folder, f"cannot list the folder ({err.strerror or err}); its files would be missed"
            ) from None
        for entry in entries:
            here = (*parts, entry.name)
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append((Path(entry.path), here))
                elif entry.is_file():
                    found.append((here, Path(entry.path), entry.stat()))
            except OSError:  # a link that loops or leads nowhere, a file removed while listed: not a file
                continue
    found.sort(key=lambda item: item[0])
    return [(path, stat) for _, path, stat in found]


def read_file(file: Path, inside: Path, formats: Collection[str] | None = None) -> FileOutcome:
    """Read one file of a folder as :func:`load_folder` does (its format, or why it is skipped or ignored).

    Args:
        file: The file.
        inside: The folder's resolved path: a symbolic link that leads outside it is not read.
        formats: Read only files of these formats; others come back unread with their format (``None``: all).
    """
    fmt = detect_format(file)
    if fmt is None or (formats is not None and fmt.name not in formats):
        return FileOutcome(file, fmt.name if fmt else None)
    if not file.resolve().is_relative_to(inside):
        reason = f"{file}: a symbolic link to a file outside the dataset folder {inside}; not read"
        return FileOutcome(file, fmt.name, reason=reason)
    try:
        return FileOutcome(file, fmt.name, read_as(fmt, file))
    except DataError as err:
        return FileOutcome(file, fmt.name, reason=str(err))


def load_folder(path: str | Path, formats: Collection[str] | None = None) -> LoadReport:
    """Read every data file under a folder.

    A folder with a ``manifest.csv`` is read through the manifest (see :mod:`sldml.io.folder`);
    otherwise every file below it (recursively, in sorted order) is offered to the registered formats.

    Args:
        path: The folder (or its ``manifest.csv``).
        formats: Read only files of these formats (registered names); files of other formats are listed as
            ignored. ``None``: every format.

    Raises:
        DataError: If the folder does not exist, or its manifest is unreadable.
    """
    root = Path(path)
    if root.is_file() and root.name == MANIFEST:
        root = root.parent
    if not root.is_dir():
        raise DataError(root, "folder not found" if not root.exists() else "not a folder")
    report = LoadReport(root=str(root))
    manifest = root / MANIFEST
    if manifest.is_file():
        sequences, skipped = read_manifest(manifest)
        for seq in sequences:
            try:
                report.sequences.append(fill_zero_frames(seq))
            except DataError as err:
                report.skipped.append(Skipped(str(seq.source), str(err)))
        report.skipped.extend(Skipped(p, r) for p, r in skipped)
        return report
    inside = root.resolve()
    for file, _ in list_files(root):
        outcome = read_file(file, inside, formats)
        if outcome.format is None or (formats is not None and outcome.format not in formats):
            report.ignored.append(str(file))
        elif outcome.reason is not None:
            report.skipped.append(Skipped(str(file), outcome.reason))
        else:
            report.sequences.extend(outcome.sequences)
    return report
