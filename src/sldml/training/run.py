"""Train an SL-DML model on a protocol's auxiliary classes, then evaluate one-shot recognition of its novel ones.

Every run writes to its own folder (never into the data folder)::

    runs/<name>-<date>-<time>/
      config.yaml          the resolved config
      protocol.yaml        the protocol that was used
      classes.json         auxiliary classes, in classifier order
      input.json           what the model reads: layout, modality, rate (see :func:`input_spec`)
      calibration.json     the open-set rejection threshold, calibrated on the novel classes' one-shot split
                           (:mod:`sldml.evaluation.openset`)
      checkpoints/         Lightning checkpoints: best.ckpt (lowest training loss); last.ckpt with train.save_last
      model.safetensors    the final weights (no pickle)
      metrics.csv          per-epoch losses (Lightning's CSV logger)
      results.json         metrics of the model and the baselines, seed, versions, wall time, samples/s
      embeddings.npz       reference and query embeddings with labels and source files
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import platform
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
import yaml
from lightning.fabric.utilities.exceptions import MisconfigurationException
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger
from pytorch_metric_learning.samplers import MPerClassSampler
from safetensors.torch import load_file, save_file
from torch.utils.data import DataLoader

from sldml.alignment import distance_matrix
from sldml.config import Config, config_from_dict, method_name
from sldml.datasets import SignalImageDataset, image, preprocess
from sldml.errors import ConfigError
from sldml.evaluation.baselines import run_baseline
from sldml.evaluation.oneshot import euclidean_distances, score_distances
from sldml.evaluation.openset import calibrate
from sldml.losses import SLDMLLoss, SoftDTWDistance
from sldml.models.factory import build_net
from sldml.models.net import EmbeddingNet
from sldml.models.resnet import load_state_dict_file
from sldml.protocols import OneShotSplit, Protocol, load_protocol, protocol_from_dict
from sldml.sequence import Sequence
from sldml.sources import load_data
from sldml.training.module import SLDMLModule, Throughput

# Lightning's DDP launcher starts each worker process by running the same command again; the parent
# passes the run folder it made through this variable so that all processes write to one folder.
_RUN_DIR_ENV = "SLDML_RUN_DIR"
CALIBRATION_PER_CLASS = 20
"""Samples per class that the end-of-training calibration embeds."""


def class_label(seq: Sequence) -> str:
    """The class name a sample is scored under (its label, else its class id)."""
    return seq.label if seq.label is not None else str(seq.class_id)


def versions() -> dict[str, str]:
    """Versions of the packages a result depends on."""
    out = {"python": platform.python_version()}
    for package in ("sldml", "torch", "torchvision", "lightning", "pytorch-metric-learning", "numpy", "dtaidistance"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "not installed"
    return out


def _new_run_dir(config: Config) -> tuple[Path, bool]:
    """The run folder, and whether this process made it (``False`` in a DDP worker process)."""
    inherited = os.environ.get(_RUN_DIR_ENV)
    if inherited:
        return Path(inherited), False
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    path = Path(config.output_dir) / f"{config.name}-{stamp}"
    path.mkdir(parents=True, exist_ok=False)
    os.environ[_RUN_DIR_ENV] = str(path.resolve())
    return path, True


def embed(net: EmbeddingNet, sequences: list[Sequence], config: Config) -> np.ndarray:
    """Embeddings (N, embedding_dim) of sequences, with the run's preprocessing, in evaluation mode."""
    dataset = SignalImageDataset(sequences, config.preprocess, [0] * len(sequences), None)
    device = next(net.parameters()).device
    net.eval()
    chunks = []
    with torch.no_grad():
        for start in range(0, len(dataset), config.evaluate.batch_size):
            images = torch.stack(
                [dataset[i][0] for i in range(start, min(start + config.evaluate.batch_size, len(dataset)))]
            )
            chunks.append(net.embed(images.to(device)).float().cpu().numpy())
    return np.concatenate(chunks) if chunks else np.zeros((0, config.model.embedding_dim), dtype=np.float32)


