"""Configuration of the Siamese-LSTM pipeline (pair model + multi-class module), read like :mod:`sldml.config`.

Shipped configs (``sldml/siamese_configs``): ``slstm-small`` (the paper's Florence 3D network: 1 LSTM layer of
128, FC 256-128-64-2) and ``slstm-large`` (its GTU network: 2 stacked layers of 200, FC 400-300-150-50-2).
``sldml siamese slstm-small data.dataset=utd_mhad data.path=... train.epochs=50`` overrides any field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sldml.config.oneshot import DataConfig
from sldml.config.schema import build_config, ranged, ranged_list


@dataclass
class SiameseModelConfig:
    """The S-LSTM.

    Attributes:
        hidden: LSTM hidden size (the concatenation of the two final states is 2 x hidden).
        layers: Stacked LSTM layers.
        head: Hidden sizes of the MLP after the concatenation; its output is (no match, match).
    """

    hidden: int = ranged(128, at_least=1)
    layers: int = ranged(1, at_least=1)
    head: list[int] = ranged_list(lambda: [128, 64], at_least=1, nonempty=True)


@dataclass
class PairConfig:
    """How training pairs are drawn (:mod:`sldml.datasets.pairs`).

    Attributes:
        match_fraction: Fraction of matching pairs; ``null``: 1 / (U + 1) for U classes (the paper's 1 : U).
            Measured on UTD-MHAD (subject-1 fold, 27 classes): with 1 : U the pair model learns "no match" for
            everything (balanced pair accuracy 50 %, MCC 8 % after 10 epochs); 0.5 learns (balanced pair
            accuracy 91 %, MCC 39 % after 20 epochs). The shipped configs use 0.5.
        per_sample: Pairs drawn per sequence of a batch (each batch is encoded once, its pairs drawn inside it).
        mining: How the pairs of a batch are drawn: ``random`` (the match fraction over uniformly drawn pairs);
            ``balanced`` (every sequence of the batch anchors ``per_sample`` pairs, half matching, its
            non-matching partners drawn class first, so every other class is met as often); ``hard`` (like
            ``balanced``, but each anchor's hardest pairs are among them: its matching partner the model finds
            least alike and its non-matching partner it finds most alike).
    """

    match_fraction: float | None = ranged(None, above=0, below=1)
    per_sample: int = ranged(8, at_least=1)
    mining: Literal["random", "balanced", "hard"] = "random"


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
        classify_weight: Weight of a cross-entropy loss over the training classes on the encoder's final state
            (a linear classifier beside the pair head); 0: the paper's pair loss alone.
        orient: Skeletons: turn each sequence to face a canonical direction first (``transforms.face_forward``).
        scale_body: Skeletons: scale each sequence to body size 1 first (``transforms.scale_to_body``).
        validation: Hold out the last training subject of every fold: the pair model trains without it, is
            scored on it every ``eval_every`` epochs (``monitor``), and keeps the weights of its best score; the
            test fold is never looked at to choose. The held-out subject stays a reference and an MCC sample.
        patience: With ``validation``: stop after this many scorings without a better validation score (0: train
            every epoch, still keeping the best weights).
        monitor: The validation score that chooses the weights: ``mcc_<method>`` or ``embedding_nn``.
        accelerator: Lightning accelerator.
        progress: Show a progress bar.
    """

    epochs: int = ranged(40, at_least=1)
    batch_size: int = ranged(64, at_least=2)
    m_per_class: int = ranged(4, at_least=2)
    lr: float = ranged(1e-3, above=0)
    weight_decay: float = ranged(0.0, at_least=0)
    seed: int = ranged(0, at_least=0)
    frame_step: int = ranged(1, at_least=1)
    velocity: bool = False
    eval_every: int = ranged(5, at_least=0)
    classify_weight: float = ranged(0.0, at_least=0)
    orient: bool = False
    scale_body: bool = False
    validation: bool = False
    patience: int = ranged(0, at_least=0)
    monitor: Literal["mcc_knn", "mcc_svm", "mcc_best_match", "mcc_topk", "embedding_nn"] = "mcc_topk"
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
        top_k: References per class the ``topk`` rule averages (a query's class: the one whose ``top_k`` best
            references match it best on average).
        scores: What G holds: ``probability`` (the paper's match probabilities) or ``logit`` (the match log-odds,
            which do not saturate at 1.0 and so keep the order of strong matches).
    """

    references_per_class: int | None = ranged(None, at_least=1)
    knn_k: int = ranged(1, at_least=1)
    svm_c: float = ranged(10.0, above=0)
    top_k: int = ranged(3, at_least=1)
    scores: Literal["probability", "logit"] = "probability"


@dataclass
class BaselineConfig:
    """The classifier baselines trained on the same folds (the paper's Tables I-II).

    Attributes:
        names: Any of ``svm`` (RBF SVM on resampled coordinates), ``softmax`` (multinomial logistic regression,
            same features), ``lstm1`` and ``lstm2`` (1- and 2-layer LSTM classifiers, hidden size as the S-LSTM);
            the registry of :mod:`sldml.training.classifiers` decides the valid names.
        frames: Frames the ``svm`` and ``softmax`` features are resampled to.

    The LSTM classifiers train for ``train.epochs`` with ``train.lr``, like the pair model.
    """

    names: list[str] = field(default_factory=lambda: ["svm", "softmax", "lstm1", "lstm2"])
    frames: int = ranged(32, at_least=2)


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


def load_siamese_config(source: str | None = None, overrides: list[str] | None = None) -> SiameseConfig:
    """A validated :class:`SiameseConfig` from a shipped name or YAML file plus dotted overrides.

    Raises:
        ConfigError: On an unknown key, a wrong type, a value outside its choices or range.
    """
    return build_config(SiameseConfig, source, overrides, "siamese_configs", "siamese config")
