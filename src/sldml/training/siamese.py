"""Train the Siamese-LSTM on pairs and score it, with its multi-class module, on one subject-wise fold.

The pair model reads each sequence frame by frame (:func:`sldml.transforms.frame_features`: skeletons centred
on the centre joint in every frame; channel data z-scored), at its own length (packed; nothing resampled). An
epoch draws fresh pairs (``pairs.per_sample`` per training sample, match fraction ``pairs.match_fraction``).
Every ``train.eval_every`` epochs the model is scored on the test fold: pair accuracy over every (test,
reference) comparison, and the multi-class module's accuracy; these are the curves of the paper's Figs. 3-4.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from collections.abc import Sequence as Seq
from typing import Any

import lightning as L
import numpy as np
import numpy.typing as npt
import torch
from torch import Tensor
from torch.utils.data import DataLoader, Sampler

from sldml.config import SiameseConfig
from sldml.config.siamese import MCCConfig
from sldml.datasets.pairs import sample_pairs
from sldml.evaluation.mcc import METHODS, MultiClassModule, choose_references, training_matrix
from sldml.models.lstm import SiameseLSTM, pad_batch
from sldml.sequence import Sequence
from sldml.training.trainer import quiet_trainer
from sldml.transforms import frame_features

EVAL_BATCH = 256
"""Sequences encoded at once in evaluation."""


def sequence_tensors(sequences: Seq[Sequence], frame_step: int = 1, velocity: bool = False) -> list[Tensor]:
    """The (T, features) float32 frame tensors the recurrent models read (every ``frame_step``-th frame).

    With ``velocity``, each frame also carries its difference from the previous kept frame (zero for the first),
    doubling the features.
    """
    out = []
    for seq in sequences:
        frames = frame_features(seq)[::frame_step].astype(np.float32)
        if velocity:
            frames = np.concatenate([frames, np.diff(frames, axis=0, prepend=frames[:1])], axis=1)
        out.append(torch.from_numpy(np.ascontiguousarray(frames)))
    return out


def standardiser(series: Seq[Tensor]) -> Callable[[Tensor], Tensor]:
    """A function that z-scores frame tensors with the mean and std of every feature over ``series``' frames.

    Fit on the training samples only; applied to training and test samples alike.
    """
    frames = torch.cat(list(series))
    mean, std = frames.mean(0), frames.std(0).clamp_min(1e-6)
    return lambda x: (x - mean) / std


class SubsetBatches(Sampler[list[int]]):
    """Batches of sample indices, each from ONE dataset: ``m_per_class`` samples of random classes.

    Pairs are then drawn inside a batch (:func:`sldml.datasets.pairs.sample_pairs`), so every sequence of a batch is
    encoded once however many pairs it is part of, and a pair never mixes datasets. Indices are global: dataset
    d's samples come after those of datasets 0..d-1. An epoch has about (all samples / batch_size) batches;
    each dataset gets batches in proportion to its size.

    Args:
        labels: Per dataset, the class label of each sample.
        batch_size: Samples per batch.
        m_per_class: Samples of each class in a batch (fewer when a class has fewer).
        seed: Seed; epoch e draws with (seed, e).
    """

    def __init__(self, labels: Seq[Seq[str]], batch_size: int, m_per_class: int, seed: int) -> None:
        self.labels = [list(x) for x in labels]
        self.batch_size = batch_size
        self.m_per_class = m_per_class
        self.seed = seed
        self.epoch = 0
        self.offsets = np.cumsum([0, *[len(x) for x in self.labels]])
        self.batches = max(1, int(self.offsets[-1]) // batch_size)

    def __len__(self) -> int:
        return self.batches

    def __iter__(self) -> Iterator[list[int]]:
        rng = np.random.default_rng([self.seed, self.epoch])
        self.epoch += 1
        sizes = np.array([len(x) for x in self.labels], dtype=np.float64)
        for dataset in rng.choice(len(self.labels), size=self.batches, p=sizes / sizes.sum()):
            labels = np.asarray(self.labels[dataset])
            classes = rng.permutation(np.unique(labels))
            chosen: list[int] = []
            for label in classes:
                members = np.flatnonzero(labels == label)
                take = min(self.m_per_class, len(members), self.batch_size - len(chosen))
                chosen.extend(rng.choice(members, size=take, replace=False).tolist())
                if len(chosen) >= self.batch_size:
                    break
            yield [int(self.offsets[dataset]) + i for i in chosen]


def collate_sequences(batch: list[tuple[Tensor, int]]) -> tuple[Tensor, Tensor, Tensor]:
    """Padded sequences, lengths, and class codes of a batch."""
    x, lengths = pad_batch([s for s, _ in batch])
    return x, lengths, torch.tensor([c for _, c in batch], dtype=torch.int64)


class PairModule(L.LightningModule):
    """Cross-entropy over (no match, match) of a :class:`SiameseLSTM` on pairs drawn inside each batch; Adam.

    Args:
        net: The pair model.
        pairs_per_sample: Pairs drawn per sequence of a batch.
        match_fraction: Fraction of matching pairs (``None``: 1 / (U + 1) for the U classes of the batch).
        lr: Adam learning rate.
        weight_decay: Adam weight decay.
        seed: Seed of the pair draws.
    """

    def __init__(
        self,
        net: SiameseLSTM,
        pairs_per_sample: int,
        match_fraction: float | None,
        lr: float,
        weight_decay: float,
        seed: int,
    ) -> None:
        super().__init__()
        self.net = net
        self.pairs_per_sample = pairs_per_sample
        self.match_fraction = match_fraction
        self.lr = lr
        self.weight_decay = weight_decay
        self.rng = np.random.default_rng(seed)

    def training_step(self, batch: tuple[Tensor, Tensor, Tensor], batch_idx: int) -> Tensor:
        """Encode the batch once, draw pairs inside it, and score them: loss and pair accuracy."""
        x, lengths, codes = batch
        encoded = self.net.encode(x, lengths)
        table = sample_pairs(
            [codes.tolist()], self.pairs_per_sample * len(codes), self.match_fraction, self.rng, ["the batch"]
        )
        first, second = (torch.from_numpy(table[:, k]).to(encoded.device) for k in (1, 2))
        match = torch.from_numpy(table[:, 3]).to(encoded.device)
        logits = self.net.pair_logits(encoded[first], encoded[second])
        loss = torch.nn.functional.cross_entropy(logits, match)
        accuracy = (logits.argmax(1) == match).float().mean()
        self.log("pair_loss", loss, on_step=False, on_epoch=True, batch_size=len(match))
        self.log("pair_accuracy", accuracy, on_step=False, on_epoch=True, batch_size=len(match))
        return loss

    def configure_optimizers(self) -> Any:
        """Adam."""
        return torch.optim.Adam(self.net.parameters(), lr=self.lr, weight_decay=self.weight_decay)


def encode(net: SiameseLSTM, series: Seq[Tensor]) -> Tensor:
    """Final states (N, hidden) of frame tensors, in evaluation mode."""
    net.eval()
    device = next(net.parameters()).device
    chunks = []
    with torch.no_grad():
        for start in range(0, len(series), EVAL_BATCH):
            x, lengths = pad_batch(series[start : start + EVAL_BATCH])
            chunks.append(net.encode(x.to(device), lengths).cpu())
    return torch.cat(chunks)


def comparison_matrix(net: SiameseLSTM, queries: Tensor, references: Tensor) -> npt.NDArray[np.float64]:
    """(queries x references) match probabilities of encoded sequences."""
    net.eval()
    device = next(net.parameters()).device
    rows = []
    with torch.no_grad():
        refs = references.to(device)
        for query in queries.to(device):
            rows.append(net.match_probability(query.expand(len(refs), -1), refs).cpu())
    return torch.stack(rows).double().numpy() if rows else np.zeros((0, len(references)))


def score_fold(
    net: SiameseLSTM,
    train: tuple[Seq[Tensor], Seq[str]],
    test: tuple[Seq[Tensor], Seq[str]],
    config: MCCConfig,
    seed: int,
) -> dict[str, float]:
    """Pair accuracy and multi-class accuracy (every MCC method) of the pair model on a test fold.

    Args:
        net: The pair model.
        train: Training frame tensors and labels (the references and the MCC's training set).
        test: Test frame tensors and labels.
        config: The MCC settings.
        seed: Seed of the reference choice.

    Returns:
        ``pair_accuracy`` (every test x reference comparison, threshold 0.5), ``pair_balanced`` (mean of the
        match and no-match recalls), and ``mcc_<method>`` accuracy for knn, svm and best_match.
    """
    train_series, train_labels = train
    test_series, test_labels = test
    encoded_train, encoded_test = encode(net, train_series), encode(net, test_series)
    refs = choose_references(train_labels, config.references_per_class, np.random.default_rng(seed))
    ref_labels = [train_labels[r] for r in refs]
    g_train = training_matrix(comparison_matrix(net, encoded_train, encoded_train[refs]), train_labels, refs)
    g_test = comparison_matrix(net, encoded_test, encoded_train[refs])
    truth = np.asarray(test_labels)[:, None] == np.asarray(ref_labels)[None, :]
    said = g_test > 0.5
    out = {
        "pair_accuracy": float(np.mean(said == truth)),
        "pair_balanced": float((np.mean(said[truth]) + np.mean(~said[~truth])) / 2),
    }
    for method in METHODS:
        mcc = MultiClassModule(method, config.knn_k, config.svm_c).fit(g_train, train_labels, ref_labels)
        out[f"mcc_{method}"] = float(np.mean(mcc.predict(g_test) == np.asarray(test_labels)))
    return out


class _Epochs(L.Callback):
    """Scores the model on the test fold every ``every`` epochs and after the last."""

    def __init__(self, every: int, score: Callable[[], dict[str, float]]) -> None:
        self.every = every
        self.score = score
        self.curve: list[dict[str, float]] = []

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Score every ``every`` epochs and after the last."""
        epoch = trainer.current_epoch + 1
        if (self.every and epoch % self.every == 0) or epoch == trainer.max_epochs:
            metrics = {k: float(v) for k, v in trainer.callback_metrics.items()}
            self.curve.append({"epoch": epoch, **metrics, **self.score()})
            pl_module.train()


def train_siamese(
    config: SiameseConfig,
    train: tuple[Seq[Tensor], Seq[str]],
    test: tuple[Seq[Tensor], Seq[str]] | None = None,
    extra_sets: Seq[tuple[Seq[Tensor], Seq[str]]] = (),
) -> tuple[SiameseLSTM, list[dict[str, float]], float]:
    """Train a pair model; score it on ``test`` every ``train.eval_every`` epochs.

    Args:
        config: The siamese config.
        train: Frame tensors and labels of the training samples (the MCC's dataset).
        test: Test frame tensors and labels to score on (``None``: no curve).
        extra_sets: More datasets to draw pairs from (never mixed with each other or with ``train``).

    Returns:
        The trained network, the curve (one dict per scored epoch), and the training time in seconds.
    """
    L.seed_everything(config.train.seed, workers=True, verbose=False)
    sets = [train, *extra_sets]
    net = SiameseLSTM(int(train[0][0].shape[1]), config.model.hidden, config.model.layers, config.model.head)
    samples: list[tuple[Tensor, int]] = []
    for series, labels in sets:  # class codes per dataset: a batch never holds two datasets
        codes = {label: code for code, label in enumerate(sorted(set(labels)))}
        samples.extend((x, codes[y]) for x, y in zip(series, labels, strict=True))
    batches = SubsetBatches([x for _, x in sets], config.train.batch_size, config.train.m_per_class, config.train.seed)
    loader: DataLoader[tuple[Tensor, int]] = DataLoader(samples, batch_sampler=batches, collate_fn=collate_sequences)  # type: ignore[arg-type]

    def score() -> dict[str, float]:
        return score_fold(net, train, test, config.mcc, config.train.seed) if test is not None else {}

    epochs = _Epochs(config.train.eval_every if test is not None else 0, score)
    trainer = quiet_trainer(config.train.epochs, config.train.accelerator, [epochs], config.train.progress)
    module = PairModule(
        net,
        config.pairs.per_sample,
        config.pairs.match_fraction,
        config.train.lr,
        config.train.weight_decay,
        config.train.seed,
    )
    start = time.perf_counter()
    trainer.fit(module, loader)
    return net.cpu().eval(), epochs.curve, time.perf_counter() - start
