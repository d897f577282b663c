"""Class names of the built-in datasets, shipped as data files in ``sldml/data``.

UTD-MHAD has 27 actions (with a short name and the dataset's own description); NTU RGB+D 120 has
120, of which the first 60 are NTU RGB+D 60. Each list is registered by name (``utd_mhad``, ``ntu60``,
``ntu120``: :func:`get_class_list`), so a new dataset's list is one data file and one registered function.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sldml.errors import ConfigError
from sldml.resources import Registry


@dataclass(frozen=True)
class ClassList:
    """An ordered list of a dataset's classes.

    Attributes:
        dataset: Dataset name.
        ids: Numeric class ids as the dataset numbers them.
        names: Class name per id.
        descriptions: A longer description per id (the name itself where the dataset has none).
    """

    dataset: str
    ids: tuple[int, ...]
    names: tuple[str, ...]
    descriptions: tuple[str, ...]

    def name(self, class_id: int) -> str:
        """The name of a class id.

        Raises:
            ConfigError: If the id is not one of this dataset's.
        """
        try:
            return self.names[self.ids.index(class_id)]
        except ValueError:
            raise ConfigError(
                f"{self.dataset} has no class id {class_id}; valid: {self.ids[0]}..{self.ids[-1]}"
            ) from None

    def id_of(self, name: str) -> int:
        """The id of a class name.

        Raises:
            ConfigError: If the name is not one of this dataset's.
        """
        try:
            return self.ids[self.names.index(name)]
        except ValueError:
            raise ConfigError(f"{self.dataset} has no class {name!r}; valid: {', '.join(self.names)}") from None

    def __len__(self) -> int:
        return len(self.ids)


_CLASS_LISTS: Registry[Callable[[], ClassList]] = Registry("class list")


def register_class_list(name: str) -> Callable[[Callable[[], ClassList]], Callable[[], ClassList]]:
    """Decorator that registers a function returning a :class:`ClassList` under ``name``."""
    return _CLASS_LISTS.decorator(name)


def list_class_lists() -> list[str]:
    """Names of the registered class lists."""
    return _CLASS_LISTS.names()


def get_class_list(name: str) -> ClassList:
    """The class list registered as ``name``.

    Raises:
        ConfigError: On an unknown name (the message lists the valid ones).
    """
    return _CLASS_LISTS.get(name)()


@cache
def _read(filename: str, dataset: str) -> ClassList:
    text = resources.files("sldml").joinpath("data").joinpath(filename).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return ClassList(
        dataset=dataset,
        ids=tuple(int(r["id"]) for r in rows),
        names=tuple(r["name"] for r in rows),
        descriptions=tuple(r.get("description") or r["name"] for r in rows),
    )


@register_class_list("utd_mhad")
def utd_mhad() -> ClassList:
    """The 27 UTD-MHAD actions (ids 1-27)."""
    return _read("utd_mhad_actions.csv", "UTD-MHAD")


@register_class_list("ntu120")
def ntu120() -> ClassList:
    """The 120 NTU RGB+D 120 actions (ids 1-120)."""
    return _read("ntu120_actions.csv", "NTU RGB+D 120")


@register_class_list("ntu60")
def ntu60() -> ClassList:
    """The 60 NTU RGB+D (60) actions: the first 60 of NTU RGB+D 120."""
    full = ntu120()
    return ClassList("NTU RGB+D 60", full.ids[:60], full.names[:60], full.descriptions[:60])
