from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from sldml.errors import DataError
from sldml.io import detect_format, load_folder, read
from tests.conftest import DATASETS

SIMITATE = DATASETS / "Simitate-examples"


@pytest.fixture
def simitate_dir() -> Path:
    if not SIMITATE.exists():
        pytest.skip(f"Simitate examples not found at {SIMITATE}")
    return SIMITATE


def _hand_rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return [row for row in list(csv.reader(handle))[1:] if row[3] == "world" and row[4] == "hand"]


def test_the_five_example_files(simitate_dir: Path) -> None:
    files = sorted(simitate_dir.glob("*.csv"))
    assert len(files) == 5
    for path in files:
        assert detect_format(path).name == "simitate"
        [seq] = read(path)
        rows = _hand_rows(path)
        assert seq.label == path.name.split("_")[0] and seq.modality == "mocap" and seq.layout == "points-1"
        assert seq.data.shape == (len(rows), 1, 3)
        np.testing.assert_allclose(seq.data[0, 0], [float(v) for v in rows[0][5:8]], rtol=1e-6)
        assert 100 < seq.rate_hz < 140  # about 120 Hz motion capture
    report = load_folder(simitate_dir)
    assert sorted(s.label for s in report.sequences) == ["circle", "heart", "rect", "triangle", "zickzack"]
    assert report.skipped == []


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "circle_2018-01-01.csv"
    header = "%time,seq,stamp,frame_id,child_frame_id,x,y,z,qx,qy,qz,qw"
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def test_malformed_simitate_files(tmp_path: Path) -> None:
    good = "1,0,{t},world,hand,0.1,0.2,0.3,0,0,0,1"
    with pytest.raises(DataError, match=r"line 3: 5 columns; expected 12"):
        read(_write(tmp_path, [good.format(t=1), "1,0,2,world,hand"]))
    with pytest.raises(DataError, match=r"line 3: 'abc' is not a number"):
        read(_write(tmp_path, [good.format(t=1), "1,0,2,world,hand,abc,0.2,0.3,0,0,0,1"]))
    with pytest.raises(DataError, match=r"0 'world -> hand' rows; expected at least 2"):
        read(_write(tmp_path, ["1,0,1,world,checkerboard,0.1,0.2,0.3,0,0,0,1"]))
    with pytest.raises(DataError, match=r"time stamps do not increase"):
        read(_write(tmp_path, [good.format(t=5), good.format(t=5)]))


def test_simitate_reference_is_the_first_file_by_name(tmp_path: Path, simitate_dir: Path) -> None:
    import shutil

    from sldml.protocols import protocol_from_dict

    source = simitate_dir / "circle_2018-08-23-17-55-04.csv"
    for stamp in ("2018-08-23-18-10-00", "2018-08-23-17-00-00", "2018-08-23-19-00-00"):
        shutil.copy(source, tmp_path / f"circle_{stamp}.csv")
    shutil.copy(simitate_dir / "heart_2018-08-23-18-02-06.csv", tmp_path)
    sequences = load_folder(tmp_path).sequences
    protocol = protocol_from_dict(
        {"name": "s", "dataset": "simitate", "evaluation": ["circle"], "reference": [{"first": True}]}
    )
    split = protocol.split(sequences)
    assert Path(split.references[0].source).name == "circle_2018-08-23-17-00-00.csv"
    assert len(split.queries) == 2 and [s.label for s in split.auxiliary] == ["heart"]
