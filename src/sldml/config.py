"""Experiment configuration: typed dataclasses, read from YAML, changed by dotted ``key=value`` overrides.

A config file names only what differs from the defaults. ``sldml train CONFIG data.dataset=utd_mhad
train.epochs=5`` sets nested fields; an unknown key or a value of the wrong type or outside its choices is
a :class:`~sldml.errors.ConfigError` that lists what is valid. Named configs ship in ``sldml/configs/``
(``default``, ``paper``, ``demo``, ``aligned``); a path to any YAML file works too.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, get_args, get_origin

import yaml

from sldml.errors import ConfigError
from sldml.resources import read_yaml_mapping, shipped_yaml_names

T = TypeVar("T")


@dataclass
class DataConfig:
    """Where the samples come from.

    Attributes:
        dataset: ``synthetic`` (built in), ``utd_mhad``, ``ntu``, ``simitate`` or ``folder`` (a manifest folder).
        path: The dataset folder (not used for ``synthetic``).
        modality: Which samples to use: ``skeleton``, ``inertial`` (or any modality a folder declares).
        synthetic_classes: Actions of the synthetic dataset.
        synthetic_subjects: Subjects of the synthetic dataset.
        synthetic_trials: Trials of the synthetic dataset.
        synthetic_seed: Seed of the synthetic dataset.
    """

    dataset: Literal["synthetic", "utd_mhad", "ntu", "simitate", "folder"] = "synthetic"
    path: str | None = None
    modality: str = "skeleton"
    synthetic_classes: int = 20
    synthetic_subjects: int = 8
    synthetic_trials: int = 4
    synthetic_seed: int = 0


@dataclass
class PreprocessConfig:
    """Signal preprocessing and the image the network sees.

    Attributes:
        centre: Skeletons only: subtract the centre joint's position in the ``first`` frame, in ``every``
            frame, or ``none`` (the paper). Ignored for channel data.
        representation: A registered representation (``compact``).
        width: Time steps (image columns).
        height: Image rows of the ``signals`` representation (``compact`` has one row per joint or sensor).
        scale: ``global`` min-max over the whole image (the paper) or ``per_sensor``: each 3-axis
            sensor row of channel data (accelerometer, gyroscope) scaled on its own; skeletons are one sensor.
        resize: Resize images to ``resize`` x ``resize`` before the network (the paper used 256); ``None``
            keeps (rows x width).
    """

    centre: Literal["first", "every", "none"] = "first"
    representation: str = "compact"
    width: int = 64
    height: int = 64
    scale: Literal["global", "per_sensor"] = "per_sensor"
    resize: int | None = None


@dataclass
class AugmentConfig:
    """Signal-level augmentation, applied to the cached signal matrices each time a sample is drawn.

    Attributes:
        enabled: Augment training samples.
        crop_min: Keep a random fraction in [crop_min, 1] of the time axis, stretched back to ``width``.
        rotate_deg: Skeletons only: random rotation about the vertical axis in [-rotate_deg, rotate_deg].
        noise: Gaussian noise, as a fraction of each sample's value range.
    """

    enabled: bool = True
    crop_min: float = 0.8
    rotate_deg: float = 15.0
    noise: float = 0.01


@dataclass
class ModelConfig:
    """The embedding network.

    Attributes:
        backbone: A registered backbone: ``resnet18`` (pooled image features), ``tcn`` (frame-level features,
            compared by DTW at evaluation), ``stgcn`` (graph convolution over the layout's bones; skeletons only)
            or ``lstm`` (the S-LSTM's recurrent encoder over the image's columns).
        pretrained: ``none``, ``imagenet`` (torchvision's weights, if on disk) or a path to a state dict.
        stem: ``small`` (3x3 stride-1 first convolution: for 20-row signal images) or
            ``imagenet`` (torchvision's 7x7 stride-2 convolution and max-pool, for 224-256 px images).
        embedding_dim: Size of the embedding.
        hidden_dim: Hidden layer of the 2-layer MLP embedder.
        frame_norm: ``frames`` backbone only: ``auto`` (by the layout), ``unit``, ``centre``, ``centre_unit`` or
            ``none`` (how its input columns are normalised; see :mod:`sldml.models.frames`).
        frame_kernel: ``frames`` backbone only: taps of its zero-initialised residual over time (odd).
    """

    backbone: str = "resnet18"
    pretrained: str = "none"
    stem: Literal["small", "imagenet"] = "small"
    embedding_dim: int = 128
    hidden_dim: int = 256
    frame_norm: Literal["auto", "none", "unit", "centre", "centre_unit"] = "auto"
    frame_kernel: int = 1


@dataclass
class LossConfig:
    """alpha * triplet margin loss on mined pairs + beta * cross-entropy of the classifier.

    Attributes:
        alpha: Weight of the triplet margin loss.
        beta: Weight of the classifier's cross-entropy.
        margin: Triplet margin.
        miner_epsilon: Multi-similarity miner epsilon.
        distance: ``default`` (pytorch-metric-learning's L2 distance of unit embeddings) or ``soft_dtw``
            (soft-DTW divergence of frame sequences; needs a frame-level backbone such as ``tcn``).
        gamma: Soft minimum temperature of ``soft_dtw``.
    """

    alpha: float = 0.5
    beta: float = 0.5
    margin: float = 0.1
    miner_epsilon: float = 0.05
    distance: Literal["default", "soft_dtw"] = "default"
    gamma: float = 0.1


@dataclass
class OptimConfig:
    """Optimiser and learning-rate schedule.

    Attributes:
        name: ``adam``, ``adamw``, ``rmsprop`` or ``sgd``.
        lr: Learning rate.
        weight_decay: Weight decay.
        momentum: Momentum (sgd, rmsprop).
        schedule: ``constant``, ``cosine`` (to 0 over the epochs) or ``step`` (x0.1 at 2/3 of the epochs).
    """

    name: Literal["adam", "adamw", "rmsprop", "sgd"] = "adam"
    lr: float = 1e-3
    weight_decay: float = 0.0
    momentum: float = 0.9
    schedule: Literal["constant", "cosine", "step"] = "constant"


@dataclass
class TrainConfig:
    """The training loop (Lightning).

    Attributes:
        epochs: Epochs (0 with the ``frames`` backbone: no training; the run is the non-learned aligned metric).
        batch_size: Samples per batch.
        m_per_class: Samples per class in a batch (MPerClassSampler).
        seed: Seed of everything (weights, sampling, augmentation).
        accelerator: Lightning accelerator: ``auto``, ``cpu``, ``gpu``.
        devices: Devices per node (``2`` with strategy ``ddp`` trains on two processes).
        num_nodes: Nodes.
        strategy: Lightning strategy: ``auto``, ``ddp``, ...
        precision: Lightning precision, e.g. ``32-true`` or ``bf16-mixed``.
        num_workers: DataLoader workers.
        deterministic: Ask torch for deterministic algorithms (repeatable runs).
        progress: Show a progress bar.
        save_last: Also keep Lightning's ``checkpoints/last.ckpt`` (the final weights with the optimiser state,
            to resume with Lightning; about 140 MB for ResNet18). The final weights are always in
            ``model.safetensors``; ``checkpoints/best.ckpt`` (lowest training loss) is always kept.
    """

    epochs: int = 20
    batch_size: int = 32
    m_per_class: int = 4
    seed: int = 0
    accelerator: str = "auto"
    devices: int = 1
    num_nodes: int = 1
    strategy: str = "auto"
    precision: str = "32-true"
    num_workers: int = 0
    deterministic: bool = True
    progress: bool = True
    save_last: bool = False


BASELINES: tuple[str, ...] = ("euclidean", "dtw", "dtw_unit", "dtw_frames")
"""The non-learned baselines :mod:`sldml.evaluation.baselines` scores (``evaluate.baselines``)."""


@dataclass
class EvalConfig:
    """One-shot evaluation after training.

    Attributes:
        baselines: Non-learned baselines scored on the same split: ``euclidean`` (1-NN on the image),
            ``dtw`` (1-NN dynamic time warping on the raw centred sequence), ``dtw_unit`` (1-NN DTW over the
            image's columns scaled to unit length), ``dtw_frames`` (1-NN DTW over the columns normalised by
            ``model.frame_norm``: an untrained ``frames`` network); see :mod:`sldml.evaluation.baselines`.
        checkpoint: Evaluate the ``last`` weights (default: no class of the evaluation set is used to pick
            them) or the ``best`` checkpoint (lowest training loss).
        batch_size: Batch size for computing embeddings.
        modality: Evaluate on another modality than the model trained on (inter-sensor transfer, SL-DML
            Table VI), e.g. train on ``skeleton`` and evaluate on ``inertial``; ``None``: the training modality.
    """

    baselines: list[str] = field(default_factory=lambda: ["euclidean", "dtw"])
    modality: str | None = None
    checkpoint: Literal["last", "best"] = "last"
    batch_size: int = 128


@dataclass
class Config:
    """A whole experiment.

    Attributes:
        name: Run name (the run folder is ``<output_dir>/<name>-<time>``).
        output_dir: Where run folders go (never the data folder).
        protocol: A shipped protocol name (see ``sldml/protocols``) or a path to a protocol YAML.
        data: See :class:`DataConfig`.
        preprocess: See :class:`PreprocessConfig`.
        augment: See :class:`AugmentConfig`.
        model: See :class:`ModelConfig`.
        loss: See :class:`LossConfig`.
        optim: See :class:`OptimConfig`.
        train: See :class:`TrainConfig`.
        evaluate: See :class:`EvalConfig`.
    """

    name: str = "sldml"
    output_dir: str = "runs"
    protocol: str = "synthetic-15-5"
    data: DataConfig = field(default_factory=DataConfig)
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    evaluate: EvalConfig = field(default_factory=EvalConfig)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (for YAML and results.json)."""
        return dataclasses.asdict(self)


def _check_value(value: Any, annotation: Any, key: str) -> Any:
    """Validate (and lightly coerce: int -> float) one value against its type annotation."""
    origin = get_origin(annotation)
    if origin is Literal:
        choices = get_args(annotation)
        if value not in choices:
            raise ConfigError(f"{key}={value!r}; valid: {', '.join(map(str, choices))}")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"{key}={value!r}; expected a list")
        (item,) = get_args(annotation)
        return [_check_value(v, item, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key}={value!r}; expected a mapping")
        key_type, value_type = get_args(annotation)
        return {
            _check_value(k, key_type, f"{key} key"): _check_value(v, value_type, f"{key}.{k}") for k, v in value.items()
        }
    if origin in (types.UnionType, typing.Union):
        options = get_args(annotation)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _check_value(value, option, key)
            except ConfigError as err:
                errors.append(str(err))
        raise ConfigError(errors[0] if errors else f"{key}={value!r} is not valid")
    if annotation is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if annotation is float and isinstance(value, str):  # YAML 1.1 reads 1e-4 (no dot) as a string
        try:
            return float(value)
        except ValueError:
            pass
    if annotation is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if annotation is bool and isinstance(value, bool):
        return value
    if annotation is str and isinstance(value, str):
        return value
    raise ConfigError(f"{key}={value!r}; expected {getattr(annotation, '__name__', annotation)}")


def _build(cls: Any, values: dict[str, Any], prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(values) - set(names))
    if unknown:
        where = f" in {prefix.rstrip('.')}" if prefix else ""
        raise ConfigError(
            f"unknown config key(s) {', '.join(prefix + u for u in unknown)}{where}; valid: {', '.join(names)}"
        )
    kwargs = {}
    for name in names:
        if name not in values:
            continue
        annotation = hints[name]
        if dataclasses.is_dataclass(annotation):
            if not isinstance(values[name], dict):
                raise ConfigError(
                    f"{prefix}{name} must be a mapping of {', '.join(f.name for f in dataclasses.fields(annotation))}"
                )
            kwargs[name] = _build(annotation, values[name], f"{prefix}{name}.")
        else:
            kwargs[name] = _check_value(values[name], annotation, prefix + name)
    return cls(**kwargs)


def build_section(cls: type[T], values: dict[str, Any], prefix: str = "") -> T:
    """A config dataclass (a section such as :class:`PreprocessConfig`) from a mapping, type-checked.

    Raises:
        ConfigError: On an unknown key or a wrong value (named with ``prefix``).
    """
    built: T = _build(cls, values, prefix)
    return built


def _positive(config: Config) -> None:
    checks = {
        "preprocess.width": config.preprocess.width >= 2,
        "train.epochs": config.train.epochs >= (0 if config.model.backbone == "frames" else 1),
        "train.batch_size": config.train.batch_size >= 2,
        "train.m_per_class": config.train.m_per_class >= 2,
        "train.devices": config.train.devices >= 1,
        "optim.lr": config.optim.lr > 0,
        "model.embedding_dim": config.model.embedding_dim >= 2,
        "augment.crop_min": 0 < config.augment.crop_min <= 1,
    }
    unknown = sorted(set(config.evaluate.baselines) - set(BASELINES))
    if unknown:
        raise ConfigError(f"evaluate.baselines: unknown {', '.join(unknown)}; valid: {', '.join(BASELINES)}")
    if config.model.backbone != "frames" and (config.model.frame_norm != "auto" or config.model.frame_kernel != 1):
        raise ConfigError(
            f"model.frame_norm / model.frame_kernel apply to model.backbone=frames only, not "
            f"{config.model.backbone!r}; remove them or use the frames backbone"
        )
    for key, ok in checks.items():
        if not ok:
            section, name = key.split(".")
            raise ConfigError(f"{key}={getattr(getattr(config, section), name)!r} is out of range")
    if config.train.batch_size % config.train.m_per_class:
        raise ConfigError(
            f"train.batch_size={config.train.batch_size} must be a multiple of "
            f"train.m_per_class={config.train.m_per_class}"
        )


def _set_dotted(tree: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    node = tree
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"override {key}: {part} is not a section")
        node = child
    node[parts[-1]] = value


def parse_overrides(overrides: list[str]) -> dict[str, Any]:
    """Turn ``["a.b=1", "c=x"]`` into a nested dict; values are parsed as YAML scalars."""
    tree: dict[str, Any] = {}
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"override {item!r}; expected key=value, e.g. train.epochs=5")
        key, raw = item.split("=", 1)
        _set_dotted(tree, key.strip(), yaml.safe_load(raw) if raw.strip() else None)
    return tree


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def named_configs() -> list[str]:
    """Names of the configs shipped in ``sldml/configs``."""
    return shipped_yaml_names("configs")


def build_config(cls: type[T], source: str | None, overrides: list[str] | None, folder: str, kind: str) -> T:
    """A config dataclass of type ``cls`` from a shipped or given YAML file plus dotted overrides, type-checked.

    Args:
        cls: The root dataclass (e.g. :class:`Config`).
        source: A name shipped in ``sldml/<folder>``, a path to a YAML file, or ``None`` (the defaults).
        overrides: ``key=value`` strings.
        folder: The package folder of the shipped files.
        kind: What the file is, for messages.

    Raises:
        ConfigError: On an unknown key, a wrong type or a value outside its choices.
    """
    tree = read_yaml_mapping(source, folder, kind) if source else {}
    tree = _merge(tree, parse_overrides(overrides or []))
    built: T = _build(cls, tree, "")
    return built


def load_config(source: str | None = None, overrides: list[str] | None = None) -> Config:
    """Build a validated :class:`Config` from a named config or YAML file plus dotted overrides.

    Raises:
        ConfigError: On an unknown key, a wrong type, a value outside its choices or range.
    """
    config = build_config(Config, source, overrides, "configs", "config")
    _positive(config)
    if config.data.dataset == "synthetic" and config.data.path is not None:
        raise ConfigError(
            f"data.path={config.data.path!r} is given but data.dataset=synthetic reads no files; "
            "set data.dataset to utd_mhad, ntu, simitate or folder"
        )
    return config


def config_from_dict(tree: dict[str, Any]) -> Config:
    """Rebuild a config saved with :meth:`Config.to_dict` (validated again)."""
    config: Config = _build(Config, tree, "")
    _positive(config)
    return config


def method_name(config: Config) -> str:
    """What the config trains, as results and tables name it: ``SL-DML (resnet18)``, ``aligned (frames, DTW)``.

    Frame-level backbones (``frames``, ``tcn``) are compared by DTW: the time-aligned metric.
    """
    if config.model.backbone in ("frames", "tcn"):
        return f"aligned ({config.model.backbone}, DTW)"
    return f"SL-DML ({config.model.backbone})"
