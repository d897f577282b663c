"""``sldml enrol``, ``recognize``, ``calibrate``, ``gallery`` and ``zeroshot``: use a trained model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from sldml import io as sio
from sldml.cli.common import (
    FilesArg,
    GalleryOpt,
    ModelOpt,
    app,
    console,
    errors,
    quiet_lightning,
    user_errors,
)


def _read_inputs(paths: list[Path], recognizer: Any) -> list[Any]:
    from sldml.inference import read_inputs

    sequences, notes = read_inputs(paths, recognizer)
    for note in notes:
        errors.print(note, markup=False, highlight=False, soft_wrap=True)
    return sequences


def _load_recognizer(model: Path, threshold: float | None, checkpoint: str = "last") -> Any:
    from sldml.inference import Recognizer

    quiet_lightning()
    return Recognizer.load(model, checkpoint=checkpoint, threshold=threshold)


@app.command()
def enrol(
    model: ModelOpt,
    gallery: GalleryOpt,
    label: Annotated[str, typer.Option(help="The name of the action these files show.")],
    files: FilesArg,
) -> None:
    """Teach the model a new action from one (or more) examples: add them to a gallery file."""
    with user_errors():
        rec = _load_recognizer(model, None)
        if gallery.exists():
            rec.load_gallery(gallery)
        sequences = _read_inputs(files, rec)
        rec.enrol(label, sequences)
        rec.gallery.save(gallery)
        counts = rec.gallery.counts()
        console.print(
            f"enrolled {len(sequences)} reference(s) of {label!r}; {gallery} holds {len(counts)} label(s): "
            + ", ".join(f"{k} ({v})" for k, v in counts.items()),
            highlight=False,
        )


@app.command()
def recognize(
    model: ModelOpt,
    gallery: GalleryOpt,
    files: FilesArg,
    top_k: Annotated[int, typer.Option(help="Nearest labels to report.")] = 5,
    threshold: Annotated[
        float | None, typer.Option(help="Rejection distance (default: the model's calibration.json).")
    ] = None,
    window: Annotated[str | None, typer.Option(help="Slide a window over long recordings, e.g. 2s or 60f.")] = None,
    stride: Annotated[str, typer.Option(help="Window step, e.g. 0.5s (with --window).")] = "0.5s",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Recognise recordings against a gallery: label (or unknown), distance, confidence and the top-k labels."""
    with user_errors():
        from sldml.inference import segment

        rec = _load_recognizer(model, threshold)
        rec.load_gallery(gallery)
        if rec.threshold is None:
            errors.print("note: the model has no calibration.json and no --threshold: nothing is rejected as unknown")
        sequences = rec.prepare(_read_inputs(files, rec))
        if window is not None:
            found = {str(s.source): [g.to_dict() for g in segment(rec, s, window, stride)] for s in sequences}
            if as_json:
                print(json.dumps(found, indent=1))
                return
            table = Table(title=f"segments (window {window}, stride {stride})", title_justify="left")
            for column in ("file", "start s", "end s", "label", "distance", "confidence", "windows"):
                table.add_column(column, overflow="fold")
            for source, segments in found.items():
                for g in segments:
                    table.add_row(
                        source,
                        f"{g['start_s']:.2f}",
                        f"{g['end_s']:.2f}",
                        g["label"],
                        f"{g['distance']:.3f}",
                        f"{g['confidence']:.2f}",
                        str(g["windows"]),
                    )
            console.print(table)
            return
        answers = rec.recognize_many(sequences, k=top_k)
        if as_json:
            print(json.dumps([a.to_dict() for a in answers], indent=1))
            return
        shown = "none" if rec.threshold is None else f"{rec.threshold:.3f}"
        table = Table(title=f"recognised (unknown above distance {shown})", title_justify="left")
        for column in ("file", "label", "distance", "confidence", f"top-{top_k}"):
            table.add_column(column, overflow="fold")
        for a in answers:
            top = ", ".join(f"{label} {d:.3f}" for label, d in a.top_k)
            table.add_row(str(a.source), a.label, f"{a.distance:.3f}", f"{a.confidence:.2f}", top)
        console.print(table)


