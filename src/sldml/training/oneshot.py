"""Train an SL-DML model on a protocol's auxiliary classes, then evaluate one-shot recognition of its novel ones.

Every run writes to its own folder (never into the data folder); :mod:`sldml.runs.folder` lists its files.
"""

from __future__ import annotations

import datetime
import os
import platform
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

from sldml.config import Config
from sldml.datasets import check_dataset, image, load_data, one_shot_split, preprocess
from sldml.errors import ConfigError, Interrupted
from sldml.evaluation.baselines import check_baselines
from sldml.evaluation.scoring import calibrate_on, evaluate_split
from sldml.models import backbone_class, build_net, check_options
from sldml.protocols import OneShotSplit, Protocol, load_protocol
from sldml.representations import config_fields, parameters
from sldml.runs import input_spec, write_calibration, write_run
from sldml.runs.folder import FINISHED, RESULTS, load_best_weights, mark_finished
from sldml.runs.initial import check_init, check_input, initialise
from sldml.sequence import Sequence, class_label
from sldml.training.fit import fit
from sldml.training.module import Throughput

# Lightning's DDP launcher starts each worker process by running the same command again; the parent
# passes the run folder it made through this variable so that all processes write to one folder.
_RUN_DIR_ENV = "SLDML_RUN_DIR"


