"""The Lightning module: a plain ``nn.Module`` network, the SL-DML loss, and the optimiser it is trained with."""

from __future__ import annotations

import time
from typing import Any

import lightning as L
import torch
from torch import Tensor

from sldml.config import OptimConfig
from sldml.errors import ConfigError
from sldml.losses import SLDMLLoss
from sldml.models.net import EmbeddingNet


def make_optimizer(params: Any, config: OptimConfig) -> torch.optim.Optimizer:
    """The optimiser named by ``config.name``."""
    if config.name == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    if config.name == "adamw":
        return torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    if config.name == "rmsprop":
        return torch.optim.RMSprop(params, lr=config.lr, weight_decay=config.weight_decay, momentum=config.momentum)
    if config.name == "sgd":
        return torch.optim.SGD(params, lr=config.lr, weight_decay=config.weight_decay, momentum=config.momentum)
    raise ConfigError(f"optim.name={config.name!r}; valid: adam, adamw, rmsprop, sgd")


class SLDMLModule(L.LightningModule):
    """Trains an :class:`~sldml.models.net.EmbeddingNet` with :class:`~sldml.losses.SLDMLLoss`."""

    def __init__(self, net: EmbeddingNet, loss: SLDMLLoss, optim: OptimConfig, epochs: int) -> None:
        super().__init__()
        self.net = net
        self.loss = loss
        self.optim = optim
        self.epochs = epochs

    def training_step(self, batch: tuple[Tensor, Tensor], batch_idx: int) -> Tensor:
        """One batch: embeddings, logits, the combined loss; logs each part."""
        images, labels = batch
        embeddings, logits = self.net(images)
        parts = self.loss(embeddings, labels, logits)
        size = len(labels)
        self.log(
            "train_loss", parts.total, on_step=False, on_epoch=True, prog_bar=True, batch_size=size, sync_dist=True
        )
        self.log("triplet_loss", parts.triplet, on_step=False, on_epoch=True, batch_size=size, sync_dist=True)
        self.log("classifier_loss", parts.classifier, on_step=False, on_epoch=True, batch_size=size, sync_dist=True)
        self.log("mined_pairs", float(parts.mined_pairs), on_step=False, on_epoch=True, batch_size=size, sync_dist=True)
        total: Tensor = parts.total
        return total

    def configure_optimizers(self) -> Any:
        """The configured optimiser and, unless constant, its schedule (stepped per epoch)."""
        optimizer = make_optimizer(self.net.parameters(), self.optim)
        if self.optim.schedule == "constant":
            return optimizer
        if self.optim.schedule == "cosine":
            scheduler: Any = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=self.epochs)
        else:
            scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=max(1, 2 * self.epochs // 3), gamma=0.1)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "epoch"}}


class Throughput(L.Callback):
    """Training samples per second, measured over every epoch but the first (which includes warm-up)."""

    def __init__(self) -> None:
        self.samples = 0
        self.seconds = 0.0
        self._start = 0.0
        self._count = 0

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Start the epoch's clock."""
        self._start = time.perf_counter()
        self._count = 0

    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        """Count the batch's samples, over all processes."""
        self._count += len(batch[1]) * trainer.world_size

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """Add the epoch to the totals (the first epoch only when it is the only one)."""
        if trainer.current_epoch > 0 or trainer.max_epochs == 1:
            self.samples += self._count
            self.seconds += time.perf_counter() - self._start

    @property
    def samples_per_second(self) -> float:
        """Samples per second, 0 before any epoch was measured."""
        return self.samples / self.seconds if self.seconds else 0.0
