"""Subject-wise folds for classification protocols: leave-one-subject-out and cross-subject (numpy only).

A fold is data (indices of training and test samples), so any dataset whose samples carry a subject works.
"""

from __future__ import annotations

from collections.abc import Sequence as Seq
from dataclasses import dataclass

from sldml.errors import ConfigError, DataError
from sldml.sequence import Sequence


@dataclass(frozen=True)
class Fold:
    """One train / test division of samples by subject.

    Attributes:
        name: e.g. ``subject-3`` or ``cross-subject``.
        train: Indices of the training samples.
        test: Indices of the test samples.
        test_subjects: The subjects of the test samples.
    """

    name: str
    train: tuple[int, ...]
    test: tuple[int, ...]
    test_subjects: tuple[int, ...]


def subjects_of(sequences: Seq[Sequence]) -> list[int]:
    """The subject of every sample.

    Raises:
        DataError: If a sample has no subject (naming its file).
    """
    out = []
    for seq in sequences:
        if seq.subject is None:
            raise DataError(seq.source, "subject: unknown; subject-wise folds need every sample's subject")
        out.append(seq.subject)
    return out


def leave_one_subject_out(subjects: Seq[int]) -> list[Fold]:
    """One fold per subject: that subject's samples are the test set, everyone else's the training set.

    Raises:
        ConfigError: If there are fewer than 2 subjects.
    """
    distinct = sorted(set(subjects))
    if len(distinct) < 2:
        raise ConfigError(f"leave-one-subject-out needs at least 2 subjects; found {distinct}")
    return [
        Fold(
            f"subject-{held}",
            tuple(i for i, s in enumerate(subjects) if s != held),
            tuple(i for i, s in enumerate(subjects) if s == held),
            (held,),
        )
        for held in distinct
    ]


def cross_subject(subjects: Seq[int], train_subjects: Seq[int]) -> Fold:
    """Train on ``train_subjects``, test on every other subject (UTD-MHAD's usual split: 1, 3, 5, 7 train).

    Raises:
        ConfigError: If either side would be empty.
    """
    chosen = set(train_subjects)
    train = tuple(i for i, s in enumerate(subjects) if s in chosen)
    test = tuple(i for i, s in enumerate(subjects) if s not in chosen)
    if not train or not test:
        raise ConfigError(
            f"cross-subject: training subjects {sorted(chosen)} leave "
            f"{'no training' if not train else 'no test'} samples among subjects {sorted(set(subjects))}"
        )
    return Fold("cross-subject", train, test, tuple(sorted({subjects[i] for i in test})))
