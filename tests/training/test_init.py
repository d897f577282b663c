"""``model.init=RUN``: a run starts from another run's weights (all but the classifier); mismatches are named."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from sldml.config import Config, load_config
from sldml.errors import ConfigError
from sldml.io.synthetic import generate
from sldml.models import build_net
from sldml.protocols import load_protocol
from sldml.runs import input_spec, load_run, write_run
from sldml.runs.folder import mark_finished
from sldml.runs.initial import check_init, initialise
from sldml.training import train

SKELETONS = [s for s in generate(6, 2, 2) if s.modality == "skeleton"]


def _finished_run(folder: Path, config: Config, classes: int = 4) -> Path:
    """A finished run folder with random (non-zero) weights, written without training."""
    spec = input_spec(SKELETONS, config)
    net = build_net(config, classes, input_shape=tuple(spec["image_shape"]), layout=spec["layout"])
    with torch.no_grad():  # every weight and statistic another value than a new network's
        for value in net.state_dict().values():
            if value.dtype.is_floating_point:
                value.uniform_(0.5, 1.5)
    folder.mkdir(parents=True)
    protocol = load_protocol("synthetic-15-5")
    write_run(folder, config, protocol, [f"c{i}" for i in range(classes)], spec, net)
    mark_finished(folder)
    return folder


@pytest.mark.parametrize("backbone", ["frames", "resnet18"])
def test_every_weight_but_the_classifier_comes_from_the_run(tmp_path: Path, backbone: str) -> None:
    overrides = [f"model.backbone={backbone}", "model.options.kernel=3"] if backbone == "frames" else []
    base = load_config("default", overrides)
    run = _finished_run(tmp_path / "run", base)
    config = load_config("default", [*overrides, f"model.init={run}"])
    spec = input_spec(SKELETONS, config)
    net = build_net(config, 7, input_shape=tuple(spec["image_shape"]), layout=spec["layout"])
    before = {k: v.clone() for k, v in net.state_dict().items()}
    initialise(net, config, spec)
    saved = load_file(str(run / "model.safetensors"))
    state = net.state_dict()
    copied = [k for k in state if not k.startswith("classifier.")]
    assert copied == ["backbone.residual.weight"] if backbone == "frames" else len(copied) > 100
    for key in copied:
        torch.testing.assert_close(state[key], saved[key], rtol=0, atol=0)
        if state[key].dtype.is_floating_point and state[key].numel() > 1:
            assert not torch.equal(state[key], before[key]), key  # it was not that already
    head = [k for k in state if k.startswith("classifier.")]
    assert head and all(torch.equal(state[k], before[k]) for k in head)  # the new classes' head, as built
    assert state["classifier.weight"].shape[0] == 7 and saved["classifier.weight"].shape[0] == 4


def test_a_run_that_builds_another_network_is_refused_by_its_field(tmp_path: Path) -> None:
    run = _finished_run(tmp_path / "run", load_config("default", ["model.backbone=frames"]))
    cases = {
        "model.backbone": ["model.backbone=resnet18"],
        "model.options": ["model.backbone=frames", "model.options.kernel=3"],
        "preprocess.width": ["model.backbone=frames", "preprocess.width=32"],
        "preprocess.centre": ["model.backbone=frames", "preprocess.centre=every"],
    }
    for field, overrides in cases.items():
        with pytest.raises(ConfigError, match=rf"model.init={run}: the run has {field}=.*, this config {field}="):
            check_init(load_config("default", [*overrides, f"model.init={run}"]))
    same = load_config("default", ["model.backbone=frames", "model.options.norm=auto", f"model.init={run}"])
    check_init(same)  # an option at its default is the same network
    with pytest.raises(ConfigError, match=r"model.init=.*nowhere: .*is not a finished sldml run: folder not found"):
        check_init(load_config("default", [f"model.init={tmp_path / 'nowhere'}"]))
    with pytest.raises(ConfigError, match=r"model.pretrained=imagenet: both choose starting weights"):
        check_init(load_config("default", ["model.pretrained=imagenet", f"model.init={run}"]))


def test_a_run_that_read_another_input_is_refused(tmp_path: Path) -> None:
    run = _finished_run(tmp_path / "run", load_config("default", ["model.backbone=frames"]))
    config = load_config("default", ["model.backbone=frames", f"model.init={run}"])
    spec = input_spec(SKELETONS, config)
    net = build_net(config, 3, input_shape=tuple(spec["image_shape"]), layout=spec["layout"])
    with pytest.raises(ConfigError, match=r"the run has input layout='kinect_v1', this config input layout='cmu31'"):
        initialise(net, config, {**spec, "layout": "cmu31"})


def test_epochs_zero_needs_a_metric_or_a_run_and_auxiliary_none_needs_epochs_zero(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"train.epochs=0 is out of range for model.backbone=resnet18"):
        train(load_config("default", ["train.epochs=0", f"output_dir={tmp_path}"]), SKELETONS)
    protocol = tmp_path / "all-novel.yaml"
    protocol.write_text("name: all-novel\ndataset: synthetic\nevaluation: 1-6\nauxiliary: none\n")
    with pytest.raises(ConfigError, match=r"protocol all-novel has no auxiliary classes \(auxiliary: none\)"):
        train(load_config("default", [f"protocol={protocol}", f"output_dir={tmp_path}"]), SKELETONS)
    assert not list(tmp_path.glob("sldml-*"))  # refused before a run folder was made


def test_an_evaluation_only_run_of_a_network_started_from_a_run(tmp_path: Path) -> None:
    run = _finished_run(tmp_path / "run", load_config("default", ["model.backbone=frames", "model.options.kernel=3"]))
    protocol = tmp_path / "all-novel.yaml"
    protocol.write_text("name: all-novel\ndataset: synthetic\nevaluation: 1-6\nauxiliary: none\n")
    config = load_config(
        "default",
        [
            "model.backbone=frames",
            "model.options.kernel=3",
            f"model.init={run}",
            "train.epochs=0",
            f"protocol={protocol}",
            f"output_dir={tmp_path}",
            "evaluate.baselines=[dtw_frames]",
            "train.progress=false",
        ],
    )
    out = train(config, SKELETONS)
    assert out is not None
    results = json.loads((out / "results.json").read_text())
    assert results["references"] == 6 and results["queries"] == 6 * 4 - 6 and results["auxiliary_classes"] == []
    assert results["train_steps"] == 0
    saved, started = load_file(str(out / "model.safetensors")), load_file(str(run / "model.safetensors"))
    torch.testing.assert_close(saved["backbone.residual.weight"], started["backbone.residual.weight"])
    assert np.load(out / "embeddings.npz")["query_embeddings"].shape[0] == 18
    loaded = load_run(out)  # a run with no training classes loads back, without a classifier
    assert loaded.classes == [] and loaded.net.classifier is None


@pytest.mark.slow
def test_pre_train_on_procedural_classes_then_start_a_real_run_from_it(tmp_path: Path) -> None:
    common = ["train.progress=false", "model.options.kernel=3", f"output_dir={tmp_path}", "evaluate.baselines=[]"]
    pretrain = load_config(
        "pretrain-aligned",
        [*common, "data.procedural_classes=23", "data.procedural_samples=3", "train.epochs=1", "name=pre"],
    )
    run = train(pretrain)
    assert run is not None
    results = json.loads((run / "results.json").read_text())
    assert results["references"] == 20 and len(results["auxiliary_classes"]) == 3  # classes 1-20 held out
    learned = load_file(str(run / "model.safetensors"))["backbone.residual.weight"]
    assert learned.abs().max() > 0  # the residual starts at zero: it trained
    protocol = tmp_path / "last-2.yaml"
    protocol.write_text("name: last-2\ndataset: synthetic\nevaluation: [5, 6]\n")
    started = train(
        load_config(
            "pretrain-aligned",
            [*common, f"model.init={run}", "train.epochs=0", "data.dataset=synthetic", f"protocol={protocol}"],
        ),
        SKELETONS,
    )
    assert started is not None
    torch.testing.assert_close(load_file(str(started / "model.safetensors"))["backbone.residual.weight"], learned)
    assert json.loads((started / "results.json").read_text())["init"] == str(run)


SHIPPED = Path(__file__).resolve().parents[2] / "pretrained" / "aligned-procedural-n1000"


@pytest.mark.slow
def test_the_shipped_pretrained_metric_beats_the_untrained_one_on_held_out_procedural_classes(tmp_path: Path) -> None:
    """The artefact in pretrained/ is intact and has learned: held-out procedural classes (never trained on)."""
    from sldml.records import OneShotResults

    common = [
        "data.procedural_classes=21",  # classes 1-20 are held out of every pre-training
        "data.procedural_samples=4",
        "train.epochs=0",
        "train.progress=false",
        "evaluate.baselines=[]",
        f"output_dir={tmp_path}",
    ]
    scores = {}
    for name, extra in (("pretrained", [f"model.init={SHIPPED}"]), ("untrained", [])):
        run = train(load_config("pretrain-aligned", [*common, *extra, f"name={name}"]))
        assert run is not None
        scores[name] = OneShotResults.read(run / "results.json").model.top1
    # measured here 96.7 against 63.3; recorded with 10 samples a class 97.2 / 62.2
    assert scores["pretrained"] >= scores["untrained"] + 0.15, scores
