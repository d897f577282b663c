"""The torch Dataset of representation images: a list of sequences, their preprocessing, augmentation, images.

Streaming: nothing is built ahead. Each item is preprocessed (centring, ...), augmented when training with
augmentation, and turned into its image when it is asked for, in a DataLoader worker process when
``train.num_workers`` > 0, so that memory holds the samples (memory-mapped from the parsed-data cache,
:mod:`sldml.io.cache`) and the batches in flight, never every image at once. The images are the ones a
pre-built list would hold: preprocessing is deterministic, and augmentation draws from torch's generator as
before. (Building an item costs about 0.7 ms for an NTU skeleton, against about 10 ms a sample for a ResNet18
training step on a 2-core CPU.)
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
    """Images of sequences with integer class targets, built item by item.

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
        self.sequences = list(sequences)
        self.targets = list(targets)

    def __len__(self) -> int:
        return len(self.sequences)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        seq = preprocess(self.sequences[index], self.config)
        if self.augment is not None:
            # Seeded from torch's generator, so Lightning's seed_everything(workers=True) makes draws repeatable.
            rng = np.random.default_rng(int(torch.randint(0, 2**31 - 1, (1,)).item()))
            seq = augment(seq, self.augment, rng)
        return torch.from_numpy(image(seq, self.config)), self.targets[index]
