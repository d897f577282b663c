"""Shared plumbing for extension points: a name registry, and YAML files shipped with sldml or given by path."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from sldml.errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """Named entries of one extension point (file formats, representations, backbones).

    Args:
        kind: What an entry is, for messages ("backbone", "representation", ...).
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def add(self, name: str, entry: T) -> T:
        """Register ``entry`` under ``name``.

        Raises:
            ConfigError: If the name is taken.
        """
        if name in self._entries:
            raise ConfigError(f"{self.kind} {name!r} is registered twice")
        self._entries[name] = entry
        return entry

    def decorator(self, name: str) -> Callable[[T], T]:
        """A decorator that registers what it decorates under ``name``."""
        return lambda entry: self.add(name, entry)

    def get(self, name: str) -> T:
        """The entry called ``name``.

        Raises:
            ConfigError: If there is none; the message lists the valid names.
        """
        try:
            return self._entries[name]
        except KeyError:
            raise ConfigError(f"unknown {self.kind} {name!r}; valid: {', '.join(self.names())}") from None

    def names(self) -> list[str]:
        """Registered names, in registration order."""
        return list(self._entries)

    def values(self) -> list[T]:
        """Registered entries, in registration order."""
        return list(self._entries.values())


def shipped_yaml_names(folder: str) -> list[str]:
    """Names (without ``.yaml``) of the YAML files shipped in ``sldml/<folder>``."""
    files = resources.files("sldml").joinpath(folder)
    return sorted(p.name[:-5] for p in files.iterdir() if p.name.endswith(".yaml"))


def read_yaml_mapping(source: str, folder: str, kind: str) -> dict[str, Any]:
    """The top-level mapping of a YAML file given by path, or shipped in ``sldml/<folder>`` by name.

    Args:
        source: A path to a ``.yaml`` file, or the name of a shipped one.
        folder: The package folder of the shipped files (``configs``, ``protocols``).
        kind: What the file is, for messages.

    Raises:
        ConfigError: If it is neither a file nor a shipped name, is not valid YAML, or is not a mapping.
    """
    path = Path(source)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise ConfigError(f"{kind} file {path} not found")
        text = path.read_text(encoding="utf-8")
    elif source in shipped_yaml_names(folder):
        text = resources.files("sldml").joinpath(folder).joinpath(f"{source}.yaml").read_text(encoding="utf-8")
    else:
        shipped = ", ".join(shipped_yaml_names(folder))
        raise ConfigError(f"{kind} {source!r} is neither a file nor a shipped {kind}; shipped: {shipped}")
    try:
        tree = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError(f"{kind} {source}: not valid YAML ({err})") from None
    if tree is None:
        tree = {}
    if not isinstance(tree, dict):
        raise ConfigError(f"{kind} {source}: expected a mapping at the top level")
    return tree
