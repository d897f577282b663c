"""Train the Siamese-LSTM on pairs and score it, with its multi-class module, on one subject-wise fold.

The pair model reads each sequence frame by frame (:func:`sldml.transforms.frame_features`: skeletons centred
on the centre joint in every frame; channel data z-scored), at its own length (packed; nothing resampled). An
epoch draws fresh pairs (``pairs.per_sample`` per training sample, match fraction ``pairs.match_fraction``).
Every ``train.eval_every`` epochs the model is scored on the test fold: pair accuracy over every (test,
reference) comparison, and the multi-class module's accuracy; these are the curves of the paper's Figs. 3-4.
With ``train.validation`` a held-out training subject is scored too, and its best score picks the weights.

Beyond the paper (issue 22's attempts, each a config switch): class-balanced and hard pair mining
(``pairs.mining``), a classification loss on the encoder (``train.classify_weight``), orientation and body-size
normalised inputs (``train.orient``, ``train.scale_body``), G as log-odds (``mcc.scores``), a class's k best
matches (``topk``), and the encoder's embeddings compared directly (``embedding_nn``). :func:`score_fold` also
records where the true class ranks under each score (:mod:`sldml.evaluation.ranking`).
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
from sldml.errors import ConfigError
from sldml.evaluation.mcc import METHODS, MultiClassModule, choose_references, training_matrix
from sldml.evaluation.ranking import calibration, class_scores, confusions, rank_summary, true_class_ranks
from sldml.models.lstm import MATCH, SiameseLSTM, pad_batch
from sldml.sequence import Sequence
from sldml.training.trainer import quiet_trainer
from sldml.transforms import face_forward, frame_features, scale_to_body

EVAL_BATCH = 256
"""Sequences encoded at once in evaluation."""


def sequence_tensors(
    sequences: Seq[Sequence],
    frame_step: int = 1,
    velocity: bool = False,
    orient: bool = False,
    scale_body: bool = False,
) -> list[Tensor]:
    """The (T, features) float32 frame tensors the recurrent models read (every ``frame_step``-th frame).

    With ``velocity``, each frame also carries its difference from the previous kept frame (zero for the first),
    doubling the features. ``orient`` and ``scale_body`` turn a skeleton to face forward and scale it to body
    size 1 first (channel data is left as it is).
    """
    out = []
    for seq in sequences:
        if seq.get_layout().kind == "skeleton":
            seq = face_forward(seq) if orient else seq
            seq = scale_to_body(seq) if scale_body else seq
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


def mined_pairs(
    codes: npt.NDArray[np.int64],
    per_sample: int,
    mining: str,
    rng: np.random.Generator,
    margins: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.int64]:
    """Pairs (first, second, match) inside a batch for ``balanced`` or ``hard`` mining (``pairs.mining``).

    Every sequence anchors ``per_sample`` pairs, half of them matching (where its class has another sequence in
    the batch); a non-matching partner is drawn class first, then a sequence of that class. With ``hard`` and
    the batch's (n, n) match log-odds ``margins``, each anchor's first matching pair is its least alike partner
    of its class and its first non-matching pair its most alike partner of another class.

    Raises:
        ConfigError: On an unknown mining rule, or ``hard`` without margins.
    """
    if mining not in ("balanced", "hard"):
        raise ConfigError(f"pairs.mining={mining!r} here; expected balanced or hard")
    if mining == "hard" and margins is None:
        raise ConfigError("hard pair mining needs the batch's match scores")
    n = len(codes)
    rows: list[tuple[int, int, int]] = []
    classes = np.unique(codes)
    for i in range(n):
        same = np.flatnonzero((codes == codes[i]) & (np.arange(n) != i))
        others = classes[classes != codes[i]]
        positives = per_sample // 2 if len(same) else 0
        if positives:
            chosen = rng.choice(same, size=positives)
            if margins is not None:
                chosen[0] = same[np.argmin(margins[i, same])]
            rows += [(i, int(j), 1) for j in chosen]
        negatives = per_sample - positives
        if negatives and len(others):
            picks = [int(rng.choice(np.flatnonzero(codes == c))) for c in rng.choice(others, size=negatives)]
            if margins is not None:
                different = np.flatnonzero(codes != codes[i])
                picks[0] = int(different[np.argmax(margins[i, different])])
            rows += [(i, j, 0) for j in picks]
    if not rows:
        raise ConfigError("pair mining: the batch holds one class only; no pair can be drawn")
    return np.asarray(rows, dtype=np.int64)


class PairModule(L.LightningModule):
    """Cross-entropy over (no match, match) of a :class:`SiameseLSTM` on pairs drawn inside each batch; Adam.

    Args:
        net: The pair model.
        pairs_per_sample: Pairs drawn per sequence of a batch.
        match_fraction: Fraction of matching pairs (``None``: 1 / (U + 1) for the U classes of the batch).
        lr: Adam learning rate.
        weight_decay: Adam weight decay.
        seed: Seed of the pair draws.
        mining: ``random``, ``balanced`` or ``hard`` (:func:`mined_pairs`).
        classes: Training classes (the size of the classification head).
        classify_weight: Weight of the cross-entropy over classes on the encoder's states (0: none).
    """

    def __init__(
        self,
        net: SiameseLSTM,
        pairs_per_sample: int,
        match_fraction: float | None,
        lr: float,
        weight_decay: float,
        seed: int,
        mining: str = "random",
        classes: int = 0,
        classify_weight: float = 0.0,
    ) -> None:
        super().__init__()
        self.net = net
        self.pairs_per_sample = pairs_per_sample
        self.match_fraction = match_fraction
        self.lr = lr
        self.weight_decay = weight_decay
        self.rng = np.random.default_rng(seed)
        self.mining = mining
        self.classify_weight = classify_weight
        self.classifier = (
            torch.nn.Linear(net.encoder.num_features, classes) if classify_weight > 0 and classes > 1 else None
        )

    def _pairs(self, encoded: Tensor, codes: Tensor) -> npt.NDArray[np.int64]:
        labels = codes.cpu().numpy()
        if self.mining == "random":
            table = sample_pairs(
                [labels.tolist()], self.pairs_per_sample * len(labels), self.match_fraction, self.rng, ["the batch"]
            )
            return table[:, 1:]
        margins = None
        if self.mining == "hard":
            with torch.no_grad():
                n = len(labels)
                a = encoded.detach().repeat_interleave(n, dim=0)
                b = encoded.detach().repeat(n, 1)
                logits = self.net.pair_logits(a, b)
                margins = (logits[:, MATCH] - logits[:, 1 - MATCH]).reshape(n, n).double().cpu().numpy()
        return mined_pairs(labels, self.pairs_per_sample, self.mining, self.rng, margins)

    def training_step(self, batch: tuple[Tensor, Tensor, Tensor], batch_idx: int) -> Tensor:
        """Encode the batch once, draw pairs inside it, and score them: loss and pair accuracy."""
        x, lengths, codes = batch
        encoded = self.net.encode(x, lengths)
        table = self._pairs(encoded, codes)
        first, second = (torch.from_numpy(table[:, k]).to(encoded.device) for k in (0, 1))
        match = torch.from_numpy(table[:, 2]).to(encoded.device)
        logits = self.net.pair_logits(encoded[first], encoded[second])
        loss = torch.nn.functional.cross_entropy(logits, match)
        accuracy = (logits.argmax(1) == match).float().mean()
        self.log("pair_loss", loss, on_step=False, on_epoch=True, batch_size=len(match))
        self.log("pair_accuracy", accuracy, on_step=False, on_epoch=True, batch_size=len(match))
        if self.classifier is not None:
            classify = torch.nn.functional.cross_entropy(self.classifier(encoded), codes)
            self.log("classify_loss", classify, on_step=False, on_epoch=True, batch_size=len(codes))
            loss = loss + self.classify_weight * classify
        return loss

    def configure_optimizers(self) -> Any:
        """Adam over the pair model (and the classification head, if any)."""
        return torch.optim.Adam(self.parameters(), lr=self.lr, weight_decay=self.weight_decay)


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


def comparison_margins(net: SiameseLSTM, queries: Tensor, references: Tensor) -> npt.NDArray[np.float64]:
    """(queries x references) match log-odds (match logit minus no-match logit) of encoded sequences.

    The match probability is their logistic function; unlike it, they do not saturate at 1.0.
    """
    net.eval()
    device = next(net.parameters()).device
    rows = []
    with torch.no_grad():
        refs = references.to(device)
        for query in queries.to(device):
            logits = net.pair_logits(query.expand(len(refs), -1), refs)
            rows.append((logits[:, MATCH] - logits[:, 1 - MATCH]).cpu())
    return torch.stack(rows).double().numpy() if rows else np.zeros((0, len(references)))


def comparison_matrix(net: SiameseLSTM, queries: Tensor, references: Tensor) -> npt.NDArray[np.float64]:
    """(queries x references) match probabilities of encoded sequences, as the pair model gives them (float32)."""
    margins = torch.from_numpy(comparison_margins(net, queries, references)).float()
    return torch.sigmoid(margins).double().numpy()


def _as_g(margins: npt.NDArray[np.float64], scores: str) -> npt.NDArray[np.float64]:
    """G's entries from match log-odds: the log-odds themselves (``logit``) or probabilities (``probability``)."""
    if scores == "logit":
        return margins
    out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-margins))
    return out


