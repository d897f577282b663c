"""Experiment files and the registry of experiment kinds: one loader, one dispatcher.

An experiment is a YAML file in ``sldml/experiments/`` (or any path). Every kind shares the keys ``name``,
``kind``, ``title``, ``config`` and ``overrides``; a kind adds its own (the one-shot tables' ``seeds``, ``cells``,
``methods``). :func:`load_experiment_file` reads and checks any of them; :func:`run_experiment_file` hands it to
its kind's runner. A new kind touches ``sldml/experiments/`` alone: write a runner and register it with
:func:`register_kind`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sldml.errors import ConfigError
from sldml.resources import Registry, read_yaml_mapping, shipped_yaml_names

COMMON_KEYS = ("name", "kind", "title", "config", "overrides")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class ExperimentFile:
    """An experiment file as read: the common keys, and the kind's own keys in ``body``.

    Attributes:
        source: The shipped name or path it was read from.
        name: Its name (default: the file's stem); its outputs go to ``<output>/<name>``.
        kind: The registered kind that runs it.
        title: A line for tables and listings.
        config: The base config (a shipped name or a path) of the kind's config root.
        overrides: Overrides applied to every run.
        body: The kind's own keys.
    """

    source: str
    name: str
    kind: str
    title: str
    config: str | None
    overrides: tuple[str, ...]
    body: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunOptions:
    """Command-line choices a kind may honour (``options`` of its :class:`Kind` says which).

    Attributes:
        seeds: Seeds per cell (default: the experiment's).
        cells: Run only these cells.
        methods: Run only these methods.
        table_only: Rewrite the table from finished runs; run nothing.
    """

    seeds: int | None = None
    cells: list[str] | None = None
    methods: list[str] | None = None
    table_only: bool = False


Runner = Callable[[ExperimentFile, Path, list[str], RunOptions, Progress], Path]


@dataclass(frozen=True)
class Kind:
    """A registered experiment kind.

    Attributes:
        name: The ``kind:`` value that selects it.
        keys: The file keys it reads besides :data:`COMMON_KEYS`.
        options: Which of ``seeds``, ``cells``, ``methods`` it honours.
        run: Runs the experiment into ``<output>/<name>`` and returns its Markdown table's path.
        note: Said when an option it does not honour is given (what to use instead).
    """

    name: str
    keys: tuple[str, ...]
    options: tuple[str, ...]
    run: Runner
    note: str = ""


_KINDS: Registry[Kind] = Registry("experiment kind")
DEFAULT_KIND = "sldml"


def register_kind(
    name: str, keys: tuple[str, ...] = (), options: tuple[str, ...] = (), note: str = ""
) -> Callable[[Runner], Runner]:
    """Decorator that registers an experiment runner as the kind ``name``."""

    def wrap(run: Runner) -> Runner:
        _KINDS.add(name, Kind(name, keys, options, run, note))
        return run

    return wrap


def list_kinds() -> list[str]:
    """Names of the registered experiment kinds, sorted."""
    return sorted(_KINDS.names())


def named_experiments() -> list[str]:
    """Names of the experiments shipped with sldml."""
    return shipped_yaml_names("experiments")


def load_experiment_file(source: str) -> ExperimentFile:
    """Read a shipped experiment by name, or an experiment YAML by path, and check its keys.

    Raises:
        ConfigError: On an unknown name, kind or key, or a malformed common key.
    """
    tree = read_yaml_mapping(source, "experiments", "experiment")
    kind = _KINDS.get(str(tree.get("kind", DEFAULT_KIND)))
    valid = (*COMMON_KEYS, *kind.keys)
    unknown = sorted(set(tree) - set(valid))
    if unknown:
        raise ConfigError(f"experiment {source}: unknown key(s) {', '.join(unknown)}; valid: {', '.join(valid)}")
    overrides = tree.get("overrides") or []
    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        raise ConfigError(f"experiment {source}: overrides must be a list of key=value strings")
    name = str(tree.get("name", Path(source).stem))
    return ExperimentFile(
        source=source,
        name=name,
        kind=kind.name,
        title=str(tree.get("title", name)),
        config=str(tree["config"]) if "config" in tree else None,
        overrides=tuple(overrides),
        body={k: v for k, v in tree.items() if k in kind.keys},
    )


def describe_experiments() -> dict[str, str]:
    """Every shipped experiment with its kind and title, for ``sldml experiment --list``."""
    out = {}
    for name in named_experiments():
        file = load_experiment_file(name)
        out[name] = f"{file.title} ({file.kind})"
    return out


def run_experiment_file(
    source: str,
    output: Path,
    overrides: list[str] | None = None,
    options: RunOptions | None = None,
    progress: Progress = print,
) -> Path:
    """Run (or, with ``table_only``, tabulate) an experiment file with its kind's runner.

    Returns:
        The Markdown table's path.

    Raises:
        ConfigError: On a bad file, or an option the kind does not honour.
    """
    options = options or RunOptions()
    file = load_experiment_file(source)
    kind = _KINDS.get(file.kind)
    flags = {"seeds": "--seeds", "cells": "--cell", "methods": "--method"}
    refused = [flag for option, flag in flags.items() if getattr(options, option) and option not in kind.options]
    if refused:
        missing = [o for o in ("cells", "methods", "seeds") if o not in kind.options]
        raise ConfigError(
            f"{', '.join(refused)}: a {kind.name} experiment has no {' or '.join(missing)}"
            + (f" ({kind.note})" if kind.note else "")
            + "; use its config's overrides instead"
        )
    if options.seeds is not None and options.seeds < 1:
        raise ConfigError(f"--seeds={options.seeds}: expected at least 1")
    return kind.run(file, output, list(overrides or []), options, progress)
