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
from sldml.evaluation.ranking import class_scores

Method = Literal["knn", "svm", "best_match", "topk"]
METHODS: tuple[Method, ...] = ("knn", "svm", "best_match", "topk")


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
        method: ``knn``, ``svm``, ``best_match`` or ``topk``.
        knn_k: Neighbours of ``knn``.
        svm_c: C of ``svm`` (RBF kernel).
        top_k: References per class that ``topk`` averages.
    """

    def __init__(self, method: Method = "svm", knn_k: int = 1, svm_c: float = 10.0, top_k: int = 3) -> None:
        self.method = method
        self.knn_k = knn_k
        self.svm_c = svm_c
        self.top_k = top_k

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
        self.train_g_ = np.asarray(g, dtype=np.float64)
        self.train_labels_ = np.asarray(labels).astype(str)
        self.classifier_: Any = None
        if self.method == "knn":
            self.classifier_ = KNeighborsClassifier(n_neighbors=min(self.knn_k, len(labels))).fit(g, labels)
        elif self.method == "svm":
            self.classifier_ = SVC(C=self.svm_c, kernel="rbf", gamma="scale").fit(g, labels)
        return self

    def scores(self, g: npt.NDArray[np.floating[Any]]) -> tuple[npt.NDArray[np.float64], list[str]]:
        """(m, classes) scores of comparison vectors, higher = more likely, and the classes of the columns.

        ``best_match`` / ``topk``: the mean of each class's 1 / ``top_k`` best entries of G; ``knn``: minus the
        distance to the nearest training vector of each class; ``svm``: the one-vs-rest decision values.

        Raises:
            ConfigError: If not fitted, or g has another number of references.
        """
        self._check(g)
        if self.method in ("best_match", "topk"):
            classes = sorted({str(x) for x in self.reference_labels_.tolist()})
            top = 1 if self.method == "best_match" else self.top_k
            return class_scores(g, self.reference_labels_.tolist(), classes, top), classes
        if self.method == "knn":
            classes = sorted({str(x) for x in self.train_labels_.tolist()})
            distances = np.linalg.norm(g[:, None, :] - self.train_g_[None, :, :], axis=2)
            out: npt.NDArray[np.float64] = np.stack(
                [-distances[:, self.train_labels_ == c].min(axis=1) for c in classes], axis=1
            ).astype(np.float64)
            return out, classes
        decision = np.asarray(self.classifier_.decision_function(g), dtype=np.float64)
        classes = [str(c) for c in self.classifier_.classes_]
        if decision.ndim == 1:  # two classes: one decision value, positive for classes_[1]
            decision = np.stack([-decision, decision], axis=1)
        return decision, classes

    def predict(self, g: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.str_]:
        """The class label of each (k,) comparison vector in g (m, k).

        Raises:
            ConfigError: If not fitted, or g has another number of references.
        """
        self._check(g)
        if self.method in ("best_match", "topk"):
            scores, classes = self.scores(g)
            return np.asarray(classes)[_argmax_fair(scores)]
        predicted: npt.NDArray[np.str_] = np.asarray(self.classifier_.predict(g)).astype(str)
        return predicted

    def _check(self, g: npt.NDArray[np.floating[Any]]) -> None:
        if not hasattr(self, "reference_labels_"):
            raise ConfigError("MultiClassModule.predict before fit")
        if g.ndim != 2 or g.shape[1] != len(self.reference_labels_):
            raise ConfigError(f"MCC predict: G {g.shape}; expected (m, {len(self.reference_labels_)})")


def _argmax_fair(scores: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Per row the column of the highest score; among tied columns the middle one by column order.

    A stable choice that does not always favour the first column (see the module docstring); the
    rank a tie deserves is measured by :func:`sldml.evaluation.ranking.true_class_ranks`.
    """
    out = np.empty(len(scores), dtype=np.int64)
    for row, values in enumerate(scores):
        best = np.flatnonzero(values == values.max())
        out[row] = best[len(best) // 2]
    return out