def score_fold(
    net: SiameseLSTM,
    train: tuple[Seq[Tensor], Seq[str]],
    test: tuple[Seq[Tensor], Seq[str]],
    config: MCCConfig,
    seed: int,
    diagnose: bool = False,
) -> dict[str, Any]:
    """Pair accuracy and multi-class accuracy (every MCC method) of the pair model on a test fold.

    Args:
        net: The pair model.
        train: Training frame tensors and labels (the references and the MCC's training set).
        test: Test frame tensors and labels.
        config: The MCC settings.
        seed: Seed of the reference choice.
        diagnose: Also return ``diagnosis`` (see :func:`diagnose_scores`).

    Returns:
        ``pair_accuracy`` (every test x reference comparison, threshold 0.5), ``pair_balanced`` (mean of the
        match and no-match recalls), ``mcc_<method>`` accuracy for knn, svm, best_match and topk, and
        ``embedding_nn`` (the class of the nearest training sequence by Euclidean distance of the encoder's
        final states).
    """
    train_series, train_labels = train
    test_series, test_labels = test
    encoded_train, encoded_test = encode(net, train_series), encode(net, test_series)
    refs = choose_references(train_labels, config.references_per_class, np.random.default_rng(seed))
    ref_labels = [train_labels[r] for r in refs]
    margins_train = comparison_margins(net, encoded_train, encoded_train[refs])
    margins_test = comparison_margins(net, encoded_test, encoded_train[refs])
    probabilities = comparison_matrix(net, encoded_test, encoded_train[refs])
    g_train = training_matrix(_as_g(margins_train, config.scores), train_labels, refs)
    g_test = _as_g(margins_test, config.scores)
    truth = np.asarray(test_labels)[:, None] == np.asarray(ref_labels)[None, :]
    said = probabilities > 0.5
    out: dict[str, Any] = {
        "pair_accuracy": float(np.mean(said == truth)),
        "pair_balanced": float((np.mean(said[truth]) + np.mean(~said[~truth])) / 2),
    }
    modules: dict[str, MultiClassModule] = {}
    for method in METHODS:
        mcc = MultiClassModule(method, config.knn_k, config.svm_c, config.top_k).fit(g_train, train_labels, ref_labels)
        modules[method] = mcc
        out[f"mcc_{method}"] = float(np.mean(mcc.predict(g_test) == np.asarray(test_labels)))
    distances = torch.cdist(encoded_test.double(), encoded_train.double()).numpy()
    nearest = np.asarray(train_labels)[distances.argmin(axis=1)]
    out["embedding_nn"] = float(np.mean(nearest == np.asarray(test_labels)))
    if diagnose:
        out["diagnosis"] = diagnose_scores(
            probabilities, margins_test, -distances, ref_labels, list(train_labels), list(test_labels), modules, g_test
        )
    return out


