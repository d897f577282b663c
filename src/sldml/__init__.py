"""sldml: one-shot, zero-shot and siamese action recognition from signals by deep metric learning.

The public API, from raw files to the image a network sees::

    import sldml
    report = sldml.load_folder("UTD-MHAD")          # every file, plus what was skipped and why
    seq = sldml.read("a1_s1_t1_skeleton.mat")[0]   # one file -> Sequence objects
    image = sldml.represent(sldml.transforms.centre(seq), "compact", width=64)  # (3, 20, 64) float32

    config = sldml.load_config("default", ["data.dataset=utd_mhad", "data.path=UTD-MHAD", "protocol=utd-mhad-23-4"])
    run_dir = sldml.train(config)                  # a run folder: weights, results.json, embeddings
    run = sldml.load_run(run_dir)                  # its config, protocol, classes and network

    ranker = sldml.ZeroShotModel.load("runs/experiments/zeroshot-utd/furthest/seed0")
    ranker.rank([seq], ["draw a triangle", "kick"])  # class names it never saw an example of

The training API (``load_config``, ``train``, ``evaluate_run``, ``load_run``, ``load_protocol``) is imported
on first use, so that ``import sldml`` for the data layer does not load torch. The layers and what each may
import: ``docs/architecture.md``.
"""

from typing import Any

from sldml import transforms
from sldml.errors import ConfigError, DataError, SldmlError
from sldml.io import LoadReport, Skipped, list_formats, load_folder, read
from sldml.io.procedural import generate as generate_procedural
from sldml.io.synthetic import generate as generate_synthetic
from sldml.layouts import Layout, get_layout, list_layouts
from sldml.representations import decode_compact, encode_compact, list_representations, represent
from sldml.sequence import Sequence

__version__ = "0.1.0"

_LAZY = {
    "load_config": "sldml.config",
    "load_protocol": "sldml.protocols",
    "train": "sldml.training",
    "evaluate_run": "sldml.experiments",
    "load_run": "sldml.runs",
    "Recognizer": "sldml.inference",
    "Gallery": "sldml.inference",
    "load_siamese_config": "sldml.config",
    "run_siamese": "sldml.experiments.siamese",
    "load_zeroshot_config": "sldml.config",
    "ZeroShotModel": "sldml.inference.zeroshot",
    "embed_texts": "sldml.text",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sldml' has no attribute {name!r}")


__all__ = [
    "ConfigError",
    "DataError",
    "Gallery",
    "Layout",
    "LoadReport",
    "Recognizer",
    "Sequence",
    "Skipped",
    "SldmlError",
    "ZeroShotModel",
    "decode_compact",
    "embed_texts",
    "encode_compact",
    "evaluate_run",
    "generate_procedural",
    "generate_synthetic",
    "get_layout",
    "list_formats",
    "list_layouts",
    "list_representations",
    "load_config",
    "load_folder",
    "load_protocol",
    "load_run",
    "load_siamese_config",
    "load_zeroshot_config",
    "read",
    "represent",
    "run_siamese",
    "train",
    "transforms",
]
