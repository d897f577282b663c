from __future__ import annotations

from pathlib import Path

import pytest

from sldml.config import (
    config_from_dict,
    load_config,
    load_siamese_config,
    load_zeroshot_config,
    named_configs,
    parse_overrides,
)
from sldml.errors import ConfigError
from sldml.training import check_config


def test_named_configs_and_overrides() -> None:
    assert {"default", "paper", "demo"} <= set(named_configs())
    paper = load_config("paper")
    assert (paper.optim.name, paper.optim.lr, paper.train.epochs, paper.train.batch_size) == ("rmsprop", 1e-6, 100, 32)
    assert (paper.preprocess.centre, paper.preprocess.resize, paper.model.options) == (
        "none",
        256,
        {"stem": "imagenet"},
    )
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


def test_bad_values_are_refused_with_the_range() -> None:
    with pytest.raises(ConfigError, match=r"optim.name='adamax'; valid: adam, adamw, rmsprop, sgd"):
        load_config("default", ["optim.name=adamax"])
    with pytest.raises(ConfigError, match=r"train.epochs='many'; expected int"):
        load_config("default", ["train.epochs=many"])
    with pytest.raises(ConfigError, match=r"train.batch_size=30 must be a multiple of train.m_per_class=4"):
        load_config("default", ["train.batch_size=30"])
    with pytest.raises(ConfigError, match=r"expected key=value"):
        load_config("default", ["train.epochs"])
    with pytest.raises(ConfigError, match=r"train.epochs=-1 is out of range; expected >= 0"):
        load_config("default", ["train.epochs=-1"])
    with pytest.raises(ConfigError, match=r"augment.crop_min=0.0 is out of range; expected > 0 and <= 1"):
        load_config("default", ["augment.crop_min=0"])
    with pytest.raises(ConfigError, match=r"optim.lr=nan is out of range; expected > 0"):
        load_config("default", ["optim.lr=.nan"])
    # the same validator serves every config root
    with pytest.raises(ConfigError, match=r"model.head=\[128, 0\] is out of range; expected >= 1 \(at least one item"):
        load_siamese_config("slstm-small", ["model.head=[128, 0]"])
    with pytest.raises(ConfigError, match=r"pairs.match_fraction=1.0 is out of range; expected > 0 and < 1"):
        load_siamese_config("slstm-small", ["pairs.match_fraction=1"])
    with pytest.raises(ConfigError, match=r"embeddings\[0\]='glove'; valid: learned, random"):
        load_zeroshot_config("zeroshot-utd", ["embeddings=[glove]"])
    with pytest.raises(ConfigError, match=r"visual.widths=\[\[64\]\]: expected \[channels, temporal stride\]"):
        load_zeroshot_config("zeroshot-utd", ["visual.widths=[[64]]"])


def test_registries_check_their_names_before_anything_runs() -> None:
    with pytest.raises(
        ConfigError, match=r"evaluate.baselines: unknown knn; valid: euclidean, dtw, dtw_unit, dtw_frames"
    ):
        check_config(load_config("default", ["evaluate.baselines=[knn]"]))
    with pytest.raises(ConfigError, match=r"data.path='/x' is given but data.dataset=synthetic reads no files"):
        check_config(load_config("aligned", ["data.path=/x"]))
    with pytest.raises(
        ConfigError, match=r"data.dataset='kinetics'; valid: synthetic, procedural, folder, .*ntu.*utd_mhad"
    ):
        check_config(load_config("default", ["data.dataset=kinetics"]))
    with pytest.raises(ConfigError, match=r"model.options: backbone 'resnet18' has no option norm; valid: stem"):
        check_config(load_config("default", ["model.options.norm=unit"]))
    with pytest.raises(ConfigError, match=r"model.options.norm='length'; valid: auto, none, unit, centre, centre_unit"):
        check_config(load_config("aligned", ["model.options.norm=length"]))
    with pytest.raises(ConfigError, match=r"train.epochs=0 is out of range for model.backbone=resnet18"):
        check_config(load_config("default", ["train.epochs=0"]))  # an untrained image model is noise
    check_config(load_config("aligned", ["train.epochs=0"]))  # frames alone may skip training
    with pytest.raises(ConfigError, match=r"loss.distance=soft_dtw compares frame sequences; model.backbone=lstm"):
        check_config(load_config("aligned", ["model.backbone=lstm"]))
    with pytest.raises(ConfigError, match=r"preprocess.options: representation 'compact' has no option height"):
        check_config(load_config("default", ["preprocess.options.height=9"]))
    with pytest.raises(ConfigError, match=r"model.pretrained='imagenet': the frames backbone has no pretrained"):
        check_config(load_config("aligned", ["model.pretrained=imagenet"]))


def test_keys_of_earlier_versions_become_backbone_options() -> None:
    """Run folders written before model.options store stem / frame_norm / frame_kernel for every backbone."""
    old = load_config("aligned").to_dict()
    old["model"] = {
        "backbone": "frames",
        "pretrained": "none",
        "stem": "small",
        "embedding_dim": 128,
        "hidden_dim": 256,
    }
    old["model"].update(frame_norm="centre", frame_kernel=3)
    assert config_from_dict(old).model.options == {"norm": "centre", "kernel": 3}  # the old default stem is dropped
    assert load_config("default", ["model.stem=imagenet"]).model.options == {"stem": "imagenet"}


def test_config_files(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("train:\n  epochs: 7\n")
    assert load_config(str(path)).train.epochs == 7
    with pytest.raises(ConfigError, match=r"config file .*missing.yaml not found"):
        load_config(str(tmp_path / "missing.yaml"))
    with pytest.raises(
        ConfigError,
        match=r"neither a file nor a shipped config; shipped: aligned, auto, default, demo, paper, pretrain-aligned, "
        r"pretrain-image",
    ):
        load_config("fancy")
