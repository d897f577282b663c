"""Score a network by one-shot episodes (:mod:`sldml.evaluation.episodes`) while it trains, at chosen epochs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import lightning as L

from sldml.config import Config
from sldml.evaluation.episodes import Episode, episode_accuracy, episode_margin
from sldml.models import EmbeddingNet
from sldml.runs import embed, embedding_distances
from sldml.sequence import Sequence, class_label


class EpisodeScore(NamedTuple):
    """A network's one-shot score over episodes.

    Attributes:
        accuracy: Mean over episodes of top-1 accuracy.
        std: Its standard deviation over episodes.
        margin: Mean relative margin (:func:`sldml.evaluation.episodes.episode_margin`).
    """

    accuracy: float
    std: float
    margin: float


def episode_score(
    net: EmbeddingNet, sequences: list[Sequence], episodes: list[Episode], config: Config
) -> EpisodeScore:
    """A network's one-shot accuracy (mean, std) and margin over episodes on ``sequences`` (in evaluation mode)."""
    was_training = net.training
    embeddings = embed(net, sequences, config)
    distances = embedding_distances(net, embeddings, embeddings)
    net.train(was_training)
    labels = [class_label(s) for s in sequences]
    return EpisodeScore(*episode_accuracy(distances, labels, episodes), episode_margin(distances, labels, episodes))


class EpisodeScores(L.Callback):
    """After each chosen epoch, the network's episode accuracy on held-out samples (``scores[epoch]``).

    Args:
        sequences: The samples the episodes index (classes the network does not train on).
        episodes: The episodes.
        config: The run's config (its preprocessing).
        epochs: The epochs (1-based) after which to score.
    """

    def __init__(self, sequences: list[Sequence], episodes: list[Episode], config: Config, epochs: Iterable[int]):
        self.sequences, self.episodes, self.config = sequences, episodes, config
        self.epochs = set(epochs)
        self.scores: dict[int, EpisodeScore] = {}

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Score at the chosen epochs."""
        epoch = trainer.current_epoch + 1
        if epoch in self.epochs:
            net = pl_module.net
            assert isinstance(net, EmbeddingNet)
            self.scores[epoch] = episode_score(net, self.sequences, self.episodes, self.config)
