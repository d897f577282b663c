from __future__ import annotations

import numpy as np
import pytest

from sldml.errors import ConfigError
from sldml.evaluation import nearest_neighbour, one_shot_accuracy, split_one_shot
from sldml.io.synthetic import generate


def test_nearest_neighbour_on_hand_made_vectors() -> None:
    refs = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    queries = np.array([[1.0, 1.0], [9.0, -1.0], [1.0, 8.0], [6.0, 0.0]])
    index, distance = nearest_neighbour(refs, queries)
    assert index.tolist() == [0, 1, 2, 1]
    np.testing.assert_allclose(distance, [np.sqrt(2), np.sqrt(2), np.sqrt(5), 4.0])
    assert one_shot_accuracy(refs, ["a", "b", "c"], queries, ["a", "b", "c", "a"]) == 0.75


def test_split_one_shot_picks_reference_and_queries() -> None:
    seqs = [s for s in generate(n_classes=4, n_subjects=2, n_trials=2) if s.modality == "skeleton"]
    split = split_one_shot(seqs, ["punch_right", "punch_left"], reference_subject=1, reference_trial=1)
    assert [s.label for s in split.references] == ["punch_left", "punch_right"]
    assert all((s.subject, s.trial) == (1, 1) for s in split.references)
    assert len(split.queries) == 2 * 3 and len(split.auxiliary) == 2 * 4
    with pytest.raises(ConfigError, match="no reference \\(subject 9, trial 1\\) for class\\(es\\) punch_left"):
        split_one_shot(seqs, ["punch_left"], reference_subject=9, reference_trial=1)
