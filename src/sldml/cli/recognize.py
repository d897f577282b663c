"""``sldml enrol``, ``recognize``, ``calibrate``, ``gallery`` and ``zeroshot``: use a trained model."""

from __future__ import annotations

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
    check_option,
    console,
    errors,
    print_json,
    quiet_lightning,
    skipped_summary,
    user_errors,
)


def _read_inputs(paths: list[Path], recognizer: Any) -> list[Any]:
    from sldml.inference import read_inputs

    sequences, notes = read_inputs(paths, recognizer)
    for note in notes:
        errors.print(note)
    return sequences


FarOpt = Annotated[
    float | None, typer.Option("--far", help="Operating point: accept this share of never-enrolled actions.")
]
AcceptOpt = Annotated[
    float | None, typer.Option("--accept-rate", help="Operating point: accept this share of genuine queries.")
]
EerOpt = Annotated[bool, typer.Option("--eer", help="Operating point: equal error rate.")]


def _point(far: float | None, accept_rate: float | None, eer: bool) -> Any:
    """The operating point the options choose (``None``: the calibration's own)."""
    from sldml.evaluation.openset import OperatingPoint

    given = [o for o, v in (("--far", far), ("--accept-rate", accept_rate), ("--eer", eer or None)) if v is not None]
    if len(given) > 1:
        raise typer.BadParameter(f"{' and '.join(given)}: choose one operating point")
    for name, value in (("--far", far), ("--accept-rate", accept_rate)):
        if value is not None and not 0.0 < value < 1.0:
            raise typer.BadParameter(f"{name}={value}: expected a share strictly between 0 and 1")
    if far is not None:
        return OperatingPoint("far", far)
    if accept_rate is not None:
        return OperatingPoint("accept", accept_rate)
    return OperatingPoint("eer", 0.0) if eer else None


def _load_recognizer(model: Path, threshold: float | None, checkpoint: str = "last", point: Any = None) -> Any:
    from sldml.inference import Recognizer

    quiet_lightning()
    return Recognizer.load(model, checkpoint=checkpoint, threshold=threshold, point=point)


@app.command()
def enrol(
    model: ModelOpt,
    gallery: GalleryOpt,
    label: Annotated[str, typer.Option(help="The name of the action these files show.")],
    files: FilesArg,
) -> None:
    """Teach the model a new action from one (or more) examples: add them to a gallery file."""
    with user_errors(f"enrolling {label!r} into {gallery}"):
        rec = _load_recognizer(model, None)
        sequences = _read_inputs(files, rec)
        counts = rec.enrol_into(gallery, label, sequences).counts()
        console.print(
            f"enrolled {len(sequences)} reference(s) of {label!r}; {gallery} holds {len(counts)} label(s): "
            + ", ".join(f"{k} ({v})" for k, v in counts.items())
        )
        if rec.calibration is not None:
            console.print(f"unknown above the {rec.calibration.describe()}")
        else:
            console.print("the model has no calibration.json: nothing will be answered unknown (sldml calibrate)")


@app.command()
def recognize(
    model: ModelOpt,
    gallery: GalleryOpt,
    files: FilesArg,
    top_k: Annotated[int, typer.Option(help="Nearest labels to report.")] = 5,
    threshold: Annotated[
        float | None, typer.Option(help="Rejection distance (default: the model's calibration.json).")
    ] = None,
    far: FarOpt = None,
    accept_rate: AcceptOpt = None,
    eer: EerOpt = False,
    window: Annotated[str | None, typer.Option(help="Slide a window over long recordings, e.g. 2s or 60f.")] = None,
    stride: Annotated[str, typer.Option(help="Window step, e.g. 0.5s (with --window).")] = "0.5s",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Recognise recordings against a gallery: label (or unknown), distance, confidence and the top-k labels."""
    with user_errors(f"recognising with {gallery}"):
        check_option("--top-k", top_k, at_least=1)
        check_option("--threshold", threshold, at_least=0)
        from sldml.inference import segment

        rec = _load_recognizer(model, threshold, point=_point(far, accept_rate, eer))
        rec.load_gallery(gallery)
        if rec.threshold is None:
            errors.print("note: the model has no calibration.json and no --threshold: nothing is rejected as unknown")
        sequences = rec.prepare(_read_inputs(files, rec))
        if window is not None:
            found = {str(s.source): [g.to_dict() for g in segment(rec, s, window, stride)] for s in sequences}
            if as_json:
                print_json(found)
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
            print_json([a.to_dict() for a in answers])
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
    far: FarOpt = None,
    accept_rate: AcceptOpt = None,
    eer: EerOpt = False,
) -> None:
    """Calibrate a model's unknown threshold on labelled data of classes it will not enrol (writes calibration.json).

    The default operating point accepts 95 % of the genuine calibration queries; --far, --accept-rate or --eer
    choose another.
    """
    with user_errors(f"calibrating {model}"):
        from sldml.evaluation.openset import DEFAULT_POINT

        point = _point(far, accept_rate, eer) or DEFAULT_POINT
        rec = _load_recognizer(model, None)
        sequences = _read_inputs(files, rec)
        result = rec.calibrate(sequences, point, source=", ".join(map(str, files)))
        path = rec.save_calibration()
        console.print(f"{result.describe()}; written to {path}")


gallery_app = typer.Typer(help="Inspect and edit gallery files.", no_args_is_help=True)
app.add_typer(gallery_app, name="gallery")


@gallery_app.command("show")
def gallery_show(
    path: Annotated[Path, typer.Argument(help="A gallery file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List a gallery's labels, reference counts, model and input."""
    with user_errors(f"reading {path}"):
        from sldml.inference import Gallery

        info = Gallery.load(path).describe()
        if as_json:
            print_json(info)
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
            f"{info['dim']}-d, created {info['created']}, updated {info['updated']}"
        )


@gallery_app.command("remove")
def gallery_remove(
    path: Annotated[Path, typer.Argument(help="A gallery file.")],
    label: Annotated[str, typer.Argument(help="The label to forget.")],
) -> None:
    """Forget every reference of a label."""
    with user_errors(f"changing {path}"):
        from sldml.inference import Gallery

        if not path.is_file():
            raise typer.BadParameter(f"{path}: gallery file not found")
        with Gallery.update(path, None) as stored:
            removed = stored.remove(label)
        console.print(f"removed {removed} reference(s) of {label!r}; {len(stored)} left")


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
    with user_errors(f"ranking class names with {model}"):
        check_option("--top-k", top_k, at_least=1)
        from sldml.inference.zeroshot import ZeroShotModel

        names = [part.strip() for item in classes for part in item.split(";") if part.strip()]
        quiet_lightning()
        ranker = ZeroShotModel.load(model, head)
        sequences = []
        for path in files:
            if path.is_dir():
                report = sio.load_folder(path)
                skipped_summary([s.reason for s in report.skipped])
                sequences += report.sequences
            else:
                sequences += sio.read(path)
        rankings = ranker.rank(sequences, names)
        if as_json:
            print_json(
                [{"file": r.source, "ranking": list(zip(r.classes, r.scores, strict=True))[:top_k]} for r in rankings]
            )
            return
        for ranking in rankings:
            best = list(zip(ranking.classes, ranking.scores, strict=True))[:top_k]
            shown = ", ".join(f"{name} ({score:.3f})" for name, score in best)
            console.print(f"{ranking.source}: {shown}", soft_wrap=True)
