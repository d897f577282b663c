"""The registry of datasets a config names (``data.dataset``), and the samples of one modality it loads.

Valid names: the generated datasets (a registry: ``synthetic``, the 23 built-in actions of
:mod:`sldml.io.synthetic`, and ``procedural``, as many generated classes as asked for, :mod:`sldml.io.procedural`;
neither reads files), ``folder`` (every file any registered reader claims, or the folder's ``manifest.csv``), and
every registered file format by its name or alias (``utd_mhad``, ``ntu``, ``simitate``, ``array``, ...: only the
files of that format). A new reader in :mod:`sldml.io` is therefore a dataset name with no change here; a new
generator is one function registered with :func:`register_generated`.

A folder is read through its parsed-data cache (:mod:`sldml.io.cache`, ``data.cache``): parsed once, memory-mapped
afterwards, with the same samples as a direct read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sldml import bodies
from sldml.config import DataConfig
from sldml.errors import ConfigError, DataError
from sldml.fusion import fuse_pairs
from sldml.io import get_format, list_formats, load_folder, procedural, synthetic
from sldml.io.cache import load_cached
from sldml.layouts import get_layout
from sldml.resources import Registry
from sldml.sequence import Sequence

SYNTHETIC = "synthetic"
PROCEDURAL = "procedural"
ANY_FORMAT = "folder"

Generator = Callable[[DataConfig, tuple[str, ...]], list[Sequence]]
"""(data config, modalities) -> the generated samples of those modalities."""
_GENERATED: Registry[Generator] = Registry("generated dataset")


def register_generated(name: str) -> Callable[[Generator], Generator]:
    """Decorator that registers a generator as the dataset ``name`` (a ``data.dataset`` that reads no files)."""
    return _GENERATED.decorator(name)


@register_generated(SYNTHETIC)
def _synthetic(config: DataConfig, modalities: tuple[str, ...]) -> list[Sequence]:
    views = [
        synthetic.View(azimuth, config.synthetic_elevation, mirror=config.synthetic_mirror)
        for azimuth in config.synthetic_views
    ]
    return synthetic.generate(
        config.synthetic_classes,
        config.synthetic_subjects,
        config.synthetic_trials,
        config.synthetic_seed,
        modalities=modalities,
        views=views or None,
        proportions=config.synthetic_proportions,
    )


def randomisation(config: DataConfig) -> procedural.Randomisation:
    """The procedural dataset's domain randomisation that ``data.procedural_*`` sets."""
    return procedural.Randomisation(
        body=config.procedural_body,
        tempo=config.procedural_tempo,
        view=config.procedural_view,
        noise=config.procedural_noise,
        dropout=config.procedural_dropout,
        style=config.procedural_style,
    )


@register_generated(PROCEDURAL)
def _procedural(config: DataConfig, modalities: tuple[str, ...]) -> list[Sequence]:
    return procedural.generate(
        config.procedural_classes,
        config.procedural_samples,
        config.procedural_seed,
        modalities=modalities,
        strength=randomisation(config),
    )


def list_datasets() -> list[str]:
    """Valid ``data.dataset`` names: the generated ones, ``folder`` and every registered format (and aliases)."""
    names = [*_GENERATED.names(), ANY_FORMAT]
    for name in list_formats():
        names += [name, *get_format(name).aliases]
    return names


def check_dataset(config: DataConfig) -> None:
    """Check ``data.dataset``, ``data.path`` and ``data.layout`` before anything is loaded.

    Raises:
        ConfigError: If the name is not a dataset, a path is given for a generated dataset (which reads none), or
            ``data.layout`` names no layout the common body maps.
    """
    if config.dataset not in list_datasets():
        raise ConfigError(f"data.dataset={config.dataset!r}; valid: {', '.join(list_datasets())}")
    if config.dataset in _GENERATED.names() and config.path is not None:
        raise ConfigError(
            f"data.path={config.path!r} is given but data.dataset={config.dataset} reads no files; "
            f"set data.dataset to one of {', '.join(n for n in list_datasets() if n not in _GENERATED.names())}"
        )
    if config.layout is not None:
        try:
            layout = get_layout(config.layout)
        except ConfigError as err:
            raise ConfigError(f"data.layout={config.layout!r}: {err}") from None
        if layout.kind != "skeleton" or not layout.body:
            raise ConfigError(
                f"data.layout={config.layout!r}: not a skeleton layout the common body maps; "
                f"valid: {', '.join(bodies.mapped_layouts())}"
            )


def cache_folder(config: DataConfig, runs_dir: str | Path = "runs") -> Path | None:
    """Where ``data.cache`` puts parsed-data caches: ``<runs_dir>/cache`` for ``auto``, ``None`` for ``off``.

    YAML reads ``off`` (and ``no``, ``false``) as false and ``on`` as true (``auto``).
    """
    if config.cache is False or config.cache == "off":
        return None
    if config.cache is True or config.cache == "auto":
        return Path(runs_dir) / "cache"
    return Path(config.cache)


def load_data(config: DataConfig, runs_dir: str | Path = "runs") -> tuple[list[Sequence], list[str]]:
    """The samples of the configured dataset and modality, and a line per file that was skipped.

    ``modality: fused`` fuses each trial's inertial and skeleton recordings (:mod:`sldml.fusion`). A folder is
    read through its cache (``data.cache``; ``auto`` puts it in ``<runs_dir>/cache``).

    Args:
        config: The ``data`` section.
        runs_dir: The config's ``output_dir``, beside which ``data.cache=auto`` keeps caches.

    Raises:
        ConfigError: If the dataset is unknown, a dataset other than ``synthetic`` has no ``data.path``, no
            sample has the modality, or ``data.cache`` is inside the dataset folder.
        DataError: If the folder does not exist.
        Interrupted: If the first parse into the cache is stopped (Ctrl-C).
    """
    check_dataset(config)
    skipped: list[str] = []
    if config.dataset in _GENERATED.names():
        modalities = ("inertial", "skeleton") if config.modality == "fused" else (config.modality,)
        sequences = _GENERATED.get(config.dataset)(config, modalities)
    else:
        if not config.path:
            raise ConfigError(f"data.path is empty; dataset {config.dataset!r} needs the folder it lives in")
        if not Path(config.path).exists():
            raise DataError(config.path, f"data.path: folder not found (dataset {config.dataset})")
        formats = None if config.dataset == ANY_FORMAT else [get_format(config.dataset).name]
        cache = cache_folder(config, runs_dir)
        if cache is None:
            report = load_folder(config.path, formats)
        else:
            report = load_cached(config.path, cache, formats, config.cache_workers, config.cache_min_files)
        sequences = report.sequences
        skipped = [s.reason for s in report.skipped]
    if config.layout is not None:
        sequences = [_convert(s, config.layout) for s in sequences]
    if config.modality == "fused":
        fused, unpaired = fuse_pairs(sequences)
        return fused, skipped + unpaired
    chosen = [s for s in sequences if s.modality == config.modality]
    if not chosen:
        found = sorted({s.modality for s in sequences})
        raise ConfigError(
            f"data.modality={config.modality!r}: no such samples in {config.path or config.dataset}; found: {found}"
        )
    return chosen, skipped


def _convert(seq: Sequence, layout: str) -> Sequence:
    """A skeleton in ``layout`` (through the common body); channel data as it is."""
    if seq.get_layout().kind != "skeleton":
        return seq
    return bodies.convert(seq, layout)
