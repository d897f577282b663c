"""A restricted unpickler for data files: numpy arrays, numbers, strings and containers, never code.

``pickle.load`` on a file someone sent you runs whatever the file names (``os.system``, ``eval``, ...).
:func:`load_data_pickle` admits only the globals that rebuild numpy arrays and scalars
(``numpy[._]core.multiarray._reconstruct`` and ``scalar``, ``numpy[._]core.numeric._frombuffer`` for protocol 5,
``numpy.ndarray``, ``numpy.dtype``), the latin-1 ``_codecs.encode`` that protocol 2 uses for raw bytes, and the
builtins ``set``, ``frozenset`` and ``bytearray``. Dicts, lists, tuples, strings, numbers and ``None`` need no
global at all. Any other global fails with a ``DataError`` "forbidden global module.name" before it is called.
"""

from __future__ import annotations

import _compat_pickle
import codecs
import importlib
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from sldml.errors import DataError

PICKLE_SUFFIXES = (".pkl", ".pickle")

# numpy 2 keeps these under numpy._core (numpy 1.26 has it too, for reading numpy 2 pickles); both names map here
_multiarray = importlib.import_module("numpy._core.multiarray")
_numeric = importlib.import_module("numpy._core.numeric")
_reconstruct, scalar, _frombuffer = _multiarray._reconstruct, _multiarray.scalar, _numeric._frombuffer


def _latin1_encode(text: str, encoding: str = "utf-8") -> bytes:
    """``_codecs.encode`` as protocol 2 uses it for bytes: latin-1 only (no other codec is reachable)."""
    if encoding != "latin1":
        raise pickle.UnpicklingError(f"_codecs.encode with codec {encoding!r}; only 'latin1' is allowed")
    return codecs.encode(text, "latin1")


_ALLOWED: dict[tuple[str, str], Callable[..., Any] | type] = {
    **{(f"{core}.multiarray", "_reconstruct"): _reconstruct for core in ("numpy.core", "numpy._core")},
    **{(f"{core}.multiarray", "scalar"): scalar for core in ("numpy.core", "numpy._core")},
    **{(f"{core}.numeric", "_frombuffer"): _frombuffer for core in ("numpy.core", "numpy._core")},
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1_encode,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "bytearray"): bytearray,
}


class _ForbiddenGlobalError(Exception):
    """Raised inside the unpickler; turned into a DataError naming the file."""


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler whose ``find_class`` admits only the globals listed in the module docstring."""

    def find_class(self, module: str, name: str) -> Any:
        """Return an allowed global; refuse every other one before anything is imported or called."""
        # Python 2 names (protocols 0-2), translated as pickle's own find_class does: __builtin__ -> builtins
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise _ForbiddenGlobalError(f"{module}.{name}") from None

    def persistent_load(self, pid: Any) -> Any:
        """Persistent ids point outside the file (a torch checkpoint's storages): not data sldml reads."""
        raise pickle.UnpicklingError("persistent id found; expected a self-contained data pickle")


def is_pickle(path: Path) -> bool:
    """Whether a file has a pickle suffix and starts like a binary pickle (protocol 2 or later)."""
    if path.suffix.lower() not in PICKLE_SUFFIXES:
        return False
    try:
        with path.open("rb") as handle:
            return handle.read(1) == b"\x80"
    except OSError:
        return False


def load_data_pickle(path: Path) -> Any:
    """Unpickle a data file through :class:`RestrictedUnpickler`.

    Raises:
        DataError: If the file is unreadable, not a pickle, truncated, or names any global outside the allowed
            ones (the message says "forbidden global module.name"; nothing of it was called).
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            return RestrictedUnpickler(handle).load()
    except _ForbiddenGlobalError as err:
        raise DataError(
            path,
            f"forbidden global {err}; a data pickle may hold only numpy arrays, numbers, strings and containers",
        ) from None
    except OSError as err:
        raise DataError(path, f"cannot read the file ({err})") from None
    except Exception as err:  # a damaged pickle raises many types (UnpicklingError, EOFError, ValueError, ...)
        raise DataError(path, f"not a readable data pickle ({type(err).__name__}: {err})") from None
