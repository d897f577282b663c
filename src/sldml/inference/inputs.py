"""The samples a model is asked about: files and folders read, and from folders only what the model can read."""

from __future__ import annotations

from pathlib import Path

from sldml import io as sio
from sldml.errors import DataError
from sldml.inference.recognizer import Recognizer
from sldml.sequence import Sequence


def read_inputs(paths: list[Path], recognizer: Recognizer) -> tuple[list[Sequence], list[str]]:
    """Sequences of the given files and folders, and a note per thing left out (never silently).

    A file must fit the model (it is refused later if not); from a folder, the samples of the model's layout and
    modality are taken and the others counted in a note, as are the folder's unreadable files.

    Raises:
        DataError: If nothing the model can read is found.
    """
    out: list[Sequence] = []
    notes: list[str] = []
    fused = recognizer.spec["modality"] == "fused"
    for path in paths:
        if not path.is_dir():
            out += sio.read(path)
            continue
        report = sio.load_folder(path)
        if report.skipped:
            reasons = [item.reason for item in report.skipped]
            head = "; ".join(reasons[:3]) + ("; ..." if len(reasons) > 3 else "")
            notes.append(f"skipped {len(reasons)} file(s) of {path} that could not be read: {head}")
        fitting = []
        for seq in report.sequences:
            try:
                recognizer.check(seq)
                fitting.append(seq)
            except DataError:
                pass
        if len(fitting) < len(report.sequences) and not fused:
            notes.append(
                f"{path}: {len(report.sequences) - len(fitting)} sample(s) of another layout or modality not used "
                f"(the model reads {recognizer.spec['layout']}, {recognizer.spec['modality']})"
            )
        out += report.sequences if fused else fitting
    if not out:
        raise DataError(", ".join(map(str, paths)), "no sample the model can read")
    return out, notes