def embedding_distances(net: EmbeddingNet, references: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """(queries x references) distances in the model's metric: Euclidean, or DTW of frame-level embeddings."""
    if net.frame_dim is None:
        return euclidean_distances(references, queries)
    frames = [
        torch.from_numpy(np.asarray(a, dtype=np.float32)).reshape(len(a), -1, net.frame_dim)
        for a in (queries, references)
    ]
    return distance_matrix(frames[0], frames[1], "dtw").double().numpy()


def evaluate_split(
    net: EmbeddingNet, split: OneShotSplit, config: Config, run_dir: Path | None = None
) -> dict[str, Any]:
    """One-shot scores of the model and the configured baselines on a split; saves embeddings to ``run_dir``."""
    references, queries = embed(net, split.references, config), embed(net, split.queries, config)
    ref_labels = [class_label(s) for s in split.references]
    query_labels = [class_label(s) for s in split.queries]
    model = score_distances(embedding_distances(net, references, queries), ref_labels, query_labels)
    if run_dir is not None:
        np.savez(
            run_dir / "embeddings.npz",
            reference_embeddings=references,
            reference_labels=np.array(ref_labels),
            reference_sources=np.array([str(s.source) for s in split.references]),
            query_embeddings=queries,
            query_labels=np.array(query_labels),
            query_sources=np.array([str(s.source) for s in split.queries]),
        )
    baselines = {
        name: run_baseline(name, split, config.preprocess, config.model.frame_norm).summary()
        for name in config.evaluate.baselines
    }
    return {
        "method": method_name(config),
        "epochs": config.train.epochs,
        "references": len(ref_labels),
        "queries": len(query_labels),
        "evaluation_classes": ref_labels,
        "model": model.summary(),
        "baselines": baselines,
    }


def input_spec(sequences: list[Sequence], config: Config) -> dict[str, Any]:
    """What a model trained on ``sequences`` reads: their layout, modality, (median) frame rate, image shape.

    Raises:
        ConfigError: If the sequences mix layouts or modalities (a model reads one kind of input).
    """
    layouts = sorted({s.layout for s in sequences})
    modalities = sorted({s.modality for s in sequences})
    if len(layouts) != 1 or len(modalities) != 1:
        raise ConfigError(f"training samples mix layouts {layouts} / modalities {modalities}; a model reads one")
    return {
        "layout": layouts[0],
        "modality": modalities[0],
        "rate_hz": float(np.median([s.rate_hz for s in sequences])),
        "image_shape": list(image(preprocess(sequences[0], config.preprocess), config.preprocess).shape),
    }


def calibrate_on(
    net: EmbeddingNet, sequences: list[Sequence], config: Config, source: str, target_far: float = 0.05
) -> dict[str, Any]:
    """Calibrate the rejection threshold on labelled samples (:func:`sldml.evaluation.openset.calibrate`).

    Each class's first sample (in the given order) is its reference; at most :data:`CALIBRATION_PER_CLASS`
    samples of a class are used.
    """
    by_class: dict[str, list[Sequence]] = {}
    for seq in sequences:
        by_class.setdefault(class_label(seq), []).append(seq)
    chosen = [s for group in by_class.values() for s in group[:CALIBRATION_PER_CLASS]]
    embeddings = embed(net, chosen, config)
    labels = [class_label(s) for s in chosen]
    return calibrate(embeddings, labels, target_far, source, lambda r, q: embedding_distances(net, r, q)).to_dict()


def protocol_to_dict(protocol: Protocol) -> dict[str, Any]:
    """The YAML mapping of a protocol (inverse of :func:`~sldml.protocols.protocol_from_dict`)."""
    rules = []
    for rule in protocol.reference:
        fields = {k: v for k, v in vars(rule).items() if v is not None and v is not False}
        if "classes" in fields:
            fields["classes"] = list(fields["classes"])
        rules.append(fields)
    auxiliary: Any = "all" if protocol.auxiliary_all else "rest"
    if protocol.auxiliary is not None and not protocol.auxiliary_all:
        auxiliary = list(protocol.auxiliary)
    return {
        "name": protocol.name,
        "dataset": protocol.dataset,
        "evaluation": list(protocol.evaluation),
        "auxiliary": auxiliary,
        "exclude": list(protocol.exclude),
        "reference": rules,
    }


def _loader(split: OneShotSplit, classes: list[str], config: Config) -> DataLoader[Any]:
    targets = [classes.index(class_label(s)) for s in split.auxiliary]
    dataset = SignalImageDataset(split.auxiliary, config.preprocess, targets, config.augment)
    m = config.train.m_per_class
    # MPerClassSampler fills a batch with m samples of each of batch/m classes: with few auxiliary
    # classes (3/24 splits) the batch shrinks to what they can fill.
    batch = min(config.train.batch_size, m * len(classes))
    batch -= batch % m
    if batch < 2:
        raise ConfigError(f"train.m_per_class={m} with {len(classes)} auxiliary class(es) gives batches of {batch}")
    sampler = MPerClassSampler(targets, m=m, batch_size=batch, length_before_new_iter=max(len(dataset), batch))
    return DataLoader(
        dataset,
        batch_size=batch,
        sampler=sampler,
        num_workers=config.train.num_workers,
        drop_last=True,
        persistent_workers=config.train.num_workers > 0,
    )


def _split(config: Config, protocol: Protocol, sequences: list[Sequence]) -> OneShotSplit:
    """The protocol's split; with ``evaluate.modality`` set, references and queries of the other modality."""
    other = config.evaluate.modality
    if other is None or other == config.data.modality:
        if protocol.auxiliary_all:
            raise ConfigError(
                f"protocol {protocol.name}: 'auxiliary: all' trains on the evaluation classes; it is "
                "only for inter-sensor runs with evaluate.modality set to another modality"
            )
        return protocol.split(sequences)
    evaluation, _ = load_data(dataclasses.replace(config.data, modality=other))
    train_split, eval_split = protocol.split(sequences), protocol.split(evaluation)
    return OneShotSplit(train_split.auxiliary, eval_split.references, eval_split.queries)


def _check_transfer(config: Config, split: OneShotSplit, classes: list[str], spec: dict[str, Any]) -> None:
    """Fail before training when a network built for the training input cannot read the evaluation modality's.

    Raises:
        ConfigError: If ``model.backbone`` fixes the number of input rows or channels (``frames``, ``tcn``,
            ``stgcn``) and the evaluation modality has another.
    """
    other = split.references[0]
    shape = list(image(preprocess(other, config.preprocess), config.preprocess).shape)
    net = build_net(config, len(classes), False, tuple(spec["image_shape"]), spec["layout"])
    net.eval()
    try:
        with torch.no_grad():
            net(torch.zeros((2, *shape)))
    except RuntimeError as err:
        reason = str(err).splitlines()[0]
        raise ConfigError(
            f"evaluate.modality={config.evaluate.modality}: model.backbone={config.model.backbone} built for "
            f"{spec['modality']} input {spec['image_shape']} cannot read {other.modality} input {shape} ({reason}); "
            "inter-sensor transfer needs a backbone that reads any number of rows, such as resnet18"
        ) from None


def _distance(config: Config, net: EmbeddingNet) -> SoftDTWDistance | None:
    """The training distance ``loss.distance`` names (``None``: pytorch-metric-learning's default)."""
    if config.loss.distance == "default":
        return None
    if net.frame_dim is None:
        raise ConfigError(
            f"loss.distance=soft_dtw compares frame sequences; model.backbone={config.model.backbone} pools time "
            "away (use a frame-level backbone: tcn)"
        )
    if config.loss.gamma <= 0:
        raise ConfigError(f"loss.gamma={config.loss.gamma}: expected a positive temperature")
    return SoftDTWDistance(net.frame_dim, config.loss.gamma)


def _fit(
    config: Config,
    split: OneShotSplit,
    classes: list[str],
    run_dir: Path,
    input_shape: tuple[int, ...],
    layout: str,
) -> tuple[L.Trainer, EmbeddingNet, Throughput]:
    """Build the network, the loss and the Lightning trainer, and train on the split's auxiliary samples."""
    L.seed_everything(config.train.seed, workers=True, verbose=False)
    loader = _loader(split, classes, config)
    net = build_net(config, len(classes), input_shape=input_shape, layout=layout)
    loss = SLDMLLoss(
        config.loss.alpha, config.loss.beta, config.loss.margin, config.loss.miner_epsilon, _distance(config, net)
    )
    module = SLDMLModule(net, loss, config.optim, config.train.epochs)
    checkpoints = ModelCheckpoint(
        dirpath=run_dir / "checkpoints",
        filename="best",
        monitor="train_loss",
        mode="min",
        save_last=config.train.save_last,
    )
    throughput = Throughput()
    try:
        trainer = _trainer(config, run_dir, [checkpoints, throughput])
    except (MisconfigurationException, ValueError, RuntimeError) as err:
        raise ConfigError(
            f"train.accelerator={config.train.accelerator}, devices={config.train.devices}, "
            f"strategy={config.train.strategy}, precision={config.train.precision}: {err}"
        ) from None
    trainer.fit(module, loader)
    return trainer, net, throughput


def _trainer(config: Config, run_dir: Path, callbacks: list[L.Callback]) -> L.Trainer:
    return L.Trainer(
        max_epochs=config.train.epochs,
        accelerator=config.train.accelerator,
        devices=config.train.devices,
        num_nodes=config.train.num_nodes,
        strategy=config.train.strategy,
        precision=config.train.precision,  # type: ignore[arg-type]
        deterministic="warn" if config.train.deterministic else False,
        logger=CSVLogger(run_dir, name="", version=""),
        callbacks=callbacks,
        enable_progress_bar=config.train.progress,
        enable_model_summary=False,
        log_every_n_steps=1,
        default_root_dir=run_dir,
    )


def train(config: Config, sequences: list[Sequence] | None = None, protocol: Protocol | None = None) -> Path | None:
    """Train on the auxiliary classes of ``protocol`` (default: ``config.protocol``) and evaluate.

    Args:
        config: The experiment.
        sequences: The samples (default: load ``config.data``).
        protocol: The protocol (default: load ``config.protocol``).

    Returns:
        The run folder; ``None`` in the worker processes of a multi-process (DDP) run, where the first
        process alone evaluates and writes the results.
    """
    start = time.perf_counter()
    skipped: list[str] = []
    if sequences is None:
        sequences, skipped = load_data(config.data)
    protocol = protocol or load_protocol(config.protocol)
    keys = {s.class_id if protocol.by_id else s.label for s in sequences}
    protocol = protocol.resolve(k for k in keys if k is not None)
    split = _split(config, protocol, sequences)
    classes = sorted({class_label(s) for s in split.auxiliary})
    spec = input_spec(split.auxiliary, config)
    if config.evaluate.modality not in (None, config.data.modality):
        _check_transfer(config, split, classes, spec)
    run_dir, made_here = _new_run_dir(config)
    try:
        trainer, net, throughput = _fit(config, split, classes, run_dir, tuple(spec["image_shape"]), spec["layout"])
    finally:
        if made_here:  # the worker processes have started by now; a later run must not reuse this folder
            os.environ.pop(_RUN_DIR_ENV, None)
    train_seconds = time.perf_counter() - start
    if not trainer.is_global_zero:
        return None
    net = net.cpu()
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(run_dir / "model.safetensors"))
    (run_dir / "config.yaml").write_text(yaml.safe_dump(config.to_dict(), sort_keys=False))
    (run_dir / "protocol.yaml").write_text(yaml.safe_dump(protocol_to_dict(protocol), sort_keys=False))
    (run_dir / "classes.json").write_text(json.dumps(classes, indent=1))
    (run_dir / "input.json").write_text(json.dumps(spec, indent=1))
    if config.evaluate.modality in (None, config.data.modality):
        calibration = calibrate_on(
            net,
            split.references + split.queries,
            config,
            f"one-shot split of {protocol.name} (reference + queries of classes never trained on)",
        )
    else:  # inter-sensor: the evaluation split is in another modality than the model reads
        calibration = calibrate_on(net, split.auxiliary, config, f"auxiliary training samples of {protocol.name}")
    (run_dir / "calibration.json").write_text(json.dumps(calibration, indent=1))
    results = evaluate_split(net, split, config, run_dir)
    results.update(
        protocol=protocol.name,
        auxiliary_classes=classes,
        checkpoint="last",
        seed=config.train.seed,
        epochs=config.train.epochs,
        world_size=trainer.world_size,
        train_steps=trainer.global_step,
        train_samples_per_s=round(throughput.samples_per_second, 1),
        train_seconds=round(train_seconds, 1),
        wall_time_s=round(time.perf_counter() - start, 1),
        skipped_files=skipped,
        versions=versions(),
    )
    (run_dir / "results.json").write_text(json.dumps(results, indent=1))
    return run_dir


