"""From a sequence to the image a network sees: preprocessing, augmentation and the configured representation.

numpy only (no torch): the baselines, the run's input spec and the torch datasets all build images here.
"""

from __future__ import annotations

import numpy as np

from sldml import transforms
from sldml.config import AugmentConfig, PreprocessConfig
from sldml.representations import config_fields, represent
from sldml.sequence import Sequence


def preprocessed(seq: Sequence) -> bool:
    """Whether :func:`preprocess` changes anything for this sequence (skeletons, fused ones included).

    For channel data (an IMU, features) every ``preprocess.centre`` / ``orient`` / ``scale_body`` is a no-op.
    """
    return seq.get_layout().kind == "skeleton"


def preprocess(seq: Sequence, config: PreprocessConfig) -> Sequence:
    """The deterministic part of the pipeline for skeletons: centre, turn to face forward, scale to body size.

    Channel data is left as it is (:func:`preprocessed`).
    """
    if not preprocessed(seq):
        return seq
    if config.centre != "none":
        seq = transforms.centre(seq, mode=config.centre)
    if config.orient:
        seq = transforms.face_forward(seq)
    if config.scale_body:
        seq = transforms.scale_to_body(seq)
    return seq


def augment(seq: Sequence, config: AugmentConfig, rng: np.random.Generator) -> Sequence:
    """One random draw of the signal-level augmentation: time crop, vertical rotation, noise."""
    if config.crop_min < 1.0:
        keep = rng.uniform(config.crop_min, 1.0)
        start = rng.uniform(0.0, 1.0 - keep)
        seq = transforms.crop_time(seq, start, start + keep)
    layout = seq.get_layout()
    if config.rotate_deg > 0 and layout.kind == "skeleton" and layout.dims == 3:
        seq = transforms.rotate_vertical(seq, rng.uniform(-config.rotate_deg, config.rotate_deg))
    if config.noise > 0:
        spread = float(np.ptp(seq.data)) or 1.0
        seq = transforms.add_noise(seq, config.noise * spread, rng)
    return seq


def image(seq: Sequence, config: PreprocessConfig) -> np.ndarray:
    """The representation image of an already preprocessed sequence.

    The representation gets the common config fields it reads (``width``, and e.g. ``scale`` or ``height``) and
    ``preprocess.options``.

    Raises:
        ConfigError: If the representation or one of its options is unknown.
    """
    name = config.representation
    params = {field: getattr(config, field) for field in config_fields(name)}
    return represent(seq, name, **{**params, **config.options})
