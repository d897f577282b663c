"""Concurrent enrolments into one gallery file keep every label (the file is changed under a lock)."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sldml.inference import Gallery


def _enrol(path: str, label: str) -> None:
    with Gallery.update(path, "model-a", 8, {"layout": "kinect_v1"}) as gallery:
        gallery.add(label, np.full((2, 8), float(len(label))), [f"{label}.npy"] * 2)


def test_twenty_concurrent_enrolments_keep_twenty_labels(tmp_path: Path) -> None:
    path = tmp_path / "shared.sldml"
    labels = [f"action-{i}" for i in range(20)]
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_enrol, args=(str(path), label)) for label in labels]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert all(worker.exitcode == 0 for worker in workers)
    gallery = Gallery.load(path, model="model-a")
    assert sorted(gallery.counts()) == sorted(labels) and len(gallery) == 40


def test_a_failed_change_saves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "g.sldml"
    _enrol(str(path), "wave")
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="stop"), Gallery.update(path, "model-a") as gallery:
        gallery.add("kick", np.ones((1, 8)))
        raise RuntimeError("stop")
    assert path.read_bytes() == before


@pytest.mark.slow
def test_concurrent_enrol_commands_keep_every_label(tmp_path: Path) -> None:
    from sldml.config import load_config
    from sldml.io.synthetic import generate
    from sldml.training import train
    from tests.conftest import TINY, tiny_protocol

    overrides = [*TINY, "train.epochs=0", "evaluate.baselines=[]", f"output_dir={tmp_path}"]
    run = train(load_config("aligned", [*overrides, f"protocol={tiny_protocol(tmp_path)}"]))
    assert run is not None
    query = tmp_path / "q.npy"
    np.save(query, generate(2, 1, 1, 0)[0].data)
    gallery = tmp_path / "shared.sldml"
    sldml = Path(sys.executable).parent / "sldml"
    base = [str(sldml), "enrol", "--model", str(run), "--gallery", str(gallery)]
    commands = [[*base, "--label", f"l{i}", str(query)] for i in range(4)]
    started = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in commands]
    results = [p.communicate(timeout=300) for p in started]
    assert all(p.returncode == 0 for p in started), results
    assert sorted(Gallery.load(gallery).counts()) == ["l0", "l1", "l2", "l3"]
