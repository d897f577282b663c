"""Typed result files: what a run, an evaluation, a split study, a siamese fold or a zero-shot run writes.

Each record is a dataclass with :meth:`Record.to_json` / :meth:`Record.from_json` and one reader,
:meth:`Record.read`, used by everything that reads results back (the CLI, the experiment tables, the random
splits, the siamese and zero-shot tables, the zero-shot ranker). Reading checks every field's type; a missing or
mistyped field, or a file that is not JSON, is a :class:`~sldml.errors.DataError` naming the file and the field.
Keys a record does not know (from another sldml version) are kept in ``extra`` and written back unchanged.

Writing goes through :func:`sldml.resources.write_text_atomic`: a crash leaves the old file or the new one,
never half of one.
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin

from sldml.config.schema import check_value
from sldml.errors import ConfigError, DataError
from sldml.resources import write_text_atomic

R = TypeVar("R", bound="Record")


def _decode(value: Any, annotation: Any, key: str) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, Record):
        if not isinstance(value, dict):
            raise ConfigError(f"{key}={value!r}; expected a mapping")
        return annotation._from_mapping(value, f"{key}.")
    origin = get_origin(annotation)
    if origin is list and isinstance(value, list):
        (item,) = get_args(annotation)
        return [_decode(v, item, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict and isinstance(value, dict):
        _, item = get_args(annotation)
        return {str(k): _decode(v, item, f"{key}.{k}") for k, v in value.items()}
    if origin in (types.UnionType, typing.Union) and value is not None:
        options = [o for o in get_args(annotation) if o is not type(None)]
        if len(options) == 1:
            return _decode(value, options[0], key)
    return check_value(value, annotation, key)


@dataclass
class Record:
    """Base of the typed result records (see the module docstring)."""

    def __post_init__(self) -> None:
        self.extra: dict[str, Any] = getattr(self, "extra", {})

    @classmethod
    def _from_mapping(cls: type[R], data: dict[str, Any], prefix: str = "") -> R:
        hints = typing.get_type_hints(cls)
        known = {f.name: f for f in dataclasses.fields(cls)}
        kwargs = {}
        for name, spec in known.items():
            if name in data:
                kwargs[name] = _decode(data[name], hints[name], prefix + name)
            elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
                raise ConfigError(f"field {prefix}{name} is missing")
        record = cls(**kwargs)
        record.extra = {k: v for k, v in data.items() if k not in known}
        return record

    @classmethod
    def from_json(cls: type[R], data: Any, source: str | Path = "<memory>") -> R:
        """A record from its JSON mapping.

        Raises:
            DataError: If a field is missing or has the wrong type (naming ``source`` and the field).
        """
        if not isinstance(data, dict):
            raise DataError(source, f"expected a JSON object ({cls.__name__}), got {type(data).__name__}")
        try:
            return cls._from_mapping(data)
        except ConfigError as err:
            raise DataError(source, f"not a valid {cls.__name__} record: {err}") from None

    def to_json(self) -> dict[str, Any]:
        """The JSON mapping (nested records as mappings; unknown keys read earlier kept)."""
        out = {f.name: _encode(getattr(self, f.name)) for f in dataclasses.fields(self)}
        return {**self.extra, **out}

    @classmethod
    def read(cls: type[R], path: str | Path) -> R:
        """Read a record file.

        Raises:
            DataError: If the file is missing, not JSON (e.g. truncated), or not a valid record.
        """
        source = Path(path)
        try:
            text = source.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise DataError(source, "file not found") from None
        except (OSError, UnicodeDecodeError) as err:
            raise DataError(source, f"cannot be read ({err})") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise DataError(source, f"not valid JSON (truncated or damaged? {err})") from None
        return cls.from_json(data, source)

    def write(self, path: str | Path) -> Path:
        """Write the record as JSON, atomically; non-finite numbers are written as ``null`` (strict JSON)."""
        return write_text_atomic(path, json.dumps(self.to_json(), indent=1, allow_nan=False) + "\n")


def _encode(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_json()
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class Scores(Record):
    """One-shot scores of one method on one split (see :class:`sldml.evaluation.oneshot.OneShotResult`)."""

    top1: float
    top5: float
    k: int
    queries: int
    per_class: dict[str, float] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)
    confusion: list[list[int]] = field(default_factory=list)


@dataclass
class OneShotResults(Record):
    """A run's ``results.json`` or an ``evaluation-*.json``: the model's and the baselines' one-shot scores.

    Attributes:
        method: What was trained (:func:`sldml.models.method_name`).
        epochs: Training epochs (0: the network untrained).
        references: References (one per novel class).
        queries: Queries.
        evaluation_classes: The novel classes in reference order.
        model: The model's scores.
        baselines: Each configured baseline's scores.
        protocol: The protocol's name.
        checkpoint: Which weights were evaluated (``last``, ``best`` or a file).
        auxiliary_classes: The classes trained on (a training run).
        seed, world_size, train_steps, train_samples_per_s, train_seconds, wall_time_s: Training facts
            (``None`` for a re-evaluation).
        skipped_files: A line per data file that could not be read.
        versions: Versions of the packages the result depends on.
        selection: For a run chosen on the auxiliary classes (:mod:`sldml.experiments.auto`): every candidate's
            validation score and the choice.
        init: The run folder the network started from (``model.init``), empty when it started anew.
    """

    method: str
    epochs: int
    references: int
    queries: int
    evaluation_classes: list[str]
    model: Scores
    baselines: dict[str, Scores] = field(default_factory=dict)
    protocol: str = ""
    checkpoint: str = "last"
    auxiliary_classes: list[str] = field(default_factory=list)
    seed: int | None = None
    world_size: int | None = None
    train_steps: int | None = None
    train_samples_per_s: float | None = None
    train_seconds: float | None = None
    wall_time_s: float | None = None
    skipped_files: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    selection: dict[str, Any] | None = None
    init: str = ""

    @property
    def trained(self) -> bool:
        """Whether the network was trained (``epochs`` > 0)."""
        return self.epochs > 0

    @property
    def label(self) -> str:
        """The method as a result row names it: ``<method>, learned`` or ``<method>, not trained``.

        A network started from another run (``init``) is ``pre-trained + fine-tuned`` or ``pre-trained only``.
        """
        if self.init:
            return f"{self.method}, pre-trained {'+ fine-tuned' if self.trained else 'only'}"
        return f"{self.method}, {'learned' if self.trained else 'not trained'}"


@dataclass
class MethodStats(Record):
    """One method's top-1 over random class splits."""

    values: list[float]
    mean: float
    std: float


