"""One-shot tables (experiment kind ``sldml``): every cell of a paper's table over seeds, resumable, one table.

An experiment file (:mod:`sldml.experiments.registry`)::

    name: utd-table5
    title: UTD-MHAD inter-joint, inertial (SL-DML Table V)
    config: default                       # the base config
    overrides: [data.dataset=utd_mhad]    # for every cell
    seeds: 3
    cells:
      - {name: wrist 21/6, group: wrist, classes: 21, protocol: utd-interjoint-wrist-21-6, overrides: [], paper: 80.4}
    methods:                              # optional; default: [{name: sldml}]
      - {name: sldml}
      - {name: aligned, overrides: [model.backbone=tcn, loss.distance=soft_dtw, loss.alpha=1, loss.beta=0]}

Each (cell, method, seed) trains into ``<output>/<experiment>/<cell>/seed<k>-<time>/`` (method ``sldml``) or
``<output>/<experiment>/<cell>/<method>/seed<k>-<time>/``; a run folder with a ``results.json`` is finished, so
an interrupted experiment resumes where it stopped and never re-runs a finished cell. The table has a row per
cell and method and puts our mean +- std beside the paper's number and beside the non-learned baselines (1-NN
DTW, ...: every registered baseline some run of the cell scored; they do not depend on the seed) of each cell.

Over 300 lines, one thing: the table file's model, its runner and its two renderings (Markdown, CSV).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sldml.config import load_config
from sldml.errors import ConfigError
from sldml.evaluation.baselines import baseline_title, list_baselines
from sldml.experiments.auto import select_and_train
from sldml.experiments.registry import ExperimentFile, Progress, RunOptions, load_experiment_file, register_kind
from sldml.protocols import load_protocol, protocol_to_dict
from sldml.records import OneShotResults
from sldml.resources import write_text_atomic
from sldml.runs.folder import RESULTS, unfinished_reason
from sldml.training import train


@dataclass(frozen=True)
class Cell:
    """One cell of a table: a protocol plus overrides, and the paper's top-1 (%) for it.

    ``evaluation`` lists the cell's novel classes itself (a random class split written into the experiment file):
    the protocol's reference rules are kept, every other class is auxiliary.
    """

    name: str
    protocol: str
    overrides: tuple[str, ...] = ()
    paper: float | None = None
    group: str = ""
    classes: int | None = None
    evaluation: tuple[int | str, ...] | None = None

    @property
    def slug(self) -> str:
        """The cell's folder name."""
        return re.sub(r"[^A-Za-z0-9]+", "-", self.name).strip("-").lower()


@dataclass(frozen=True)
class Method:
    """One model trained in every cell: a name and the config overrides that make it.

    The method named ``sldml`` (the default, the SL-DML image model) keeps its runs in the cell's folder; any
    other method in ``<cell>/<method>``.
    """

    name: str
    overrides: tuple[str, ...] = ()


DEFAULT_METHODS = (Method("sldml"),)


@dataclass(frozen=True)
class Experiment:
    """A table of cells run over seeds, one row per cell and method."""

    name: str
    title: str
    config: str
    overrides: tuple[str, ...]
    seeds: int
    cells: tuple[Cell, ...] = field(default_factory=tuple)
    methods: tuple[Method, ...] = DEFAULT_METHODS


def load_experiment(source: str) -> Experiment:
    """Load a shipped one-shot experiment by name, or an experiment YAML by path.

    Raises:
        ConfigError: On an unknown name, another kind of experiment, or a malformed file.
    """
    return experiment_from_file(load_experiment_file(source))


def experiment_from_file(file: ExperimentFile) -> Experiment:
    """The one-shot :class:`Experiment` an experiment file describes.

    Raises:
        ConfigError: If the file is of another kind, has no cells, or a cell or method is malformed.
    """
    source, tree = file.source, file.body
    if file.kind not in ("sldml", "auto"):
        raise ConfigError(f"experiment {source} is of kind {file.kind}, not a one-shot table (sldml, auto)")
    if "cells" not in tree or not isinstance(tree["cells"], list):
        raise ConfigError(f"experiment {source}: expected a list of cells")
    cells = []
    for number, raw in enumerate(tree["cells"], start=1):
        if not isinstance(raw, dict) or not {"name", "protocol"} <= set(raw):
            raise ConfigError(f"experiment {source}: cell {number} needs at least a name and a protocol")
        extra = sorted(set(raw) - {"name", "protocol", "overrides", "paper", "group", "classes", "evaluation"})
        if extra:
            raise ConfigError(f"experiment {source}: cell {number} has unknown key(s) {', '.join(extra)}")
        cells.append(
            Cell(
                str(raw["name"]),
                str(raw["protocol"]),
                tuple(raw.get("overrides") or ()),
                raw.get("paper"),
                str(raw.get("group", "")),
                raw.get("classes"),
                tuple(raw["evaluation"]) if raw.get("evaluation") else None,
            )
        )
    slugs = [cell.slug for cell in cells]
    clashes = sorted({f"{c.name!r} ({c.slug})" for c in cells if slugs.count(c.slug) > 1})
    if clashes:
        raise ConfigError(f"experiment {source}: cells {', '.join(clashes)} share a folder name; rename them")
    seeds = tree.get("seeds", 3)
    if not isinstance(seeds, int) or isinstance(seeds, bool) or seeds < 1:
        raise ConfigError(f"experiment {source}: seeds={seeds!r}; expected a whole number >= 1")
    return Experiment(
        name=file.name,
        title=file.title,
        config=file.config or "default",
        overrides=file.overrides,
        seeds=seeds,
        cells=tuple(cells),
        methods=_methods(source, tree.get("methods")),
    )


