"""The parsed-data cache: the same report as a direct read, rebuilt when files, readers or the cache change."""

from __future__ import annotations

import dataclasses
import json
import mmap
import os
from pathlib import Path

import numpy as np
import pytest

from sldml.errors import ConfigError, Interrupted
from sldml.io import LoadReport, load_folder
from sldml.io import cache as cache_module
from sldml.io.cache import build_cache, cache_path, cache_status, clear_cache, load_cached
from sldml.io.folder import write_folder
from sldml.io.registry import _FORMATS
from sldml.io.synthetic import generate
from tests.conftest import ntu_text as _ntu_text
from tests.conftest import write_ntu_folder as _ntu_folder


def _same(a: LoadReport, b: LoadReport) -> None:
    assert a.root == b.root
    assert a.skipped == b.skipped and a.ignored == b.ignored
    assert len(a.sequences) == len(b.sequences)
    for x, y in zip(a.sequences, b.sequences, strict=True):
        assert np.array_equal(x.data, y.data)
        for name in ("layout", "rate_hz", "label", "class_id", "subject", "trial", "modality", "source"):
            assert getattr(x, name) == getattr(y, name), name
        assert dict(x.meta) == dict(y.meta)


class Notes(list[str]):
    def __call__(self, text: str) -> None:
        self.append(text)


def _load(folder: Path, root: Path, notes: Notes | None = None, **kw: object) -> LoadReport:
    return load_cached(folder, root, min_files=0, progress=False, notes=Notes() if notes is None else notes, **kw)  # type: ignore[arg-type]


def test_cached_load_gives_what_load_folder_gives(tmp_path: Path) -> None:
    data = _ntu_folder(tmp_path / "data")
    notes = Notes()
    first = _load(data, tmp_path / "cache", notes)
    assert len(notes) == 2 and "parsing 14 files" in notes[0]
    _same(first, load_folder(data))
    notes.clear()
    second = _load(data, tmp_path / "cache", notes)
    assert notes == []  # read from the cache
    _same(second, load_folder(data))
    assert len(second.sequences) == 12 and len(second.skipped) == 1 and len(second.ignored) == 1
    for formats in (["ntu_skeleton"], ["array"]):
        _same(_load(data, tmp_path / "cache", formats=formats), load_folder(data, formats))


def _mapped(array: np.ndarray) -> bool:
    base = array
    while base is not None and not isinstance(base, mmap.mmap):
        base = getattr(base, "base", None)
    return isinstance(base, mmap.mmap)


def test_cached_values_are_memory_mapped_and_read_only(tmp_path: Path) -> None:
    data = _ntu_folder(tmp_path / "data")
    _load(data, tmp_path / "cache")
    cached = _load(data, tmp_path / "cache")
    assert all(_mapped(s.data) and not s.data.flags.writeable for s in cached.sequences)
    assert not any(_mapped(s.data) for s in load_folder(data).sequences)


def _touch(data: Path) -> str:
    path = sorted(data.glob("*A001.skeleton"))[0]
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    return "1 changed, 0 added, 0 removed"


def _rewrite(data: Path) -> str:
    path = sorted(data.glob("*A002.skeleton"))[0]
    path.write_text(_ntu_text(np.random.default_rng(99), 9))
    return "1 changed, 0 added, 0 removed"


def _add(data: Path) -> str:
    (data / "S005C002P001R001A003.skeleton").write_text(_ntu_text(np.random.default_rng(7), 11))
    return "0 changed, 1 added, 0 removed"


def _remove(data: Path) -> str:
    sorted(data.glob("*A003.skeleton"))[0].unlink()
    return "0 changed, 0 added, 1 removed"


@pytest.mark.parametrize("change", [_touch, _rewrite, _add, _remove])
def test_a_changed_added_or_removed_file_rebuilds_the_cache(tmp_path: Path, change: object) -> None:
    data = _ntu_folder(tmp_path / "data")
    before = _load(data, tmp_path / "cache")
    said = change(data)  # type: ignore[operator]
    notes = Notes()
    after = _load(data, tmp_path / "cache", notes)
    assert f"stale: the folder's files changed: {said}; rebuilding it" in notes[0]
    _same(after, load_folder(data))
    if change is _touch:  # same content: the same samples
        assert len(after.sequences) == len(before.sequences)
    notes.clear()
    _load(data, tmp_path / "cache", notes)
    assert notes == []


def test_a_new_reader_version_rebuilds_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _ntu_folder(tmp_path / "data")
    _load(data, tmp_path / "cache")
    newer = dataclasses.replace(_FORMATS.get("ntu_skeleton"), version=2)
    monkeypatch.setitem(_FORMATS._entries, "ntu_skeleton", newer)
    notes = Notes()
    _same(_load(data, tmp_path / "cache", notes), load_folder(data))
    assert "stale: readers changed (ntu_skeleton 1 -> 2)" in notes[0]


def _truncate_values(target: Path) -> str:
    with (target / "data.f32").open("r+b") as handle:
        handle.truncate(100)
    return "data.f32 holds 100 bytes; expected"