def versions() -> dict[str, str]:
    """Versions of the packages a result depends on."""
    out = {"python": platform.python_version()}
    for package in ("sldml", "torch", "torchvision", "lightning", "pytorch-metric-learning", "numpy", "dtaidistance"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "not installed"
    return out


def check_config(config: Config) -> None:
    """Check every name a registry owns, before anything is loaded or trained.

    ``data.dataset`` (the dataset registry), ``preprocess.representation`` and ``preprocess.options`` (the
    representation registry), ``model.backbone``, ``model.options`` and ``model.pretrained`` (the backbone
    registry), ``evaluate.baselines`` (the baseline registry), ``model.init`` (a finished run of the same network
    and input: :func:`sldml.runs.initial.check_init`), and what depends on the backbone's declared output:
    ``loss.distance=soft_dtw`` needs frame-level output, ``train.epochs=0`` a backbone that is a metric untrained
    or ``model.init``, ``evaluate.checkpoint=best`` at least one epoch.

    Raises:
        ConfigError: Naming the key, the value and what is valid.
    """
    check_dataset(config.data)
    valid = set(parameters(config.preprocess.representation)) - set(config_fields(config.preprocess.representation))
    unknown = sorted(set(config.preprocess.options) - valid)
    if unknown:
        raise ConfigError(
            f"preprocess.options: representation {config.preprocess.representation!r} has no option "
            f"{', '.join(unknown)}; valid: {', '.join(sorted(valid)) or 'none'}"
        )
    check_baselines(config.evaluate.baselines)
    backbone = backbone_class(config.model.backbone)
    check_options(config.model.backbone, config.model.options, config.model.pretrained)
    if config.loss.distance == "soft_dtw" and backbone.output_kind != "frames":
        raise ConfigError(
            f"loss.distance=soft_dtw compares frame sequences; model.backbone={config.model.backbone} pools time "
            "away (use a frame-level backbone: frames or tcn)"
        )
    if config.train.epochs == 0 and not backbone.metric_untrained and config.model.init == "none":
        raise ConfigError(
            f"train.epochs=0 is out of range for model.backbone={config.model.backbone}: an untrained network of it "
            "is noise; train at least 1 epoch (only backbones that are a metric untrained, such as frames, or a "
            "network started from a trained run with model.init=RUN may skip)"
        )
    check_init(config)
    if config.train.epochs == 0 and config.evaluate.checkpoint == "best":
        raise ConfigError("evaluate.checkpoint=best needs training (train.epochs >= 1): no checkpoint is written")


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


def check_transfer(config: Config, split: OneShotSplit, classes: list[str], spec: dict[str, Any]) -> None:
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


def load_split(
    config: Config, sequences: list[Sequence] | None = None, protocol: Protocol | None = None
) -> tuple[list[Sequence], list[str], Protocol, OneShotSplit]:
    """The samples, the protocol resolved against their classes, and its one-shot split.

    Returns:
        The samples (default: load ``config.data``), the files skipped loading them, the protocol (default:
        ``config.protocol``) resolved against the samples' classes, and its one-shot split.

    Raises:
        ConfigError: If the protocol does not fit the data.
        DataError: On data that cannot be read.
    """
    skipped: list[str] = []
    if sequences is None:
        sequences, skipped = load_data(config.data, config.output_dir)
    protocol = protocol or load_protocol(config.protocol)
    keys = {s.class_id if protocol.by_id else s.label for s in sequences}
    protocol = protocol.resolve(k for k in keys if k is not None)
    return sequences, skipped, protocol, one_shot_split(config, protocol, sequences)


def train(config: Config, sequences: list[Sequence] | None = None, protocol: Protocol | None = None) -> Path | None:
    """Train on the auxiliary classes of ``protocol`` (default: ``config.protocol``) and evaluate.

    Args:
        config: The experiment.
        sequences: The samples (default: load ``config.data``).
        protocol: The protocol (default: load ``config.protocol``).

    Returns:
        The run folder; ``None`` in the worker processes of a multi-process (DDP) run, where the first
        process alone evaluates and writes the results.

    Raises:
        ConfigError: On a config a registry refuses (:func:`check_config`) or a protocol that does not fit the data.
    """
    start = time.perf_counter()
    check_config(config)
    sequences, skipped, protocol, split = load_split(config, sequences, protocol)
    classes = sorted({class_label(s) for s in split.auxiliary})
    spec = input_spec(split.auxiliary or split.references, config)
    if not split.auxiliary and config.train.epochs > 0:
        raise ConfigError(
            f"protocol {protocol.name} has no auxiliary classes (auxiliary: none): nothing to train on with "
            f"train.epochs={config.train.epochs}; set train.epochs=0 to evaluate a network that needs no training "
            "(model.init=RUN, or a backbone that is a metric untrained)"
        )
    if config.evaluate.modality not in (None, config.data.modality):
        check_transfer(config, split, classes, spec)
    check_input(config, spec)
    run_dir, made_here = _new_run_dir(config)
    world_size, steps, throughput = 1, 0, Throughput()
    try:
        if split.auxiliary:
            trainer, net, throughput = fit(config, split, classes, run_dir, tuple(spec["image_shape"]), spec["layout"])
            if not trainer.is_global_zero:
                return None
            world_size, steps = trainer.world_size, trainer.global_step
        else:  # nothing to train: the network as it starts
            net = build_net(config, 0, input_shape=tuple(spec["image_shape"]), layout=spec["layout"])
            initialise(net, config, spec)
    except Interrupted as err:
        raise Interrupted(f"{err}; {run_dir} is an unfinished run (no {FINISHED}), delete it or train again") from None
    except Exception:
        if made_here and not any(run_dir.iterdir()):  # refused before anything was written: leave no empty run
            run_dir.rmdir()
        raise
    finally:
        if made_here:  # the worker processes have started by now; a later run must not reuse this folder
            os.environ.pop(_RUN_DIR_ENV, None)
    train_seconds = time.perf_counter() - start
    net = net.cpu()
    write_run(run_dir, config, protocol, classes, spec, net)
    if config.evaluate.checkpoint == "best":
        load_best_weights(net, run_dir)
    if config.evaluate.modality in (None, config.data.modality):
        calibration = calibrate_on(
            net,
            split.references + split.queries,
            config,
            f"one-shot split of {protocol.name} (reference + queries of classes never trained on)",
        )
    else:  # inter-sensor: the evaluation split is in another modality than the model reads
        calibration = calibrate_on(net, split.auxiliary, config, f"auxiliary training samples of {protocol.name}")
    write_calibration(run_dir, calibration)
    results = evaluate_split(net, split, config, run_dir)
    results.protocol = protocol.name
    results.auxiliary_classes = classes
    results.checkpoint = config.evaluate.checkpoint
    results.seed = config.train.seed
    results.world_size = world_size
    results.train_steps = steps
    results.train_samples_per_s = round(throughput.samples_per_second, 1)
    results.train_seconds = round(train_seconds, 1)
    results.wall_time_s = round(time.perf_counter() - start, 1)
    results.skipped_files = skipped
    results.versions = versions()
    results.init = "" if config.model.init == "none" else config.model.init
    results.write(run_dir / RESULTS)
    mark_finished(run_dir)
    return run_dir
