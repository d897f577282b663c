"""Score a network by one-shot episodes (:mod:`sldml.evaluation.episodes`) while it trains, at chosen epochs."""

from __future__ import annotations

from collections.abc import Iterable

import lightning as L

from sldml.config import Config
from sldml.evaluation.episodes import Episode, episode_accuracy
from sldml.models import EmbeddingNet
from sldml.runs import embed, embedding_distances
from sldml.sequence import Sequence, class_label


def episode_score(
    net: EmbeddingNet, sequences: list[Sequence], episodes: list[Episode], config: Config
) -> tuple[float, float]:
    """Mean and std over episodes of a network's one-shot accuracy on ``sequences`` (in evaluation mode)."""
    was_training = net.training
    embeddings = embed(net, sequences, config)
    distances = embedding_distances(net, embeddings, embeddings)
    net.train(was_training)
    return episode_accuracy(distances, [class_label(s) for s in sequences], episodes)


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
        self.scores: dict[int, tuple[float, float]] = {}

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Score at the chosen epochs."""
        epoch = trainer.current_epoch + 1
        if epoch in self.epochs:
            net = pl_module.net
            assert isinstance(net, EmbeddingNet)
            self.scores[epoch] = episode_score(net, self.sequences, self.episodes, self.config)
