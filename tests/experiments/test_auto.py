"""Choosing the metric on the auxiliary classes: episodes, folds, the choice, and that no evaluation class is read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sldml.config import load_config
from sldml.errors import ConfigError
from sldml.evaluation.episodes import draw_episodes, episode_accuracy, episode_margin
from sldml.experiments.auto import best_entry, list_candidates, select, select_and_train
from sldml.io.synthetic import generate
from sldml.protocols import protocol_from_dict
from sldml.records import OneShotResults


def test_episodes_are_cross_subject_and_scored_on_the_distance_matrix() -> None:
    labels = ["a", "a", "a", "b", "b", "b", "c", "c"]
    subjects = [1, 2, 3, 1, 2, 3, 1, 2]
    episodes = draw_episodes(labels, subjects, count=30, way=2, seed=0)
    for episode in episodes:
        assert len(episode.references) == 2 and len({labels[i] for i in episode.references}) == 2
        reference_subject = {labels[i]: subjects[i] for i in episode.references}
        assert all(subjects[i] != reference_subject[labels[i]] for i in episode.queries)  # queries: other subjects
        if "c" not in reference_subject:  # a and b share every subject: one reference subject for the episode
            assert len(set(reference_subject.values())) == 1
    points = np.array([0.0, 0.1, 0.2, 5.0, 5.1, 5.2, 9.0, 9.1])
    perfect = np.abs(points[:, None] - points[None, :])
    assert episode_accuracy(perfect, labels, episodes) == (1.0, 0.0)
    mean, _ = episode_accuracy(-perfect, labels, episodes)  # nearest is farthest: always wrong
    assert mean == 0.0
    with pytest.raises(ConfigError, match="at least 2 classes"):
        draw_episodes(["a", "a"], [1, 2], count=3)


def test_the_margin_separates_metrics_that_are_equally_accurate() -> None:
    """Two metrics both 100 % right: the one whose right reference is clearly nearer has the larger margin."""
    labels = ["a", "a", "b", "b"]
    episodes = draw_episodes(labels, [1, 2, 1, 2], count=10, way=2, seed=0)
    clear = np.array([[0, 1, 9, 9], [1, 0, 9, 9], [9, 9, 0, 1], [9, 9, 1, 0]], dtype=float)
    close = np.array([[0, 4, 5, 5], [4, 0, 5, 5], [5, 5, 0, 4], [5, 5, 4, 0]], dtype=float)
    assert episode_accuracy(clear, labels, episodes)[0] == episode_accuracy(close, labels, episodes)[0] == 1.0
    assert episode_margin(clear, labels, episodes) == pytest.approx(0.8)  # (9 - 1) / (9 + 1)
    assert episode_margin(close, labels, episodes) == pytest.approx(1 / 9)  # (5 - 4) / (5 + 4)
    assert episode_margin(10 * close, labels, episodes) == pytest.approx(1 / 9)  # free of the metric's scale
    assert episode_margin(9 - clear, labels, episodes) == -1.0  # the wrong reference at distance 0: (0 - 8) / 8
    assert episode_margin(np.zeros((4, 4)), labels, episodes) == 0.0  # no distance at all: no margin


def test_near_ties_are_decided_by_the_margin_and_exact_ones_by_order() -> None:
    entries = [
        {"validation": 1.0, "margin": 0.3},
        {"validation": 0.995, "margin": 0.6},  # within the tie of the best: its margin wins
        {"validation": 0.95, "margin": 0.9},  # not a near-tie: its margin does not count
        {"validation": 1.0, "margin": 0.6},  # same accuracy and margin as entry 1's margin: the earlier one wins
    ]
    assert best_entry(entries, 0.01) == 1
    assert best_entry(entries, 0.0) == 3  # only exact ties with the best
    assert best_entry(entries, 0.1) == 2
    assert best_entry([{"validation": 0.5}, {"validation": 0.7}], 0.01) == 1  # old records: no margin


def test_episodes_mirror_the_protocols_views() -> None:
    """References only where the protocol's rules allow them (view 0), queries only where its queries rule does."""
    protocol = protocol_from_dict(
        {
            "name": "x",
            "dataset": "synthetic",
            "evaluation": [9],
            "reference": [{"subject": 1, "trial": 1, "view": 0}],
            "queries": {"view": 90},
        }
    )
    sequences = [
        s.replace(meta={**s.meta, "view": view})
        for s in generate(4, 3, 1, 0)
        if s.modality == "skeleton"
        for view in (0, 45, 90)
    ]
    roles = [protocol.roles(s) for s in sequences]
    assert {(s.meta["view"], role) for s, role in zip(sequences, roles, strict=True)} == {
        (0, (True, False)),
        (45, (False, False)),
        (90, (False, True)),
    }
    labels = [s.label for s in sequences]
    episodes = draw_episodes(
        labels, [s.subject for s in sequences], 20, 3, 0, [r for r, _ in roles], [q for _, q in roles]
    )
    for episode in episodes:
        assert all(sequences[i].meta["view"] == 0 for i in episode.references)
        assert episode.queries and all(sequences[i].meta["view"] == 90 for i in episode.queries)
        by_class = {labels[i]: sequences[i].subject for i in episode.references}
        assert all(sequences[i].subject != by_class[labels[i]] for i in episode.queries)
    plain = protocol_from_dict({"name": "y", "dataset": "synthetic", "evaluation": [9]})
    assert all(plain.roles(s) == (True, True) for s in sequences)  # no metadata rule: any sample is either


