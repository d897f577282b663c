"""The one-shot experiment configuration (``sldml train``): typed dataclasses, read from YAML, changed by overrides.

A config file names only what differs from the defaults. ``sldml train CONFIG data.dataset=utd_mhad
train.epochs=5`` sets nested fields; an unknown key or a value of the wrong type, outside its choices or outside
its range is a :class:`~sldml.errors.ConfigError` that lists what is valid (:mod:`sldml.config.schema`). Named
configs ship in ``sldml/configs/`` (``default``, ``paper``, ``demo``, ``aligned``); a path to any YAML file works
too. Registry names (``data.dataset``, ``preprocess.representation``, ``model.backbone`` and ``model.options``,
``evaluate.baselines``) are checked by their registries (:func:`sldml.training.check_config`).

Over 300 lines, one thing: the one-shot config's sections, mostly their documented attributes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from sldml.config.schema import build_config, build_section, merge, parse_overrides, ranged, ranged_list
from sldml.errors import ConfigError
from sldml.resources import shipped_yaml_names


@dataclass
class DataConfig:
    """Where the samples come from.

    Attributes:
        dataset: ``synthetic`` (built in, reads no files), ``procedural`` (generated action classes, reads no
            files), ``folder`` (every file any reader claims, or a ``manifest.csv``), or a registered file format
            (``utd_mhad``, ``ntu``, ``simitate``, ...: only the files of that format); see
            :func:`sldml.datasets.list_datasets`.
        path: The dataset folder (not used for the generated datasets).
        modality: Which samples to use: ``skeleton``, ``inertial`` (or any modality a folder declares).
        layout: Convert every skeleton to this layout through the common body (:func:`sldml.bodies.convert`), e.g.
            ``kinect_v1`` to read HDM05's ``cmu31`` motion capture with a network trained on Kinect v1 skeletons;
            ``None``: as read.
        synthetic_classes: Actions of the synthetic dataset.
        synthetic_subjects: Subjects of the synthetic dataset.
        synthetic_trials: Trials of the synthetic dataset.
        synthetic_seed: Seed of the synthetic dataset.
        synthetic_views: Camera azimuths (degrees) the synthetic skeletons are seen from, each sample once per
            view with ``view`` metadata (protocols select on it); empty: the one usual view, no view metadata.
        synthetic_elevation: Camera elevation (degrees) of those views.
        synthetic_mirror: Mirror those views left-right.
        synthetic_proportions: Spread of the synthetic subjects' body proportions (0: all alike).
        cache: Where parsed dataset folders are cached (:mod:`sldml.io.cache`): ``auto`` (``<output_dir>/cache``,
            beside the runs), ``off`` (YAML reads it as false: parse every file on every load), or a folder (never
            one inside the data). The first load of a folder parses it into the cache; later loads memory-map it.
        cache_workers: Processes that parse a folder's files when its cache is built (0: one per core).
        cache_min_files: Folders with fewer files are read directly, without a cache.
        procedural_classes: Classes of the procedural dataset (:mod:`sldml.io.procedural`): class ids 1 ... N,
            class ``k`` the same whatever N is.
        procedural_samples: Samples per procedural class (subjects 1 ... n; sample 1 is the usual reference).
        procedural_seed: Seed of the procedural dataset (another seed: other classes).
        procedural_body: Spread of the procedural samples' body size and proportions.
        procedural_tempo: Spread of their duration, and strength of their time warp.
        procedural_view: Their camera azimuth within +-this many degrees (elevation within a third of it).
        procedural_noise: Largest standard deviation of their joint noise (m); the IMU's noise scales with it.
        procedural_dropout: Chance per joint of a frozen (dropped) stretch, and of a jittered one.
        procedural_style: How differently each sample performs its class (amplitudes +-style, timing).
    """

    dataset: str = "synthetic"
    path: str | None = None
    modality: str = "skeleton"
    cache: str | bool = "auto"
    cache_workers: int = ranged(0, at_least=0)
    cache_min_files: int = ranged(200, at_least=0)
    synthetic_classes: int = ranged(20, at_least=1)
    synthetic_subjects: int = ranged(8, at_least=1)
    synthetic_trials: int = ranged(4, at_least=1)
    synthetic_seed: int = ranged(0, at_least=0)
    synthetic_views: list[float] = field(default_factory=list)
    synthetic_elevation: float = ranged(0.0, at_least=-89, at_most=89)
    synthetic_mirror: bool = False
    synthetic_proportions: float = ranged(0.0, at_least=0, below=1)
    layout: str | None = None
    procedural_classes: int = ranged(100, at_least=1)
    procedural_samples: int = ranged(10, at_least=1)
    procedural_seed: int = ranged(0, at_least=0)
    procedural_body: float = ranged(0.15, at_least=0, at_most=0.5)
    procedural_tempo: float = ranged(0.3, at_least=0, at_most=0.9)
    procedural_view: float = ranged(30.0, at_least=0, at_most=180)
    procedural_noise: float = ranged(0.01, at_least=0, at_most=0.1)
    procedural_dropout: float = ranged(0.02, at_least=0, at_most=0.5)
    procedural_style: float = ranged(0.1, at_least=0, at_most=0.5)


@dataclass
class PreprocessConfig:
    """Signal preprocessing and the image the network sees.

    Attributes:
        centre: Skeletons only: subtract the centre joint's position (the mean of all points where the layout
            has no centre joint) in the ``first`` frame, in ``every`` frame, or ``none`` (the paper). Ignored for
            channel data.
        orient: Skeletons only: turn each sequence about the layout's up axis so that the body faces a canonical
            direction (its hips and shoulders, over the whole sequence: :func:`sldml.transforms.face_forward`),
            so that the camera's azimuth does not matter. 2-D keypoints and layouts without orientation joints
            are left as they are.
        scale_body: Skeletons only: scale each sequence to body size 1 (torso length, else mean bone length,
            else point spread: :func:`sldml.transforms.body_size`), so that a body's size does not matter.
        representation: A registered representation (``compact``, ``signals``).
        width: Time steps (image columns).
        height: Image rows, for representations that take it (``signals``; ``compact`` has one row per joint or
            sensor).
        scale: ``global`` min-max over the whole image (the paper) or ``per_sensor``: each 3-axis
            sensor row of channel data (accelerometer, gyroscope) scaled on its own; skeletons are one sensor.
            For representations that take it (``compact``).
        resize: Resize images to ``resize`` x ``resize`` before the network (the paper used 256); ``None``
            keeps (rows x width).
        options: Further parameters of the representation, by name (its registry entry lists them).
    """

    centre: Literal["first", "every", "none"] = "first"
    orient: bool = False
    scale_body: bool = False
    representation: str = "compact"
    width: int = ranged(64, at_least=2)
    height: int = ranged(64, at_least=2)
    scale: Literal["global", "per_sensor"] = "per_sensor"
    resize: int | None = ranged(None, at_least=1)
    options: dict[str, Any] = field(default_factory=dict)


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
    crop_min: float = ranged(0.8, above=0, at_most=1)
    rotate_deg: float = ranged(15.0, at_least=0)
    noise: float = ranged(0.01, at_least=0)


@dataclass
class ModelConfig:
    """The embedding network.

    Attributes:
        backbone: A registered backbone (:func:`sldml.models.list_backbones`): ``resnet18`` (pooled image
            features), ``frames`` (the image's normalised columns plus a learned residual, compared by DTW),
            ``tcn`` (frame-level features, compared by DTW), ``stgcn`` (graph convolution over the layout's bones;
            skeletons only) or ``lstm`` (the S-LSTM's recurrent encoder over the image's columns).
        pretrained: ``none``, ``imagenet`` (torchvision's weights, if on disk) or a path to a state dict; only
            for backbones that take pretrained weights (``resnet18``).
        init: ``none``, or a finished run folder to start from (e.g. one pre-trained on procedural classes): its
            ``model.safetensors`` weights, all but the classifier, which is new since the classes differ. The run's
            backbone, options, embedding and hidden sizes, preprocessing and input (layout, image shape) must be
            this config's (:mod:`sldml.runs.initial`). With it, ``train.epochs=0`` evaluates that network as it is.
        embedding_dim: Size of the embedding.
        hidden_dim: Hidden layer of the 2-layer MLP embedder.
        options: The backbone's own parameters, by name (:func:`sldml.models.backbone_options` lists them with
            their defaults), e.g. ``stem`` of ``resnet18`` (``small``: 3x3 stride-1 first convolution for 20-row
            signal images; ``imagenet``: torchvision's, for 224-256 px images), ``norm`` and ``kernel`` of
            ``frames``, ``hidden`` and ``layers`` of ``lstm``, ``channels`` and ``blocks`` of ``tcn``,
            ``widths`` and ``strategy`` of ``stgcn``. The keys ``model.stem``, ``model.frame_norm`` and
            ``model.frame_kernel`` of earlier versions are read as these options.
    """

    backbone: str = "resnet18"
    pretrained: str = "none"
    init: str = "none"
    embedding_dim: int = ranged(128, at_least=2)
    hidden_dim: int = ranged(256, at_least=1)
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class LossConfig:
    """alpha * triplet margin loss on mined pairs + beta * cross-entropy of the classifier.

    Attributes:
        alpha: Weight of the triplet margin loss.
        beta: Weight of the classifier's cross-entropy.
        margin: Triplet margin.
        miner_epsilon: Multi-similarity miner epsilon.
        distance: ``default`` (pytorch-metric-learning's L2 distance of unit embeddings) or ``soft_dtw``
            (soft-DTW divergence of frame sequences; needs a frame-level backbone such as ``frames``).
        gamma: Soft minimum temperature of ``soft_dtw``.
    """

    alpha: float = ranged(0.5, at_least=0)
    beta: float = ranged(0.5, at_least=0)
    margin: float = ranged(0.1, at_least=0)
    miner_epsilon: float = ranged(0.05, at_least=0)
    distance: Literal["default", "soft_dtw"] = "default"
    gamma: float = ranged(0.1, above=0)


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
    lr: float = ranged(1e-3, above=0)
    weight_decay: float = ranged(0.0, at_least=0)
    momentum: float = ranged(0.9, at_least=0)
    schedule: Literal["constant", "cosine", "step"] = "constant"


@dataclass
class TrainConfig:
    """The training loop (Lightning).

    Attributes:
        epochs: Epochs (0 only with a backbone that is a metric before training, ``frames``: the run is then the
            non-learned aligned metric; or with ``model.init``: the run evaluates the network it starts from).
        batch_size: Samples per batch.
        m_per_class: Samples per class in a batch (MPerClassSampler).
        epoch_samples: Samples drawn in an epoch (0: as many as the auxiliary set holds). Fixes a training budget
            that does not grow with the data: on 10,000 procedural classes of 10 samples, ``epoch_samples=20000``
            with one epoch draws 20,000 samples from all 100,000.
        seed: Seed of everything (weights, sampling, augmentation).
        accelerator: Lightning accelerator: ``auto``, ``cpu``, ``gpu``.
        devices: Devices per node (``2`` with strategy ``ddp`` trains on two processes).
        num_nodes: Nodes.
        strategy: Lightning strategy: ``auto``, ``ddp``, ...
        precision: Lightning precision, e.g. ``32-true`` or ``bf16-mixed``.
        num_workers: DataLoader worker processes that build the representation images of training batches and of
            the samples embedded for evaluation (0: the main process builds them).
        deterministic: Ask torch for deterministic algorithms (repeatable runs).
        progress: Show a progress bar.
        save_last: Also keep Lightning's ``checkpoints/last.ckpt`` (the final weights with the optimiser state,
            to resume with Lightning; about 140 MB for ResNet18). The final weights are always in
            ``model.safetensors``; ``checkpoints/best.ckpt`` (lowest training loss) is always kept.
    """

    epochs: int = ranged(20, at_least=0)
    batch_size: int = ranged(32, at_least=2)
    m_per_class: int = ranged(4, at_least=2)
    epoch_samples: int = ranged(0, at_least=0)
    seed: int = ranged(0, at_least=0)
    accelerator: str = "auto"
    devices: int = ranged(1, at_least=1)
    num_nodes: int = ranged(1, at_least=1)
    strategy: str = "auto"
    precision: str = "32-true"
    num_workers: int = ranged(0, at_least=0)
    deterministic: bool = True
    progress: bool = True
    save_last: bool = False


@dataclass
class EvalConfig:
    """One-shot evaluation after training.

    Attributes:
        baselines: Non-learned baselines scored on the same split: ``euclidean`` (1-NN on the image),
            ``dtw`` (1-NN dynamic time warping on the raw centred sequence), ``dtw_unit`` (1-NN DTW over the
            image's columns scaled to unit length), ``dtw_frames`` (1-NN DTW over the columns normalised by
            the ``frames`` backbone's ``norm`` option: an untrained ``frames`` network); see
            :mod:`sldml.evaluation.baselines` (its registry decides the valid names).
        checkpoint: Evaluate the ``last`` weights (default: no class of the evaluation set is used to pick
            them) or the ``best`` checkpoint (lowest training loss).
        batch_size: Batch size for computing embeddings.
        modality: Evaluate on another modality than the model trained on (inter-sensor transfer, SL-DML
            Table VI), e.g. train on ``skeleton`` and evaluate on ``inertial``; ``None``: the training modality.
    """

    baselines: list[str] = field(default_factory=lambda: ["euclidean", "dtw"])
    modality: str | None = None
    checkpoint: Literal["last", "best"] = "last"
    batch_size: int = ranged(128, at_least=1)


@dataclass
class SelectConfig:
    """Choosing the metric on the AUXILIARY classes only (the ``auto`` config; :mod:`sldml.experiments.auto`).

    With candidates, ``sldml train`` scores each by one-shot episodes drawn from the auxiliary classes,
    cross-subject, keeps the best, trains it on every auxiliary class and evaluates it once on the novel ones.

    Attributes:
        candidates: Candidate recipes by name (:func:`sldml.experiments.auto.list_candidates`); empty: no
            selection, the config trains as it is.
        episodes: Episodes per fold.
        way: Classes per episode (at most).
        per_class: Samples per class the episodes use (at most; a cap on the time a candidate's score takes).
        folds: Class folds of the auxiliary classes: learned candidates train on the other folds' classes and are
            scored on the fold's; every candidate is scored on the same episodes.
        min_classes: Learned candidates are scored (and chosen) only with at least this many auxiliary classes;
            with fewer, the folds would leave too few classes to train or to test on, and only the candidates
            that need no training are scored, on episodes over all auxiliary classes.
        epochs: Epoch counts tried for learned candidates (one training per fold, scored after each).
        tie: Candidates whose validation accuracy is within this of the best (a fraction: 0.01 is one point) are
            near-ties, decided by their mean relative margin on the same episodes (accuracy saturates on easy data;
            the margin does not).
        evaluate_all: Also train and evaluate every candidate (at its best validation epoch) on the novel classes,
            for the record of how the choice compares with each (the choice never sees these scores).
        seed: Seed of the folds and the episodes.
    """

    candidates: list[str] = field(default_factory=list)
    episodes: int = ranged(200, at_least=1)
    way: int = ranged(5, at_least=2)
    per_class: int = ranged(8, at_least=2)
    folds: int = ranged(2, at_least=2)
    min_classes: int = ranged(6, at_least=4)
    epochs: list[int] = ranged_list(lambda: [2, 5, 10], at_least=1, nonempty=True)
    tie: float = ranged(0.01, at_least=0.0, at_most=1.0)
    evaluate_all: bool = False
    seed: int = ranged(0, at_least=0)


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
        select: See :class:`SelectConfig`.
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
    select: SelectConfig = field(default_factory=SelectConfig)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (for YAML and results.json)."""
        return dataclasses.asdict(self)


def _cross_check(config: Config) -> None:
    if config.train.batch_size % config.train.m_per_class:
        raise ConfigError(
            f"train.batch_size={config.train.batch_size} must be a multiple of "
            f"train.m_per_class={config.train.m_per_class}"
        )


_LEGACY_MODEL_KEYS = {"stem": ("stem", "small"), "frame_norm": ("norm", "auto"), "frame_kernel": ("kernel", 1)}
"""Keys of ``model`` before backbone options moved to ``model.options``: old key -> (option, old default)."""


def migrate(tree: dict[str, Any]) -> dict[str, Any]:
    """Rewrite keys of earlier sldml versions: ``model.stem`` / ``frame_norm`` / ``frame_kernel`` -> ``model.options``.

    Run folders written before backbone options existed store all three for every backbone; a value equal to its
    old default is dropped (every backbone that reads it has the same default), any other value becomes the option.
    """
    model = tree.get("model")
    if not isinstance(model, dict) or not set(model) & set(_LEGACY_MODEL_KEYS):
        return tree
    model = dict(model)
    options = dict(model.get("options") or {})
    for old, (new, default) in _LEGACY_MODEL_KEYS.items():
        if old in model:
            value = model.pop(old)
            if value != default:
                options[new] = value
    model["options"] = options
    return {**tree, "model": model}


def named_configs() -> list[str]:
    """Names of the configs shipped in ``sldml/configs``."""
    return shipped_yaml_names("configs")


def load_config(source: str | None = None, overrides: list[str] | None = None) -> Config:
    """Build a validated :class:`Config` from a named config or YAML file plus dotted overrides.

    Raises:
        ConfigError: On an unknown key, a wrong type, a value outside its choices or range.
    """
    config = build_config(Config, source, overrides, "configs", "config", migrate)
    _cross_check(config)
    return config


def with_overrides(config: Config, overrides: list[str], options: dict[str, Any] | None = None) -> Config:
    """A copy of ``config`` with dotted overrides applied (validated again); ``options`` replaces ``model.options``.

    Raises:
        ConfigError: On an unknown key or a bad value.
    """
    tree = merge(config.to_dict(), parse_overrides(overrides))
    if options is not None:
        tree["model"]["options"] = dict(options)
    return config_from_dict(tree)


def config_from_dict(tree: dict[str, Any]) -> Config:
    """Rebuild a config saved with :meth:`Config.to_dict` (validated again; keys of earlier versions migrated)."""
    config = build_section(Config, migrate(tree))
    _cross_check(config)
    return config
