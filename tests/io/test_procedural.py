from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pytest

from sldml.config import DataConfig, load_config
from sldml.datasets import load_data
from sldml.datasets.sources import randomisation
from sldml.errors import ConfigError
from sldml.evaluation.baselines import dtw_distances
from sldml.io.procedural import PRIMITIVES, Randomisation, action_class, generate, sample
from sldml.layouts import KINECT_V1

QUIET = Randomisation(body=0, tempo=0, view=0, noise=0, dropout=0, style=0)


def test_a_sample_is_a_function_of_seed_class_and_number() -> None:
    first = sample(3, 17, 2, ("skeleton", "inertial"))
    again = sample(3, 17, 2, ("skeleton", "inertial"))
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a.data, b.data)
    assert [s.modality for s in first] == ["skeleton", "inertial"]
    assert (first[0].label, first[0].class_id, first[0].subject, first[0].trial) == ("procedural_00017", 17, 2, 1)
    other_seed = sample(4, 17, 2)[0]
    assert other_seed.frames != first[0].frames or not np.allclose(other_seed.data, first[0].data)
    # asking for one modality leaves the other's data as it is
    np.testing.assert_array_equal(sample(3, 17, 2, ("inertial",))[0].data, first[1].data)


def test_class_k_is_the_same_whatever_the_number_of_classes() -> None:
    few = generate(3, 2, seed=5)
    many = generate(12, 2, seed=5)
    assert len(few) == 6 and len(many) == 24
    for a, b in zip(few, many[:6], strict=True):
        assert a.label == b.label
        np.testing.assert_array_equal(a.data, b.data)
    later = generate(2, 2, seed=5, first_class=11)
    for a, b in zip(later, many[20:], strict=True):
        np.testing.assert_array_equal(a.data, b.data)
    assert action_class(5, 7) == action_class(5, 7) and action_class(5, 7) != action_class(6, 7)
    # through the config too: data.procedural_classes only adds classes
    small, _ = load_data(DataConfig(dataset="procedural", procedural_classes=2, procedural_samples=2))
    np.testing.assert_array_equal(
        small[3].data,
        load_data(DataConfig(dataset="procedural", procedural_classes=5, procedural_samples=2))[0][3].data,
    )


def test_classes_are_closer_to_themselves_than_to_others_under_dtw() -> None:
    seqs = generate(16, 3, seed=0)  # the default randomisation
    distances = dtw_distances(seqs, seqs)  # hip-centred in every frame, as the dtw baseline
    labels = np.array([s.class_id for s in seqs])
    rng = np.random.default_rng(0)
    wins = 0
    draws = 1000
    for _ in range(draws):
        anchor = int(rng.integers(len(seqs)))
        same = rng.choice([j for j in range(len(seqs)) if labels[j] == labels[anchor] and j != anchor])
        other = rng.choice(np.flatnonzero(labels != labels[anchor]))
        wins += distances[anchor, same] < distances[anchor, other]
    assert wins / draws > 0.8  # chance is 0.5; measured 0.9 over 40 classes
    quiet = generate(16, 2, seed=0, strength=QUIET)
    d = dtw_distances(quiet, quiet)
    np.fill_diagonal(d, np.inf)
    nearest = np.array([s.class_id for s in quiet])[d.argmin(axis=1)]
    assert (nearest == np.array([s.class_id for s in quiet])).mean() == 1.0  # without randomisation: every one


def test_samples_of_a_class_vary_and_each_randomisation_adds_to_it() -> None:
    seqs = generate(1, 10, seed=1)
    frames = [s.frames for s in seqs]
    assert max(frames) / min(frames) > 1.2  # tempo and idle frames
    heights = [float(np.ptp(s.data[0, :, 1])) for s in seqs]  # head to foot in the first (rest) frame
    assert max(heights) / min(heights) > 1.1  # body size
    views = [s.meta["view"] for s in seqs]
    assert len(set(views)) > 5 and all(-30 <= v <= 30 for v in views)

    def within(strength: Randomisation) -> float:
        group = generate(4, 3, seed=2, strength=strength)
        d = dtw_distances(group, group)
        same = np.equal.outer([s.class_id for s in group], [s.class_id for s in group]) & ~np.eye(
            len(group), dtype=bool
        )
        return float(d[same].mean())

    quiet = within(QUIET)
    assert quiet > 0  # placement, facing and idle frames differ even so
    for name, value in (("view", 30.0), ("body", 0.15), ("style", 0.1), ("noise", 0.01)):
        assert within(dataclasses.replace(QUIET, **{name: value})) > 1.2 * quiet, name


def test_dropout_freezes_joints() -> None:
    noisy = dataclasses.replace(QUIET, noise=0.01)  # every joint moves a little in every frame ...
    plain, dropped = (sample(0, 3, 1, strength=dataclasses.replace(noisy, dropout=d))[0] for d in (0.0, 0.5))
    assert plain.meta["dropped_joints"] == 0 and dropped.meta["dropped_joints"] > 5

    def frozen(data: np.ndarray) -> int:  # (frame, joint) pairs that did not move
        return int((np.abs(np.diff(data, axis=0)).sum(axis=2) == 0).sum())

    assert frozen(plain.data) == 0  # ... unless it was dropped
    assert frozen(dropped.data) > 20