def _methods(source: str, raw: Any) -> tuple[Method, ...]:
    if raw is None:
        return DEFAULT_METHODS
    methods = []
    for number, item in enumerate(raw if isinstance(raw, list) else [None], start=1):
        if not isinstance(item, dict) or "name" not in item or sorted(set(item) - {"name", "overrides"}):
            raise ConfigError(f"experiment {source}: method {number} needs a name and optional overrides, nothing else")
        name = str(item["name"])
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
            raise ConfigError(f"experiment {source}: method name {name!r}; use lower-case letters, digits, - and _")
        methods.append(Method(name, tuple(item.get("overrides") or ())))
    names = [m.name for m in methods]
    if len(set(names)) != len(names) or not names:
        raise ConfigError(f"experiment {source}: methods {names} must be distinct and at least one")
    return tuple(methods)


def method_folder(root: Path, cell: Cell, method: Method) -> Path:
    """Where a (cell, method)'s runs live: ``<cell>`` for ``sldml``, ``<cell>/<method>`` otherwise."""
    return root / cell.slug if method.name == "sldml" else root / cell.slug / method.name


def _cell_protocol(root: Path, cell: Cell) -> Path:
    """A cell's own protocol file: its base protocol with the cell's novel classes (``Cell.evaluation``)."""
    base = load_protocol(cell.protocol)
    novel = cell.evaluation or base.evaluation
    tree = protocol_to_dict(
        dataclasses.replace(base, name=f"{base.name}-{cell.slug}", evaluation=novel, auxiliary=None)
    )
    tree["auxiliary"] = "rest"
    return write_text_atomic(root / cell.slug / "protocol.yaml", yaml.safe_dump(tree, sort_keys=False))


def finished_results(folder: Path, seed: int) -> Path | None:
    """The results of the newest finished run of a seed (:func:`sldml.runs.folder.unfinished_reason`)."""
    done = [run / RESULTS for run in sorted(folder.glob(f"seed{seed}-*")) if unfinished_reason(run) is None]
    return done[-1] if done else None


def _unfinished(folder: Path, seed: int) -> list[str]:
    """A line per unfinished run folder of a seed, saying why it does not count."""
    return [f"{run}: {reason}" for run in sorted(folder.glob(f"seed{seed}-*")) if (reason := unfinished_reason(run))]


def run_experiment(
    experiment: Experiment,
    output: Path,
    overrides: list[str] | None = None,
    seeds: int | None = None,
    cells: list[str] | None = None,
    progress: Progress = print,
    methods: list[str] | None = None,
) -> Path:
    """Run every (cell, method, seed) not finished yet, then write the table.

    Args:
        experiment: The experiment.
        output: Folder of experiment outputs (the experiment gets a subfolder).
        overrides: Overrides for every cell (e.g. ``data.path=...``).
        seeds: Seeds per cell (default: the experiment's).
        cells: Run only the cells with these names or slugs (default: all).
        progress: Called with a line per run started or skipped.
        methods: Run only these methods (default: all of the experiment's).

    Returns:
        The Markdown table's path.
    """
    root = output / experiment.name
    count = seeds or experiment.seeds
    chosen = [c for c in experiment.cells if not cells or c.name in cells or c.slug in cells]
    if cells and not chosen:
        raise ConfigError(f"no cell named {cells}; cells: {', '.join(c.slug for c in experiment.cells)}")
    known = [m.name for m in experiment.methods]
    if methods and set(methods) - set(known):
        raise ConfigError(f"no method named {sorted(set(methods) - set(known))}; methods: {', '.join(known)}")
    reported = False  # every run loads the same data: say once which files it skipped
    for cell in chosen:
        for method in (m for m in experiment.methods if not methods or m.name in methods):
            what = cell.name if method.name == "sldml" else f"{cell.name}, {method.name}"
            for seed in range(count):
                folder = method_folder(root, cell, method)
                if finished_results(folder, seed):
                    progress(f"{what}, seed {seed}: finished earlier, skipped")
                    continue
                for line in _unfinished(folder, seed):
                    progress(f"{what}, seed {seed}: not counted, trained again: {line}")
                progress(f"{what}, seed {seed}: training")
                protocol = cell.protocol if cell.evaluation is None else str(_cell_protocol(root, cell))
                config = load_config(
                    experiment.config,
                    [
                        f"data.cache={root / 'cache'}",  # one parsed-data cache for every cell (any override wins)
                        *experiment.overrides,
                        *cell.overrides,
                        *method.overrides,
                        *(overrides or []),
                        f"protocol={protocol}",
                        f"train.seed={seed}",
                        f"output_dir={folder}",
                        f"name=seed{seed}",
                    ],
                )
                run = select_and_train(config, progress=progress) if config.select.candidates else train(config)
                skipped = OneShotResults.read(run / RESULTS).skipped_files if run is not None else []
                if skipped and not reported:
                    reported = True
                    head = "; ".join(skipped[:3]) + ("; ..." if len(skipped) > 3 else "")
                    progress(f"skipped {len(skipped)} file(s) that could not be read: {head}")
    return write_table(experiment, root, count)


