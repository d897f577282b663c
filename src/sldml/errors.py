"""The exceptions sldml raises for bad input.

Every error about a user's data names the file (or ``<memory>`` for arrays built in code), the field
that was wrong, and what was expected, so the CLI can print it on one line without a traceback.
"""

from __future__ import annotations

from pathlib import Path


class SldmlError(Exception):
    """Base class of every error sldml raises on purpose."""


class DataError(SldmlError, ValueError):
    """A file or array does not hold what it should.

    Args:
        source: The file the data came from, or ``None`` for data built in memory.
        message: What was wrong and what was expected.
    """

    def __init__(self, source: str | Path | None, message: str) -> None:
        self.source = str(source) if source is not None else "<memory>"
        self.message = message
        super().__init__(f"{self.source}: {message}")


class ConfigError(SldmlError, ValueError):
    """A configuration value, option or name is not one of the valid ones."""


class Interrupted(KeyboardInterrupt):
    """The user stopped a long operation (Ctrl-C); the message says what was stopped and what it left behind."""
