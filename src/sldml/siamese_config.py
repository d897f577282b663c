"""Configuration of the Siamese-LSTM pipeline (pair model + multi-class module), read like :mod:`sldml.config`.

Shipped configs (``sldml/siamese_configs``): ``slstm-small`` (the paper's Florence 3D network: 1 LSTM layer of
128, FC 256-128-64-2) and ``slstm-large`` (its GTU network: 2 stacked layers of 200, FC 400-300-150-50-2).
``sldml siamese slstm-small data.dataset=utd_mhad data.path=... train.epochs=50`` overrides any field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sldml.config import DataConfig, build_config
from sldml.errors import ConfigError
from sldml.resources import shipped_yaml_names

CLASSIFIER_BASELINES = ("svm", "softmax", "lstm1", "lstm2")


@dataclass
class SiameseModelConfig:
    """The S-LSTM.

    Attributes:
        hidden: LSTM hidden size (the concatenation of the two final states is 2 x hidden).
        layers: Stacked LSTM layers.
        head: Hidden sizes of the MLP after the concatenation; its output is (no match, match).
    """

    hidden: int = 128
    layers: int = 1
    head: list[int] = field(default_factory=lambda: [128, 64])


@dataclass
class PairConfig:
    """How training pairs are drawn (:mod:`sldml.pairs`).

    Attributes:
        match_fraction: Fraction of matching pairs; ``null``: 1 / (U + 1) for U classes (the paper's 1 : U).
            Measured on UTD-MHAD (subject-1 fold, 27 classes): with 1 : U the pair model learns "no match" for
            everything (balanced pair accuracy 50 %, MCC 8 % after 10 epochs); 0.5 learns (balanced pair
            accuracy 91 %, MCC 39 % after 20 epochs). The shipped configs use 0.5.
        per_sample: Pairs drawn per sequence of a batch (each batch is encoded once, its pairs drawn inside it).
    """

    match_fraction: float | None = None
    per_sample: int = 8


@dataclass
class SiameseTrainConfig:
    """Training of the pair model (Lightning, Adam).

    Attributes:
        epochs: Epochs.
        batch_size: Sequences per batch; pairs are drawn inside the batch (``pairs.per_sample`` per sequence).
        m_per_class: Sequences of each class in a batch.
        lr: Adam learning rate.
        weight_decay: Adam weight decay.
        seed: Seed of weights and pair sampling.
        frame_step: Keep every n-th frame (1: all); a speed option for long recordings.
        velocity: Append each frame's difference from the previous one to its values (pair model and baselines).
        eval_every: Score the pair model and the multi-class module on the test fold every n epochs (the
            curves of the paper's Figs. 3-4); 0: only after the last epoch.
        accelerator: Lightning accelerator.
        progress: Show a progress bar.
    """

    epochs: int = 40
    batch_size: int = 64
    m_per_class: int = 4
    lr: float = 1e-3
    weight_decay: float = 0.0
    seed: int = 0
    frame_step: int = 1
    velocity: bool = False
    eval_every: int = 5
    accelerator: str = "auto"
    progress: bool = False


@dataclass
class MCCConfig:
    """The multi-class module over comparison vectors G.

    Attributes:
        references_per_class: Training sequences per class that a query is compared with (G has one entry
            each, in a fixed order); ``null``: every training sequence.
        knn_k: Neighbours of the KNN classifier.
        svm_c: C of the SVM (RBF kernel).
    """

    references_per_class: int | None = None
    knn_k: int = 1
    svm_c: float = 10.0


@dataclass
class BaselineConfig:
    """The classifier baselines trained on the same folds (the paper's Tables I-II).

    Attributes:
        names: Any of ``svm`` (RBF SVM on resampled coordinates), ``softmax`` (multinomial logistic regression,
            same features), ``lstm1`` and ``lstm2`` (1- and 2-layer LSTM classifiers, hidden size as the S-LSTM).
        frames: Frames the ``svm`` and ``softmax`` features are resampled to.

    The LSTM classifiers train for ``train.epochs`` with ``train.lr``, like the pair model.
    """

    names: list[str] = field(default_factory=lambda: list(CLASSIFIER_BASELINES))
    frames: int = 32


@dataclass
class SiameseConfig:
    """A whole siamese experiment.

    Attributes:
        name: Run name.
        output_dir: Where run folders go.
        protocol: ``loso`` (leave-one-subject-out, one fold per subject) or ``cross_subject``.
        train_subjects: The training subjects of ``cross_subject``.
        folds: Run only these folds (e.g. ``[subject-1, subject-2]``); empty: all. For quick checks; a recorded
            result is the full protocol.
        data: The dataset (see :class:`sldml.config.DataConfig`).
        model: See :class:`SiameseModelConfig`.
        pairs: See :class:`PairConfig`.
        train: See :class:`SiameseTrainConfig`.
        mcc: See :class:`MCCConfig`.
        baselines: See :class:`BaselineConfig`.
    """

    name: str = "siamese"
    output_dir: str = "runs"
    protocol: Literal["loso", "cross_subject"] = "loso"
    train_subjects: list[int] = field(default_factory=lambda: [1, 3, 5, 7])
    folds: list[str] = field(default_factory=list)
    data: DataConfig = field(default_factory=DataConfig)
    model: SiameseModelConfig = field(default_factory=SiameseModelConfig)
    pairs: PairConfig = field(default_factory=PairConfig)
    train: SiameseTrainConfig = field(default_factory=SiameseTrainConfig)
    mcc: MCCConfig = field(default_factory=MCCConfig)
    baselines: BaselineConfig = field(default_factory=BaselineConfig)


def _check(config: SiameseConfig) -> None:
    checks: dict[str, Any] = {
        "model.hidden": config.model.hidden >= 1,
        "model.layers": config.model.layers >= 1,
        "model.head": bool(config.model.head) and min(config.model.head) >= 1,
        "pairs.per_sample": config.pairs.per_sample >= 1,
        "train.epochs": config.train.epochs >= 1,
        "train.batch_size": config.train.batch_size >= 2,
        "train.m_per_class": config.train.m_per_class >= 2,
        "train.lr": config.train.lr > 0,
        "train.frame_step": config.train.frame_step >= 1,
        "train.eval_every": config.train.eval_every >= 0,
        "mcc.knn_k": config.mcc.knn_k >= 1,
        "mcc.svm_c": config.mcc.svm_c > 0,
        "baselines.frames": config.baselines.frames >= 2,
    }
    if config.mcc.references_per_class is not None:
        checks["mcc.references_per_class"] = config.mcc.references_per_class >= 1
    if config.pairs.match_fraction is not None:
        checks["pairs.match_fraction"] = 0 < config.pairs.match_fraction < 1
    for key, ok in checks.items():
        if not ok:
            section, name = key.split(".")
            raise ConfigError(f"{key}={getattr(getattr(config, section), name)!r} is out of range")
    unknown = sorted(set(config.baselines.names) - set(CLASSIFIER_BASELINES))
    if unknown:
        raise ConfigError(f"baselines.names: unknown {', '.join(unknown)}; valid: {', '.join(CLASSIFIER_BASELINES)}")


def named_siamese_configs() -> list[str]:
    """Names of the siamese configs shipped in ``sldml/siamese_configs``."""
    return shipped_yaml_names("siamese_configs")


def load_siamese_config(source: str | None = None, overrides: list[str] | None = None) -> SiameseConfig:
    """A validated :class:`SiameseConfig` from a shipped name or YAML file plus dotted overrides.

    Raises:
        ConfigError: On an unknown key, a wrong type, a value outside its choices or range.
    """
    config = build_config(SiameseConfig, source, overrides, "siamese_configs", "siamese config")
    _check(config)
    return config
