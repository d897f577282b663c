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
from sldml.errors import ConfigError, SldmlError
from sldml.io import synthetic
from sldml.io.folder import MANIFEST, write_folder
from sldml.representations import list_representations, represent

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


def _quiet_lightning() -> None:
    """Keep Lightning's start-up chatter (accelerator lines, tips) out of the command's output."""
    import logging
    import warnings

    import lightning.pytorch  # noqa: F401  (its import sets its loggers to INFO: set them after it)

    for name in ("lightning.pytorch", "lightning.fabric", "lightning"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=".*LeafSpec.*")
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")


def _results_table(title: str, *runs: dict[str, Any]) -> Table:
    """One row per run's model, then each baseline once (the first run that scored it), for runs on one split."""
    table = Table(title=title, title_justify="left")
    for column in ("method", "top-1 %", f"top-{runs[0]['model']['k']} %", "queries"):
        table.add_column(column)
    rows = []
    for results in runs:
        method = results.get("method", "SL-DML")
        rows.append((f"{method}, learned" if results.get("epochs", 1) else f"{method}, not trained", results["model"]))
    names = {
        "euclidean": "1-NN Euclidean on the image",
        "dtw": "1-NN DTW on the raw sequence",
        "dtw_unit": "1-NN DTW on unit image columns",
        "dtw_frames": "1-NN DTW on normalised frames (untrained)",
    }
    baselines: dict[str, dict[str, Any]] = {}
    for results in runs:
        for key, scores in results["baselines"].items():
            baselines.setdefault(key, scores)
    rows += [(names.get(k, k), v) for k, v in baselines.items()]
    for name, scores in rows:
        table.add_row(name, f"{100 * scores['top1']:.1f}", f"{100 * scores['top5']:.1f}", str(scores["queries"]))
    return table


ConfigArg = Annotated[str, typer.Argument(help="A named config (default, paper, demo) or a YAML file.")]
OverridesArg = Annotated[
    list[str] | None, typer.Argument(help="Dotted overrides, e.g. train.epochs=5 data.dataset=utd_mhad.")
]


@app.command()
def train(config: ConfigArg, overrides: OverridesArg = None) -> None:
    """Train SL-DML on a protocol's auxiliary classes and evaluate one-shot on its novel classes."""
    with _user_errors():
        from sldml.config import load_config
        from sldml.training import train as train_run

        cfg = load_config(config, overrides or [])
        _quiet_lightning()
        run_dir = train_run(cfg)
        if run_dir is None:  # a DDP worker process: the first process reports
            return
        results = json.loads((run_dir / "results.json").read_text())
        console.print(_results_table(f"{results['protocol']}: one-shot, {results['queries']} queries", results))
        console.print(
            f"{results['train_samples_per_s']} training samples/s, {results['wall_time_s']} s; run folder {run_dir}"
        )


