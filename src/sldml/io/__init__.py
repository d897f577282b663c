"""Readers: one module per file format, each a function from a path to ``Sequence`` objects.

Importing this package registers every built-in format. :func:`read` reads one file,
:func:`load_folder` a whole dataset folder with a report of every file it skipped and why.
"""

from sldml.io import folder, ntu, simitate, utd_mhad  # noqa: F401  (import registers the formats)
from sldml.io.loader import LoadReport, Skipped, load_folder
from sldml.io.registry import FileFormat, detect_format, get_format, list_formats, read, register_format

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