@dataclass
class SplitsSummary(Record):
    """What ``sldml splits`` writes: per method, the top-1 of every random class split, mean and std."""

    protocol: str
    count: int
    seed: int
    novel_classes: list[list[Any]]
    methods: dict[str, MethodStats]
    runs: list[str] = field(default_factory=list)


@dataclass
class SiameseFoldResults(Record):
    """One siamese fold's ``results.json``: the pair model's curve and final scores, the baselines, times.

    ``final`` is scored with the weights kept (the last epoch's, or with ``train.validation`` the best validated
    epoch's, ``chosen_epoch``); ``diagnosis`` holds where the true class ranks under each score, the match
    probabilities' calibration and the most confused classes (:func:`sldml.training.siamese.diagnose_scores`).
    """

    fold: str
    test_subjects: list[int]
    train_samples: int
    test_samples: int
    classes: int
    final: dict[str, float]
    baselines: dict[str, float]
    curve: list[dict[str, float]]
    train_seconds: float
    baseline_seconds: dict[str, float]
    config: dict[str, Any]
    versions: dict[str, str] = field(default_factory=dict)
    diagnosis: dict[str, Any] = field(default_factory=dict)
    chosen_epoch: int | None = None


@dataclass
class ZeroShotRunResults(Record):
    """One zero-shot (split, seed) run's ``results.json``: unseen classes, sizes, ZSL / GZSL scores, the config."""

    split: str
    seed: int
    unseen: list[int]
    unseen_names: list[str]
    layout: str
    visual_dim: int
    text_dim: int
    train_samples: int
    test_samples: int
    scores: dict[str, dict[str, dict[str, float]]]
    wall_time_s: float
    config: dict[str, Any]
