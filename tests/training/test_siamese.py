"""The Siamese-LSTM pipeline: pair sampling, the shared encoder, packing, the multi-class module, the folds."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from sldml.config import load_siamese_config
from sldml.datasets.pairs import default_match_fraction, sample_pairs
from sldml.errors import ConfigError, DataError
from sldml.evaluation.folds import cross_subject, leave_one_subject_out, subjects_of
from sldml.evaluation.mcc import MultiClassModule, choose_references, training_matrix
from sldml.experiments.siamese import run_siamese, validation_split
from sldml.models.lstm import SequenceEncoder, SiameseLSTM, pad_batch
from sldml.training.classifiers import check_classifiers
from sldml.training.siamese import mined_pairs
from tests.conftest import make_skeleton


def test_pairs_keep_the_match_fraction_and_never_mix_datasets() -> None:
    # the same label names in both datasets: a pair mixing them would still look like a match by name
    first = ["a"] * 30 + ["b"] * 30 + ["c"] * 40
    second = ["a"] * 20 + ["z"] * 30
    table = sample_pairs([first, second], 3000, 0.25, np.random.default_rng(0))
    assert table.shape == (3000, 4)
    assert np.bincount(table[:, 0]).tolist() == [2000, 1000]  # shares follow the dataset sizes (100 : 50)
    for index, labels in enumerate([first, second]):
        rows = table[table[:, 0] == index]
        assert rows[:, 1:3].max() < len(labels)
        assert rows[:, 3].mean() == pytest.approx(0.25, abs=1e-3)
        same = np.array([labels[i] == labels[j] for i, j in rows[:, 1:3]])
        assert (same == rows[:, 3].astype(bool)).all()  # match label = same class, within the dataset
        assert (rows[rows[:, 3] == 1, 1] != rows[rows[:, 3] == 1, 2]).all()  # never a sequence with itself


def test_default_match_fraction_is_the_papers_one_to_u() -> None:
    labels = [str(c) for c in range(10) for _ in range(5)]
    table = sample_pairs([labels], 1100, None, np.random.default_rng(1))
    assert default_match_fraction(10) == pytest.approx(1 / 11)
    assert table[:, 3].sum() == 100  # 100 matches : 1000 non-matches = 1 : U


def test_pairs_refuse_what_cannot_be_drawn() -> None:
    with pytest.raises(ConfigError, match=r"pairs of dataset 0: 1 class\(es\)"):
        sample_pairs([["a", "a"]], 10)
    with pytest.raises(ConfigError, match="no class has 2 samples"):
        sample_pairs([["a", "b", "c"]], 10, 0.5)
    with pytest.raises(ConfigError, match=r"match_fraction=1.5"):
        sample_pairs([["a", "b"]], 10, 1.5)


def test_the_encoder_is_shared_by_both_inputs() -> None:
    torch.manual_seed(0)
    net = SiameseLSTM(6, hidden=8, layers=2, head=(16, 4))
    assert sum(isinstance(m, nn.LSTM) for m in net.modules()) == 1  # one parameter set for both branches
    seen: list[torch.Tensor] = []
    net.encoder.register_forward_hook(lambda module, args, out: seen.append(out.detach()))
    a, b = torch.randn(3, 7, 6), torch.randn(3, 5, 6)
    la, lb = torch.tensor([7, 4, 2]), torch.tensor([5, 5, 3])
    net(a, la, b, lb)
    net(b, lb, a, la)
    assert torch.equal(seen[0], seen[3]) and torch.equal(seen[1], seen[2])  # swapped inputs, same features
    assert net(a, la, b, lb).shape == (3, 2)


def test_packing_gives_the_output_of_the_unpadded_sequence() -> None:
    torch.manual_seed(0)
    encoder = SequenceEncoder(5, hidden=7, layers=2)
    short, long = torch.randn(4, 5), torch.randn(9, 5)
    padded, lengths = pad_batch([short, long])
    assert padded.shape == (2, 9, 5) and lengths.tolist() == [4, 9]
    batch = encoder(padded, lengths)
    alone = encoder(short[None], None)[0]
    torch.testing.assert_close(batch[0], alone)
    torch.testing.assert_close(batch[1], encoder(long[None])[0])
    unpacked = encoder(padded, None)[0]  # reading the zero padding changes the final state
    assert not torch.allclose(unpacked, alone)


def test_mcc_on_a_hand_made_comparison_matrix() -> None:
    # 4 training sequences (classes a, a, b, b) compared with all 4 of them
    g = np.array(
        [
            [1.0, 0.8, 0.1, 0.2],
            [0.6, 1.0, 0.3, 0.1],
            [0.2, 0.1, 1.0, 0.9],
            [0.1, 0.3, 0.7, 1.0],
        ]
    )
    labels = ["a", "a", "b", "b"]
    refs = choose_references(labels, None, np.random.default_rng(0))
    assert refs.tolist() == [0, 1, 2, 3]
    train = training_matrix(g, labels, refs)
    # each self-comparison becomes the mean of the other same-class comparisons of that row
    assert np.diag(train).tolist() == [0.8, 0.6, 0.9, 0.7]
    queries = np.array([[0.7, 0.7, 0.2, 0.2], [0.1, 0.2, 0.3, 0.95], [0.9, 0.1, 0.8, 0.1]])
    best = MultiClassModule("best_match").fit(train, labels, labels).predict(queries)
    assert best.tolist() == ["a", "b", "a"]  # the reference with the highest match probability
    knn = MultiClassModule("knn", knn_k=1).fit(train, labels, labels).predict(queries)
    # nearest training vector: row 0 [.8 .8 .1 .2] -> a; row 3 [.1 .3 .7 .7] -> b; query 3 nearest row 0 -> a
    assert knn.tolist() == ["a", "b", "a"]
    svm = MultiClassModule("svm").fit(train, labels, labels).predict(queries[:2])
    assert svm.tolist() == ["a", "b"]
    with pytest.raises(ConfigError, match=r"expected \(m, 4\)"):
        MultiClassModule("knn").fit(train, labels, labels).predict(queries[:, :3])


def test_references_per_class_are_a_fixed_sorted_subset() -> None:
    labels = ["b", "a", "b", "a", "b", "a"]
    refs = choose_references(labels, 2, np.random.default_rng(0))
    assert [labels[i] for i in refs] == ["a", "a", "b", "b"]
    assert refs[:2].tolist() == sorted(refs[:2].tolist()) and set(refs[:2]) <= {1, 3, 5}


def test_leave_one_subject_out_never_leaks_a_subject() -> None:
    subjects = [1, 2, 3, 1, 2, 3, 4, 4]
    folds = leave_one_subject_out(subjects)
    assert [f.name for f in folds] == ["subject-1", "subject-2", "subject-3", "subject-4"]
    for fold in folds:
        train, test = {subjects[i] for i in fold.train}, {subjects[i] for i in fold.test}
        assert test == set(fold.test_subjects) and not train & test
        assert sorted(fold.train + fold.test) == list(range(len(subjects)))
    cs = cross_subject(subjects, [1, 3])
    assert {subjects[i] for i in cs.train} == {1, 3} and cs.test_subjects == (2, 4)
    with pytest.raises(ConfigError, match="no test samples"):
        cross_subject(subjects, [1, 2, 3, 4])
    with pytest.raises(DataError, match="subject: unknown"):
        subjects_of([make_skeleton()])


def test_balanced_and_hard_mining() -> None:
    codes = np.array([0, 0, 1, 1, 2, 2, 2])
    rng = np.random.default_rng(0)
    pairs = mined_pairs(codes, 4, "balanced", rng)
    assert len(pairs) == 7 * 4
    for anchor in range(7):
        own = pairs[pairs[:, 0] == anchor]
        assert own[:, 2].tolist().count(1) == 2  # half of every anchor's pairs match
        assert all((codes[j] == codes[anchor]) == bool(m) for _, j, m in own)
        assert anchor not in own[own[:, 2] == 1][:, 1]  # never paired with itself
    margins = rng.normal(size=(7, 7))
    hard = mined_pairs(codes, 4, "hard", np.random.default_rng(1), margins)
    for anchor in range(7):
        own = hard[hard[:, 0] == anchor]
        same = [j for j in range(7) if j != anchor and codes[j] == codes[anchor]]
        other = [j for j in range(7) if codes[j] != codes[anchor]]
        assert own[own[:, 2] == 1][0, 1] == min(same, key=lambda j: margins[anchor, j])  # least alike match
        assert own[own[:, 2] == 0][0, 1] == max(other, key=lambda j: margins[anchor, j])  # most alike non-match
    with pytest.raises(ConfigError, match="one class only"):
        mined_pairs(np.array([3, 3]), 1, "balanced", rng)  # one positive per anchor would need per_sample >= 2
    with pytest.raises(ConfigError, match="needs the batch's match scores"):
        mined_pairs(codes, 4, "hard", rng)


def test_oriented_inputs_forget_the_cameras_azimuth() -> None:
    from sldml.io.synthetic import View, generate
    from sldml.training.siamese import sequence_tensors

    front, side = (
        next(s for s in generate(1, 1, 1, 0, views=[View(azimuth)]) if s.modality == "skeleton") for azimuth in (0, 70)
    )
    plain = sequence_tensors([front, side])
    turned = sequence_tensors([front, side], orient=True, scale_body=True)
    before = float((plain[0] - plain[1]).abs().mean())
    after = float((turned[0] - turned[1]).abs().mean())
    assert before > 0.05 and after < 0.1 * before  # facing forward, the two views nearly agree


def test_siamese_config_errors_name_the_key() -> None:
    with pytest.raises(ConfigError, match=r"pairs.match_fraction=1.0 is out of range"):
        load_siamese_config("slstm-small", ["pairs.match_fraction=1.0"])
    with pytest.raises(ConfigError, match=r"baselines.names: unknown knn; valid: svm, softmax, lstm1, lstm2"):
        check_classifiers(load_siamese_config("slstm-small", ["baselines.names=[knn]"]).baselines.names)
    large = load_siamese_config("slstm-large")
    assert (large.model.hidden, large.model.layers, large.model.head) == (200, 2, [300, 150, 50])


@pytest.mark.slow
def test_siamese_experiment_resumes_and_its_table_matches_the_folds(tmp_path: Path) -> None:
    config = load_siamese_config(
        "slstm-small",
        [
            "data.synthetic_classes=4",
            "data.synthetic_subjects=3",
            "data.synthetic_trials=3",
            "model.hidden=16",
            "model.head=[16]",
            "train.epochs=2",
            "train.eval_every=1",
            "baselines.names=[softmax, lstm1]",
            "train.velocity=false",
            "folds=[subject-1]",
        ],
    )
    lines: list[str] = []
    run_siamese(config, tmp_path, progress=lines.append)
    config.folds = []
    lines.clear()
    table = run_siamese(config, tmp_path, progress=lines.append)
    assert lines[0] == "subject-1: finished earlier, skipped" and lines[1].startswith("subject-2: training")
    results = {p.parent.name: json.loads(p.read_text()) for p in tmp_path.glob("*/results.json")}
    assert sorted(results) == ["subject-1", "subject-2", "subject-3"]
    first = results["subject-1"]
    assert (first["train_samples"], first["test_samples"], first["classes"]) == (24, 12, 4)
    assert [p["epoch"] for p in first["curve"]] == [1, 2]
    rows = {r["key"]: r for r in csv.DictReader(table.with_suffix(".csv").open())}
    assert set(rows) >= {"mcc_svm", "mcc_knn", "mcc_best_match", "softmax", "lstm1", "pair_balanced"}
    per_fold = [100 * r["final"]["mcc_svm"] for r in results.values()]
    assert float(rows["mcc_svm"]["mean"]) == pytest.approx(np.mean(per_fold))
    assert float(rows["softmax"]["subject-2"]) == pytest.approx(100 * results["subject-2"]["baselines"]["softmax"])
    assert (tmp_path / "curves.png").stat().st_size > 1000
    diagnosis = first["diagnosis"]
    ranks = diagnosis["ranks"]
    assert set(ranks) >= {"pair probability, best reference", "embedding, nearest training sequence", "MCC knn"}
    assert all(1.0 <= r["mean_rank"] <= 4.0 for r in ranks.values())  # 4 classes
    assert sum(row[2] for row in diagnosis["calibration"]["bins"]) == 12 * 24  # every test x reference pair
    assert ranks["MCC topk"]["top1"] <= first["final"]["mcc_topk"] + 1e-9  # strict firsts never exceed the answers


@pytest.mark.slow
def test_validation_subject_chooses_the_weights_and_stops_early(tmp_path: Path) -> None:
    config = load_siamese_config(
        "slstm-small",
        [
            "data.synthetic_classes=4",
            "data.synthetic_subjects=4",
            "data.synthetic_trials=2",
            "model.hidden=8",
            "model.head=[8]",
            "train.epochs=12",
            "train.eval_every=1",
            "train.validation=true",
            "train.patience=2",
            "train.classify_weight=0.5",
            "pairs.mining=hard",
            "mcc.scores=logit",
            "train.lr=0.0001",
            "baselines.names=[]",
            "folds=[subject-1]",
        ],
    )
    run_siamese(config, tmp_path, progress=lambda line: None)
    result = json.loads((tmp_path / "subject-1" / "results.json").read_text())
    curve = result["curve"]
    values = [p["validation"] for p in curve]
    best = max(range(len(values)), key=lambda i: (values[i], -i))
    assert result["chosen_epoch"] == curve[best]["epoch"]
    stopped = len(curve) < 12
    if stopped:  # two scorings in a row without a better validation score
        assert all(v <= values[best] for v in values[best + 1 :]) and len(values) - 1 - best == 2
    assert "classify_loss" in curve[0]


def test_validation_split_holds_out_the_last_training_subject() -> None:
    sequences = [make_skeleton().replace(subject=s) for s in (1, 2, 3, 1, 2, 3)]
    learn, held = validation_split(sequences, [0, 1, 3, 4])
    assert learn == [0, 3] and held == [1, 4]
    with pytest.raises(ConfigError, match="at least 2 are needed"):
        validation_split(sequences, [0, 3])


def test_the_lstm_backbone_serves_the_one_shot_pipeline_and_reloads(tmp_path: Path) -> None:
    from safetensors.torch import load_file, save_file

    from sldml.config import load_config
    from sldml.models.factory import build_net

    config = load_config("default", ["model.backbone=lstm"])
    torch.manual_seed(0)
    net = build_net(config, 5, input_shape=(3, 20, 16)).eval()
    images = torch.rand(4, 3, 20, 16)
    embeddings, logits = net(images)
    assert embeddings.shape == (4, 128) and logits is not None and logits.shape == (4, 5)
    save_file(net.state_dict(), str(tmp_path / "w.safetensors"))
    again = build_net(config, 5, pretrained=False, input_shape=(3, 20, 16))
    again.load_state_dict(load_file(str(tmp_path / "w.safetensors")))
    torch.testing.assert_close(again.eval().embed(images), net.embed(images))  # the lazy projection reloads
