"""What every ``sldml`` command shares: the Typer app, the consoles, one-line errors, argument checks, tables.

Both consoles print text literally (no Rich markup, emoji codes or highlighting), since most of what sldml prints
comes from the user: file names, labels, class names. Every command runs inside :func:`user_errors`: an error a
user can cause is one line on stderr and an exit code, never a traceback (``--debug`` or ``SLDML_DEBUG=1`` shows
it): 1 for bad input, a failed write or too little memory, 2 for a bug, 130 for Ctrl-C.
"""

from __future__ import annotations

import json
import math
import os
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import click
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sldml.errors import SldmlError

if TYPE_CHECKING:
    from sldml.records import OneShotResults

app = typer.Typer(
    help="sldml: recognise actions from skeleton, inertial and motion-capture signals by metric learning.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console(markup=False, highlight=False, emoji=False, soft_wrap=True)
errors = Console(stderr=True, markup=False, highlight=False, emoji=False, soft_wrap=True)
_state = {"debug": os.environ.get("SLDML_DEBUG", "") not in ("", "0")}


@app.callback()
def _options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of an error (also SLDML_DEBUG=1).")
    ] = False,
) -> None:
    """sldml: recognise actions from skeleton, inertial and motion-capture signals by metric learning."""
    if debug:
        _state["debug"] = True


def fail(kind: str, message: str, code: int) -> typer.Exit:
    """Print one error line (``kind: message``) on stderr; the exit to raise."""
    errors.print(Text.assemble((f"{kind}:", "bold red"), " ", message.replace("\n", " ")))
    return typer.Exit(code)


@contextmanager
def user_errors(what: str = "running the command") -> Iterator[None]:
    """Turn every error of a command into one line and an exit code (see the module docstring).

    Args:
        what: What the command is doing, e.g. ``training default``, for the Ctrl-C and memory messages.
    """
    try:
        yield
    except (typer.Exit, typer.Abort, click.ClickException):
        raise
    except KeyboardInterrupt as err:
        detail = f" ({err})" if str(err) else ""
        raise fail("interrupted", f"stopped while {what}{detail}", 130) from None
    except SldmlError as err:
        if _state["debug"]:
            traceback.print_exc()
        raise fail("error", str(err), 1) from None
    except MemoryError:
        raise fail("error", f"out of memory while {what}; the input is larger than this machine holds", 1) from None
    except OSError as err:
        if _state["debug"]:
            traceback.print_exc()
        where = f"{err.filename}: " if err.filename else ""
        raise fail("error", f"{where}{err.strerror or err}", 1) from None
    except Exception as err:
        if _state["debug"]:
            traceback.print_exc()
        message = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
        raise fail("internal error", f"{message} (a bug in sldml; --debug shows where)", 2) from None


@contextmanager
def progress_bar(total: int, title: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr while the block runs, when stderr is a terminal; yields ``advance(n)``."""
    if not errors.is_terminal:
        yield lambda _: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn(title), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=errors, transient=True) as bar:
        task = bar.add_task(title, total=total)
        yield lambda n: bar.advance(task, n)


def check_option(name: str, value: float | None, *, at_least: float | None = None, above: float | None = None) -> None:
    """Refuse a numeric option that is not finite or not in range (``--threshold nan``, ``--count 0``).

    Raises:
        typer.BadParameter: Naming the option and what is valid.
    """
    if value is None:
        return
    ok = math.isfinite(value) and (at_least is None or value >= at_least) and (above is None or value > above)
    if not ok:
        bound = f">= {at_least:g}" if at_least is not None else f"> {above:g}"
        raise typer.BadParameter(f"{name}={value}: expected a finite number {bound}")


def _strict(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strict(v) for v in value]
    return value


def print_json(value: Any) -> None:
    """Print strict JSON on stdout (NaN and infinities become ``null``)."""
    print(json.dumps(_strict(value), indent=1, allow_nan=False))


def skipped_summary(lines: list[str], head: int = 3) -> None:
    """One line on stderr saying how many files were skipped and the first few reasons (never silent)."""
    if lines:
        first = "; ".join(lines[:head]) + ("; ..." if len(lines) > head else "")
        errors.print(f"skipped {len(lines)} file(s) that could not be read: {first}")


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
