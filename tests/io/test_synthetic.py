from __future__ import annotations

import numpy as np
import pytest

from sldml import transforms
from sldml.errors import ConfigError
from sldml.evaluation import euclidean_distances
from sldml.io.synthetic import generate, list_actions
from sldml.representations import represent


def test_at_least_twenty_distinct_actions_and_counts() -> None:
    assert len(list_actions()) >= 20
    seqs = generate(n_classes=20, n_subjects=8, n_trials=4)
    skeleton = [s for s in seqs if s.modality == "skeleton"]
    inertial = [s for s in seqs if s.modality == "inertial"]
    assert len(skeleton) == len(inertial) == 20 * 8 * 4
    assert {s.layout for s in skeleton} == {"kinect_v1"} and {s.layout for s in inertial} == {"imu6"}
    assert {s.rate_hz for s in skeleton} == {30.0} and {s.rate_hz for s in inertial} == {50.0}
    assert len({s.label for s in skeleton}) == 20 and {s.subject for s in skeleton} == set(range(1, 9))


def test_deterministic_and_independent_of_what_else_is_generated() -> None:
    a = generate(n_classes=4, n_subjects=2, n_trials=2, seed=3)
    b = generate(n_classes=4, n_subjects=2, n_trials=2, seed=3)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.data, y.data)
    subset = generate(n_classes=2, n_subjects=1, n_trials=1, seed=3)
    np.testing.assert_array_equal(subset[0].data, a[0].data)
    inertial_only = generate(n_classes=2, n_subjects=1, n_trials=1, seed=3, modalities=("inertial",))
    np.testing.assert_array_equal(inertial_only[0].data, a[1].data)
    other = generate(n_classes=4, n_subjects=2, n_trials=2, seed=4)
    assert not np.allclose(other[0].data[:10], a[0].data[:10])


def test_subjects_differ_in_size_and_speed() -> None:
    seqs = [s for s in generate(n_classes=1, n_subjects=8, n_trials=1) if s.modality == "skeleton"]
    heights = [float(np.ptp(s.data[0, :, 1])) for s in seqs]  # head to foot in the first (rest) frame
    frames = [s.frames for s in seqs]
    assert max(heights) / min(heights) > 1.15
    assert max(frames) / min(frames) > 1.3


def test_imu_reads_gravity_at_rest_and_rotation_when_moving() -> None:
    seqs = {(s.label, s.modality): s for s in generate(n_classes=len(list_actions()), n_subjects=1, n_trials=1)}
    lunge = seqs[("lunge", "inertial")].data  # the right arm hangs still during a lunge
    assert np.median(np.linalg.norm(lunge[:, :3], axis=1)) == pytest.approx(1.0, abs=0.05)
    assert np.abs(lunge[:, 3:]).mean() < 10
    wave = seqs[("wave_right", "inertial")].data
    assert np.abs(wave[:, 3:]).max() > 150  # deg/s: a waving forearm turns fast
    assert 1.3 < np.abs(wave[:, :3]).max() < 10  # within what a real wrist IMU reads (g)


def test_classes_are_separable_by_one_nearest_neighbour() -> None:
    seqs = [s for s in generate(n_classes=20, n_subjects=4, n_trials=2) if s.modality == "skeleton"]
    images = np.stack([represent(transforms.centre(s)) for s in seqs])
    labels = np.array([s.label for s in seqs])
    subjects = np.array([s.subject for s in seqs])
    correct = 0
    for subject in range(1, 5):  # leave one subject out: recognise a new person's actions
        query, gallery = subjects == subject, subjects != subject
        index = euclidean_distances(images[gallery], images[query]).argmin(axis=1)
        correct += int((labels[gallery][index] == labels[query]).sum())
    accuracy = correct / len(seqs)
    assert accuracy > 0.8  # chance is 0.05


def test_bad_arguments() -> None:
    with pytest.raises(ConfigError, match="n_classes 99"):
        generate(n_classes=99)
    with pytest.raises(ConfigError, match="valid: skeleton, inertial"):
        generate(modalities=("depth",))


def test_views_and_body_proportions() -> None:
    from sldml import transforms
    from sldml.io.synthetic import View

    plain = [s for s in generate(2, 2, 1, 3) if s.modality == "skeleton"]
    seen = generate(2, 2, 1, 3, modalities=["skeleton"], views=[View(0), View(90), View(45, 30, mirror=True)])
    assert len(seen) == 3 * len(plain)
    assert [s.meta.get("view") for s in seen[:3]] == [0, 90, 45] and seen[2].meta["elevation"] == 30
    assert seen[2].meta["mirror"] == 1 and seen[1].source == plain[0].source + "_v90"
    front, side = seen[0], seen[1]
    assert not np.allclose(front.data, side.data, atol=0.1)  # a side view is another picture
    turned = [transforms.face_forward(transforms.centre(s, mode="every")).data for s in (front, side)]
    assert np.abs(turned[0] - turned[1]).mean() < 0.02  # ... of the same movement (up to sensor noise)
    assert np.allclose(generate(2, 2, 1, 3)[0].data, plain[0].data)  # without views or proportions: as before
    shaped = [s for s in generate(2, 2, 1, 3, proportions=0.3) if s.modality == "skeleton"]
    size = [transforms.body_size(s) for s in (plain[0], shaped[0])]
    assert not np.isclose(size[0], size[1])  # another torso length for the same subject
