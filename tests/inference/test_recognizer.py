"""Recognizer, galleries, open-set calibration and sliding windows (the tiny synthetic run of conftest)."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from sldml import transforms
from sldml.cli import app
from sldml.errors import ConfigError, DataError
from sldml.evaluation.openset import OperatingPoint, calibrate, genuine_impostor, open_set_scores
from sldml.inference import UNKNOWN, Gallery, Recognizer
from sldml.inference import gallery as gallery_module
from sldml.inference.windows import frames_of, segment
from sldml.io.folder import write_folder
from sldml.io.synthetic import generate
from sldml.sequence import Sequence
from tests.conftest import TINY, make_imu, make_skeleton, tiny_protocol

NOVEL = ["bow", "hands_up", "arm_curl"]  # synthetic actions 16-18: the tiny run never trained on them


@pytest.fixture(scope="module")
def synthetic() -> list[Sequence]:
    """Skeletons of 20 synthetic actions (1-15 trained on, 16-18 novel, 19-20 in no protocol)."""
    return [s for s in generate(20, 3, 2, 0) if s.modality == "skeleton"]


def _of(sequences: list[Sequence], label: str, subject: int | None = None, trial: int | None = None) -> list[Sequence]:
    return [s for s in sequences if s.label == label and subject in (None, s.subject) and trial in (None, s.trial)]


def _gallery(rng: np.random.Generator, n: int = 50, dim: int = 8) -> Gallery:
    gallery = Gallery("model-a", dim, {"layout": "kinect_v1"})
    for i in range(n // 5):
        gallery.add(f"class{i}", rng.normal(size=(5, dim)), [f"file{i}_{j}" for j in range(5)])
    return gallery


def test_gallery_round_trip_and_edits(tmp_path: Path) -> None:
    gallery = _gallery(np.random.default_rng(0))
    assert len(gallery) == 50 and gallery.counts()["class3"] == 5
    assert gallery.remove("class3") == 5 and "class3" not in gallery.counts() and len(gallery) == 45
    path = gallery.save(tmp_path / "g.sldml")
    assert [p.name for p in tmp_path.iterdir()] == ["g.sldml"]  # the temporary file was renamed, not left
    loaded = Gallery.load(path, model="model-a")
    np.testing.assert_array_equal(loaded.vectors, gallery.vectors)
    assert loaded.labels == gallery.labels and loaded.sources == gallery.sources
    assert loaded.input_spec == {"layout": "kinect_v1"} and loaded.created == gallery.created
    with pytest.raises(ConfigError, match=r"'class3' is not enrolled"):
        loaded.remove("class3")
    with pytest.raises(ConfigError, match="expected \\(N, 8\\)"):
        loaded.add("new", np.zeros((2, 7)))
    with pytest.raises(ConfigError, match="NaN"):
        loaded.add("new", np.full((1, 8), np.nan))
    with pytest.raises(ConfigError, match="'unknown' is the answer"):
        loaded.add(UNKNOWN, np.zeros((1, 8)))


def test_damaged_or_foreign_galleries_are_refused(tmp_path: Path) -> None:
    path = _gallery(np.random.default_rng(1)).save(tmp_path / "g.sldml")
    with pytest.raises(DataError, match="made by model model-a, not by the loaded model model-b"):
        Gallery.load(path, model="model-b")
    data = path.read_bytes()
    (tmp_path / "cut.sldml").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"cut\.sldml.*truncated or damaged"):
        Gallery.load(tmp_path / "cut.sldml")
    edited = bytearray(data)
    edited[-3] ^= 0xFF  # a byte of the last vector
    (tmp_path / "edited.sldml").write_bytes(bytes(edited))
    with pytest.raises(DataError, match="checksum mismatch"):
        Gallery.load(tmp_path / "edited.sldml")
    with pytest.raises(DataError, match="gallery file not found"):
        Gallery.load(tmp_path / "missing.sldml")
    (tmp_path / "text.sldml").write_text("not a gallery")
    with pytest.raises(DataError, match="not a readable gallery"):
        Gallery.load(tmp_path / "text.sldml")


def test_nearest_labels_are_exact_with_several_references_per_label() -> None:
    rng = np.random.default_rng(2)
    gallery = _gallery(rng, n=100)
    queries = rng.normal(size=(30, 8))
    full = np.linalg.norm(queries[:, None, :] - gallery.vectors[None], axis=2)
    for query, ranked in zip(full, gallery.nearest_labels(queries, k=4), strict=True):
        per_label = {
            label: query[[i for i, x in enumerate(gallery.labels) if x == label]].min() for label in gallery.counts()
        }
        expected = sorted(per_label.items(), key=lambda item: item[1])[:4]
        assert [label for label, _ in ranked] == [label for label, _ in expected]
        np.testing.assert_allclose([d for _, d in ranked], [d for _, d in expected], rtol=1e-4)


def test_labels_from_a_distance_matrix_match_the_search() -> None:
    rng = np.random.default_rng(5)
    gallery = _gallery(rng, n=40)
    queries = rng.normal(size=(6, 8))
    full = np.linalg.norm(queries[:, None] - gallery.vectors[None], axis=2)
    from_matrix = gallery.nearest_labels_from(full, k=3)
    searched = gallery.nearest_labels(queries, k=3)
    assert [[label for label, _ in row] for row in from_matrix] == [[label for label, _ in row] for row in searched]
    with pytest.raises(ConfigError, match="distances per query for a gallery of 40"):
        gallery.nearest_labels_from(full[:, :5], k=1)


def test_faiss_and_chunked_torch_search_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    gallery = Gallery("m", 16)
    gallery.add("a", rng.normal(size=(1000, 16)).astype(np.float32))
    queries = rng.normal(size=(20, 16)).astype(np.float32)
    d_faiss, i_faiss = gallery.search(queries, 7, backend="faiss")
    monkeypatch.setattr(gallery_module, "_CHUNK", 128)  # several chunks whose top-k must be merged
    d_torch, i_torch = gallery.search(queries, 7, backend="torch")
    brute = np.linalg.norm(queries[:, None] - gallery.vectors[None], axis=2)
    np.testing.assert_array_equal(i_torch, np.argsort(brute, axis=1)[:, :7])
    np.testing.assert_array_equal(i_faiss, i_torch)
    np.testing.assert_allclose(d_faiss, d_torch, rtol=1e-4, atol=1e-5)
    monkeypatch.setattr(gallery_module, "FAISS_MIN_SIZE", 500)  # auto: exact faiss from this size up
    np.testing.assert_array_equal(gallery.search(queries, 7)[1], i_torch)
    assert gallery._index is not None and gallery._index[0] == "faiss"
    with pytest.raises(ConfigError, match="gallery is empty"):
        Gallery("m", 16).search(queries, 1)


def test_calibration_on_hand_made_embeddings() -> None:
    # class a at 0 (reference first), class b at 10; queries: a at 1, 2; b at 10.5
    embeddings = np.array([[0.0], [10.0], [1.0], [2.0], [10.5]])
    labels = ["a", "b", "a", "a", "b"]
    genuine, impostor = genuine_impostor(embeddings, labels)
    np.testing.assert_allclose(genuine, [1.0, 2.0, 0.5])
    np.testing.assert_allclose(impostor, [9.0, 8.0, 10.5])
    result = calibrate(embeddings, labels, OperatingPoint("far", 0.5))
    assert result.threshold == pytest.approx(9.0) and result.tar == 1.0 and result.far == pytest.approx(2 / 3)
    assert result.false_accept_rate(0.0) == 0.0 and result.false_accept_rate(11.0) == 1.0
    accept = calibrate(embeddings, labels, OperatingPoint("accept", 0.5))  # the median genuine distance
    assert accept.threshold == pytest.approx(1.0) and accept.tar == pytest.approx(2 / 3) and accept.far == 0.0
    assert accept.describe().startswith("threshold 1.0000 (accept=0.5): on the calibration data (3 queries of 2")
    assert "accepts 66.7 % of genuine queries and rejects 100.0 % of never-enrolled actions" in accept.describe()
    eer = calibrate(embeddings, labels, OperatingPoint.parse("eer"))
    assert eer.tar == 1.0 and eer.far == 0.0  # the classes do not overlap: no error at all
    moved = accept.at(OperatingPoint("far", 0.5))  # another point read off the stored distributions
    assert moved.threshold == pytest.approx(9.0, abs=0.05) and moved.operating_point == "far=0.5"
    with pytest.raises(ConfigError, match="strictly between 0 and 1"):
        OperatingPoint("far", 1.0)
    with pytest.raises(ConfigError, match=r"expected accept=<share>, far=<share> or eer"):
        OperatingPoint.parse("tar=0.9")
    with pytest.raises(ConfigError, match="at least 2 classes"):
        calibrate(embeddings[:1], ["a"])
    scores = open_set_scores(np.array([[1.0, 5.0], [4.0, 3.0], [8.0, 9.0]]), ["a", "b"], ["a", "a", None], 6.0)
    assert scores.known_accuracy == 0.5 and scores.closed_accuracy == 0.5 and scores.unknown_rejection == 1.0


@pytest.mark.slow
def test_enrol_recognise_round_trip(run_dir: Path, synthetic: list[Sequence], tmp_path: Path) -> None:
    rec = Recognizer.load(run_dir)
    assert rec.spec["layout"] == "kinect_v1" and rec.spec["modality"] == "skeleton"
    assert rec.calibration is not None and rec.threshold == rec.calibration.threshold > 0
    for label in NOVEL:
        rec.enrol(label, _of(synthetic, label, subject=1, trial=1))
    queries = [s for label in NOVEL for s in _of(synthetic, label) if (s.subject, s.trial) != (1, 1)]
    answers = rec.recognize_many(queries, k=3)
    nearest = [a.top_k[0][0] for a in answers]
    assert np.mean([n == q.label for n, q in zip(nearest, queries, strict=True)]) >= 1 / 3 + 0.25  # chance 1/3
    assert all(a.label in (a.top_k[0][0], UNKNOWN) and a.known == (a.distance <= rec.threshold) for a in answers)
    assert all(len(a.top_k) == 3 and a.top_k[0][1] <= a.top_k[1][1] <= a.top_k[2][1] for a in answers)
    assert all(0.0 <= a.confidence <= 1.0 for a in answers)
    path = rec.gallery.save(tmp_path / "g.sldml")
    again = Recognizer.load(run_dir)
    again.load_gallery(path)
    assert [a.to_dict() for a in again.recognize_many(queries, k=3)] == [a.to_dict() for a in answers]
    assert rec.forget("bow") == 1 and "bow" not in [a.top_k[0][0] for a in rec.recognize_many(queries)]


@pytest.mark.slow
def test_a_query_the_model_cannot_read_is_refused(run_dir: Path) -> None:
    rec = Recognizer.load(run_dir)
    with pytest.raises(
        DataError, match=r"layout 'imu6', modality 'inertial': .* expects layout 'kinect_v1' \(skeleton\)"
    ):
        rec.enrol("x", [make_imu(frames=40)])
    with pytest.raises(ConfigError, match="give at least one sequence"):
        rec.enrol("x", [])


@pytest.fixture(scope="module")
def untrained_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The time-aligned metric untrained (1-NN DTW over unit columns): distances that no training noise moves."""
    from sldml.config import load_config
    from sldml.training import train

    tmp = tmp_path_factory.mktemp("untrained")
    overrides = [
        *TINY,
        "train.epochs=0",
        "evaluate.baselines=[]",
        f"output_dir={tmp}",
        f"protocol={tiny_protocol(tmp)}",
    ]
    run = train(load_config("aligned", overrides))
    assert run is not None
    return run


