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
from sldml.cli.common import app, check_option, console, errors, print_json, progress_bar, user_errors
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
    cache_dir: Annotated[
        Path, typer.Option("--cache-dir", help="Where a large folder's parsed-data cache is (see `sldml cache`).")
    ] = Path("runs") / "cache",
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Parse every file, without the cache.")] = False,
) -> None:
    """Describe a file (format, layout, frames, joints or channels, bodies, label) or a folder."""
    with user_errors(f"reading {path}"):
        if path.is_dir() or path.name == MANIFEST:
            from sldml.io.cache import load_cached

            report = sio.load_folder(path) if no_cache else load_cached(path, cache_dir)
            result = report.summary()
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
    folder: Annotated[Path, typer.Argument(help="Folder to write.")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="array: the built-in synthetic dataset as manifest.csv + .npy files; ntu: a full-size stand-in for "
            "NTU RGB+D 120 (.skeleton text files named SsssCcccPpppRrrrAaaa, 120 actions, about 30 GB at 114,480 "
            "files).",
        ),
    ] = "array",
    classes: Annotated[int | None, typer.Option(help=f"array: actions, 1..{len(synthetic.ACTIONS)} (20).")] = None,
    subjects: Annotated[int | None, typer.Option(help="array: subjects (8).")] = None,
    trials: Annotated[int | None, typer.Option(help="array: trials per subject and action (4).")] = None,
    files: Annotated[int | None, typer.Option(help="ntu: how many files (114,480: NTU RGB+D 120's count).")] = None,
    workers: Annotated[int, typer.Option(help="ntu: processes that write (0: one per core).")] = 0,
    seed: Annotated[int, typer.Option()] = 0,
    force: Annotated[bool, typer.Option(help="Write into a folder that is not empty.")] = False,
) -> None:
    """Write a synthetic dataset: the built-in one as a generic folder, or an NTU RGB+D 120 stand-in."""
    with user_errors(f"writing {folder}"):
        if fmt not in ("array", "ntu"):
            raise typer.BadParameter(f"--format {fmt}: expected array or ntu")
        if fmt == "ntu":
            options = (("--classes", classes), ("--subjects", subjects), ("--trials", trials))
            given = [name for name, value in options if value is not None]
            if given:
                raise typer.BadParameter(f"{', '.join(given)}: for --format array; the NTU stand-in has its own")
            _synth_ntu(folder, files, workers, seed, force)
            return
        if files is not None:
            raise typer.BadParameter("--files: for --format ntu; --format array writes classes x subjects x trials")
        sequences = synthetic.generate(classes or 20, subjects or 8, trials or 4, seed)
        manifest = write_folder(sequences, folder, force=force)
        console.print(f"wrote {len(sequences)} sequences and {manifest}")


def _synth_ntu(folder: Path, files: int | None, workers: int, seed: int, force: bool) -> None:
    from sldml.datasets.ntu_standin import N_FILES, write_ntu_standin

    check_option("--workers", workers, at_least=0)
    count = N_FILES if files is None else files
    with progress_bar(count, f"writing {count:,} NTU stand-in files") as advance:
        summary = write_ntu_standin(folder, count, seed, workers, force, advance)
    console.print(
        f"wrote {summary.files:,} .skeleton files ({summary.bytes / 1e9:.2f} GB; {summary.two_body_files:,} with two "
        f"bodies; {summary.mean_frames} frames on average, {summary.min_frames}-{summary.max_frames}) into "
        f"{summary.folder} in {summary.seconds:.1f} s ({summary.files / summary.seconds:.0f} files/s, "
        f"{summary.workers} process(es))"
    )
