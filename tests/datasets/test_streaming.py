"""Streaming: images built item by item, from the memory-mapped cache, give the results of in-memory data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from sldml.config import AugmentConfig, DataConfig, PreprocessConfig, load_config
from sldml.datasets import augment, image, load_data, preprocess
from sldml.datasets.tensors import SignalImageDataset
from sldml.io.synthetic import generate
from sldml.runs.embed import features
from tests.conftest import write_ntu_folder


def test_items_are_the_images_a_prebuilt_list_held() -> None:
    sequences = [s for s in generate(3, 2, 1, 0) if s.modality == "skeleton"]
    config = PreprocessConfig(centre="first")
    dataset = SignalImageDataset(sequences, config, list(range(len(sequences))))
    prebuilt = [image(preprocess(s, config), config) for s in sequences]
    for i in range(len(sequences)):
        item, target = dataset[i]
        assert target == i and np.array_equal(item.numpy(), prebuilt[i])
    # with augmentation: the draws of the pipeline that cached the preprocessed sequences, in the same order
    augmented = SignalImageDataset(sequences, config, [0] * len(sequences), AugmentConfig())
    torch.manual_seed(3)
    items = [augmented[i][0].numpy() for i in (2, 0, 2)]
    torch.manual_seed(3)
    cached = [preprocess(s, config) for s in sequences]
    expected = []
    for i in (2, 0, 2):
        rng = np.random.default_rng(int(torch.randint(0, 2**31 - 1, (1,)).item()))
        expected.append(image(augment(cached[i], AugmentConfig(), rng), config))
    assert all(np.array_equal(a, b) for a, b in zip(items, expected, strict=True))
    assert not np.array_equal(items[0], items[2])  # two draws of one sample differ


def test_load_data_through_the_cache_equals_a_direct_read(tmp_path: Path) -> None:
    folder = write_ntu_folder(tmp_path / "ntu", files=24)
    direct, skipped = load_data(DataConfig(dataset="ntu", path=str(folder), cache="off"))
    cached, skipped_cached = load_data(DataConfig(dataset="ntu", path=str(folder), cache_min_files=0), tmp_path / "r")
    assert (tmp_path / "r" / "cache").is_dir() and skipped == skipped_cached and len(skipped) == 1
    assert [s.source for s in direct] == [s.source for s in cached]
    assert all(np.array_equal(a.data, b.data) for a, b in zip(direct, cached, strict=True))
    config = PreprocessConfig(centre="every")
    with torch.no_grad():
        one = features(lambda x: x.flatten(1)[:, :50], direct, config, batch_size=4)
        two = features(lambda x: x.flatten(1)[:, :50], cached, config, batch_size=4, num_workers=2)
    assert one.shape == (24, 50) and np.array_equal(one, two)


@pytest.mark.slow
def test_a_run_on_cached_data_with_workers_equals_one_in_memory(tmp_path: Path) -> None:
    from sldml.training import train

    folder = write_ntu_folder(tmp_path / "ntu", files=24)
    protocol = tmp_path / "p.yaml"
    protocol.write_text(
        yaml.safe_dump(
            {"name": "tiny-ntu", "dataset": "ntu", "evaluation": [3, 4], "reference": [{"subject": 1, "trial": 1}]}
        )
    )
    common = [
        "data.dataset=ntu",
        f"data.path={folder}",
        f"protocol={protocol}",
        "train.epochs=1",
        "train.batch_size=8",
        "train.m_per_class=4",
        "train.progress=false",
        "augment.enabled=false",
    ]
    results = {}
    for name, extra in {
        "memory": ["data.cache=off", "train.num_workers=0"],
        "cached": ["data.cache_min_files=0", "train.num_workers=2", "evaluate.batch_size=4"],
    }.items():
        run = train(load_config("aligned", [*common, *extra, f"output_dir={tmp_path / name}"]))
        assert run is not None
        results[name] = (json.loads((run / "results.json").read_text()), np.load(run / "embeddings.npz"))
    assert (tmp_path / "cached" / "cache").is_dir() and not (tmp_path / "memory" / "cache").exists()
    (memory, memory_npz), (cached, cached_npz) = results["memory"], results["cached"]
    assert memory["model"] == cached["model"] and memory["baselines"] == cached["baselines"]
    assert memory["queries"] == cached["queries"] == 10  # 2 novel actions x 6 samples, less the references
    for key in ("reference_embeddings", "query_embeddings"):
        assert np.array_equal(memory_npz[key], cached_npz[key]), key
