from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from sldml.errors import DataError
from sldml.io import load_folder, read
from sldml.io.folder import read_array, write_folder
from sldml.io.synthetic import generate


def test_write_then_read_gives_the_same_sequences(tmp_path: Path) -> None:
    original = generate(n_classes=3, n_subjects=2, n_trials=2)
    write_folder(original, tmp_path)
    report = load_folder(tmp_path)
    assert report.skipped == [] and len(report.sequences) == len(original)
    by_key = {(s.label, s.subject, s.trial, s.modality): s for s in report.sequences}
    for seq in original:
        back = by_key[(seq.label, seq.subject, seq.trial, seq.modality)]
        np.testing.assert_array_equal(back.data, seq.data)
        assert (back.layout, back.rate_hz) == (seq.layout, seq.rate_hz)


def test_manifest_with_csv_and_npy(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    np.save(tmp_path / "a.npy", rng.normal(size=(12, 20, 3)))
    joints = rng.normal(size=(9, 2, 3))
    header = "x1,y1,z1,x2,y2,z2"
    np.savetxt(tmp_path / "b.csv", joints.reshape(9, 6), delimiter=",", header=header, comments="")
    np.savetxt(tmp_path / "c.csv", rng.normal(size=(30, 4)), delimiter=",")
    (tmp_path / "manifest.csv").write_text(
        "path,label,subject,trial,modality,layout,rate_hz\n"
        "a.npy,wave,1,1,skeleton,,\n"
        "b.csv,wave,2,1,mocap,points-2,120\n"
        "c.csv,kick,1,,emg,,1000\n"
    )
    report = load_folder(tmp_path)
    assert report.skipped == []
    a, b, c = report.sequences
    assert (a.layout, a.frames, a.rate_hz) == ("kinect_v1", 12, 30.0)
    assert (b.layout, b.modality, b.rate_hz, b.subject) == ("points-2", "mocap", 120.0, 2)
    np.testing.assert_allclose(b.data, joints, rtol=1e-6)
    assert (c.layout, c.trial, c.label) == ("channels-4", None, "kick")


def test_manifest_row_with_missing_file_is_reported(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.zeros((5, 6)))
    (tmp_path / "manifest.csv").write_text("path,label\na.npy,x\nmissing.npy,y\n")
    report = load_folder(tmp_path)
    assert len(report.sequences) == 1
    [skipped] = report.skipped
    assert "manifest.csv line 3: field 'path'" in skipped.reason and "'missing.npy' not found" in skipped.reason


def test_manifest_header_errors(tmp_path: Path) -> None:
    (tmp_path / "manifest.csv").write_text("file,label,colour\n")
    with pytest.raises(DataError, match="header 'file,label,colour': missing column\\(s\\) path; expected path,label"):
        load_folder(tmp_path)
    (tmp_path / "manifest.csv").write_text("path,label,view,view\n")
    with pytest.raises(DataError, match="a column name is empty or repeated"):
        load_folder(tmp_path)


def test_manifest_bad_values_are_skipped_with_reasons(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        np.save(tmp_path / f"{name}.npy", np.zeros((5, 6)))
    nan = np.zeros((5, 6))
    nan[2, 2] = np.nan
    np.save(tmp_path / "nan.npy", nan)
    (tmp_path / "manifest.csv").write_text(
        "path,label,subject,layout\na.npy,x,one,\nb.npy,,1,\nnan.npy,x,1,\nc.npy,x,1,kinect_v1\n"
    )
    reasons = [s.reason for s in load_folder(tmp_path).skipped]
    assert len(reasons) == 4
    assert "line 2: field 'subject' is 'one'; expected a whole number" in reasons[0]
    assert "line 3: field 'label' is empty" in reasons[1]
    assert "nan.npy: field 'data': 1 non-finite values" in reasons[2]
    assert "6 columns; layout 'kinect_v1' expects 60" in reasons[3] or "does not match layout 'kinect_v1'" in reasons[3]


def test_csv_with_non_numeric_cell(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("1,2,3\n4,x,6\n")
    with pytest.raises(DataError, match=r"bad\.csv: data row 2, column 2: 'x' is not a number"):
        read(path)


def test_npy_object_array_is_refused_without_unpickling(tmp_path: Path) -> None:
    path = tmp_path / "obj.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match=r"obj\.npy: the \.npy array holds Python objects \(pickled data\)"):
        read_array(path)


@pytest.mark.parametrize(
    "header",
    [
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2,]}",  # numpy's literal_eval: SyntaxError
        "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), [}",  # numpy's tokenize: TokenError
    ],
)
def test_a_npy_header_numpy_cannot_parse_is_one_data_error(tmp_path: Path, header: str) -> None:
    """Found by the fuzz test: a mutated header made numpy raise SyntaxError or TokenError, not ValueError."""
    text = header.encode("latin1")
    text += b" " * (64 - (10 + len(text) + 1) % 64) + b"\n"
    path = tmp_path / "take.npy"
    path.write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + bytes(48))
    with pytest.raises(DataError, match=r"take\.npy: damaged \.npy header"):
        read(path)