@dataclass
class Run:
    """A trained run loaded back: its config, protocol, auxiliary classes and network."""

    path: Path
    config: Config
    protocol: Protocol
    classes: list[str]
    net: EmbeddingNet


def load_run(path: str | Path, checkpoint: str = "last") -> Run:
    """Load a run folder (or a checkpoint file inside one).

    Args:
        path: The run folder, or a ``.ckpt`` / ``.safetensors`` file in it (or in its ``checkpoints/``).
        checkpoint: ``last`` (``model.safetensors``, the final weights) or ``best`` (``checkpoints/best.ckpt``);
            ignored when ``path`` is a file.

    Raises:
        ConfigError: If the folder is not a finished run, or the weights do not fit its config.
    """
    given = Path(path)
    run_dir = (
        given.parent.parent if given.parent.name == "checkpoints" else (given.parent if given.is_file() else given)
    )
    for required in ("config.yaml", "classes.json", "protocol.yaml"):
        if not (run_dir / required).is_file():
            raise ConfigError(f"{run_dir} is not a finished sldml run: {required} is missing")
    config = config_from_dict(yaml.safe_load((run_dir / "config.yaml").read_text()))
    protocol = protocol_from_dict(
        yaml.safe_load((run_dir / "protocol.yaml").read_text()), str(run_dir / "protocol.yaml")
    )
    classes = json.loads((run_dir / "classes.json").read_text())
    spec_file = run_dir / "input.json"
    spec = json.loads(spec_file.read_text()) if spec_file.is_file() else {}
    shape = spec.get("image_shape")
    net = build_net(
        config, len(classes), pretrained=False, input_shape=tuple(shape) if shape else None, layout=spec.get("layout")
    )
    if given.is_file():
        weights = given
    elif checkpoint == "last":
        weights = run_dir / "model.safetensors"
    elif checkpoint == "best":
        weights = run_dir / "checkpoints" / "best.ckpt"
    else:
        raise ConfigError(f"checkpoint={checkpoint!r}; valid: last, best")
    if not weights.is_file():
        raise ConfigError(f"weights file {weights} not found")
    if weights.suffix == ".safetensors":
        state = load_file(str(weights))
    else:
        state = {k.removeprefix("net."): v for k, v in load_state_dict_file(weights).items() if k.startswith("net.")}
    try:
        net.load_state_dict(state)
    except RuntimeError as err:
        raise ConfigError(f"weights {weights} do not fit the run's model: {str(err).splitlines()[0]}") from None
    net.eval()
    return Run(run_dir, config, protocol, classes, net)


