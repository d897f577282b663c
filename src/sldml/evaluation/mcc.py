"""The multi-class module (MCC) of the Siamese-LSTM: classify from a vector of pair comparisons.

A query is compared with k training sequences ("references") in a fixed order; G (k,) holds the pair model's
match probabilities. The MCC is a classifier trained on the G vectors of the training sequences with their
class labels: ``knn`` or ``svm`` (scikit-learn), or the plain ``best_match`` rule (the class of the reference
with the highest match probability), which needs no training.

The G vector of a training sequence contains its comparison with itself, which a query never has. To keep the
training vectors like the test vectors, that entry is replaced by the mean of the sequence's comparisons with
the other references of its own class (or left as it is when there is none) by :func:`training_matrix`.
"""

from __future__ import annotations

from collections.abc import Sequence as Seq
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC

from sldml.errors import ConfigError

Method = Literal["knn", "svm", "best_match"]
METHODS: tuple[Method, ...] = ("knn", "svm", "best_match")


def choose_references(labels: Seq[str], per_class: int | None, rng: np.random.Generator) -> npt.NDArray[np.int64]:
    """Indices of the references: ``per_class`` random training sequences of every class (all if ``None``).

    Sorted by class label, then by index, so the order of G's entries is fixed and readable.
    """
    labels = list(labels)
    chosen: list[int] = []
    for label in sorted(set(labels)):
        members = [i for i, x in enumerate(labels) if x == label]
        if per_class is not None and per_class < len(members):
            members = sorted(rng.choice(members, size=per_class, replace=False).tolist())
        chosen.extend(members)
    return np.asarray(chosen, dtype=np.int64)


def training_matrix(
    g: npt.NDArray[np.floating[Any]], labels: Seq[str], references: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """The G matrix of the training sequences with each self-comparison replaced (see the module docstring).

    Args:
        g: (n training sequences, k references) match probabilities.
        labels: Class label of every training sequence.
        references: The training index of each reference (column).
    """
    out = np.array(g, dtype=np.float64)
    ref_labels = np.asarray([labels[r] for r in references])
    for column, row in enumerate(references):
        same = np.flatnonzero((ref_labels == labels[row]) & (references != row))
        if len(same):
            out[row, column] = out[row, same].mean()
    return out


class MultiClassModule:
    """A classifier over comparison vectors (scikit-learn style: ``fit`` returns self, fitted state ends in _).

    Args:
        method: ``knn``, ``svm`` or ``best_match``.
        knn_k: Neighbours of ``knn``.
        svm_c: C of ``svm`` (RBF kernel).
    """

    def __init__(self, method: Method = "svm", knn_k: int = 1, svm_c: float = 10.0) -> None:
        self.method = method
        self.knn_k = knn_k
        self.svm_c = svm_c

    def fit(self, g: npt.NDArray[np.floating[Any]], labels: Seq[str], reference_labels: Seq[str]) -> MultiClassModule:
        """Fit on the training sequences' comparison vectors.

        Args:
            g: (n, k) comparison vectors of the training sequences.
            labels: Their class labels (n).
            reference_labels: The class label of each of the k references (used by ``best_match``).

        Raises:
            ConfigError: On an unknown method or mismatched sizes.
        """
        if self.method not in METHODS:
            raise ConfigError(f"MCC method {self.method!r}; valid: {', '.join(METHODS)}")
        if g.ndim != 2 or g.shape[0] != len(labels) or g.shape[1] != len(reference_labels):
            raise ConfigError(f"MCC fit: G {g.shape} for {len(labels)} samples and {len(reference_labels)} references")
        self.reference_labels_ = np.asarray(reference_labels)
        self.classifier_: Any = None
        if self.method == "knn":
            self.classifier_ = KNeighborsClassifier(n_neighbors=min(self.knn_k, len(labels))).fit(g, labels)
        elif self.method == "svm":
            self.classifier_ = SVC(C=self.svm_c, kernel="rbf", gamma="scale").fit(g, labels)
        return self

    def predict(self, g: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.str_]:
        """The class label of each (k,) comparison vector in g (m, k).

        Raises:
            ConfigError: If not fitted, or g has another number of references.
        """
        if not hasattr(self, "reference_labels_"):
            raise ConfigError("MultiClassModule.predict before fit")
        if g.ndim != 2 or g.shape[1] != len(self.reference_labels_):
            raise ConfigError(f"MCC predict: G {g.shape}; expected (m, {len(self.reference_labels_)})")
        if self.method == "best_match":
            best: npt.NDArray[np.str_] = self.reference_labels_[np.argmax(g, axis=1)]
            return best
        predicted: npt.NDArray[np.str_] = np.asarray(self.classifier_.predict(g)).astype(str)
        return predicted
