from __future__ import annotations

import os
import pickle
import subprocess
from pathlib import Path

import numpy as np
import pytest

from sldml.errors import DataError
from sldml.io.pickles import is_pickle, load_data_pickle


class _System:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (os.system, (f"touch {self.marker}",))


class _Eval:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (eval, (f"open({str(self.marker)!r}, 'w')",))


class _Popen:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (subprocess.Popen, (["touch", str(self.marker)],))


@pytest.mark.parametrize(
    ("payload", "name"),
    [(_System, r"(posix|os)\.system"), (_Eval, r"builtins\.eval"), (_Popen, r"subprocess\.Popen")],
)
@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_code_in_a_pickle_is_refused_and_never_runs(tmp_path: Path, payload: type, name: str, protocol: int) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pkl"
    # hidden inside what looks like a pyskl file
    path.write_bytes(pickle.dumps({"split": {}, "annotations": [payload(marker)]}, protocol=protocol))
    with pytest.raises(DataError, match=rf"evil\.pkl: forbidden global {name}; a data pickle may hold only"):
        load_data_pickle(path)
    assert not marker.exists()


def test_numpy_arrays_scalars_and_containers_load(tmp_path: Path) -> None:
    data = {
        "a": np.arange(6, dtype=np.float32).reshape(2, 3),
        "n": np.int64(7),
        "s": np.array(["x", "yz"]),
        "t": (1, 2.5, None, "text", b"raw", {3, 4}, frozenset({5})),
    }
    for protocol in (2, 4, 5):
        path = tmp_path / f"ok{protocol}.pkl"
        path.write_bytes(pickle.dumps(data, protocol=protocol))
        loaded = load_data_pickle(path)
        np.testing.assert_array_equal(loaded["a"], [[0, 1, 2], [3, 4, 5]])
        assert loaded["a"].dtype == np.float32 and loaded["n"] == 7 and list(loaded["s"]) == ["x", "yz"]
        assert loaded["t"] == data["t"]
        assert is_pickle(path)


def test_other_codecs_and_other_numpy_functions_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "codec.pkl"
    # _codecs.encode("abc", "zlib"): protocol 2's way of spelling bytes, with a codec other than latin-1
    path.write_bytes(b"\x80\x02c_codecs\nencode\nX\x03\x00\x00\x00abcX\x04\x00\x00\x00zlib\x86R.")
    with pytest.raises(DataError, match=r"codec\.pkl: not a readable data pickle \(UnpicklingError: .*'zlib'"):
        load_data_pickle(path)
    path.write_bytes(pickle.dumps(np.load, protocol=4))
    with pytest.raises(DataError, match=r"forbidden global numpy\.load"):
        load_data_pickle(path)


def test_damaged_and_non_pickle_files(tmp_path: Path) -> None:
    path = tmp_path / "cut.pkl"
    path.write_bytes(pickle.dumps({"a": np.zeros(100)}, protocol=4)[:50])
    with pytest.raises(DataError, match=r"cut\.pkl: not a readable data pickle \(\w+Error"):
        load_data_pickle(path)
    text = tmp_path / "notes.pkl"
    text.write_text("hello")
    assert not is_pickle(text) and not is_pickle(tmp_path / "missing.pkl")
