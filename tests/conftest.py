"""Shared fixtures: the real datasets in ../shared/datasets (skipped with a reason when absent)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sldml.sequence import Sequence

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
UTD = DATASETS / "UTD-MHAD"
NTU = DATASETS / "NTU-RGBD-samples"


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


def make_skeleton(frames: int = 10, seed: int = 0, layout: str = "kinect_v1", joints: int = 20) -> Sequence:
    rng = np.random.default_rng(seed)
    return Sequence(data=rng.normal(size=(frames, joints, 3)), layout=layout, rate_hz=30.0, label="x")


def make_imu(frames: int = 10, seed: int = 0) -> Sequence:
    rng = np.random.default_rng(seed)
    return Sequence(data=rng.normal(size=(frames, 6)), layout="imu6", rate_hz=50.0, modality="inertial")