@pytest.mark.slow
def test_the_threshold_rejects_an_unenrolled_action(untrained_run: Path, synthetic: list[Sequence]) -> None:
    rec = Recognizer.load(untrained_run)
    bow = _of(synthetic, "bow", subject=1, trial=1)
    rec.enrol("bow", bow)
    assert rec.recognize(bow[0]).label == "bow"  # the reference itself: distance 0
    rec.threshold_override = 0.0
    assert rec.recognize(_of(synthetic, "walk_in_place")[0]).label == UNKNOWN
    rec.threshold_override = None
    # Calibrated on actions 17, 19, 20 (not enrolled): the never-enrolled action 18 (arm_curl) is rejected far
    # more often than a new sample of the enrolled one is.
    calibration_data = [s for s in synthetic if s.label in ("hands_up", "push", "walk_in_place")]
    rec.calibrate(calibration_data, OperatingPoint("far", 0.05))
    unknown = rec.recognize_many(_of(synthetic, "arm_curl"))
    known = rec.recognize_many([s for s in _of(synthetic, "bow") if (s.subject, s.trial) != (1, 1)])
    rejected = np.mean([a.label == UNKNOWN for a in unknown])
    accepted = np.mean([a.label == "bow" for a in known])
    assert rejected >= 0.5 and rejected + accepted > 1.0


