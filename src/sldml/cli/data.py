"""``sldml info``, ``render`` and ``synth``: look at data files and folders, write the built-in dataset."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table
from rich.text import Text

from sldml import io as sio
from sldml.cli.common import app, check_option, console, errors, print_json, user_errors
from sldml.io import synthetic
from sldml.io.folder import MANIFEST, write_folder
from sldml.io.limits import MAX_IMAGE_COLUMNS
from sldml.representations import list_representations, represent
from sldml.resources import write_bytes_atomic


def _describe_file(path: Path) -> dict[str, Any]:
    sequences = sio.read(path)
    if not sequences:  # a file that is part of a recording read from another file (an OpenPose frame)
        fmt = sio.detect_format(path)
        return {"path": str(path), "format": fmt.name if fmt else None, "sequences": []}
    described = []
    for seq in sequences:
        info = seq.describe()
        info.setdefault("bodies", 1 if seq.get_layout().kind == "skeleton" and seq.modality == "skeleton" else None)
        described.append(info)
    return {"path": str(path), "format": sequences[0].meta.get("format"), "sequences": described}


def _print_file(info: dict[str, Any]) -> None:
    if not info["sequences"]:
        console.print(f"{info['path']} ({info['format']}): no sequence of its own; it is part of a recording that")
        console.print("another file of its folder gives (read the folder, or that file)")
        return
    table = Table(title=f"{info['path']} ({info['format']})", title_justify="left")
    keys = [
        "layout",
        "modality",
        "frames",
        "rate_hz",
        "joints",
        "channels",
        "bodies",
        "label",
        "class_id",
        "subject",
        "trial",
        "setup",
        "camera",
        "filled_frames",
        "zero_frames",
    ]
    keys = [k for k in keys if any(s.get(k) is not None for s in info["sequences"])]
    table.add_column("field")
    for number in range(len(info["sequences"])):
        table.add_column(f"sequence {number}")
    for key in keys:
        table.add_row(key, *(str(seq.get(key, "")) for seq in info["sequences"]))
    console.print(table)


def _print_folder(summary: dict[str, Any]) -> None:
    console.print(
        f"{summary['path']}: {summary['samples']} samples, {summary['classes']} classes, "
        f"{summary['subjects']} subjects, {len(summary['skipped'])} skipped",
        style="bold",
    )
    console.print("by modality: " + ", ".join(f"{k} {v}" for k, v in summary["by_modality"].items()))
    console.print("by layout: " + ", ".join(f"{k} {v}" for k, v in summary["by_layout"].items()))
    if summary["per_class"]:
        console.print("per class: " + ", ".join(f"{k} {v}" for k, v in summary["per_class"].items()))
    if summary["per_subject"]:
        console.print("per subject: " + ", ".join(f"{k} {v}" for k, v in summary["per_subject"].items()))
    if summary["unlabelled"]:
        console.print(f"unlabelled: {summary['unlabelled']}")
    if summary["zero_frames"]:
        console.print(
            f"all-zero frames (untracked body), filled from the nearest tracked frame: {summary['zero_frames']}"
        )
    for skipped in summary["skipped"]:
        errors.print(Text.assemble(("skipped", "yellow"), " ", skipped["reason"]))
    if summary["ignored"]:
        console.print(
            f"not data files (ignored): {len(summary['ignored'])}: "
            + ", ".join(Path(p).name for p in summary["ignored"])
        )


@app.command()
def info(
    path: Annotated[Path, typer.Argument(help="A data file, or a dataset folder.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Describe a file (format, layout, frames, joints or channels, bodies, label) or a folder."""
    with user_errors(f"reading {path}"):
        if path.is_dir() or path.name == MANIFEST:
            result = sio.load_folder(path).summary()
            if not as_json:
                _print_folder(result)
        else:
            result = _describe_file(path)
            if not as_json:
                _print_file(result)
        if as_json:
            print_json(result)


def _save_png(image: np.ndarray, out: Path, min_width: int = 512) -> tuple[int, int]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scale = max(1, math.ceil(min_width / image.shape[2]))
    pixels = np.kron(image.transpose(1, 2, 0), np.ones((scale, scale, 1)))
    buffer = io.BytesIO()
    plt.imsave(buffer, np.clip(pixels, 0.0, 1.0), format="png")
    write_bytes_atomic(out, buffer.getvalue())
    return pixels.shape[1], pixels.shape[0]


@app.command()
def render(
    file: Annotated[Path, typer.Argument(help="A data file.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="PNG file to write.")],
    representation: Annotated[str, typer.Option(help=f"One of: {', '.join(list_representations())}.")] = "compact",
    width: Annotated[int, typer.Option(help="Time steps (image columns) the network sees.")] = 64,
    index: Annotated[int, typer.Option(help="Which sequence of a multi-sequence file.")] = 0,
) -> None:
    """Write the image a network would see, enlarged so a person can look at it."""
    with user_errors(f"rendering {file}"):
        if output.is_dir():
            raise typer.BadParameter(f"--output {output} is a folder; expected a .png file to write")
        if output.suffix.lower() != ".png":
            raise typer.BadParameter(f"--output {output}: expected a file name ending in .png")
        check_option("--width", width, at_least=2)
        if width > MAX_IMAGE_COLUMNS:
            raise typer.BadParameter(f"--width={width}: expected at most {MAX_IMAGE_COLUMNS} (sldml.io.limits)")
        sequences = sio.read(file)
        if not 0 <= index < len(sequences):
            raise typer.BadParameter(
                f"{file} holds {len(sequences)} sequence(s); --index must be 0..{len(sequences) - 1}"
            )
        image = represent(sequences[index], representation, width=width)
        size = _save_png(image, output)
        console.print(
            f"wrote {output}: {representation} image {image.shape[1]}x{image.shape[2]} "
            f"(rows x time), shown at {size[0]}x{size[1]} px"
        )


@app.command()
def synth(
    folder: Annotated[Path, typer.Argument(help="Folder to write (manifest.csv + .npy files).")],
    classes: Annotated[int, typer.Option(help=f"Actions, 1..{len(synthetic.ACTIONS)}.")] = 20,
    subjects: Annotated[int, typer.Option()] = 8,
    trials: Annotated[int, typer.Option()] = 4,
    seed: Annotated[int, typer.Option()] = 0,
    force: Annotated[bool, typer.Option(help="Write into a folder that is not empty.")] = False,
) -> None:
    """Write the built-in synthetic dataset as a generic dataset folder (an example of the format)."""
    with user_errors(f"writing {folder}"):
        sequences = synthetic.generate(classes, subjects, trials, seed)
        manifest = write_folder(sequences, folder, force=force)
        console.print(f"wrote {len(sequences)} sequences and {manifest}")