def _flip_a_value(target: Path) -> str:
    raw = bytearray((target / "data.f32").read_bytes())
    raw[len(raw) // 2] ^= 0x40
    (target / "data.f32").write_bytes(bytes(raw))
    return "the values in data.f32 changed since the cache was built (CRC-32"


def _garble_records(target: Path) -> str:
    (target / "records.json").write_text('{"files": [')
    return "records.json is unreadable"


def _delete_index(target: Path) -> str:
    (target / "index.npy").unlink()
    return "index.npy is missing"


def _garble_header(target: Path) -> str:
    (target / "cache.json").write_bytes(b"\xff\x00 not json")
    return "cache.json is unreadable"


def _shift_index(target: Path) -> str:
    index = np.load(target / "index.npy")
    index[1, 0] += 3
    np.save(target / "index.npy", index)
    return "index.npy does not fit the values and files it indexes"


def _pickle_index(target: Path) -> str:
    np.save(target / "index.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return "index.npy is unreadable"


@pytest.mark.parametrize(
    "damage",
    [_truncate_values, _flip_a_value, _garble_records, _delete_index, _garble_header, _shift_index, _pickle_index],
)
def test_a_damaged_cache_is_rebuilt_with_a_note(tmp_path: Path, damage: object) -> None:
    data = _ntu_folder(tmp_path / "data")
    _load(data, tmp_path / "cache")
    said = damage(cache_path(data, tmp_path / "cache"))  # type: ignore[operator]
    notes = Notes()
    _same(_load(data, tmp_path / "cache", notes), load_folder(data))
    assert "(damaged: " in notes[0] and said in notes[0] and "rebuilding it" in notes[0]
    assert cache_status(data, tmp_path / "cache", verify=True).state == "fresh"


def test_parallel_build_equals_serial(tmp_path: Path) -> None:
    data = _ntu_folder(tmp_path / "data", files=80)  # 3 tasks of 32 files
    serial = build_cache(data, tmp_path / "one", workers=1, progress=False, notes=Notes())
    parallel = build_cache(data, tmp_path / "three", workers=3, progress=False, notes=Notes())
    assert (serial.header["workers"], parallel.header["workers"]) == (1, 3)
    one, three = Path(serial.path), Path(parallel.path)
    for name in ("data.f32", "index.npy", "records.json"):
        assert (one / name).read_bytes() == (three / name).read_bytes(), name
    assert serial.header["crc32"] == parallel.header["crc32"] and serial.header["sequences"] == 80
    _same(_load(data, tmp_path / "three"), load_folder(data))


def test_a_cache_inside_the_data_folder_is_refused(tmp_path: Path) -> None:
    data = _ntu_folder(tmp_path / "data")
    with pytest.raises(ConfigError, match=r"inside the dataset folder .*data; sldml writes nothing there"):
        _load(data, data / "cache")
    assert not (data / "cache").exists()


def test_a_manifest_folder_through_the_cache(tmp_path: Path) -> None:
    folder = tmp_path / "own"
    write_folder(generate(3, 2, 1, 0), folder)
    (folder / "wave_right" / "broken.npy").write_bytes(b"not an array")
    with (folder / "manifest.csv").open("a") as handle:
        handle.write("wave_right/broken.npy,wave_right,1,1,skeleton,kinect_v1,30\n")
    cached = _load(folder, tmp_path / "cache")
    _same(cached, load_folder(folder))
    _same(_load(folder / "manifest.csv", tmp_path / "cache"), load_folder(folder / "manifest.csv"))
    assert len(cached.skipped) == 1 and "broken.npy" in cached.skipped[0].reason
    assert json.loads((cache_path(folder, tmp_path / "cache") / "cache.json").read_text())["mode"] == "manifest"


def test_sources_follow_the_folder_as_a_load_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _ntu_folder(tmp_path / "data")
    _load(data, tmp_path / "cache")  # built through the absolute path
    monkeypatch.chdir(tmp_path)
    relative = _load(Path("data"), Path("cache"))
    _same(relative, load_folder("data"))
    assert relative.sequences[0].source.startswith("data/") and relative.skipped[0].reason.startswith("data/")


def test_small_folders_are_read_directly(tmp_path: Path) -> None:
    data = _ntu_folder(tmp_path / "data")
    report = load_cached(data, tmp_path / "cache", progress=False, notes=Notes())  # default: 200 files at least
    _same(report, load_folder(data))
    assert not (tmp_path / "cache").exists()


def test_an_interrupted_build_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _ntu_folder(tmp_path / "data", files=40)

    def stop(task: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(cache_module, "_read_chunk", stop)
    with pytest.raises(Interrupted, match="nothing was written"):
        _load(data, tmp_path / "cache", workers=1)
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [cache_path(data, "x").name + ".lock"]


def test_status_and_clear(tmp_path: Path) -> None:
    data = _ntu_folder(tmp_path / "data")
    root = tmp_path / "cache"
    assert cache_status(data, root).state == "missing"
    _load(data, root)
    fresh = cache_status(data, root, verify=True)
    assert (fresh.state, fresh.header["sequences"], fresh.header["files"], fresh.files) == ("fresh", 12, 14, 14)
    _add(data)
    stale = cache_status(data, root)
    assert stale.state == "stale" and "1 added" in stale.reason
    assert clear_cache(data, root, notes=Notes()) and not cache_path(data, root).exists()
    assert not clear_cache(data, root, notes=Notes())


def test_the_file_list_is_what_a_recursive_glob_finds(tmp_path: Path) -> None:
    from sldml.io.loader import list_files

    root, outside = tmp_path / "root", tmp_path / "outside"
    for folder in (root / "a" / "b", root / ".hidden", outside):
        folder.mkdir(parents=True)
    for path in (root / "a" / "x", root / "a" / "b" / "y", root / ".hidden" / "z", root / "Z", outside / "e"):
        path.write_text("1")
    (root / "linked_folder").symlink_to(outside)  # not entered
    (root / "linked_file").symlink_to(outside / "e")  # listed
    (root / "dangling").symlink_to(tmp_path / "nowhere")
    (root / "loop").symlink_to(root / "loop")
    os.mkfifo(root / "fifo")
    listed = [path for path, _ in list_files(root)]
    assert listed == sorted(p for p in root.rglob("*") if p.is_file())
    assert [p.relative_to(root).as_posix() for p in listed] == [".hidden/z", "Z", "a/b/y", "a/x", "linked_file"]
