from __future__ import annotations

from pathlib import Path

import pytest

from sldml.config import load_config, named_configs, parse_overrides
from sldml.errors import ConfigError


def test_named_configs_and_overrides() -> None:
    assert {"default", "paper", "demo"} <= set(named_configs())
    paper = load_config("paper")
    assert (paper.optim.name, paper.optim.lr, paper.train.epochs, paper.train.batch_size) == ("rmsprop", 1e-6, 100, 32)
    assert (paper.preprocess.centre, paper.preprocess.resize, paper.model.stem) == ("none", 256, "imagenet")
    overrides = ["train.epochs=3", "optim.lr=1e-4", "data.dataset=folder", "data.path=/x", "evaluate.baselines=[dtw]"]
    config = load_config("default", overrides)
    assert (config.train.epochs, config.optim.lr, config.data.path, config.evaluate.baselines) == (
        3,
        1e-4,
        "/x",
        ["dtw"],
    )
    assert parse_overrides(["a.b=1", "a.c=x"]) == {"a": {"b": 1, "c": "x"}}


def test_unknown_key_lists_valid_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown config key\(s\) train.epoch in train; valid: epochs, batch_size"):
        load_config("default", ["train.epoch=3"])
    with pytest.raises(ConfigError, match=r"unknown config key\(s\) trainer; valid: name, output_dir"):
        load_config(None, ["trainer.devices=2"])


def test_bad_values_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"optim.name='adamax'; valid: adam, adamw, rmsprop, sgd"):
        load_config("default", ["optim.name=adamax"])
    with pytest.raises(ConfigError, match=r"train.epochs='many'; expected int"):
        load_config("default", ["train.epochs=many"])
    with pytest.raises(ConfigError, match=r"train.batch_size=30 must be a multiple of train.m_per_class=4"):
        load_config("default", ["train.batch_size=30"])
    with pytest.raises(ConfigError, match=r"evaluate.baselines: unknown knn"):
        load_config("default", ["evaluate.baselines=[knn]"])
    with pytest.raises(ConfigError, match=r"expected key=value"):
        load_config("default", ["train.epochs"])
    with pytest.raises(ConfigError, match=r"data.path='/x' is given but data.dataset=synthetic reads no files"):
        load_config("aligned", ["data.path=/x"])
    with pytest.raises(ConfigError, match=r"model.frame_norm / model.frame_kernel apply to model.backbone=frames only"):
        load_config("default", ["model.frame_norm=unit"])
    with pytest.raises(ConfigError, match=r"model.frame_norm='length'; valid: auto, none, unit, centre, centre_unit"):
        load_config("aligned", ["model.frame_norm=length"])
    with pytest.raises(ConfigError, match=r"train.epochs=0 is out of range"):
        load_config("default", ["train.epochs=0"])  # an untrained image model is noise; frames alone may skip training
    assert load_config("aligned", ["train.epochs=0"]).train.epochs == 0


def test_config_files(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("train:\n  epochs: 7\n")
    assert load_config(str(path)).train.epochs == 7
    with pytest.raises(ConfigError, match=r"config file .*missing.yaml not found"):
        load_config(str(tmp_path / "missing.yaml"))
    with pytest.raises(
        ConfigError, match=r"neither a file nor a shipped config; shipped: aligned, default, demo, paper"
    ):
        load_config("fancy")
