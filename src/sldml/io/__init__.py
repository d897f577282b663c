"""Readers: one module per file format, each a function from a path to ``Sequence`` objects.

Importing this package imports every module in it (:func:`sldml.resources.import_submodules`), which registers
every format: a new format is one new file here. :func:`read` reads one file, :func:`load_folder` a whole
dataset folder with a report of every file it skipped and why.
"""

from sldml.io.loader import LoadReport, Skipped, load_folder
from sldml.io.registry import FileFormat, detect_format, get_format, list_formats, read, register_format
from sldml.resources import import_submodules

import_submodules(__name__, __path__)

__all__ = [
    "FileFormat",
    "LoadReport",
    "Skipped",
    "detect_format",
    "get_format",
    "list_formats",
    "load_folder",
    "read",
    "register_format",
]
