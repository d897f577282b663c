"""Zero-shot training: the ST-GCN on the seen classes, and the DeViSE and Relation Network heads.

One run (:func:`sldml.experiments.zeroshot.run_zeroshot`) = one (split, seed):

1. the unseen classes (:func:`sldml.evaluation.zeroshot.unseen_split` from the class texts' embeddings, or a
   shipped fixed split);
2. an ST-GCN trained with cross-entropy on the seen classes' samples of the training subjects (Lightning);
   its pooled features (``visual.widths[-1]``-d) of every sample;
3. per text-embedding kind (``learned``, ``random``) and head (DeViSE, Relation Network): the head trained on
   the seen training features against the seen classes' text embeddings (``train_classes: seen``, inductive
   zero-shot) or against every class's (``all``: the unseen classes' names, never their samples, are known in
   training);
4. scores of the test samples (seen classes of the other subjects, every unseen sample) over all classes:
   ZSL and GZSL metrics.

Plain torch loops train the two heads: they are small models over fixed features (a Lightning loop would add
nothing but start-up time); the ST-GCN, a real network over sequences, trains with Lightning.
"""

from __future__ import annotations

from typing import Any

import lightning as L
import numpy as np
import numpy.typing as npt
import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader

from sldml.classnames import ClassList, get_class_list
from sldml.config import ZeroShotConfig
from sldml.datasets.tensors import SignalImageDataset
from sldml.errors import ConfigError
from sldml.evaluation.zeroshot import SPLIT_RULES, fixed_split, unseen_split
from sldml.models.stgcn import STGCN
from sldml.models.zeroshot import DeViSE, RelationNet, devise_rank_loss, relation_mse
from sldml.runs import features
from sldml.sequence import Sequence
from sldml.text import class_texts, embed_texts
from sldml.training.trainer import quiet_trainer

HEADS = ("devise", "relation")


def check_zeroshot_config(config: ZeroShotConfig) -> None:
    """Check the names registries own: the class list and every split (a rule or a shipped fixed split).

    Raises:
        ConfigError: On an unknown class list or split.
    """
    get_class_list(config.classes)
    for split in config.splits:
        if split not in SPLIT_RULES:
            fixed_split(split)  # raises on an unknown name


def present_classes(config: ZeroShotConfig, sequences: list[Sequence]) -> ClassList:
    """The configured class list, restricted to the classes that have samples (in the list's order).

    Raises:
        ConfigError: If a sample's class id is not in the list (naming its file).
    """
    classes = get_class_list(config.classes)
    for seq in sequences:
        if seq.class_id not in classes.ids:
            raise ConfigError(f"{seq.source}: class id {seq.class_id} is not one of {classes.dataset}'s classes")
    present = {s.class_id for s in sequences}
    keep = [i for i, c in enumerate(classes.ids) if c in present]
    return ClassList(
        classes.dataset,
        tuple(classes.ids[i] for i in keep),
        tuple(classes.names[i] for i in keep),
        tuple(classes.descriptions[i] for i in keep),
    )


def choose_unseen(config: ZeroShotConfig, classes: ClassList, split: str, seed: int) -> list[int]:
    """The unseen class ids of a split (a rule over the learned class-text embeddings, or a fixed split)."""
    if split not in SPLIT_RULES:
        named, ids = fixed_split(split)
        if named != config.classes:
            raise ConfigError(f"split {split} is for classes {named}, not {config.classes}")
        return ids
    learned = embed_texts(class_texts(classes, config.texts, config.descriptions), "learned")
    return [classes.ids[i] for i in unseen_split(learned, config.unseen, split, seed)]


class _Classifier(L.LightningModule):
    def __init__(self, backbone: STGCN, classes: int, lr: float) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(backbone.num_features, classes)
        self.lr = lr

    def training_step(self, batch: tuple[Tensor, Tensor], batch_idx: int) -> Tensor:
        images, targets = batch
        loss = nn.functional.cross_entropy(self.head(self.backbone(images)), targets)
        self.log("loss", loss, on_step=False, on_epoch=True, batch_size=len(targets))
        return loss

    def configure_optimizers(self) -> Any:
        return torch.optim.Adam(self.parameters(), lr=self.lr)


def train_visual(
    config: ZeroShotConfig, sequences: list[Sequence], targets: list[int], classes: int, layout: str
) -> STGCN:
    """An ST-GCN trained with cross-entropy over ``classes`` seen classes."""
    backbone = STGCN(config.visual.strategy, config.visual.widths, layout)
    data = SignalImageDataset(sequences, config.preprocess, targets, config.augment)
    batch = config.visual.batch_size
    loader = DataLoader(data, batch_size=batch, shuffle=True, drop_last=len(data) > batch)
    trainer = quiet_trainer(config.visual.epochs)
    trainer.fit(_Classifier(backbone, classes, config.visual.lr), loader)
    return backbone.cpu().eval()


def visual_features(backbone: STGCN, sequences: list[Sequence], config: ZeroShotConfig) -> npt.NDArray[np.float32]:
    """(N, features) pooled ST-GCN features, in evaluation mode."""
    return features(backbone.eval(), sequences, config.preprocess, batch_size=64)


def train_devise(features: Tensor, labels: Tensor, text: Tensor, config: ZeroShotConfig, seed: int) -> DeViSE:
    """DeViSE trained with the hinge rank loss against every class's text embedding (SGD with momentum)."""
    torch.manual_seed(seed)
    head = DeViSE(features.shape[1], text.shape[1])
    optimiser = torch.optim.SGD(head.parameters(), lr=config.devise.lr, momentum=config.devise.momentum)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(config.devise.epochs):
        for batch in torch.split(torch.randperm(len(features), generator=generator), config.devise.batch_size):
            loss = devise_rank_loss(head(features[batch], text), labels[batch], config.devise.margin)
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
    return head.eval()


def train_relation(features: Tensor, labels: Tensor, text: Tensor, config: ZeroShotConfig, seed: int) -> RelationNet:
    """The Relation Network trained episodically: each episode, sampled features against every class (MSE)."""
    torch.manual_seed(seed)
    head = RelationNet(features.shape[1], text.shape[1], config.relation.hidden)
    optimiser = torch.optim.Adam(head.parameters(), lr=config.relation.lr)
    per_epoch = max(1, len(features) // config.relation.batch_size)
    episodes = config.relation.epochs * per_epoch
    schedule = torch.optim.lr_scheduler.StepLR(optimiser, step_size=max(1, episodes // 2), gamma=config.relation.gamma)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(episodes):
        batch = torch.randint(len(features), (config.relation.batch_size,), generator=generator)
        loss = relation_mse(head(features[batch], text), labels[batch], config.relation.balance)
        optimiser.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        optimiser.step()
        schedule.step()
    return head.eval()