def evaluate_run(
    path: str | Path,
    protocol: str | None = None,
    checkpoint: str = "last",
    sequences: list[Sequence] | None = None,
) -> dict[str, Any]:
    """Evaluate a trained run one-shot, on its own protocol or another whose novel classes it never trained on.

    Writes ``evaluation-<protocol>-<checkpoint>.json`` into the run folder and returns its content.

    Raises:
        ConfigError: If the protocol's evaluation classes include classes the run trained on.
    """
    run = load_run(path, checkpoint)
    chosen = load_protocol(protocol) if protocol else run.protocol
    if sequences is None:
        sequences, _ = load_data(run.config.data)
    split = _split(run.config, chosen, sequences)
    seen = sorted({class_label(s) for s in split.references} & set(run.classes))
    if seen and run.config.evaluate.modality in (None, run.config.data.modality):
        raise ConfigError(
            f"protocol {chosen.name}: evaluation class(es) {', '.join(seen)} were training classes of "
            f"{run.path}; one-shot evaluation needs novel classes"
        )
    results = evaluate_split(run.net, split, run.config)
    results.update(protocol=chosen.name, checkpoint=checkpoint if not Path(path).is_file() else str(path))
    (run.path / f"evaluation-{chosen.name}-{checkpoint}.json").write_text(json.dumps(results, indent=1))
    return results
