"""What every ``sldml`` command shares: the Typer app, the consoles, one-line errors, argument types, tables."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from sldml.errors import SldmlError

if TYPE_CHECKING:
    from sldml.records import OneShotResults

app = typer.Typer(
    help="sldml: recognise actions from skeleton, inertial and motion-capture signals by metric learning.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Print an sldml error about the user's input as one line on stderr and exit with status 1."""
    try:
        yield
    except SldmlError as err:
        errors.print(f"[bold red]error:[/] {err}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def quiet_lightning() -> None:
    """Keep Lightning's start-up chatter out of the command's output."""
    from sldml.training.trainer import quiet_lightning as quiet

    quiet()


def results_table(title: str, *runs: OneShotResults) -> Table:
    """One row per run's model, then each baseline once (the first run that scored it), for runs on one split."""
    from sldml.evaluation.baselines import baseline_title

    table = Table(title=title, title_justify="left")
    for column in ("method", "top-1 %", f"top-{runs[0].model.k} %", "queries"):
        table.add_column(column)
    rows = [(results.label, results.model) for results in runs]
    baselines: dict[str, Any] = {}
    for results in runs:
        for key, scores in results.baselines.items():
            baselines.setdefault(key, scores)
    rows += [(baseline_title(k), v) for k, v in baselines.items()]
    for name, scores in rows:
        table.add_row(name, f"{100 * scores.top1:.1f}", f"{100 * scores.top5:.1f}", str(scores.queries))
    return table


ConfigArg = Annotated[str, typer.Argument(help="A named config (default, paper, demo) or a YAML file.")]
OverridesArg = Annotated[
    list[str] | None, typer.Argument(help="Dotted overrides, e.g. train.epochs=5 data.dataset=utd_mhad.")
]
ModelOpt = Annotated[Path, typer.Option("--model", help="A run folder made by `sldml train` (or a checkpoint in it).")]
GalleryOpt = Annotated[Path, typer.Option("--gallery", help="The gallery file (e.g. my.sldml).")]
FilesArg = Annotated[list[Path], typer.Argument(help="Data files or folders (any format `sldml info` reads).")]
