"""The Lightning trainers sldml builds: the one-shot trainer (CSV log, checkpoints) and a quiet one for the rest."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence as Seq
from pathlib import Path

import lightning as L
from lightning.pytorch.loggers import CSVLogger


def quiet_lightning() -> None:
    """Keep Lightning's start-up chatter (accelerator lines, tips, few-workers warnings) out of the output."""
    import lightning.pytorch  # noqa: F401  (its import sets its loggers to INFO: set them after it)

    for name in ("lightning.pytorch", "lightning.fabric", "lightning"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=".*LeafSpec.*")
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")


def quiet_trainer(
    epochs: int, accelerator: str = "auto", callbacks: Seq[L.Callback] = (), progress: bool = False
) -> L.Trainer:
    """A one-device trainer that logs, checkpoints and summarises nothing (siamese, classifiers, zero-shot)."""
    quiet_lightning()
    return L.Trainer(
        max_epochs=epochs,
        accelerator=accelerator,
        devices=1,
        logger=False,
        callbacks=list(callbacks),
        enable_checkpointing=False,
        enable_progress_bar=progress,
        enable_model_summary=False,
    )


def run_trainer(
    epochs: int,
    run_dir: Path,
    callbacks: Seq[L.Callback],
    *,
    accelerator: str,
    devices: int,
    num_nodes: int,
    strategy: str,
    precision: str,
    deterministic: bool,
    progress: bool,
) -> L.Trainer:
    """The one-shot trainer: per-epoch losses to ``run_dir/metrics.csv``, the given checkpoint callbacks."""
    quiet_lightning()
    return L.Trainer(
        max_epochs=epochs,
        accelerator=accelerator,
        devices=devices,
        num_nodes=num_nodes,
        strategy=strategy,
        precision=precision,  # type: ignore[arg-type]
        deterministic="warn" if deterministic else False,
        logger=CSVLogger(run_dir, name="", version=""),
        callbacks=list(callbacks),
        enable_progress_bar=progress,
        enable_model_summary=False,
        log_every_n_steps=1,
        default_root_dir=run_dir,
    )
