"""The demo's task: both metrics on one procedural split on which the methods differ, as on real data."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sldml.cli import app
from sldml.datasets import load_data, one_shot_split
from sldml.evaluation.baselines import run_baseline
from sldml.evaluation.scoring import frame_norm
from sldml.experiments.demo import demo_configs
from sldml.protocols import load_protocol


def test_both_demo_metrics_read_the_same_procedural_task(tmp_path: Path) -> None:
    image, aligned = demo_configs(tmp_path, epochs=3, aligned_epochs=2)
    assert (image.model.backbone, aligned.model.backbone) == ("resnet18", "frames")
    assert (image.train.epochs, aligned.train.epochs) == (3, 2)
    assert image.data == aligned.data and image.data.dataset == "procedural"
    assert image.protocol == aligned.protocol == "procedural-8-20"
    assert image.output_dir == aligned.output_dir == str(tmp_path)


def test_on_the_demo_task_the_non_learned_metrics_differ_by_a_wide_margin(tmp_path: Path) -> None:
    image, aligned = demo_configs(tmp_path)
    sequences, _ = load_data(image.data)
    split = one_shot_split(image, load_protocol(image.protocol), sequences)
    assert len({s.label for s in split.auxiliary}) == 8
    assert (len(split.references), len(split.queries)) == (20, 20 * 7)
    euclidean = run_baseline("euclidean", split, image.preprocess).top1
    frames = run_baseline("dtw_frames", split, aligned.preprocess, frame_norm(aligned)).top1
    # the untrained aligned metric leads, as on UTD-MHAD 7/20 (92.1 against 73.9 %), and nothing is solved:
    # the synthetic task of earlier demos gave every method 97-100 %
    assert frames > euclidean + 0.03
    assert euclidean < 0.9 and frames < 0.97


@pytest.mark.slow
def test_the_demo_prints_both_metrics_beside_the_baselines(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--epochs", "1", "--aligned-epochs", "1", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "one-shot recognition of 20 novel actions, 140 queries" in result.stdout
    assert "chance is 5.0 %" in result.stdout
    for row in ("SL-DML (resnet18), learned", "aligned (frames, DTW), learned", "1-NN DTW on normalised frames"):
        assert row in result.stdout
    assert len(list(tmp_path.glob("demo-*"))) == 1 and len(list(tmp_path.glob("aligned-*"))) == 1
