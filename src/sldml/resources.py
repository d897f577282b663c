"""Shared plumbing: a name registry for extension points, YAML files shipped or given by path, atomic writes."""

from __future__ import annotations

import importlib
import os
import pkgutil
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from sldml.errors import ConfigError, Interrupted

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


def import_submodules(package: str, path: Iterable[str]) -> list[str]:
    """Import every public module of an extension package, so that what they register is registered.

    A new reader, representation, backbone or experiment kind is one new file in its package: the package's
    ``__init__`` calls this, and the file's decorators register it. Modules whose name starts with ``_`` are
    skipped; modules already imported are not imported again.

    Returns:
        The names of the modules found.
    """
    found = sorted(m.name for m in pkgutil.iter_modules(list(path)) if not m.name.startswith("_"))
    for name in found:
        importlib.import_module(f"{package}.{name}")
    return found


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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write a file atomically: a temporary file in the same folder, flushed and synced, then renamed over it.

    A crash or a full disk leaves the previous file (or none) intact, never half of the new one. The file gets
    the usual permissions of a new file under the user's umask (0644 by default), not the temporary file's 0600.

    Returns:
        The path written.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically (see :func:`write_bytes_atomic`)."""
    return write_bytes_atomic(path, text.encode("utf-8"))


@contextmanager
def removed_on_failure(temporary: Path, stopped: str) -> Iterator[None]:
    """Delete the temporary folder ``temporary`` if the block fails; Ctrl-C becomes one :class:`Interrupted` line.

    For outputs built in a temporary folder and renamed into place at the end: a failure leaves nothing behind.

    Args:
        temporary: The folder the block writes into.
        stopped: What the Ctrl-C message says was stopped (and that nothing was written).
    """
    try:
        yield
    except KeyboardInterrupt:
        shutil.rmtree(temporary, ignore_errors=True)
        raise Interrupted(stopped) from None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def new_path(path: str | Path) -> Path:
    """``path``, or ``<stem>-2<suffix>``, ``-3``, ... : the first that does not exist yet, reserved by creating it.

    For outputs that must never replace an earlier one (a summary of random splits); the caller then writes it
    (atomically) over the empty placeholder.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    number = 1
    while True:
        candidate = target if number == 1 else target.with_name(f"{target.stem}-{number}{target.suffix}")
        try:
            os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
            return candidate
        except FileExistsError:
            number += 1