@pytest.mark.slow
def test_a_fused_model_pairs_separate_recordings(run_dir: Path) -> None:
    run = Recognizer.load(run_dir).run
    rec = Recognizer(run, {"layout": "imu6+kinect_v1", "modality": "fused", "rate_hz": 30.0})
    imu = make_imu(frames=50).replace(source="imu.npy", modality="sensor")  # an .npy without metadata
    skeleton = make_skeleton(frames=30).replace(source="skeleton.npy", modality="skeleton", label=None)
    [fused] = rec.prepare([imu, skeleton])
    assert fused.layout == "imu6+kinect_v1" and fused.frames == 30 and fused.data.shape[1] == 2 + 20
    with pytest.raises(DataError, match="in pairs; got 2 inertial and 1 skeleton"):
        rec.prepare([imu, imu.replace(source="imu2.npy"), skeleton])


@pytest.mark.slow
def test_runs_without_input_spec_need_a_layout(run_dir: Path, tmp_path: Path) -> None:
    old = tmp_path / "old-run"
    shutil.copytree(run_dir, old, ignore=shutil.ignore_patterns("checkpoints", "input.json", "finished.json"))
    with pytest.raises(ConfigError, match=r"input\.json is missing"):
        Recognizer.load(old)
    assert Recognizer.load(old, layout="kinect_v1").spec["layout"] == "kinect_v1"


