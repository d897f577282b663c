from __future__ import annotations

import numpy as np
import pytest

from sldml.config import PreprocessConfig
from sldml.datasets import image, preprocess
from sldml.errors import ConfigError
from sldml.evaluation import euclidean_distances, one_shot_accuracy, score_distances
from sldml.evaluation.baselines import dtw_distances, run_baseline, unit_frames
from sldml.io.synthetic import generate
from sldml.protocols import protocol_from_dict
from sldml.transforms import resample


def test_one_shot_scores_on_hand_made_embeddings() -> None:
    refs = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    queries = np.array([[1.0, 1.0], [9.0, -1.0], [1.0, 8.0], [6.0, 0.0], [4.0, 4.5]])
    truth = ["a", "b", "c", "a", "b"]
    distances = euclidean_distances(refs, queries)
    np.testing.assert_allclose(distances[3], [6.0, 4.0, np.hypot(6, 10)])
    result = score_distances(distances, ["a", "b", "c"], truth)
    assert result.predictions == ["a", "b", "c", "b", "a"]
    assert result.top1 == pytest.approx(3 / 5)
    assert result.k == 3 and result.top5 == 1.0
    assert result.per_class == {"a": 0.5, "b": 0.5, "c": 1.0}
    assert result.confusion == [[1, 1, 0], [1, 1, 0], [0, 0, 1]]
    assert one_shot_accuracy(refs, ["a", "b", "c"], queries, truth) == pytest.approx(0.6)


def test_top_k_with_more_classes() -> None:
    # 6 classes on a line; the query sits closest to class 0 but belongs to class 4 (5th nearest)
    refs = np.arange(6, dtype=float)[:, None] * 10
    result = score_distances(euclidean_distances(refs, np.array([[-1.0]])), list("abcdef"), ["e"])
    assert (result.top1, result.top5, result.k) == (0.0, 1.0, 5)
    result = score_distances(euclidean_distances(refs, np.array([[-1.0]])), list("abcdef"), ["f"])
    assert result.top5 == 0.0


def test_score_rejects_repeated_reference_labels_and_empty_queries() -> None:
    with pytest.raises(ConfigError, match="exactly one reference per class"):
        score_distances(np.zeros((1, 2)), ["a", "a"], ["a"])
    with pytest.raises(ConfigError, match="0 queries"):
        score_distances(np.zeros((0, 2)), ["a", "b"], [])


def test_dtw_baseline_aligns_speed_changes() -> None:
    seqs = [s for s in generate(n_classes=3, n_subjects=1, n_trials=1) if s.modality == "skeleton"]
    wave, other = seqs[0], seqs[2]
    slow = resample(wave, int(wave.frames * 1.5))
    distances = dtw_distances([wave, other], [wave, slow])
    assert distances[0, 0] == pytest.approx(0.0, abs=1e-9)
    assert distances[1, 0] < 0.25 * distances[1, 1]


def test_unit_frames_are_the_image_columns_scaled_to_length_one() -> None:
    seq = next(s for s in generate(n_classes=1, n_subjects=1, n_trials=1) if s.modality == "skeleton")
    config = PreprocessConfig(width=16, centre="every")
    frames = unit_frames(seq, config)
    columns = image(preprocess(seq, config), config).reshape(-1, 16).T
    assert frames.shape == (16, 3 * seq.data.shape[1])
    np.testing.assert_allclose(np.linalg.norm(frames, axis=1), 1.0, rtol=1e-9)
    np.testing.assert_allclose(frames * np.linalg.norm(columns, axis=1, keepdims=True), columns, rtol=1e-5, atol=1e-7)


def test_baselines_score_a_protocol_split() -> None:
    seqs = [s for s in generate(n_classes=6, n_subjects=3, n_trials=2) if s.modality == "skeleton"]
    protocol = protocol_from_dict({"name": "t", "dataset": "synthetic", "evaluation": [5, 6]})
    split = protocol.split(seqs)
    assert len(split.references) == 2 and len(split.queries) == 2 * 6 - 2 and len(split.auxiliary) == 4 * 6
    for name in ("euclidean", "dtw", "dtw_unit", "dtw_frames"):
        result = run_baseline(name, split, PreprocessConfig())
        assert result.queries == 10 and result.top1 >= 0.9  # hip-centred synthetic actions are easy


@pytest.mark.parametrize("modality", ["skeleton", "inertial"])
def test_dtw_frames_baseline_is_the_untrained_frames_network(modality: str) -> None:
    from sldml.config import load_config
    from sldml.evaluation.baselines import dtw_frames_distances
    from sldml.evaluation.scoring import frame_norm
    from sldml.models.factory import build_net
    from sldml.runs import embed, embedding_distances

    seqs = [s for s in generate(n_classes=3, n_subjects=2, n_trials=2) if s.modality == modality]
    references, queries = seqs[::4], [s for i, s in enumerate(seqs) if i % 4]
    config = load_config("aligned", ["preprocess.width=24"])
    shape = image(preprocess(seqs[0], config.preprocess), config.preprocess).shape
    net = build_net(config, 3, input_shape=tuple(shape), layout=seqs[0].layout)
    assert net.backbone.norm == ("unit" if modality == "skeleton" else "centre")  # what the norm option auto chose
    network = embedding_distances(net, embed(net, references, config), embed(net, queries, config))
    baseline = dtw_frames_distances(references, queries, config.preprocess, frame_norm(config))
    assert baseline.shape == (9, 3) and not np.allclose(baseline, 0)
    np.testing.assert_allclose(baseline, network, rtol=1e-4, atol=1e-5)
    other = dtw_frames_distances(references, queries, config.preprocess, "none")  # the norm is really applied
    assert not np.allclose(other, baseline, rtol=1e-2)
