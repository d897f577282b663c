"""The one config validator: typed dataclasses from YAML mappings and dotted ``key=value`` overrides.

Every config root (:class:`~sldml.config.oneshot.Config`, :class:`~sldml.config.siamese.SiameseConfig`,
:class:`~sldml.config.zeroshot.ZeroShotConfig`) is a tree of dataclasses. :func:`build_config` reads a shipped or
given YAML file, merges overrides, and builds the tree, checking every value against its annotation
(``Literal`` choices, ``int``, ``float``, ``bool``, ``str``, lists, mappings, optional values) and against the
range its field declares with :func:`ranged`. An unknown key, a wrong type or a value out of range is a
:class:`~sldml.errors.ConfigError` that names the dotted key and lists what is valid.

Names that a registry owns (a dataset, a representation, a backbone and its options, a baseline) are plain
strings here: the registry that owns them checks them where they are used (:func:`sldml.training.check_config`),
so that a new reader or backbone needs no change to this package. This package imports nothing from sldml but
:mod:`sldml.errors` and :mod:`sldml.resources`, so every layer may import it.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, get_args, get_origin

import yaml

from sldml.errors import ConfigError
from sldml.resources import read_yaml_mapping

T = TypeVar("T")


@dataclass(frozen=True)
class Range:
    """Bounds of a numeric field (or of every number in a list field).

    Attributes:
        at_least: Smallest valid value.
        above: Values must be strictly greater.
        at_most: Largest valid value.
        below: Values must be strictly smaller.
        nonempty: A list field must have at least one item.
    """

    at_least: float | None = None
    above: float | None = None
    at_most: float | None = None
    below: float | None = None
    nonempty: bool = False

    def describe(self) -> str:
        """The bounds in words, e.g. ``>= 1``, ``> 0 and <= 1``."""
        parts = [
            f"{op} {bound:g}"
            for op, bound in ((">=", self.at_least), (">", self.above), ("<=", self.at_most), ("<", self.below))
            if bound is not None
        ]
        return " and ".join(parts) + (" (at least one item)" if self.nonempty else "")

    def holds(self, value: Any) -> bool:
        """Whether a value (a number, or a list of numbers or of lists of numbers) is within the bounds."""
        if isinstance(value, list):
            return (bool(value) or not self.nonempty) and all(self.holds(v) for v in value)
        if not isinstance(value, int | float) or isinstance(value, bool):
            return True
        checks = (
            self.at_least is None or value >= self.at_least,
            self.above is None or value > self.above,
            self.at_most is None or value <= self.at_most,
            self.below is None or value < self.below,
        )
        return math.isfinite(value) and all(checks)


def ranged(
    default: T,
    *,
    at_least: float | None = None,
    above: float | None = None,
    at_most: float | None = None,
    below: float | None = None,
) -> T:
    """A dataclass field with a default and a valid range (checked by :func:`build_config`)."""
    bounds = Range(at_least, above, at_most, below)
    made: T = field(default=default, metadata={"range": bounds})
    return made


def ranged_list(factory: Callable[[], T], *, at_least: float | None = None, nonempty: bool = False) -> T:
    """A list field with a default factory whose numbers (at any depth) must lie in a range."""
    made: T = field(default_factory=factory, metadata={"range": Range(at_least=at_least, nonempty=nonempty)})
    return made


def check_value(value: Any, annotation: Any, key: str) -> Any:
    """Validate (and lightly coerce: int -> float) one value against its type annotation."""
    if annotation is Any:
        return value
    origin = get_origin(annotation)
    if origin is Literal:
        choices = get_args(annotation)
        if value not in choices:
            raise ConfigError(f"{key}={value!r}; valid: {', '.join(map(str, choices))}")
        return value
    if origin in (list, abc.Sequence):
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{key}={value!r}; expected a list")
        (item,) = get_args(annotation)
        return [check_value(v, item, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key}={value!r}; expected a mapping")
        key_type, value_type = get_args(annotation)
        return {
            check_value(k, key_type, f"{key} key"): check_value(v, value_type, f"{key}.{k}") for k, v in value.items()
        }
    if origin in (types.UnionType, typing.Union):
        options = get_args(annotation)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return check_value(value, option, key)
            except ConfigError as err:
                errors.append(str(err))
        raise ConfigError(errors[0] if errors else f"{key}={value!r} is not valid")
    if annotation is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if annotation is float and isinstance(value, str):  # YAML 1.1 reads 1e-4 (no dot) as a string
        try:
            return float(value)
        except ValueError:
            pass
    if annotation is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if annotation is bool and isinstance(value, bool):
        return value
    if annotation is str and isinstance(value, str):
        return value
    raise ConfigError(f"{key}={value!r}; expected {getattr(annotation, '__name__', annotation)}")


def _build(cls: Any, values: dict[str, Any], prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        where = f" in {prefix.rstrip('.')}" if prefix else ""
        raise ConfigError(
            f"unknown config key(s) {', '.join(prefix + u for u in unknown)}{where}; valid: {', '.join(fields)}"
        )
    kwargs = {}
    for name, spec in fields.items():
        if name not in values:
            continue
        annotation = hints[name]
        if dataclasses.is_dataclass(annotation):
            if not isinstance(values[name], dict):
                raise ConfigError(
                    f"{prefix}{name} must be a mapping of {', '.join(f.name for f in dataclasses.fields(annotation))}"
                )
            kwargs[name] = _build(annotation, values[name], f"{prefix}{name}.")
            continue
        value = check_value(values[name], annotation, prefix + name)
        bounds: Range | None = spec.metadata.get("range")
        if bounds is not None and value is not None and not bounds.holds(value):
            raise ConfigError(f"{prefix}{name}={value!r} is out of range; expected {bounds.describe()}")
        kwargs[name] = value
    return cls(**kwargs)


def build_section(cls: type[T], values: dict[str, Any], prefix: str = "") -> T:
    """A config dataclass (a section such as :class:`~sldml.config.oneshot.PreprocessConfig`) from a mapping.

    Raises:
        ConfigError: On an unknown key or a wrong value (named with ``prefix``).
    """
    built: T = _build(cls, values, prefix)
    return built


def _set_dotted(tree: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    node = tree
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"override {key}: {part} is not a section")
        node = child
    node[parts[-1]] = value


def parse_overrides(overrides: list[str]) -> dict[str, Any]:
    """Turn ``["a.b=1", "c=x"]`` into a nested dict; values are parsed as YAML scalars.

    Raises:
        ConfigError: If an item is not ``key=value`` or its value is not valid YAML.
    """
    tree: dict[str, Any] = {}
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"override {item!r}; expected key=value, e.g. train.epochs=5")
        key, raw = item.split("=", 1)
        try:
            value = yaml.safe_load(raw) if raw.strip() else None
        except yaml.YAMLError as err:
            raise ConfigError(f"override {item!r}: the value is not valid YAML ({str(err).splitlines()[0]})") from None
        _set_dotted(tree, key.strip(), value)
    return tree


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra`` laid over it, mappings merged key by key."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def build_config(
    cls: type[T],
    source: str | None,
    overrides: list[str] | None,
    folder: str,
    kind: str,
    migrate: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> T:
    """A config tree of type ``cls`` from a shipped or given YAML file plus dotted overrides, validated.

    Args:
        cls: The root dataclass (e.g. :class:`~sldml.config.oneshot.Config`).
        source: A name shipped in ``sldml/<folder>``, a path to a YAML file, or ``None`` (the defaults).
        overrides: ``key=value`` strings.
        folder: The package folder of the shipped files.
        kind: What the file is, for messages.
        migrate: Rewrites keys of earlier sldml versions in the merged mapping before it is built.

    Raises:
        ConfigError: On an unknown key, a wrong type or a value outside its choices or range.
    """
    tree = read_yaml_mapping(source, folder, kind) if source else {}
    tree = merge(tree, parse_overrides(overrides or []))
    if migrate is not None:
        tree = migrate(tree)
    built: T = _build(cls, tree, "")
    return built