@pytest.mark.slow
def test_sliding_windows_find_two_actions_in_order(run_dir: Path, synthetic: list[Sequence]) -> None:
    assert frames_of("2s", 30.0) == 60 and frames_of("500ms", 50.0) == 25 and frames_of("45f", 30.0) == 45
    with pytest.raises(ConfigError, match="expected a duration"):
        frames_of("two seconds", 30.0)
    a = transforms.resample(_of(synthetic, "bow", 1, 1)[0], 60)
    b = transforms.resample(_of(synthetic, "hands_up", 1, 1)[0], 60)
    rec = Recognizer.load(run_dir, threshold=0.02)  # windows equal to a reference: distance ~0 (float noise)
    rec.enrol("bow", [a]).enrol("hands_up", [b])
    long = a.replace(data=np.concatenate([a.data, b.data, a.data]), source="long.npy")
    found = segment(rec, long, window="60f", stride="20f")
    # windows start at frames 0, 20, ..., 120; each speaks for the 20 frames at its centre
    assert [s.label for s in found] == ["bow", UNKNOWN, "hands_up", UNKNOWN, "bow"]
    assert [round(s.start_s * a.rate_hz) for s in found] == [0, 40, 80, 100, 140]
    assert all(x.end_s == y.start_s for x, y in itertools.pairwise(found))
    assert found[-1].end_s == pytest.approx(180 / a.rate_hz) and found[0].distance < 0.02


