"""Small helpers shared by the text-format readers."""

from __future__ import annotations


def is_number(token: str) -> bool:
    """Whether ``float(token)`` succeeds."""
    try:
        float(token)
    except ValueError:
        return False
    return True
