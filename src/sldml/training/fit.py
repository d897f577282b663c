"""Fit an SL-DML network on a split's auxiliary samples: the sampler, the loss, the Lightning trainer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lightning as L
from lightning.fabric.utilities.exceptions import MisconfigurationException
from lightning.pytorch.callbacks import ModelCheckpoint
from pytorch_metric_learning.samplers import MPerClassSampler
from torch.utils.data import DataLoader

from sldml.config import Config
from sldml.datasets.tensors import SignalImageDataset
from sldml.errors import ConfigError, Interrupted
from sldml.losses import SLDMLLoss, SoftDTWDistance
from sldml.models import EmbeddingNet, build_net
from sldml.protocols import OneShotSplit
from sldml.runs.folder import BEST, CHECKPOINTS
from sldml.runs.initial import initialise
from sldml.sequence import class_label
from sldml.training.module import SLDMLModule, Throughput
from sldml.training.trainer import run_trainer


def loader(split: OneShotSplit, classes: list[str], config: Config) -> DataLoader[Any]:
    """Batches of m samples of each of batch / m auxiliary classes (pytorch-metric-learning's MPerClassSampler).

    Raises:
        ConfigError: If the auxiliary classes cannot fill a batch of at least 2.
    """
    position = {name: i for i, name in enumerate(classes)}
    targets = [position[class_label(s)] for s in split.auxiliary]
    dataset = SignalImageDataset(split.auxiliary, config.preprocess, targets, config.augment)
    m = config.train.m_per_class
    # MPerClassSampler fills a batch with m samples of each of batch/m classes: with few auxiliary
    # classes (3/24 splits) the batch shrinks to what they can fill.
    batch = min(config.train.batch_size, m * len(classes))
    batch -= batch % m
    if batch < 2:
        raise ConfigError(f"train.m_per_class={m} with {len(classes)} auxiliary class(es) gives batches of {batch}")
    length = max(config.train.epoch_samples or len(dataset), batch)
    sampler = MPerClassSampler(targets, m=m, batch_size=batch, length_before_new_iter=length)
    return DataLoader(
        dataset,
        batch_size=batch,
        sampler=sampler,
        num_workers=config.train.num_workers,
        drop_last=True,
        persistent_workers=config.train.num_workers > 0,
    )


def training_distance(config: Config, net: EmbeddingNet) -> SoftDTWDistance | None:
    """The training distance ``loss.distance`` names (``None``: pytorch-metric-learning's default).

    Raises:
        ConfigError: If ``soft_dtw`` is asked of a backbone that pools time away.
    """
    if config.loss.distance == "default":
        return None
    if net.frame_dim is None:
        raise ConfigError(
            f"loss.distance=soft_dtw compares frame sequences; model.backbone={config.model.backbone} pools time "
            "away (use a frame-level backbone: frames or tcn)"
        )
    return SoftDTWDistance(net.frame_dim, config.loss.gamma)


def fit(
    config: Config,
    split: OneShotSplit,
    classes: list[str],
    run_dir: Path,
    input_shape: tuple[int, ...],
    layout: str,
    callbacks: Sequence[L.Callback] = (),
) -> tuple[L.Trainer, EmbeddingNet, Throughput]:
    """Build the network, the loss and the Lightning trainer, and train on the split's auxiliary samples.

    The network starts from ``model.init``'s run when one is set (:func:`sldml.runs.initial.initialise`).
    ``callbacks`` run too (e.g. :class:`sldml.training.validation.EpisodeScores`).

    Raises:
        ConfigError: If the trainer settings (accelerator, devices, strategy, precision) are not valid here.
    """
    L.seed_everything(config.train.seed, workers=True, verbose=False)
    batches = loader(split, classes, config)
    net = build_net(config, len(classes), input_shape=input_shape, layout=layout)
    initialise(net, config, {"layout": layout, "image_shape": list(input_shape)})
    loss = SLDMLLoss(
        config.loss.alpha,
        config.loss.beta,
        config.loss.margin,
        config.loss.miner_epsilon,
        training_distance(config, net),
    )
    module = SLDMLModule(net, loss, config.optim, config.train.epochs)
    checkpoints = ModelCheckpoint(
        dirpath=run_dir / CHECKPOINTS,
        filename=BEST.removesuffix(".ckpt"),
        monitor="train_loss",
        mode="min",
        save_last=config.train.save_last,
    )
    throughput = Throughput()
    train = config.train
    try:
        trainer = run_trainer(
            train.epochs,
            run_dir,
            [checkpoints, throughput, *callbacks],
            accelerator=train.accelerator,
            devices=train.devices,
            num_nodes=train.num_nodes,
            strategy=train.strategy,
            precision=train.precision,
            deterministic=train.deterministic,
            progress=train.progress,
        )
    except (MisconfigurationException, ValueError, RuntimeError) as err:
        raise ConfigError(
            f"train.accelerator={train.accelerator}, devices={train.devices}, "
            f"strategy={train.strategy}, precision={train.precision}: {err}"
        ) from None
    try:
        trainer.fit(module, batches)
    except SystemExit:  # Lightning turns Ctrl-C into a graceful shutdown and exit(1)
        if trainer.interrupted:
            raise Interrupted(f"training stopped at epoch {trainer.current_epoch + 1} of {train.epochs}") from None
        raise
    if trainer.interrupted:
        raise Interrupted(f"training stopped at epoch {trainer.current_epoch + 1} of {train.epochs}")
    return trainer, net, throughput