def _scrambled(sequences: list, novel: set[int], seed: int) -> list:
    """The evaluation classes' samples with their data replaced by noise and their labels permuted."""
    rng = np.random.default_rng(seed)
    out = []
    groups: dict[tuple[int, int], list] = {}
    for seq in sequences:
        if seq.class_id in novel:
            groups.setdefault((seq.subject, seq.trial), []).append(seq)
        else:
            out.append(seq)
    for members in groups.values():
        order = rng.permutation(len(members))
        for seq, other in zip(members, [members[i] for i in order], strict=True):
            noise = rng.normal(size=seq.data.shape)
            out.append(seq.replace(data=noise, label=other.label, class_id=other.class_id))
    return out


@pytest.mark.slow
def test_the_choice_never_reads_an_evaluation_class(tmp_path: Path) -> None:
    sequences = [s for s in generate(10, 3, 2, 0) if s.modality == "skeleton"]
    protocol = protocol_from_dict({"name": "t", "dataset": "synthetic", "evaluation": [8, 9, 10]})
    overrides = [
        "select.candidates=[dtw-unit, dtw-none, dtw-unit-inv, aligned]",
        "select.epochs=[1]",
        "select.episodes=40",
        "select.min_classes=6",
        "train.progress=false",
        "evaluate.baselines=[]",
        f"output_dir={tmp_path}",
    ]
    config = load_config("auto", overrides)
    first = select_and_train(config, sequences, protocol, progress=lambda line: None)
    second = select_and_train(config, _scrambled(sequences, {8, 9, 10}, 1), protocol, progress=lambda line: None)
    assert first is not None and second is not None
    records = [OneShotResults.read(run / "results.json").selection for run in (first, second)]
    assert records[0] is not None and records[1] is not None
    for record in records:
        for entry in record["candidates"]:
            entry.pop("test", None)
        record.pop("seconds")
    assert records[0] == records[1]  # same folds, episodes, scores and choice with the evaluation data destroyed
    record = records[0]
    assert record["learned"] == "scored" and len(record["folds"]) == 2
    assert sorted(c for fold in record["folds"] for c in fold) == sorted(s.label for s in generate(7, 1, 1, 0)[::2])
    assert [e["name"] for e in record["candidates"]] == ["dtw-unit", "dtw-none", "dtw-unit-inv", "aligned"]
    chosen = record["candidates"][record["chosen"]]
    assert record["tie"] == 0.01 and record["chosen"] == best_entry(record["candidates"], 0.01)
    assert chosen["validation"] >= max(e["validation"] for e in record["candidates"]) - 0.01
    assert all(-1 <= e["margin"] <= 1 for e in record["candidates"])
    assert "test" in OneShotResults.read(first / "results.json").selection["candidates"][record["chosen"]]


def test_learned_candidates_need_enough_auxiliary_classes_and_names_are_checked(tmp_path: Path) -> None:
    sequences = [s for s in generate(5, 3, 2, 0) if s.modality == "skeleton"]
    protocol = protocol_from_dict({"name": "t", "dataset": "synthetic", "evaluation": [4, 5]})
    overrides = ["select.candidates=[dtw-unit, dtw-centre, image]", "select.episodes=20", "evaluate.baselines=[]"]
    config = load_config("auto", [*overrides, "train.progress=false", f"output_dir={tmp_path}"])
    run = select_and_train(config, sequences, protocol, progress=lambda line: None)
    assert run is not None
    record = OneShotResults.read(run / "results.json").selection
    assert record is not None and record["learned"].startswith("not scored: 3 auxiliary classes")
    assert [e["name"] for e in record["candidates"]] == ["dtw-unit", "dtw-centre"]  # no image model without folds
    assert record["folds"] == [sorted({str(q.label) for q in sequences if q.class_id in (1, 2, 3)})]
    with pytest.raises(ConfigError, match=r"unknown selection candidate 'knn'; valid: dtw-unit"):
        select_and_train(load_config("auto", ["select.candidates=[knn]"]), sequences, protocol)
    assert set(list_candidates()) >= {"dtw-unit", "dtw-none-inv", "aligned", "image"}


def test_a_candidate_that_computes_the_same_as_an_earlier_one_is_named_not_scored(tmp_path: Path) -> None:
    names = "select.candidates=[dtw-unit, dtw-unit-inv, dtw-centre, dtw-centre-inv]"
    config = load_config("auto", [names, "select.episodes=10", f"output_dir={tmp_path}"])
    data = generate(4, 3, 2, 0)
    lines: list[str] = []
    imu = select(config, [s for s in data if s.modality == "inertial"], tmp_path / "w", lines.append)
    assert [e["name"] for e in imu["candidates"]] == ["dtw-unit", "dtw-centre"]  # nothing to turn on a wrist IMU
    assert imu["same"] == {"dtw-unit-inv": "dtw-unit", "dtw-centre-inv": "dtw-centre"}
    assert any(line.startswith("candidate dtw-unit-inv: the same as dtw-unit") for line in lines)
    body = select(config, [s for s in data if s.modality == "skeleton"], tmp_path / "w", lines.append)
    assert [e["name"] for e in body["candidates"]] == ["dtw-unit", "dtw-unit-inv", "dtw-centre", "dtw-centre-inv"]
    assert body["same"] == {}