@app.command()
def evaluate(
    run_dir: Annotated[Path, typer.Argument(help="A run folder made by `sldml train`.")],
    protocol: Annotated[
        str | None, typer.Option(help="Another protocol (its novel classes must be new to the run).")
    ] = None,
    checkpoint: Annotated[str, typer.Option(help="last or best.")] = "last",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Evaluate a trained run one-shot: top-1 / top-5, per class, confusion matrix, beside the baselines."""
    with _user_errors():
        from sldml.training import evaluate_run

        results = evaluate_run(run_dir, protocol, checkpoint)
        if as_json:
            print(json.dumps(results, indent=1))
            return
        console.print(
            _results_table(f"{results['protocol']} ({checkpoint}): one-shot, {results['queries']} queries", results)
        )
        per_class = ", ".join(f"{k} {100 * v:.0f}" for k, v in results["model"]["per_class"].items())
        console.print(f"per class top-1 %: {per_class}")


@app.command()
def splits(
    config: ConfigArg,
    overrides: OverridesArg = None,
    count: Annotated[int, typer.Option(help="Random class splits.")] = 10,
    seed: Annotated[int, typer.Option(help="Seed of the class draw.")] = 0,
    baselines_only: Annotated[bool, typer.Option(help="Score the baselines only (no training).")] = False,
) -> None:
    """Run N random class splits of the config's protocol size; report mean and std of model and baselines."""
    with _user_errors():
        from sldml.config import load_config
        from sldml.evaluation.splits import run_random_splits

        cfg = load_config(config, overrides or [])
        _quiet_lightning()
        summary, path = run_random_splits(cfg, count, seed, train_model=not baselines_only)
        table = Table(title=f"{summary['protocol']}: {count} random class splits", title_justify="left")
        for column in ("method", "mean top-1 %", "std", "per split"):
            table.add_column(column)
        for method, stats in summary["methods"].items():
            table.add_row(
                method,
                f"{100 * stats['mean']:.1f}",
                f"{100 * stats['std']:.1f}",
                " ".join(f"{100 * v:.0f}" for v in stats["values"]),
            )
        console.print(table)
        console.print(f"written to {path}")


@app.command()
def demo(
    output: Annotated[Path, typer.Option(help="Folder for the runs.")] = Path("runs"),
    epochs: Annotated[int, typer.Option(help="Training epochs of the SL-DML image model.")] = 12,
    aligned_epochs: Annotated[int, typer.Option(help="Training epochs of the time-aligned metric.")] = 4,
) -> None:
    """Train on built-in synthetic actions, then recognise 5 held-out actions from one example each."""
    with _user_errors():
        from sldml.config import load_config
        from sldml.training import train as train_run

        for option, value in (("--epochs", epochs), ("--aligned-epochs", aligned_epochs)):
            if value < 1:
                raise ConfigError(f"{option}={value}: expected at least 1 epoch")
        start = time.perf_counter()
        common = [f"output_dir={output}", "protocol=synthetic-15-5", "data.dataset=synthetic", "train.seed=0"]
        configs = [
            load_config("demo", [*common, f"train.epochs={epochs}"]),
            load_config("aligned", [*common, f"train.epochs={aligned_epochs}", "evaluate.baselines=[dtw_frames]"]),
        ]
        console.print(
            "sldml demo: train two metrics on 15 synthetic actions (8 subjects x 4 trials, Kinect v1 skeletons), "
            "the SL-DML image model and the time-aligned one, then recognise 5 new actions from ONE reference each "
            "(subject 1, trial 1)."
        )
        _quiet_lightning()
        runs = []
        for cfg in configs:
            run_dir = train_run(cfg)
            if run_dir is None:  # a DDP worker process: the first process reports
                return
            runs.append(run_dir)
        results = [json.loads((r / "results.json").read_text()) for r in runs]
        console.print(
            _results_table(f"one-shot recognition of 5 novel actions, {results[0]['queries']} queries", *results)
        )
        console.print(
            f"chance is 20.0 %. Run folders {', '.join(map(str, runs))} (model, checkpoints, results.json, "
            f"embeddings); total {time.perf_counter() - start:.0f} s"
        )


@app.command()
def experiment(
    name: Annotated[str, typer.Argument(help="A shipped experiment (utd-table4, ...) or a YAML file.")],
    overrides: OverridesArg = None,
    seeds: Annotated[int | None, typer.Option(help="Seeds per cell (default: the experiment's, 3).")] = None,
    output: Annotated[Path, typer.Option(help="Folder of experiment outputs.")] = Path("runs/experiments"),
    cell: Annotated[list[str] | None, typer.Option(help="Run only this cell (name or slug); repeatable.")] = None,
    method: Annotated[
        list[str] | None, typer.Option(help="Run only this method (sldml, aligned, ...); repeatable.")
    ] = None,
    table_only: Annotated[bool, typer.Option(help="Rewrite the table from finished runs; train nothing.")] = False,
) -> None:
    """Run every cell of a paper's table over seeds (resumable) and write the table beside the paper's numbers."""
    with _user_errors():
        from sldml.evaluation.experiment import experiment_kind, load_experiment, run_experiment, write_table

        _quiet_lightning()
        kind = experiment_kind(name)
        if kind in ("siamese", "zeroshot") and (cell or method or (seeds and kind == "siamese")):
            given = ", ".join(o for o, v in (("--seeds", seeds), ("--cell", cell), ("--method", method)) if v)
            raise ConfigError(
                f"{given}: a {kind} experiment has no cells or methods"
                + (" or seeds (it runs subject folds; choose them with folds=[...])" if kind == "siamese" else "")
                + "; use its config's overrides instead"
            )
        if seeds is not None and seeds < 1:
            raise ConfigError(f"--seeds={seeds}: expected at least 1")
        if kind == "siamese":
            from sldml.training.siamese_run import run_siamese_experiment

            path = run_siamese_experiment(name, output, overrides or [], table_only, progress=console.print)
            console.print(path.read_text(), markup=False, highlight=False, soft_wrap=True)
            console.print(f"written to {path}, {path.with_suffix('.csv')} and {path.parent / 'curves.png'}")
            return
        if kind == "zeroshot":
            from sldml.training.zeroshot import run_zeroshot_file

            extra = [f"seeds={seeds}"] if seeds else []  # the zero-shot config's own seed count
            path = run_zeroshot_file(name, output, [*(overrides or []), *extra], table_only, progress=console.print)
            console.print(path.read_text(), markup=False, highlight=False, soft_wrap=True)
            console.print(f"written to {path}")
            return
        exp = load_experiment(name)
        if table_only:
            path = write_table(exp, output / exp.name, seeds or exp.seeds)
        else:
            path = run_experiment(exp, output, overrides or [], seeds, cell, progress=console.print, methods=method)
        console.print(path.read_text(), markup=False, highlight=False, soft_wrap=True)
        console.print(f"written to {path} and {path.with_suffix('.csv')}")


@app.command()
def siamese(
    config: Annotated[str, typer.Argument(help="slstm-small, slstm-large, or a siamese config YAML.")] = "slstm-small",
    overrides: OverridesArg = None,
    output: Annotated[Path, typer.Option(help="Folder of siamese outputs.")] = Path("runs/siamese"),
) -> None:
    """Train the Siamese-LSTM and its multi-class module on every subject-wise fold (resumable); write the table."""
    with _user_errors():
        from sldml.siamese_config import load_siamese_config
        from sldml.training.siamese_run import run_siamese

        cfg = load_siamese_config(config, overrides or [])
        _quiet_lightning()
        path = run_siamese(cfg, output / cfg.name, progress=console.print)
        console.print(path.read_text(), markup=False, highlight=False, soft_wrap=True)
        console.print(f"written to {path}, {path.with_suffix('.csv')} and {path.parent / 'curves.png'}")


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
    with _user_errors():
        from sldml.inference.zeroshot import ZeroShotModel

        names = [part.strip() for item in classes for part in item.split(";") if part.strip()]
        _quiet_lightning()
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


@app.command()
def plot(
    path: Annotated[Path, typer.Argument(help="A run folder, or an experiment folder with table.csv.")],
) -> None:
    """Plot a run (UMAP of the evaluation embeddings, confusion matrix) or an experiment (accuracy vs classes)."""
    with _user_errors():
        from sldml import plots

        if (path / "table.csv").is_file():
            written = [plots.accuracy_plot(path, path / "accuracy_vs_classes.png")]
        else:
            written = [plots.umap_plot(path, path / "umap.png"), plots.confusion_plot(path, path / "confusion.png")]
        for item in written:
            console.print(f"wrote {item}")


ModelOpt = Annotated[Path, typer.Option("--model", help="A run folder made by `sldml train` (or a checkpoint in it).")]
GalleryOpt = Annotated[Path, typer.Option("--gallery", help="The gallery file (e.g. my.sldml).")]
FilesArg = Annotated[list[Path], typer.Argument(help="Data files or folders (any format `sldml info` reads).")]


def _read_inputs(paths: list[Path], recognizer: Any) -> list[Any]:
    """Sequences of the given files and folders.

    A file must fit the model; from a folder, the samples of the model's layout and modality are taken and
    the others counted on stderr (never silently).
    """
    from sldml.errors import DataError as _DataError

    out = []
    for path in paths:
        if path.is_dir():
            report = sio.load_folder(path)
            for item in report.skipped:
                errors.print(f"skipped: {item.reason}", highlight=False, soft_wrap=True)
            fitting = []
            for seq in report.sequences:
                try:
                    recognizer.check(seq)
                    fitting.append(seq)
                except _DataError:
                    pass
            if len(fitting) < len(report.sequences) and recognizer.spec["modality"] != "fused":
                errors.print(
                    f"{path}: {len(report.sequences) - len(fitting)} sample(s) of another layout or modality not used "
                    f"(the model reads {recognizer.spec['layout']}, {recognizer.spec['modality']})",
                    highlight=False,
                    soft_wrap=True,
                )
            out += report.sequences if recognizer.spec["modality"] == "fused" else fitting
        else:
            out += sio.read(path)
    if not out:
        raise _DataError(", ".join(map(str, paths)), "no sample the model can read")
    return out


def _load_recognizer(model: Path, threshold: float | None, checkpoint: str = "last") -> Any:
    from sldml.inference import Recognizer

    _quiet_lightning()
    return Recognizer.load(model, checkpoint=checkpoint, threshold=threshold)


@app.command()
def enrol(
    model: ModelOpt,
    gallery: GalleryOpt,
    label: Annotated[str, typer.Option(help="The name of the action these files show.")],
    files: FilesArg,
) -> None:
    """Teach the model a new action from one (or more) examples: add them to a gallery file."""
    with _user_errors():
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
    with _user_errors():
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
    with _user_errors():
        rec = _load_recognizer(model, None)
        sequences = _read_inputs(files, rec)
        result = rec.calibrate(sequences, far, source=", ".join(map(str, files)))
        path = rec.run.path / "calibration.json"
        path.write_text(json.dumps(result.to_dict(), indent=1))
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
    with _user_errors():
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
    with _user_errors():
        from sldml.inference import Gallery

        stored = Gallery.load(path)
        removed = stored.remove(label)
        stored.save(path)
        console.print(f"removed {removed} reference(s) of {label!r}; {len(stored)} left", highlight=False)


def main() -> None:
    """Entry point of the ``sldml`` command."""
    app()


if __name__ == "__main__":
    main()
