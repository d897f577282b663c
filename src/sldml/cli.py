"""The ``sldml`` command. Thin: every command calls the library and prints what it returns.

Errors about the user's input (:class:`~sldml.errors.SldmlError`) are printed as one line on
stderr, without a traceback, and the command exits with status 1.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from sldml import io as sio
from sldml import transforms
from sldml.errors import SldmlError
from sldml.evaluation import one_shot_accuracy, split_one_shot
from sldml.io import synthetic
from sldml.io.folder import MANIFEST, write_folder
from sldml.representations import list_representations, represent
from sldml.sequence import Sequence

app = typer.Typer(
    help="sldml: recognise actions from skeleton, inertial and motion-capture signals by metric learning.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except SldmlError as err:
        errors.print(f"[bold red]error:[/] {err}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def _describe_file(path: Path) -> dict[str, Any]:
    sequences = sio.read(path)
    described = []
    for seq in sequences:
        info = seq.describe()
        info.setdefault("bodies", 1 if seq.get_layout().kind == "skeleton" and seq.modality == "skeleton" else None)
        described.append(info)
    return {"path": str(path), "format": sequences[0].meta.get("format"), "sequences": described}


def _print_file(info: dict[str, Any]) -> None:
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
        f"[bold]{summary['path']}[/]: {summary['samples']} samples, {summary['classes']} classes, "
        f"{summary['subjects']} subjects, {len(summary['skipped'])} skipped"
    )
    console.print("by modality: " + ", ".join(f"{k} {v}" for k, v in summary["by_modality"].items()))
    console.print("by layout: " + ", ".join(f"{k} {v}" for k, v in summary["by_layout"].items()))
    if summary["per_class"]:
        console.print("per class: " + ", ".join(f"{k} {v}" for k, v in summary["per_class"].items()))
    if summary["per_subject"]:
        console.print("per subject: " + ", ".join(f"{k} {v}" for k, v in summary["per_subject"].items()))
    if summary["unlabelled"]:
        console.print(f"unlabelled: {summary['unlabelled']}")
    for skipped in summary["skipped"]:
        errors.print(f"[yellow]skipped[/] {skipped['reason']}", highlight=False, soft_wrap=True)
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
    with _user_errors():
        if path.is_dir() or path.name == MANIFEST:
            result = sio.load_folder(path).summary()
            if not as_json:
                _print_folder(result)
        else:
            result = _describe_file(path)
            if not as_json:
                _print_file(result)
        if as_json:
            print(json.dumps(result, indent=2))


def _save_png(image: np.ndarray, out: Path, min_width: int = 512) -> tuple[int, int]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scale = max(1, math.ceil(min_width / image.shape[2]))
    pixels = np.kron(image.transpose(1, 2, 0), np.ones((scale, scale, 1)))
    out.parent.mkdir(parents=True, exist_ok=True)
    plt.imsave(out, np.clip(pixels, 0.0, 1.0))
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
    with _user_errors():
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
) -> None:
    """Write the built-in synthetic dataset as a generic dataset folder (an example of the format)."""
    with _user_errors():
        sequences = synthetic.generate(classes, subjects, trials, seed)
        manifest = write_folder(sequences, folder)
        console.print(f"wrote {len(sequences)} sequences and {manifest}")


def _one_shot_row(split_sequences: list[Sequence], evaluation: list[str], prepare: Any) -> tuple[float, int]:
    split = split_one_shot(split_sequences, evaluation, reference_subject=1, reference_trial=1)
    refs = np.stack([represent(prepare(s)) for s in split.references])
    queries = np.stack([represent(prepare(s)) for s in split.queries])
    accuracy = one_shot_accuracy(
        refs, [s.label or "" for s in split.references], queries, [s.label or "" for s in split.queries]
    )
    return accuracy, len(split.queries)


@app.command()
def demo(
    output: Annotated[Path, typer.Option(help="Folder for the demo's images.")] = Path("runs/demo"),
    seed: Annotated[int, typer.Option()] = 0,
) -> None:
    """Generate the built-in data, show what the network sees, and run non-learned one-shot baselines."""
    with _user_errors():
        start = time.perf_counter()
        sequences = synthetic.generate(n_classes=20, n_subjects=8, n_trials=4, seed=seed)
        console.print(
            f"generated {len(sequences)} synthetic sequences (20 actions x 8 subjects x 4 trials, "
            f"skeleton + wrist IMU) in {time.perf_counter() - start:.1f} s"
        )
        for seq in sequences[:2]:
            path = output / f"{seq.label}_{seq.modality}_compact.png"
            _save_png(represent(seq), path)
            console.print(f"wrote {path}")
        labels = synthetic.list_actions()[:20]
        evaluation = labels[-5:]
        table = Table(title="one-shot top-1 on held-out synthetic actions (15 auxiliary / 5 novel, reference s1 t1)")
        for column in ("modality", "method", "queries", "top-1 %"):
            table.add_column(column)
        skeleton = [s for s in sequences if s.modality == "skeleton"]
        inertial = [s for s in sequences if s.modality == "inertial"]
        for modality, subset, method, prepare in (
            ("skeleton", skeleton, "1-NN Euclidean, compact image", lambda s: s),
            ("skeleton", skeleton, "1-NN Euclidean, hip-centred compact", transforms.centre),
            ("inertial", inertial, "1-NN Euclidean, compact image", lambda s: s),
        ):
            accuracy, n = _one_shot_row(subset, evaluation, prepare)
            table.add_row(modality, method, str(n), f"{100 * accuracy:.1f}")
        console.print(table)
        console.print(f"chance is {100 / len(evaluation):.1f} %; total {time.perf_counter() - start:.1f} s")


def main() -> None:
    """Entry point of the ``sldml`` command."""
    app()


if __name__ == "__main__":
    main()