@pytest.mark.slow
def test_cli_enrol_recognise_show_remove(run_dir: Path, synthetic: list[Sequence], tmp_path: Path) -> None:
    runner = CliRunner()
    write_folder(synthetic, tmp_path / "data")
    files = {s.label: sorted((tmp_path / "data" / s.label).glob("*s1_t1*.npy")) for s in synthetic}
    gallery = str(tmp_path / "g.sldml")
    for label in ("bow", "hands_up"):
        result = runner.invoke(
            app, ["enrol", "--model", str(run_dir), "--gallery", gallery, "--label", label, str(files[label][0])]
        )
        assert result.exit_code == 0, result.output
        assert "unknown above the threshold" in result.stdout and "% of genuine queries" in result.stdout
    shown = json.loads(runner.invoke(app, ["gallery", "show", gallery, "--json"]).stdout)
    assert shown["labels"] == {"bow": 1, "hands_up": 1} and shown["input"]["layout"] == "kinect_v1"
    result = runner.invoke(
        app,
        ["recognize", "--model", str(run_dir), "--gallery", gallery, str(files["bow"][0]), "--json", "--top-k", "2"],
    )
    answers = json.loads(result.stdout)
    assert answers[0]["label"] == "bow" and answers[0]["distance"] < 1e-4 and len(answers[0]["top_k"]) == 2
    stored = json.loads((run_dir / "calibration.json").read_text())
    assert stored["operating_point"] == "accept=0.95" and stored["tar"] >= 0.95  # training's default point
    query = ["recognize", "--model", str(run_dir), "--gallery", gallery, str(files["arm_curl"][0]), "--json"]
    strict = json.loads(runner.invoke(app, [*query, "--far", "0.01"]).stdout)[0]
    loose = json.loads(runner.invoke(app, [*query, "--accept-rate", "0.99"]).stdout)[0]
    assert strict["threshold"] <= loose["threshold"]  # fewer unknowns accepted: a tighter threshold
    result = runner.invoke(app, [*query, "--far", "0.1", "--eer"])
    assert result.exit_code == 2 and "--far and --eer: choose one operating point" in result.output
    both = [s for s in generate(20, 3, 2, 0) if s.label == "push"]  # skeleton and inertial recordings
    write_folder(both, tmp_path / "push")
    result = runner.invoke(
        app, ["recognize", "--model", str(run_dir), "--gallery", gallery, str(tmp_path / "push"), "--json"]
    )
    assert result.exit_code == 0 and len(json.loads(result.stdout)) == 6  # the 6 skeleton recordings
    assert "6 sample(s) of another layout or modality not used" in result.stderr
    assert runner.invoke(app, ["gallery", "remove", gallery, "bow"]).exit_code == 0
    assert json.loads(runner.invoke(app, ["gallery", "show", gallery, "--json"]).stdout)["labels"] == {"hands_up": 1}
    Path(gallery).write_bytes(Path(gallery).read_bytes()[:40])
    result = runner.invoke(app, ["gallery", "show", gallery])
    assert result.exit_code == 1 and "truncated or damaged" in result.output


def test_coarse_sequences_keep_the_shape_of_centred_frames() -> None:
    import torch

    from sldml.inference.recognizer import coarse_sequences

    torch.manual_seed(0)
    frames = torch.randn(3, 16, 5)
    frames = frames - frames.mean(1, keepdim=True)  # centred over time: every mean frame is zero
    coarse = coarse_sequences(frames, 4)
    expected = frames.reshape(3, 4, 4, 5).mean(2).transpose(1, 2).flatten(1)  # (N, d * segments), channel-major
    torch.testing.assert_close(coarse, expected / expected.norm(dim=1, keepdim=True))
    stretched = frames.repeat_interleave(2, dim=1)  # the same motion at half speed
    assert torch.allclose(coarse_sequences(stretched, 4), coarse, atol=1e-6)
    assert float((coarse[0] - coarse[1]).norm()) > 0.5  # different sequences stay apart


@pytest.mark.slow
def test_a_kinect_v1_gallery_answers_mediapipe_world_queries_through_the_common_body(
    untrained_run: Path, synthetic: list[Sequence]
) -> None:
    from sldml.bodies import convert

    rec = Recognizer.load(untrained_run)
    for label in ("bow", "hands_up", "arm_curl"):
        rec.enrol(label, _of(synthetic, label, subject=1, trial=1))
    queries = [s for label in ("bow", "hands_up", "arm_curl") for s in _of(synthetic, label) if s.subject != 1]
    native = [a.top_k[0][0] for a in rec.recognize_many(queries)]
    as_mediapipe = [convert(q, "mediapipe_world") for q in queries]  # 33 landmarks, a mapping of its own
    assert {q.layout for q in as_mediapipe} == {"mediapipe_world"}
    converted = [a.top_k[0][0] for a in rec.recognize_many(as_mediapipe)]
    truth = [q.label for q in queries]
    assert np.mean([c == t for c, t in zip(converted, truth, strict=True)]) >= 0.75  # chance 1/3
    assert np.mean([c == n for c, n in zip(converted, native, strict=True)]) >= 0.75
    flat = as_mediapipe[0].replace(layout="mediapipe")  # image keypoints cannot become 3-D positions
    with pytest.raises(DataError, match=r"'mediapipe' is 2-D and 'kinect_v1' is 3-D"):
        rec.recognize(flat)