def diagnose_scores(
    probabilities: npt.NDArray[np.float64],
    margins: npt.NDArray[np.float64],
    similarities: npt.NDArray[np.float64],
    reference_labels: list[str],
    train_labels: list[str],
    test_labels: list[str],
    modules: dict[str, MultiClassModule],
    g_test: npt.NDArray[np.float64],
    top_k: int = 3,
) -> dict[str, Any]:
    """Where the true class ranks under each score, the probabilities' calibration, the most confused classes.

    Ranks (:func:`sldml.evaluation.ranking.true_class_ranks`, ties share their mean rank) under: the pair
    probabilities (best reference of each class), the match log-odds (best, and mean of the ``top_k`` best), the
    encoder's embeddings (nearest training sequence of each class), and every MCC's own class scores.
    """
    classes = sorted(set(reference_labels))
    truth = np.asarray(test_labels)[:, None] == np.asarray(reference_labels)[None, :]
    scored = {
        "pair probability, best reference": class_scores(probabilities, reference_labels, classes, 1),
        "pair log-odds, best reference": class_scores(margins, reference_labels, classes, 1),
        f"pair log-odds, mean of {top_k} best": class_scores(margins, reference_labels, classes, top_k),
        "embedding, nearest training sequence": class_scores(similarities, train_labels, classes, 1),
    }
    ranks: dict[str, dict[str, float]] = {}
    for name, matrix in scored.items():
        ranks[name] = rank_summary(true_class_ranks(matrix, classes, test_labels))
    answered: list[str] = []
    for method, module in modules.items():
        matrix, columns = module.scores(g_test)
        ranks[f"MCC {method}"] = rank_summary(true_class_ranks(matrix, columns, test_labels))
        if method == "knn":
            answered = module.predict(g_test).tolist()
    return {
        "ranks": ranks,
        "calibration": calibration(probabilities, truth),
        "confused": [list(row) for row in confusions(test_labels, answered)],
    }