def test_skeletons_follow_utd_mhad_convention() -> None:
    data = sample(0, 1, 1, strength=QUIET)[0].data[0]
    index = KINECT_V1.index
    assert data[index("right_shoulder"), 0] > data[index("left_shoulder"), 0]  # the subject's right at larger x
    assert data[index("head"), 1] > data[index("hip_center"), 1] > data[index("right_foot"), 1]  # y up
    assert 2.2 < data[index("hip_center"), 2] < 3.4  # metres from the camera


def test_imu_is_the_wrist_motion() -> None:
    checked = Counter[str]()
    for class_id in range(1, 9):
        skeleton, inertial = sample(0, class_id, 1, ("skeleton", "inertial"), QUIET)
        assert (skeleton.rate_hz, inertial.rate_hz) == (30.0, 50.0)
        t_skel, t_imu = np.arange(skeleton.frames) / 30.0, np.arange(inertial.frames) / 50.0
        assert abs(t_skel[-1] - t_imu[-1]) < 0.05  # the same motion's length
        wrist = skeleton.data[:, KINECT_V1.index("right_wrist")].astype(np.float64)
        elbow = skeleton.data[:, KINECT_V1.index("right_elbow")].astype(np.float64)
        path = np.stack([np.interp(t_imu, t_skel, wrist[:, a]) for a in range(3)], axis=1)
        acceleration = np.gradient(np.gradient(path, t_imu, axis=0), t_imu, axis=0)
        expected = np.linalg.norm(acceleration + np.array([0.0, 9.81, 0.0]), axis=1) / 9.81  # |a + g| in g, any frame
        measured = np.linalg.norm(inertial.data[:, :3], axis=1)
        assert measured[:5] == pytest.approx(1.0, abs=0.02)  # at rest: gravity alone
        assert inertial.data[0, 0] < -0.7  # x along the hanging forearm, towards the hand (UTD-MHAD's axes)
        forearm = (wrist - elbow) / np.linalg.norm(wrist - elbow, axis=1, keepdims=True)
        turning = np.rad2deg(np.interp(t_imu, t_skel, np.linalg.norm(np.gradient(forearm, t_skel, axis=0), axis=1)))
        across = np.linalg.norm(inertial.data[:, 4:6], axis=1)  # gyro about the two axes across the forearm
        if measured.std() > 0.05:  # the wrist accelerates: the accelerometer says how much
            assert np.corrcoef(expected, measured)[0, 1] > 0.95
            checked["acc"] += 1
        if across.max() > 50:  # the forearm turns: the gyroscope says how fast
            assert np.corrcoef(turning, across)[0, 1] > 0.9
            assert np.median(across[across > 50] / turning[across > 50]) == pytest.approx(1.0, abs=0.15)
            checked["gyro"] += 1
    assert checked["acc"] >= 5 and checked["gyro"] >= 5


def test_classes_are_compositions_of_every_primitive() -> None:
    classes = [action_class(0, k) for k in range(1, 301)]
    kinds = Counter(p.kind for c in classes for p in c.primitives)
    assert set(kinds) == set(PRIMITIVES)
    assert Counter(len(c.primitives) for c in classes).keys() == {1, 2, 3}
    assert len({c.describe() for c in classes}) == 300
    durations = [c.duration_s for c in classes]
    assert min(durations) >= 1.5 and max(durations) <= 8.0


def test_config_fields_and_their_errors() -> None:
    assert randomisation(DataConfig()) == Randomisation()  # the config's defaults are the generator's
    with pytest.raises(ConfigError, match=r"data.procedural_classes=0"):
        load_config("default", ["data.dataset=procedural", "data.procedural_classes=0"])
    with pytest.raises(ConfigError, match=r"data.procedural_view=200"):
        load_config("default", ["data.procedural_view=200"])
    with pytest.raises(ConfigError, match=r"data.path='/x' is given but data.dataset=procedural reads no files"):
        load_data(DataConfig(dataset="procedural", path="/x"))
    with pytest.raises(ConfigError, match=r"data.layout='imu6': not a skeleton layout the common body maps"):
        load_data(DataConfig(dataset="procedural", layout="imu6"))
    with pytest.raises(ConfigError, match=r"data.layout='nope': unknown layout"):
        load_data(DataConfig(dataset="procedural", layout="nope"))
    with pytest.raises(ConfigError, match=r"procedural randomisation tempo=0.95; expected 0.0 <= tempo <= 0.9"):
        Randomisation(tempo=0.95)
    with pytest.raises(ConfigError, match=r"procedural modalities \['depth'\]; valid: skeleton, inertial"):
        generate(1, modalities=("depth",))
    with pytest.raises(ConfigError, match=r"procedural class 0 of seed 0"):
        action_class(0, 0)
    with pytest.raises(ConfigError, match=r"n_samples 0"):
        generate(1, 0)


def test_layout_conversion_of_a_dataset() -> None:
    plain, _ = load_data(DataConfig(dataset="procedural", procedural_classes=1, procedural_samples=1))
    converted, _ = load_data(
        DataConfig(dataset="procedural", procedural_classes=1, procedural_samples=1, layout="cmu31")
    )
    assert converted[0].layout == "cmu31" and converted[0].meta["converted_from"] == "kinect_v1"
    # the common joints are copied: the right wrist is the same point in both layouts
    np.testing.assert_allclose(
        converted[0].data[:, converted[0].get_layout().index("rradius")],
        plain[0].data[:, KINECT_V1.index("right_wrist")],
    )
