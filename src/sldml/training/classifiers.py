"""The classifier baselines of the S-LSTM paper (Tables I-II), trained on the same folds as the pair model.

* ``svm``: an RBF SVM on the coordinates resampled to ``frames`` frames and flattened, standardised.
* ``softmax``: multinomial logistic regression (softmax regression) on the same features.
* ``lstm1`` / ``lstm2``: a 1- / 2-layer LSTM (hidden size as the S-LSTM) with a linear layer over the classes,
  cross-entropy, Adam, on the variable-length frame tensors the S-LSTM reads (packed), for the same epochs.
"""

from __future__ import annotations

from collections.abc import Sequence as Seq
from typing import Any

import lightning as L
import numpy as np
import numpy.typing as npt
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from torch import Tensor
from torch.utils.data import DataLoader

from sldml.errors import ConfigError
from sldml.models.lstm import LSTMClassifier, pad_batch
from sldml.training.trainer import quiet_trainer
from sldml.transforms import resample_array

_BATCH = 32


CLASSIFIERS = ("svm", "softmax", "lstm1", "lstm2")
"""The classifier baselines (``baselines.names`` of a siamese config)."""


def check_classifiers(names: list[str]) -> None:
    """Refuse names that are not classifier baselines.

    Raises:
        ConfigError: Naming the unknown ones and listing the valid ones.
    """
    unknown = sorted(set(names) - set(CLASSIFIERS))
    if unknown:
        raise ConfigError(f"baselines.names: unknown {', '.join(unknown)}; valid: {', '.join(CLASSIFIERS)}")


def resampled(series: Seq[Tensor], frames: int) -> npt.NDArray[np.float32]:
    """(N, frames * features): every frame tensor resampled to ``frames`` frames and flattened."""
    return np.stack([resample_array(s.numpy(), frames).reshape(-1) for s in series])


class _ClassifierModule(L.LightningModule):
    def __init__(self, net: LSTMClassifier, lr: float) -> None:
        super().__init__()
        self.net = net
        self.lr = lr

    def training_step(self, batch: tuple[Tensor, Tensor, Tensor], batch_idx: int) -> Tensor:
        x, lengths, y = batch
        loss = torch.nn.functional.cross_entropy(self.net(x, lengths), y)
        self.log("loss", loss, on_step=False, on_epoch=True, batch_size=len(y))
        return loss

    def configure_optimizers(self) -> Any:
        return torch.optim.Adam(self.net.parameters(), lr=self.lr)


def _collate(batch: list[tuple[Tensor, int]]) -> tuple[Tensor, Tensor, Tensor]:
    x, lengths = pad_batch([s for s, _ in batch])
    return x, lengths, torch.tensor([y for _, y in batch], dtype=torch.int64)


def _lstm_predictions(
    train: tuple[Seq[Tensor], Seq[str]], test: Seq[Tensor], layers: int, hidden: int, epochs: int, seed: int, lr: float
) -> list[str]:
    L.seed_everything(seed, workers=True, verbose=False)
    series, labels = train
    classes = sorted(set(labels))
    index = {c: i for i, c in enumerate(classes)}
    net = LSTMClassifier(int(series[0].shape[1]), len(classes), hidden, layers)
    data = [(s, index[y]) for s, y in zip(series, labels, strict=True)]
    loader: DataLoader[tuple[Tensor, int]] = DataLoader(data, batch_size=_BATCH, shuffle=True, collate_fn=_collate)  # type: ignore[arg-type]
    trainer = quiet_trainer(epochs, accelerator="cpu")
    trainer.fit(_ClassifierModule(net, lr), loader)
    net.eval()
    with torch.no_grad():
        x, lengths = pad_batch(test)
        predicted = net(x, lengths).argmax(1).tolist()
    return [classes[i] for i in predicted]


def baseline_accuracy(
    name: str,
    train: tuple[Seq[Tensor], Seq[str]],
    test: tuple[Seq[Tensor], Seq[str]],
    frames: int = 32,
    hidden: int = 128,
    epochs: int = 40,
    seed: int = 0,
    lr: float = 1e-3,
    coordinates: int | None = None,
) -> float:
    """Accuracy of one classifier baseline trained on ``train`` and scored on ``test``.

    Args:
        name: One of :data:`CLASSIFIERS`.
        train: Training frame tensors and labels.
        test: Test frame tensors and labels.
        frames: Resampled length of the ``svm`` / ``softmax`` features.
        hidden: LSTM hidden size.
        epochs: LSTM training epochs.
        seed: Seed of the LSTM's weights and batches.
        lr: Adam learning rate of the LSTMs.
        coordinates: ``svm`` and ``softmax`` read only the first ``coordinates`` features of each frame (the
            coordinates, without appended velocities); ``None``: all.

    Raises:
        ConfigError: On an unknown baseline name.
    """
    if name in ("svm", "softmax"):
        model: Any = (
            SVC(C=10.0, kernel="rbf", gamma="scale") if name == "svm" else LogisticRegression(max_iter=3000, C=1.0)
        )
        keep = slice(0, coordinates)
        pipeline = make_pipeline(StandardScaler(), model)
        pipeline.fit(resampled([x[:, keep] for x in train[0]], frames), list(train[1]))
        predicted = list(pipeline.predict(resampled([x[:, keep] for x in test[0]], frames)))
    elif name in ("lstm1", "lstm2"):
        predicted = _lstm_predictions(train, test[0], 1 if name == "lstm1" else 2, hidden, epochs, seed, lr)
    else:
        raise ConfigError(f"unknown classifier baseline {name!r}; valid: {', '.join(CLASSIFIERS)}")
    return float(np.mean(np.asarray(predicted) == np.asarray(test[1])))
