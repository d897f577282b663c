"""Load the samples an experiment config names (``data`` section), filtered to one modality."""

from __future__ import annotations

from pathlib import Path

from sldml.config import DataConfig
from sldml.errors import ConfigError, DataError
from sldml.fusion import fuse_pairs
from sldml.io import load_folder
from sldml.io.synthetic import generate
from sldml.sequence import Sequence


def load_data(config: DataConfig) -> tuple[list[Sequence], list[str]]:
    """The samples of the configured dataset and modality, and a line per file that was skipped.

    ``modality: fused`` fuses each trial's inertial and skeleton recordings (:mod:`sldml.fusion`).

    Raises:
        ConfigError: If a dataset other than ``synthetic`` has no ``data.path``, or no sample has the modality.
        DataError: If the folder does not exist.
    """
    skipped: list[str] = []
    if config.dataset == "synthetic":
        modalities = ("inertial", "skeleton") if config.modality == "fused" else (config.modality,)
        sequences = generate(
            config.synthetic_classes,
            config.synthetic_subjects,
            config.synthetic_trials,
            config.synthetic_seed,
            modalities=modalities,
        )
    else:
        if not config.path:
            raise ConfigError(f"data.path is empty; dataset {config.dataset!r} needs the folder it lives in")
        if not Path(config.path).exists():
            raise DataError(config.path, f"data.path: folder not found (dataset {config.dataset})")
        report = load_folder(config.path)
        sequences = report.sequences
        skipped = [s.reason for s in report.skipped]
    if config.modality == "fused":
        fused, unpaired = fuse_pairs(sequences)
        return fused, skipped + unpaired
    chosen = [s for s in sequences if s.modality == config.modality]
    if not chosen:
        found = sorted({s.modality for s in sequences})
        raise ConfigError(
            f"data.modality={config.modality!r}: no such samples in {config.path or 'synthetic'}; found: {found}"
        )
    return chosen, skipped