@app.command()
def calibrate(
    model: ModelOpt,
    files: FilesArg,
    far: Annotated[float, typer.Option(help="Target false-accept rate of never-enrolled actions.")] = 0.05,
) -> None:
    """Calibrate a model's unknown threshold on labelled data of classes it will not enrol (writes calibration.json)."""
    with user_errors():
        rec = _load_recognizer(model, None)
        sequences = _read_inputs(files, rec)
        result = rec.calibrate(sequences, far, source=", ".join(map(str, files)))
        path = rec.save_calibration()
        console.print(
            f"threshold {result.threshold:.4f} for a false-accept rate of {far:g} on {result.queries} queries of "
            f"{result.classes} classes (accepts {100 * result.tar:.1f} % of genuine queries); written to {path}",
            highlight=False,
        )


gallery_app = typer.Typer(help="Inspect and edit gallery files.", no_args_is_help=True)
app.add_typer(gallery_app, name="gallery")


@gallery_app.command("show")
def gallery_show(
    path: Annotated[Path, typer.Argument(help="A gallery file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List a gallery's labels, reference counts, model and input."""
    with user_errors():
        from sldml.inference import Gallery

        info = Gallery.load(path).describe()
        if as_json:
            print(json.dumps(info, indent=1))
            return
        table = Table(title=f"{path}: {info['references']} reference(s)", title_justify="left")
        table.add_column("label")
        table.add_column("references")
        for label, count in info["labels"].items():
            table.add_row(label, str(count))
        console.print(table)
        spec = info["input"]
        console.print(
            f"model {info['model']}, layout {spec.get('layout')}, modality {spec.get('modality')}, "
            f"{info['dim']}-d, created {info['created']}, updated {info['updated']}",
            highlight=False,
        )


@gallery_app.command("remove")
def gallery_remove(
    path: Annotated[Path, typer.Argument(help="A gallery file.")],
    label: Annotated[str, typer.Argument(help="The label to forget.")],
) -> None:
    """Forget every reference of a label."""
    with user_errors():
        from sldml.inference import Gallery

        stored = Gallery.load(path)
        removed = stored.remove(label)
        stored.save(path)
        console.print(f"removed {removed} reference(s) of {label!r}; {len(stored)} left", highlight=False)


@app.command()
def zeroshot(
    files: FilesArg,
    model: Annotated[Path, typer.Option("--model", help="A zero-shot run folder (<experiment>/<split>/seed<k>).")],
    classes: Annotated[
        list[str], typer.Option("--classes", help="Class names to rank; repeat the option or separate with ';'.")
    ],
    head: Annotated[str, typer.Option(help="relation or devise.")] = "relation",
    top_k: Annotated[int, typer.Option(help="Show the k best classes per file.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per file on stdout.")] = False,
) -> None:
    """Rank class NAMES for each file with a trained zero-shot run: no example of those classes is needed."""
    with user_errors():
        from sldml.inference.zeroshot import ZeroShotModel

        names = [part.strip() for item in classes for part in item.split(";") if part.strip()]
        quiet_lightning()
        ranker = ZeroShotModel.load(model, head)
        sequences = []
        for path in files:
            sequences += sio.load_folder(path).sequences if path.is_dir() else sio.read(path)
        for ranking in ranker.rank(sequences, names):
            best = list(zip(ranking.classes, ranking.scores, strict=True))[:top_k]
            if as_json:
                console.print_json(json.dumps({"file": ranking.source, "ranking": best}))
            else:
                shown = ", ".join(f"{name} ({score:.3f})" for name, score in best)
                console.print(f"{ranking.source}: {shown}", markup=False, highlight=False, soft_wrap=True)
