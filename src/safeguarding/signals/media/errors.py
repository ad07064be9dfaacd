"""Errors of the media matching package.

Every bad input (corrupt or unknown image, decompression bomb, malformed hash, bad bank line)
becomes one of these with a reason a moderator or operator can act on, never a bare crash.
"""

from __future__ import annotations


class MediaError(ValueError):
    """Content could not be hashed or a hash could not be read; ``reason`` says why."""

    def __init__(self, reason: str, *, source: str | None = None) -> None:
        self.reason = reason
        self.source = source
        super().__init__(f"{source}: {reason}" if source else reason)


class BankError(ValueError):
    """A bank operation was refused (unknown bank, bad name, bad threshold, bad format)."""
