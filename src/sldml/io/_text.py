"""Small helpers shared by the text-format readers."""

from __future__ import annotations

EXCERPT_CHARS = 40
"""Characters of a file's content an error message quotes at most."""


def is_number(token: str) -> bool:
    """Whether ``float(token)`` succeeds."""
    try:
        float(token)
    except ValueError:
        return False
    return True


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short, printable, quoted excerpt of file content for an error message.

    Control and other non-printable characters are escaped, and text beyond ``limit`` characters is cut with
    ``...``, so that a message never carries a file's content at length or a terminal control sequence.
    """
    shown = text if len(text) <= limit else text[:limit] + "..."
    return repr(shown)
