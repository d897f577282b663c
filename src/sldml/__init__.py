"""sldml: one-shot, zero-shot and siamese action recognition from signals by deep metric learning.

The public API, from raw files to the image a network sees::

    import sldml
    report = sldml.load_folder("UTD-MHAD")          # every file, plus what was skipped and why
    seq = sldml.read("a1_s1_t1_skeleton.mat")[0]   # one file -> Sequence objects
    image = sldml.represent(sldml.transforms.centre(seq), "compact", width=64)  # (3, 20, 64) float32
"""

from sldml import transforms
from sldml.errors import ConfigError, DataError, SldmlError
from sldml.io import LoadReport, Skipped, list_formats, load_folder, read
from sldml.io.synthetic import generate as generate_synthetic
from sldml.layouts import Layout, get_layout, list_layouts
from sldml.representations import decode_compact, encode_compact, list_representations, represent
from sldml.sequence import Sequence

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DataError",
    "Layout",
    "LoadReport",
    "Sequence",
    "Skipped",
    "SldmlError",
    "decode_compact",
    "encode_compact",
    "generate_synthetic",
    "get_layout",
    "list_formats",
    "list_layouts",
    "list_representations",
    "load_folder",
    "read",
    "represent",
    "transforms",
]
