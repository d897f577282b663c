"""``sldml train``, ``evaluate``, ``splits``, ``demo``, ``experiment``, ``siamese`` and ``plot``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sldml.cli.common import (
    ConfigArg,
    OverridesArg,
    app,
    check_option,
    console,
    errors,
    print_json,
    quiet_lightning,
    results_table,
    skipped_summary,
    user_errors,
)


def _progress(line: str) -> None:
    """An experiment's progress line; lines about skipped files are warnings and go to stderr."""
    (errors if line.startswith("skipped") else console).print(line)


@app.command()
def train(config: ConfigArg, overrides: OverridesArg = None) -> None:
    """Train on a protocol's auxiliary classes and evaluate one-shot on its novel classes (``auto``: choose first)."""
    with user_errors(f"training {config}"):
        from sldml.config import load_config
        from sldml.records import OneShotResults
        from sldml.runs.folder import RESULTS
        from sldml.training import train as train_run

        cfg = load_config(config, overrides or [])
        quiet_lightning()
        if cfg.select.candidates:
            from sldml.experiments.auto import chosen_name, select_and_train

            run_dir = select_and_train(cfg, progress=console.print)
        else:
            run_dir = train_run(cfg)
        if run_dir is None:  # a DDP worker process: the first process reports
            return
        results = OneShotResults.read(run_dir / RESULTS)
        skipped_summary(results.skipped_files)
        if results.selection is not None:
            chosen = results.selection["candidates"][results.selection["chosen"]]
            console.print(
                f"chosen on the auxiliary classes: {chosen_name(results.selection)} "
                f"(validation {100 * chosen['validation']:.1f} %; {results.selection['learned']})"
            )
        console.print(results_table(f"{results.protocol}: one-shot, {results.queries} queries", results))
        speed = f"{results.train_samples_per_s} training samples/s, " if results.trained else "not trained, "
        if results.init:
            speed = f"started from {results.init}, {speed}"
        console.print(f"{speed}{results.wall_time_s} s; run folder {run_dir}")


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
    with user_errors(f"evaluating {run_dir}"):
        from sldml.experiments import evaluate_run

        results = evaluate_run(run_dir, protocol, checkpoint)
        if as_json:
            print_json(results.to_json())
            return
        console.print(results_table(f"{results.protocol} ({checkpoint}): one-shot, {results.queries} queries", results))
        per_class = ", ".join(f"{k} {100 * v:.0f}" for k, v in results.model.per_class.items())
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
    with user_errors(f"scoring random splits of {config}"):
        check_option("--count", count, at_least=1)
        from sldml.config import load_config
        from sldml.experiments import run_random_splits

        cfg = load_config(config, overrides or [])
        quiet_lightning()
        summary, path = run_random_splits(cfg, count, seed, train_model=not baselines_only)
        table = Table(title=f"{summary.protocol}: {count} random class splits", title_justify="left")
        for column in ("method", "mean top-1 %", "std", "per split"):
            table.add_column(column)
        for method, stats in summary.methods.items():
            table.add_row(
                method,
                f"{100 * stats.mean:.1f}",
                f"{100 * stats.std:.1f}",
                " ".join(f"{100 * v:.0f}" for v in stats.values),
            )
        console.print(table)
        console.print(f"written to {path}")


@app.command()
def demo(
    output: Annotated[Path, typer.Option(help="Folder for the runs.")] = Path("runs"),
    epochs: Annotated[int, typer.Option(help="Training epochs of the SL-DML image model.")] = 12,
    aligned_epochs: Annotated[int, typer.Option(help="Training epochs of the time-aligned metric.")] = 1,
) -> None:
    """Train on 8 procedural actions, then recognise 20 new actions from one example each."""
    with user_errors("running the demo"):
        from sldml.experiments.demo import INTRODUCTION, demo_configs, run_demo

        start = time.perf_counter()
        demo_configs(output, epochs, aligned_epochs)  # refuses bad epoch options before anything is printed
        console.print(INTRODUCTION)
        quiet_lightning()
        runs = run_demo(output, epochs, aligned_epochs)
        if runs is None:  # a DDP worker process: the first process reports
            return
        results = [r for _, r in runs]
        novel = results[0].references
        title = f"one-shot recognition of {novel} novel actions, {results[0].queries} queries"
        console.print(results_table(title, *results))
        console.print(
            f"chance is {100 / novel:.1f} %. Run folders {', '.join(str(r) for r, _ in runs)} (model, checkpoints, "
            f"results.json, embeddings); total {time.perf_counter() - start:.0f} s"
        )


