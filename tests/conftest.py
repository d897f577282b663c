"""Shared fixtures: the real datasets in ../shared/datasets (skipped with a reason when absent)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from sldml.sequence import Sequence

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
UTD = DATASETS / "UTD-MHAD"
NTU = DATASETS / "NTU-RGBD-samples"
HDM05 = DATASETS / "HDM05-subset"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real dataset not found at {path} (it lives in ../shared/datasets beside the repository)")
    return path


@pytest.fixture
def utd_dir() -> Path:
    return _need(UTD)


@pytest.fixture
def ntu_dir() -> Path:
    return _need(NTU)


@pytest.fixture
def hdm05_dir() -> Path:
    return _need(HDM05)


def make_skeleton(frames: int = 10, seed: int = 0, layout: str = "kinect_v1", joints: int = 20) -> Sequence:
    rng = np.random.default_rng(seed)
    return Sequence(data=rng.normal(size=(frames, joints, 3)), layout=layout, rate_hz=30.0, label="x")


def make_imu(frames: int = 10, seed: int = 0) -> Sequence:
    rng = np.random.default_rng(seed)
    return Sequence(data=rng.normal(size=(frames, 6)), layout="imu6", rate_hz=50.0, modality="inertial")


def ntu_text(rng: np.random.Generator, frames: int) -> str:
    lines = [str(frames)]
    walk = np.cumsum(rng.normal(0, 0.02, size=(frames, 25, 3)), axis=0) + rng.normal(0, 0.3, size=(1, 25, 3))
    for t in range(frames):
        lines += ["1", "72057594037931648 0 1 1 1 1 0 0.1 -0.2 2", "25"]
        lines += [f"{x:.7g} {y:.7g} {z + 3:.7g} 250 200 1000 500 0.1 0.2 0.3 0.9 2" for x, y, z in walk[t]]
    return "\r\n".join(lines) + "\r\n"


def write_ntu_folder(folder: Path, files: int = 12, seed: int = 0) -> Path:
    """``files`` small NTU files of random motion, a note no reader claims and a file without a body (skipped).

    File ``i`` is action ``i % 4 + 1`` by performer ``i % 3 + 1``, replication ``i // 12 + 1``: 24 files are 4
    actions x 3 subjects x 2 trials.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        name = f"S001C001P{i % 3 + 1:03d}R{i // 12 + 1:03d}A{i % 4 + 1:03d}.skeleton"
        (folder / name).write_text(ntu_text(rng, int(rng.integers(8, 20))))
    (folder / "README.txt").write_text("joint order notes\n")
    (folder / "S009C001P001R001A001.skeleton").write_text("2\r\n0\r\n0\r\n")  # no body: skipped
    return folder


TINY = [
    "data.synthetic_classes=18",
    "data.synthetic_subjects=3",
    "data.synthetic_trials=2",
    "train.epochs=5",
    "train.batch_size=16",
    "train.progress=false",
    "evaluate.baselines=[euclidean]",
]
"""Overrides of a tiny synthetic training run: 15 auxiliary actions, 3 novel ones (16-18), about 15 s."""


def tiny_protocol(tmp: Path) -> str:
    """Write the tiny run's protocol (novel actions 16, 17, 18) and return its path."""
    path = tmp / "tiny.yaml"
    path.write_text(yaml.safe_dump({"name": "tiny", "dataset": "synthetic", "evaluation": [16, 17, 18]}))
    return str(path)


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny trained run, shared by the training and inference tests."""
    from sldml.config import load_config
    from sldml.training import train

    tmp = tmp_path_factory.mktemp("runs")
    config = load_config(
        "default", [*TINY, "train.save_last=true", f"output_dir={tmp}", f"protocol={tiny_protocol(tmp)}"]
    )
    run = train(config)
    assert run is not None
    return run
