"""The ``sldml`` command. Thin: every command parses its arguments, calls one library function, prints the result.

Errors about the user's input (:class:`~sldml.errors.SldmlError`) are printed as one line on stderr, without a
traceback, and the command exits with status 1. The commands live in :mod:`sldml.cli.data` (look at data),
:mod:`sldml.cli.cache` (the parsed-data cache), :mod:`sldml.cli.runs` (train, evaluate, experiments) and
:mod:`sldml.cli.recognize` (use a trained model).
"""

from sldml.cli import cache, data, recognize, runs  # noqa: F401  (import registers the commands)
from sldml.cli.common import app


def main() -> None:
    """Entry point of the ``sldml`` command."""
    app()


__all__ = ["app", "main"]
