"""Configuration: one package, one validator (:mod:`sldml.config.schema`), three config roots.

* :mod:`sldml.config.oneshot`: :class:`Config`, one-shot training and evaluation (``sldml train``);
* :mod:`sldml.config.siamese`: :class:`SiameseConfig`, the Siamese-LSTM (``sldml siamese``);
* :mod:`sldml.config.zeroshot`: :class:`ZeroShotConfig`, zero-shot recognition from class names.

This package imports only :mod:`sldml.errors` and :mod:`sldml.resources`, so that every layer may import it.
"""

from sldml.config.oneshot import (
    AugmentConfig,
    Config,
    DataConfig,
    EvalConfig,
    LossConfig,
    ModelConfig,
    OptimConfig,
    PreprocessConfig,
    SelectConfig,
    TrainConfig,
    config_from_dict,
    load_config,
    named_configs,
    with_overrides,
)
from sldml.config.schema import build_section, parse_overrides
from sldml.config.siamese import SiameseConfig, load_siamese_config
from sldml.config.zeroshot import ZeroShotConfig, load_zeroshot_config

__all__ = [
    "AugmentConfig",
    "Config",
    "DataConfig",
    "EvalConfig",
    "LossConfig",
    "ModelConfig",
    "OptimConfig",
    "PreprocessConfig",
    "SelectConfig",
    "SiameseConfig",
    "TrainConfig",
    "ZeroShotConfig",
    "build_section",
    "config_from_dict",
    "load_config",
    "load_siamese_config",
    "load_zeroshot_config",
    "named_configs",
    "parse_overrides",
    "with_overrides",
]