def _experiment_help() -> str:
    from sldml.resources import shipped_yaml_names

    return (
        "A shipped experiment (" + ", ".join(shipped_yaml_names("experiments")) + ") or a YAML file; --list says more."
    )


@app.command()
def experiment(
    name: Annotated[str | None, typer.Argument(help=_experiment_help())] = None,
    overrides: OverridesArg = None,
    seeds: Annotated[int | None, typer.Option(help="Seeds per cell (default: the experiment's, 3).")] = None,
    output: Annotated[Path, typer.Option(help="Folder of experiment outputs.")] = Path("runs/experiments"),
    cell: Annotated[list[str] | None, typer.Option(help="Run only this cell (name or slug); repeatable.")] = None,
    method: Annotated[
        list[str] | None, typer.Option(help="Run only this method (sldml, aligned, ...); repeatable.")
    ] = None,
    table_only: Annotated[bool, typer.Option(help="Rewrite the table from finished runs; train nothing.")] = False,
    list_all: Annotated[bool, typer.Option("--list", help="List the shipped experiments and exit.")] = False,
) -> None:
    """Run every cell of a paper's table over seeds (resumable) and write the table beside the paper's numbers."""
    with user_errors(f"running the experiment {name}"):
        from sldml.experiments import RunOptions, describe_experiments, run_experiment_file

        if list_all:
            for shipped, line in describe_experiments().items():
                console.print(f"{shipped}: {line}", soft_wrap=True)
            return
        if name is None:
            raise typer.BadParameter("give an experiment name or file, or --list")
        quiet_lightning()
        options = RunOptions(seeds, cell, method, table_only)
        path = run_experiment_file(name, output, overrides or [], options, progress=_progress)
        console.print(path.read_text(), soft_wrap=True)
        console.print(f"written to {path} and the files beside it")


@app.command()
def siamese(
    config: Annotated[str, typer.Argument(help="slstm-small, slstm-large, or a siamese config YAML.")] = "slstm-small",
    overrides: OverridesArg = None,
    output: Annotated[Path, typer.Option(help="Folder of siamese outputs.")] = Path("runs/siamese"),
) -> None:
    """Train the Siamese-LSTM and its multi-class module on every subject-wise fold (resumable); write the table."""
    with user_errors(f"training the siamese config {config}"):
        from sldml.config import load_siamese_config
        from sldml.experiments.siamese import run_siamese

        cfg = load_siamese_config(config, overrides or [])
        quiet_lightning()
        path = run_siamese(cfg, output / cfg.name, progress=_progress)
        console.print(path.read_text(), soft_wrap=True)
        console.print(f"written to {path}, {path.with_suffix('.csv')} and {path.parent / 'curves.png'}")


@app.command()
def plot(
    path: Annotated[Path, typer.Argument(help="A run folder, or an experiment folder with table.csv.")],
) -> None:
    """Plot a run (UMAP of the evaluation embeddings, confusion matrix) or an experiment (accuracy vs classes)."""
    with user_errors(f"plotting {path}"):
        from sldml import plots

        if (path / "table.csv").is_file():
            written = [plots.accuracy_plot(path, path / "accuracy_vs_classes.png")]
        else:
            written = [plots.umap_plot(path, path / "umap.png"), plots.confusion_plot(path, path / "confusion.png")]
        for item in written:
            console.print(f"wrote {item}")
