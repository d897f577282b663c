"""The torch Dataset of representation images: a list of sequences, their preprocessing, augmentation, images.

Preprocessing (centring) is done once per sample and cached. Without augmentation the representation
images are cached too (evaluation, and training with ``augment.enabled=false``). With augmentation, each
draw crops, rotates and adds noise to the cached preprocessed sequence and builds its image again: the
signal changes every epoch, so its image must too (about 0.2 ms a sample, against about 8 ms a sample
for a ResNet18 training step on a 2-core CPU).
"""

from __future__ import annotations

from collections.abc import Sequence as Seq

import numpy as np
import torch
from torch.utils.data import Dataset

from sldml.config import AugmentConfig, PreprocessConfig
from sldml.datasets.images import augment, image, preprocess
from sldml.sequence import Sequence


class SignalImageDataset(Dataset[tuple[torch.Tensor, int]]):
    """Images of sequences with integer class targets.

    Args:
        sequences: The samples.
        preprocess_config: Centring and representation.
        targets: Integer class per sample (e.g. index of its label among the auxiliary classes).
        augment_config: Augmentation, or ``None`` for none.
    """

    def __init__(
        self,
        sequences: Seq[Sequence],
        preprocess_config: PreprocessConfig,
        targets: Seq[int],
        augment_config: AugmentConfig | None = None,
    ) -> None:
        if len(sequences) != len(targets):
            raise ValueError(f"{len(sequences)} sequences but {len(targets)} targets")
        self.config = preprocess_config
        self.augment = augment_config if augment_config is not None and augment_config.enabled else None
        self.sequences = [preprocess(s, preprocess_config) for s in sequences]
        self.targets = list(targets)
        self._images: torch.Tensor | None = None
        if self.augment is None:
            self._images = torch.from_numpy(np.stack([image(s, preprocess_config) for s in self.sequences]))

    def __len__(self) -> int:
        return len(self.sequences)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        if self._images is not None:
            return self._images[index], self.targets[index]
        assert self.augment is not None
        # Seeded from torch's generator, so Lightning's seed_everything(workers=True) makes draws repeatable.
        rng = np.random.default_rng(int(torch.randint(0, 2**31 - 1, (1,)).item()))
        seq = augment(self.sequences[index], self.augment, rng)
        return torch.from_numpy(image(seq, self.config)), self.targets[index]