class _Epochs(L.Callback):
    """Scores the model every ``every`` epochs and after the last; with a validation score, keeps the best weights.

    Args:
        every: Score every n epochs (0: only after the last).
        score: The test fold's scores (the curve; never used to choose).
        validate: The held-out training subject's score (``None``: no choice of weights).
        patience: Stop after this many validation scorings without improvement (0: never stop early).
    """

    def __init__(
        self,
        every: int,
        score: Callable[[], dict[str, Any]],
        validate: Callable[[], float] | None = None,
        patience: int = 0,
    ) -> None:
        self.every = every
        self.score = score
        self.validate = validate
        self.patience = patience
        self.curve: list[dict[str, Any]] = []
        self.best: tuple[float, int, dict[str, Tensor]] | None = None
        self.stale = 0

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Score every ``every`` epochs and after the last; keep the best validated weights; stop if stale."""
        epoch = trainer.current_epoch + 1
        if not ((self.every and epoch % self.every == 0) or epoch == trainer.max_epochs):
            return
        metrics = {k: float(v) for k, v in trainer.callback_metrics.items()}
        point: dict[str, Any] = {"epoch": epoch, **metrics}
        if self.validate is not None:
            value = self.validate()
            point["validation"] = value
            if self.best is None or value > self.best[0]:
                state = {k: v.detach().clone() for k, v in pl_module.state_dict().items()}
                self.best, self.stale = (value, epoch, state), 0
            else:
                self.stale += 1
                if self.patience and self.stale >= self.patience:
                    trainer.should_stop = True
        self.curve.append({**point, **self.score()})
        pl_module.train()


def train_siamese(
    config: SiameseConfig,
    train: tuple[Seq[Tensor], Seq[str]],
    test: tuple[Seq[Tensor], Seq[str]] | None = None,
    extra_sets: Seq[tuple[Seq[Tensor], Seq[str]]] = (),
    validation: tuple[Seq[Tensor], Seq[str]] | None = None,
) -> tuple[SiameseLSTM, list[dict[str, Any]], float]:
    """Train a pair model; score it on ``test`` every ``train.eval_every`` epochs.

    Args:
        config: The siamese config.
        train: Frame tensors and labels of the training samples (the MCC's dataset).
        test: Test frame tensors and labels to score on (``None``: no curve).
        extra_sets: More datasets to draw pairs from (never mixed with each other or with ``train``).
        validation: Held-out training samples: scored by ``train.monitor`` against ``train`` every
            ``train.eval_every`` epochs; the best-scoring weights are returned (``train.patience`` stops early).

    Returns:
        The trained network, the curve (one dict per scored epoch; ``validation`` and ``chosen_epoch`` with
        a validation set), and the training time in seconds.
    """
    L.seed_everything(config.train.seed, workers=True, verbose=False)
    sets = [train, *extra_sets]
    net = SiameseLSTM(int(train[0][0].shape[1]), config.model.hidden, config.model.layers, config.model.head)
    samples: list[tuple[Tensor, int]] = []
    offset = 0
    for series, labels in sets:  # class codes per dataset, offset: a batch never holds two datasets
        codes = {label: offset + code for code, label in enumerate(sorted(set(labels)))}
        offset += len(codes)
        samples.extend((x, codes[y]) for x, y in zip(series, labels, strict=True))
    batches = SubsetBatches([x for _, x in sets], config.train.batch_size, config.train.m_per_class, config.train.seed)
    loader: DataLoader[tuple[Tensor, int]] = DataLoader(samples, batch_sampler=batches, collate_fn=collate_sequences)  # type: ignore[arg-type]

    def score() -> dict[str, Any]:
        return score_fold(net, train, test, config.mcc, config.train.seed) if test is not None else {}

    def validate() -> float:
        assert validation is not None
        return float(score_fold(net, train, validation, config.mcc, config.train.seed)[config.train.monitor])

    every = config.train.eval_every if (test is not None or validation is not None) else 0
    epochs = _Epochs(every, score, validate if validation is not None else None, config.train.patience)
    trainer = quiet_trainer(config.train.epochs, config.train.accelerator, [epochs], config.train.progress)
    module = PairModule(
        net,
        config.pairs.per_sample,
        config.pairs.match_fraction,
        config.train.lr,
        config.train.weight_decay,
        config.train.seed,
        config.pairs.mining,
        offset,
        config.train.classify_weight,
    )
    start = time.perf_counter()
    trainer.fit(module, loader)
    seconds = time.perf_counter() - start
    if epochs.best is not None:
        module.load_state_dict(epochs.best[2])
        for point in epochs.curve:
            point["chosen_epoch"] = epochs.best[1]
    return net.cpu().eval(), epochs.curve, seconds
