"""Configuration of the zero-shot pipeline (ST-GCN features + class-text embeddings + DeViSE / Relation Net).

Shipped configs (``sldml/zeroshot_configs``): ``zeroshot-utd`` (UTD-MHAD, 22 seen / 5 unseen). Overrides work as
for :mod:`sldml.config`, e.g. ``split=furthest seeds=1 visual.epochs=5``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sldml.config.oneshot import AugmentConfig, DataConfig, PreprocessConfig
from sldml.config.schema import build_config, ranged, ranged_list
from sldml.errors import ConfigError


@dataclass
class VisualConfig:
    """The ST-GCN trained with cross-entropy on the seen classes; its pooled features feed the heads.

    Attributes:
        widths: (channels, temporal stride) per ST-GCN block; the last channels are the feature size (256 in the
            paper; the original 10 blocks are slow on a CPU, so the default has 4).
        strategy: Graph partitioning, ``spatial`` or ``uniform``.
        epochs: Epochs.
        batch_size: Batch size.
        lr: Adam learning rate.
    """

    widths: list[list[int]] = ranged_list(lambda: [[64, 1], [64, 1], [128, 2], [256, 2]], at_least=1, nonempty=True)
    strategy: Literal["spatial", "uniform"] = "spatial"
    epochs: int = ranged(30, at_least=1)
    batch_size: int = ranged(32, at_least=1)
    lr: float = ranged(1e-3, above=0)


@dataclass
class DeViSEConfig:
    """DeViSE training (the paper: SGD lr 1e-3, momentum 0.9, batch 64, 100 epochs, margin 0.1)."""

    epochs: int = ranged(100, at_least=1)
    batch_size: int = ranged(64, at_least=1)
    lr: float = ranged(1e-3, above=0)
    momentum: float = ranged(0.9, at_least=0)
    margin: float = ranged(0.1, at_least=0)


@dataclass
class RelationConfig:
    """Relation Network training: episodes of ``batch_size`` sampled features against every class embedding.

    The paper: 400,000 episodes of 32 on NTU's ~40,000 seen samples (about 320 passes), Adam lr 1e-5 with a
    step decay every 200,000 episodes. Here the episode count is given in passes over the seen training samples
    (``epochs``), so it scales with the dataset, and the step decay falls at half of them. With UTD-MHAD's ~350
    seen training samples, 200 passes are only ~2,200 episodes, so the default lr is 1e-3 and the loss is
    balanced (measured on UTD-MHAD: the paper's plain MSE at lr 1e-4 or 1e-3 learns "never a match" and scores
    chance; see docs/zeroshot.md).

    Attributes:
        epochs: Passes over the seen training samples.
        batch_size: Samples per episode.
        lr: Adam learning rate.
        gamma: Learning-rate factor at the step (half of the episodes).
        hidden: Hidden size of the attribute and relation networks.
        balance: Weigh matching and non-matching pairs equally in the MSE
            (:func:`sldml.models.zeroshot.relation_mse`); false is the paper's plain mean.
    """

    epochs: int = ranged(200, at_least=1)
    batch_size: int = ranged(32, at_least=1)
    lr: float = ranged(1e-3, above=0)
    gamma: float = ranged(0.5, above=0)
    hidden: int = ranged(512, at_least=1)
    balance: bool = True


@dataclass
class ZeroShotConfig:
    """A zero-shot experiment.

    Attributes:
        name: Run name.
        output_dir: Where outputs go.
        classes: The dataset's class list (:func:`sldml.classnames.list_class_lists`): ``utd_mhad``, ``ntu60``
            or ``ntu120``.
        texts: Embed class ``names`` or ``descriptions``.
        descriptions: Class name -> the user's own longer text for it.
        splits: Unseen-class rules (``nearest``, ``random``, ``furthest``; see
            :mod:`sldml.evaluation.zeroshot`) and/or shipped fixed splits (``ntu60-55-5``, ``ntu120-110-10``).
        unseen: Unseen classes of the rule-based splits.
        train_subjects: Seen-class samples of these subjects train; the other subjects' seen samples and all
            unseen samples are the test set (GZSL needs seen test samples).
        seeds: Seeds (visual model, heads, random split and random embeddings).
        train_classes: The class embeddings the heads are trained against: ``seen`` (inductive zero-shot, the
            default: nothing about the unseen classes is used in training) or ``all`` (the unseen classes' names
            are known in training and serve as negatives; this teaches the heads that unseen classes never match
            and drives GZSL unseen accuracy to 0).
        embeddings: Text embedding kinds to compare: ``learned`` and/or ``random``.
        data: See :class:`sldml.config.DataConfig`.
        preprocess: See :class:`sldml.config.PreprocessConfig` (the ST-GCN reads the ``compact`` image).
        augment: See :class:`sldml.config.AugmentConfig`.
        visual: See :class:`VisualConfig`.
        devise: See :class:`DeViSEConfig`.
        relation: See :class:`RelationConfig`.
    """

    name: str = "zeroshot"
    output_dir: str = "runs"
    classes: str = "utd_mhad"
    texts: Literal["names", "descriptions"] = "names"
    descriptions: dict[str, str] = field(default_factory=dict)
    splits: list[str] = field(default_factory=lambda: ["nearest", "random", "furthest"])
    unseen: int = ranged(5, at_least=1)
    train_subjects: list[int] = field(default_factory=lambda: [1, 3, 5, 7])
    seeds: int = ranged(3, at_least=1)
    train_classes: Literal["seen", "all"] = "seen"
    embeddings: list[Literal["learned", "random"]] = ranged_list(lambda: ["learned", "random"], nonempty=True)
    data: DataConfig = field(default_factory=DataConfig)
    preprocess: PreprocessConfig = field(default_factory=lambda: PreprocessConfig(centre="every"))
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    visual: VisualConfig = field(default_factory=VisualConfig)
    devise: DeViSEConfig = field(default_factory=DeViSEConfig)
    relation: RelationConfig = field(default_factory=RelationConfig)


def load_zeroshot_config(source: str | None = None, overrides: list[str] | None = None) -> ZeroShotConfig:
    """A validated :class:`ZeroShotConfig` from a shipped name or YAML file plus dotted overrides.

    The split names (``splits``) and the class list (``classes``) are checked where they are used
    (:func:`sldml.training.zeroshot.check_zeroshot_config`).

    Raises:
        ConfigError: On an unknown key, a wrong type, or a value out of range.
    """
    config = build_config(ZeroShotConfig, source, overrides, "zeroshot_configs", "zero-shot config")
    if not all(len(w) == 2 for w in config.visual.widths):
        raise ConfigError(f"visual.widths={config.visual.widths}: expected [channels, temporal stride] per block")
    return config
