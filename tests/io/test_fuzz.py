"""Property-based fuzzing of every reader: a mutated valid file is read correctly or refused with sldml's own error.

Every format's valid file is truncated, has bytes flipped, or has a number in it changed; whatever comes out must
be sequences that pass the Sequence checks, or a :class:`~sldml.errors.SldmlError`: never another exception.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import scipy.io
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sldml.errors import SldmlError
from sldml.io import read

RNG = np.random.default_rng(0)
NTU_JOINT = "0.1 0.2 0.3 0 0 0 0 0 0 0 0 2"


def _mat(name: str) -> bytes:
    buffer = io.BytesIO()
    key, data = ("d_skel", RNG.normal(size=(20, 3, 12))) if "skeleton" in name else ("d_iner", RNG.normal(size=(30, 6)))
    scipy.io.savemat(buffer, {key: data})
    return buffer.getvalue()


def _ntu() -> bytes:
    frame = ["1", "7 0 1 1 1 1 0 0.1 -0.2 2", "25", *[NTU_JOINT] * 25]
    return ("\n".join(["3", *frame * 3]) + "\n").encode()


def _simitate() -> bytes:
    head = "%time,field.header.seq,field.header.stamp,field.header.frame_id,field.child_frame_id,x,y,z,qx,qy,qz,qw\n"
    rows = "".join(f"0,{i},{1000 + 33 * i},world,hand,0.{i},0.2,0.3,0,0,0,1\n" for i in range(6))
    return (head + rows).encode()


def _npy() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, RNG.normal(size=(10, 20, 3)))
    return buffer.getvalue()


def _csv() -> bytes:
    return (
        "ax,ay,az,gx,gy,gz\n" + "".join(",".join(f"{v:.3f}" for v in row) + "\n" for row in RNG.normal(size=(8, 6)))
    ).encode()


VALID: dict[str, Callable[[], bytes]] = {
    "a1_s1_t1_skeleton.mat": lambda: _mat("skeleton"),
    "a2_s1_t1_inertial.mat": lambda: _mat("inertial"),
    "S001C001P001R001A001.skeleton": _ntu,
    "sim_1.csv": _simitate,
    "walk.npy": _npy,
    "imu.csv": _csv,
}
ORIGINALS = {name: make() for name, make in VALID.items()}


def _mutate(data: bytes, kind: str, position: float, value: int) -> bytes:
    at = int(position * max(len(data) - 1, 0))
    if kind == "truncate":
        return data[:at]
    if kind == "flip":
        return data[:at] + bytes([data[at] ^ (value % 255 + 1)]) + data[at + 1 :] if data else data
    numbers = list(re.finditer(rb"-?\d+", data))  # change one number written in the file
    if not numbers:
        return data
    match = numbers[int(position * (len(numbers) - 1))]
    new = str([-1, 0, 10**9, 10**15, value][value % 5]).encode()
    return data[: match.start()] + new + data[match.end() :]


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_files_read(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(ORIGINALS[name])
    [seq] = read(path)
    assert seq.frames >= 2 and np.all(np.isfinite(seq.data))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(sorted(VALID)),
    kind=st.sampled_from(["truncate", "flip", "number"]),
    position=st.floats(0.0, 1.0),
    value=st.integers(0, 10**6),
)
def test_a_mutated_file_is_read_or_refused_by_sldml(
    tmp_path: Path, name: str, kind: str, position: float, value: int
) -> None:
    path = tmp_path / name
    path.write_bytes(_mutate(ORIGINALS[name], kind, position, value))
    try:
        sequences = read(path)
    except SldmlError:
        return
    assert sequences and all(s.frames >= 2 and np.all(np.isfinite(s.data)) for s in sequences)


def _gallery_bytes() -> bytes:
    from sldml.inference import Gallery

    gallery = Gallery("model", 4, {"layout": "kinect_v1"})
    gallery.add("wave", RNG.normal(size=(2, 4)), ["a.npy", "b.npy"])
    gallery.add("kick", RNG.normal(size=(1, 4)), ["c.npy"])
    buffer = io.BytesIO()
    from safetensors.numpy import save

    buffer.write(save({"vectors": gallery.vectors}, metadata=gallery._metadata()))
    return buffer.getvalue()


GALLERY = _gallery_bytes()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["truncate", "flip", "number"]), position=st.floats(0.0, 1.0), value=st.integers(0, 10**6))
def test_a_mutated_gallery_loads_unchanged_or_is_refused(
    tmp_path: Path, kind: str, position: float, value: int
) -> None:
    from sldml.inference import Gallery

    mutated = _mutate(GALLERY, kind, position, value)
    path = tmp_path / "g.sldml"
    path.write_bytes(mutated)
    try:
        gallery = Gallery.load(path)
    except SldmlError:
        return
    original = tmp_path / "original.sldml"
    original.write_bytes(GALLERY)
    reference = Gallery.load(original)  # the checksum covers everything: what loads is what was saved
    assert gallery.labels == reference.labels and np.array_equal(gallery.vectors, reference.vectors)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["truncate", "flip", "number"]), position=st.floats(0.0, 1.0), value=st.integers(0, 10**6))
def test_a_mutated_manifest_is_read_or_refused(tmp_path: Path, kind: str, position: float, value: int) -> None:
    from sldml.io import load_folder

    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    for stem in ("a", "b"):
        np.save(folder / f"{stem}.npy", RNG.normal(size=(6, 20, 3)))
    manifest = b"path,label,subject,trial,rate_hz,view\na.npy,wave,1,1,30,2\nb.npy,kick,2,1,30,3\n"
    (folder / "manifest.csv").write_bytes(_mutate(manifest, kind, position, value))
    try:
        report = load_folder(folder)
    except SldmlError:
        return
    assert len(report.sequences) <= 2  # only the two files there are (a row can be split or damaged, never invented)
    assert all(str(s.source).startswith(str(folder.resolve())) for s in report.sequences)
