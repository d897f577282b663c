"""torch Datasets: a list of sequences, their preprocessing, augmentation and representation.

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

from sldml import transforms
from sldml.config import AugmentConfig, PreprocessConfig
from sldml.representations import represent
from sldml.sequence import Sequence


def preprocess(seq: Sequence, config: PreprocessConfig) -> Sequence:
    """The deterministic part of the pipeline: centre skeletons (channel data is left as it is)."""
    if config.centre != "none" and seq.get_layout().kind == "skeleton":
        seq = transforms.centre(seq, mode=config.centre)
    return seq


def augment(seq: Sequence, config: AugmentConfig, rng: np.random.Generator) -> Sequence:
    """One random draw of the signal-level augmentation: time crop, vertical rotation, noise."""
    if config.crop_min < 1.0:
        keep = rng.uniform(config.crop_min, 1.0)
        start = rng.uniform(0.0, 1.0 - keep)
        seq = transforms.crop_time(seq, start, start + keep)
    if config.rotate_deg > 0 and seq.get_layout().kind == "skeleton":
        seq = transforms.rotate_vertical(seq, rng.uniform(-config.rotate_deg, config.rotate_deg))
    if config.noise > 0:
        spread = float(np.ptp(seq.data)) or 1.0
        seq = transforms.add_noise(seq, config.noise * spread, rng)
    return seq


def image(seq: Sequence, config: PreprocessConfig) -> np.ndarray:
    """The representation image of an already preprocessed sequence."""
    if config.representation == "compact":
        return represent(seq, "compact", width=config.width, scale=config.scale)
    if config.representation == "signals":
        return represent(seq, "signals", width=config.width, height=config.height)
    return represent(seq, config.representation, width=config.width)


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
