"""Zero-shot pieces: DeViSE and relation losses against loops, split rules, hit@k, ZSL/GZSL, the text module."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from sldml.classnames import utd_mhad
from sldml.errors import ConfigError
from sldml.evaluation.zeroshot import fixed_split, hit_at_k, unseen_split, zero_shot_scores
from sldml.models.zeroshot import DeViSE, RelationNet, devise_rank_loss, relation_mse
from sldml.text import TEXT_DIM, class_texts, embed_texts


def test_devise_rank_loss_equals_a_loop() -> None:
    torch.manual_seed(0)
    scores, labels = torch.randn(6, 5), torch.tensor([0, 3, 4, 1, 1, 2])
    expected = 0.0
    for i in range(6):
        y = int(labels[i])
        expected += sum(max(0.0, 0.1 - float(scores[i, y]) + float(scores[i, j])) for j in range(5) if j != y)
    assert float(devise_rank_loss(scores, labels, 0.1)) == pytest.approx(expected / 6, rel=1e-6)


def test_relation_mse_equals_a_loop() -> None:
    torch.manual_seed(1)
    scores, labels = torch.rand(4, 3), torch.tensor([2, 0, 1, 2])
    expected = sum(
        (float(scores[i, j]) - (1.0 if j == int(labels[i]) else 0.0)) ** 2 for i in range(4) for j in range(3)
    )
    assert float(relation_mse(scores, labels)) == pytest.approx(expected / 12, rel=1e-6)
    match = sum((float(scores[i, int(labels[i])]) - 1.0) ** 2 for i in range(4)) / 4
    other = sum(float(scores[i, j]) ** 2 for i in range(4) for j in range(3) if j != int(labels[i])) / 8
    assert float(relation_mse(scores, labels, balance=True)) == pytest.approx(match + other, rel=1e-6)


def test_heads_score_every_sample_with_every_class() -> None:
    torch.manual_seed(2)
    visual, text = torch.randn(5, 8), torch.randn(3, 6)
    devise = DeViSE(8, 6)
    unit_v = visual / visual.norm(dim=1, keepdim=True)
    unit_t = text / text.norm(dim=1, keepdim=True)
    weight = devise.projection.weight.detach()
    manual = torch.stack([torch.stack([unit_t[c] @ (weight @ unit_v[b]) for c in range(3)]) for b in range(5)])
    torch.testing.assert_close(devise(visual, text).detach(), manual)
    relation = RelationNet(8, 6, hidden=16).requires_grad_(False)
    scores = relation(visual, text)
    assert scores.shape == (5, 3) and float(scores.min()) > 0 and float(scores.max()) < 1
    one = relation.relation(torch.cat([unit_v[4], relation.attribute(unit_t[2:3])[0]]))
    assert float(scores[4, 2]) == pytest.approx(float(torch.sigmoid(one)), rel=1e-5)
    with pytest.raises(ConfigError, match=r"expected \(B, 8\) and \(C, 6\)"):
        devise(visual, torch.randn(3, 7))


def _circle(degrees: list[float]) -> np.ndarray:
    radians = np.radians(degrees)
    return np.stack([np.cos(radians), np.sin(radians)], axis=1)


def test_split_rules_on_hand_made_embeddings() -> None:
    # nearest-neighbour angles: c0, c1: 3 deg (each other); c2, c3: 10; c4, c5: 50; c6: 70
    embeddings = _circle([0, 3, 60, 70, 150, 200, 270])
    # c0 first; c1's nearest class (c0) is unseen, so c1 stays seen; then c2
    assert unseen_split(embeddings, 2, "nearest") == [0, 2]
    assert unseen_split(embeddings, 2, "furthest") == [4, 6]  # c6 (70), then c4 (50; c5 ties, later index)
    random = unseen_split(embeddings, 3, "random", seed=4)
    assert len(set(random)) == 3 and random == sorted(random) and random == unseen_split(embeddings, 3, "random", 4)
    with pytest.raises(ConfigError, match="expected 1 to 6"):
        unseen_split(embeddings, 7, "random")
    assert fixed_split("ntu60-55-5") == ("ntu60", [11, 12, 20, 27, 57])
    assert fixed_split("ntu120-110-10")[1] == [5, 14, 38, 44, 50, 66, 89, 96, 100, 107]


def test_hit_at_k_and_zsl_gzsl_on_a_hand_made_matrix() -> None:
    scores = np.array(
        [
            [0.9, 0.1, 0.5, 0.3],  # seen class 0: right
            [0.2, 0.1, 0.8, 0.7],  # seen class 1: wrong (class 2 first, 1 last)
            [0.6, 0.1, 0.5, 0.4],  # unseen class 2: GZSL wrong (0 first), among unseen {2, 3} right
            [0.1, 0.2, 0.3, 0.9],  # unseen class 3: right
        ]
    )
    labels = [0, 1, 2, 3]
    assert hit_at_k(scores, labels, 1) == 0.5
    assert hit_at_k(scores, labels, 2) == 0.75  # sample 1 has class 1 last of 4
    assert hit_at_k(scores, labels, 4) == 1.0
    result = zero_shot_scores(scores, labels, unseen=[2, 3])
    assert result["zsl_top1"] == 1.0
    assert result["gzsl_top1"] == result["unseen"] == 0.5
    assert result["seen"] == 0.5 and result["harmonic"] == pytest.approx(0.5)
    assert result["gzsl_top5"] == 1.0


def test_text_module_loads_offline_and_knows_drinking() -> None:
    vectors = embed_texts(["drink water", "drinking water", "kick something"])
    assert vectors.shape == (3, TEXT_DIM)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    same, other = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert same > 0.8 and other < 0.5


def test_random_embeddings_are_seeded_per_class_and_cached(tmp_path: Path) -> None:
    a = embed_texts(["wave", "clap"], "random", seed=1)
    b = embed_texts(["clap", "jog", "wave"], "random", seed=1)
    np.testing.assert_array_equal(a[0], b[2])  # a class keeps its vector in any label set
    assert not np.allclose(a, embed_texts(["wave", "clap"], "random", seed=2))
    stored = embed_texts(["wave", "clap"], "random", seed=3, cache_dir=tmp_path)
    files = list(tmp_path.glob("*.npy"))
    assert len(files) == 1
    np.testing.assert_array_equal(np.load(files[0], allow_pickle=False), stored)
    with pytest.raises(ConfigError, match="non-empty name"):
        embed_texts(["wave", " "], "random")


def test_class_texts_use_names_descriptions_or_the_users_own() -> None:
    names = class_texts(utd_mhad())
    assert names[0] == "swipe_left" and len(names) == 27
    described = class_texts(utd_mhad(), "descriptions", {"wave": "wave a hand above the head"})
    assert described[0] == "right arm swipe to the left" and described[2] == "wave a hand above the head"
    with pytest.raises(ConfigError, match="unknown class"):
        class_texts(utd_mhad(), custom={"moonwalk": "slide backwards"})


@pytest.mark.slow
def test_zeroshot_experiment_resumes_writes_tables_and_ranks_new_names(tmp_path: Path) -> None:
    import json

    from sldml.config import load_zeroshot_config
    from sldml.datasets import load_data
    from sldml.experiments.zeroshot import run_zeroshot_experiment
    from sldml.inference.zeroshot import ZeroShotModel

    config = load_zeroshot_config(
        "zeroshot-utd",
        [
            "data.dataset=synthetic",
            "data.synthetic_classes=12",
            "data.synthetic_subjects=2",
            "data.synthetic_trials=2",
            "train_subjects=[1]",
            "visual.widths=[[8, 1], [16, 2]]",
            "visual.epochs=1",
            "devise.epochs=2",
            "relation.epochs=2",
            "unseen=3",
            "splits=[furthest]",
            "seeds=1",
        ],
    )
    sequences, _ = load_data(config.data)
    lines: list[str] = []
    run_zeroshot_experiment(config, sequences, tmp_path, progress=lines.append)
    table = run_zeroshot_experiment(config, sequences, tmp_path, progress=lines.append)
    assert lines == ["furthest, seed 0: training", "furthest, seed 0: finished earlier, skipped"]
    result = json.loads((tmp_path / "furthest" / "seed0" / "results.json").read_text())
    assert len(result["unseen"]) == 3 and result["train_samples"] == 9 * 2  # 9 seen classes x subject 1 x 2 trials
    assert result["test_samples"] == len(sequences) - 18
    zsl = result["scores"]["relation"]["learned"]["zsl_top1"]
    text = table.read_text()
    assert f"| Relation Net | learned | {100 * zsl:.1f} +- 0.0 |" in text
    ranker = ZeroShotModel.load(tmp_path / "furthest" / "seed0", "devise")
    ranking = ranker.rank(sequences[:2], ["kick", "wave", "draw a circle"])
    assert sorted(ranking[0].classes) == ["draw a circle", "kick", "wave"]
    assert ranking[0].scores == sorted(ranking[0].scores, reverse=True)


@pytest.mark.slow
@pytest.mark.parametrize("train_classes", ["seen", "all"])
def test_heads_train_against_the_configured_classes_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, train_classes: str
) -> None:

    import sldml.experiments.zeroshot as zeroshot
    from sldml.config import load_zeroshot_config
    from sldml.datasets import load_data

    config = load_zeroshot_config(
        "zeroshot-utd",
        [
            "data.dataset=synthetic",
            "data.synthetic_classes=8",
            "data.synthetic_subjects=2",
            "data.synthetic_trials=2",
            "train_subjects=[1]",
            "visual.widths=[[8, 1]]",
            "visual.epochs=1",
            "embeddings=[learned]",
            "unseen=3",
            f"train_classes={train_classes}",
        ],
    )
    sequences, _ = load_data(config.data)
    seen: list[tuple[int, int]] = []
    real_devise = zeroshot.train_devise

    def spy(features: torch.Tensor, labels: torch.Tensor, text: torch.Tensor, *rest: object) -> DeViSE:
        seen.append((len(text), int(labels.max())))
        return real_devise(features, labels, text, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(zeroshot, "train_devise", spy)
    zeroshot.run_zeroshot(config, sequences, "furthest", 0, tmp_path)
    rows, top_label = seen[0]
    assert rows == (5 if train_classes == "seen" else 8)  # 8 classes, 3 unseen
    assert top_label < rows
