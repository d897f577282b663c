"""The NTU RGB+D 120 stand-in: real naming and structure, realistic lengths and bodies, readable, deterministic."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from sldml.datasets.ntu_standin import MUTUAL, N_FILES, standin_files, write_ntu_standin
from sldml.errors import ConfigError, DataError
from sldml.io import load_folder
from sldml.io.ntu import _fast_tracks, parse_name, parse_tracks
from sldml.protocols import load_protocol


def test_names_follow_ntu_120() -> None:
    files = standin_files(N_FILES)
    names = [f.name for f in files]
    assert len(set(names)) == N_FILES
    parsed = [parse_name(Path(n)) for n in names]
    assert all(p is not None for p in parsed)
    assert Counter(p["action"] for p in parsed if p) == {a: 954 for a in range(1, 121)}
    assert all((p["setup"] <= 17) == (p["action"] <= 60) for p in parsed if p)
    assert {p["camera"] for p in parsed if p} == {1, 2, 3} and {p["replication"] for p in parsed if p} == {1, 2}
    assert max(p["performer"] for p in parsed if p) <= 106 and max(p["setup"] for p in parsed if p) <= 32
    first = {f.name for f in standin_files(420)}  # the ntu120-oneshot references come first
    for action in load_protocol("ntu120-oneshot").evaluation:
        setup = 1 if int(action) <= 60 else 18
        assert f"S{setup:03d}C003P008R001A{int(action):03d}.skeleton" in first
    with pytest.raises(ConfigError, match="--files 0: expected 1 to"):
        standin_files(0)


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("standin") / "ntu"
    summary = write_ntu_standin(folder, 360, seed=0, workers=2)
    assert summary.files == 360 and summary.workers == 2
    assert summary.bytes == sum(p.stat().st_size for p in folder.iterdir())
    return folder


def test_files_read_back_with_their_names_facts(standin: Path) -> None:
    report = load_folder(standin)
    assert report.skipped == [] and report.ignored == [] and len(report.sequences) == 360
    for seq in report.sequences:
        name = parse_name(Path(str(seq.source)))
        assert name is not None
        assert (seq.class_id, seq.subject, seq.trial) == (name["action"], name["performer"], name["replication"])
        assert (seq.meta["setup"], seq.meta["camera"]) == (name["setup"], name["camera"])
        assert seq.layout == "kinect_v2" and 30 <= seq.frames <= 300
    frames = np.array([s.frames for s in report.sequences])
    assert 70 <= frames.mean() <= 100 and frames.min() < 50 and frames.max() > 150
    bodies = Counter((s.class_id in MUTUAL, s.meta["bodies"]) for s in report.sequences)
    assert bodies[(True, 1)] == 0 and bodies[(True, 2)] == 66  # 11 mutual actions x 6 files
    assert 0 < bodies[(False, 2)] < 0.1 * 294  # a few bystanders
    assert 0 < sum(1 for s in report.sequences if s.meta["filled_frames"] > 0) < 30  # some start without a body


def test_the_reader_keeps_the_performer_not_the_bystander(standin: Path) -> None:
    report = load_folder(standin)
    shown = [s for s in report.sequences if s.meta["bodies"] == 2 and s.class_id not in MUTUAL]
    for seq in shown:
        _, tracks = parse_tracks(Path(str(seq.source)))
        main, bystander = list(tracks)
        assert len(tracks[bystander]) < 15 < len(tracks[main])
        frame = max(tracks[main])
        assert np.array_equal(seq.data[frame], tracks[main][frame].astype(np.float32))


def test_files_take_the_fast_parse(standin: Path) -> None:
    for path in sorted(standin.iterdir())[::20]:
        assert _fast_tracks(path.read_bytes().decode()) is not None, path.name


def test_a_file_depends_on_the_seed_and_its_number_only(standin: Path, tmp_path: Path) -> None:
    write_ntu_standin(tmp_path / "few", 40, seed=0, workers=1)
    for path in (tmp_path / "few").iterdir():
        assert path.read_bytes() == (standin / path.name).read_bytes(), path.name
    write_ntu_standin(tmp_path / "other", 5, seed=1, workers=1)
    assert all((standin / p.name).read_bytes() != p.read_bytes() for p in (tmp_path / "other").iterdir())


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "mine.txt").write_text("keep")
    with pytest.raises(DataError, match="the folder is not empty"):
        write_ntu_standin(tmp_path / "full", 3)
    assert [p.name for p in tmp_path.iterdir()] == ["full"]  # no temporary folder left
    summary = write_ntu_standin(tmp_path / "full", 3, force=True, workers=1)
    assert summary.files == 3 and len(list((tmp_path / "full").iterdir())) == 4


def test_refuses_to_start_without_room_for_the_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil
    from types import SimpleNamespace

    monkeypatch.setattr(shutil, "disk_usage", lambda path: SimpleNamespace(free=10**9))
    with pytest.raises(DataError, match=r"114,480 stand-in files need about 34.3 GB; 1.0 GB are free there"):
        write_ntu_standin(tmp_path / "big", N_FILES)
    assert list(tmp_path.iterdir()) == []