def collect(experiment: Experiment, root: Path, seeds: int) -> list[dict[str, Any]]:
    """Per cell and method: the finished seeds' top-1, the baselines, the paper's number.

    A baseline is taken from the first finished run of the cell that scored it (any method: baselines need no
    training, so a method may skip them with ``evaluate.baselines=[]``). Every registered baseline has a column.
    """
    rows = []
    for cell in experiment.cells:
        per_method = {
            m.name: [
                OneShotResults.read(p)
                for seed in range(seeds)
                if (p := finished_results(method_folder(root, cell, m), seed))
            ]
            for m in experiment.methods
        }
        baselines: dict[str, float] = {}
        for results in per_method.values():
            for result in results:
                for name, value in result.baselines.items():
                    baselines.setdefault(name, 100 * value.top1)
        for method in experiment.methods:
            results = per_method[method.name]
            top1 = [100 * r.model.top1 for r in results]
            rows.append(
                {
                    "cell": cell.name,
                    "method": method.name,
                    "group": cell.group,
                    "training classes": cell.classes,
                    "paper": cell.paper,
                    "seeds": len(top1),
                    "mean": float(np.mean(top1)) if top1 else None,
                    "std": float(np.std(top1)) if top1 else None,
                    **{b: baselines.get(b) for b in list_baselines()},
                    "queries": results[0].queries if results else None,
                    "minutes": round(sum(r.wall_time_s or 0.0 for r in results) / 60, 3),
                }
            )
    return rows


def fmt(value: float | None) -> str:
    """A percentage with one decimal, or an empty cell for a missing value."""
    return "" if value is None else f"{value:.1f}"


def markdown_table(title: str, rows: list[dict[str, Any]], seeds: int) -> list[str]:
    """The Markdown lines of a table of :func:`collect` rows (title, cells beside paper and baselines, time).

    A baseline gets a column when some row has a value for it.
    """
    columns = [b for b in list_baselines() if any(row.get(b) is not None for row in rows)]
    lines = [
        f"# {title}",
        "",
        f"One-shot top-1 %, mean +- std over the finished seeds (of {seeds}); baselines need no training.",
        "",
        "| cell | method | paper | ours | seeds | "
        + "".join(f"{baseline_title(b)} | " for b in columns)
        + "vs paper | vs best baseline |",
        "| --- | --- | --- | --- | --- | " + "--- | " * len(columns) + "--- | --- |",
    ]
    for row in rows:
        ours = f"{row['mean']:.1f} +- {row['std']:.1f}" if row["mean"] is not None else "not run"
        best = max((row[b] for b in columns if row.get(b) is not None), default=None)
        versus_paper = versus_best = ""
        if row["mean"] is not None and row["paper"] is not None:
            versus_paper = f"{row['mean'] - row['paper']:+.1f}"
        if row["mean"] is not None and best is not None:
            versus_best = f"{row['mean'] - best:+.1f}" + (" (below)" if row["mean"] < best else "")
        lines.append(
            f"| {row['cell']} | {row.get('method', 'sldml')} | {fmt(row['paper'])} | {ours} | {row['seeds']} | "
            + "".join(f"{fmt(row.get(b))} | " for b in columns)
            + f"{versus_paper} | {versus_best} |"
        )
    hours = sum(row["minutes"] for row in rows) / 60
    return [*lines, "", f"Time of the finished runs (training + evaluation, in sequence): {hours:.2f} h."]


def write_table(experiment: Experiment, root: Path, seeds: int) -> Path:
    """Write ``table.md`` and ``table.csv`` into the experiment's folder from the finished runs."""
    rows = collect(experiment, root, seeds)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomic(root / "table.csv", buffer.getvalue())
    return write_text_atomic(root / "table.md", "\n".join(markdown_table(experiment.title, rows, seeds)) + "\n")


@register_kind(
    "sldml",
    keys=("seeds", "cells", "methods"),
    options=("seeds", "cells", "methods"),
)
def run_table(
    file: ExperimentFile, output: Path, overrides: list[str], options: RunOptions, progress: Progress
) -> Path:
    """The ``sldml`` kind: train every unfinished (cell, method, seed), or only tabulate; write the table."""
    experiment = experiment_from_file(file)
    if options.table_only:
        return write_table(experiment, output / experiment.name, options.seeds or experiment.seeds)
    return run_experiment(experiment, output, overrides, options.seeds, options.cells, progress, options.methods)
