"""Treatment of raw message text shared by every reader and the service.

Documented treatment of bad text (README "Bad input"):
- ``None`` or non-string text is refused by the caller with a clear error;
- text is decoded as UTF-8, undecodable bytes are replaced (U+FFFD) rather than dropped;
- NUL and other C0 control characters except tab/newline are removed;
- text longer than ``MAX_TEXT_CHARS`` is analysed on its first ``MAX_TEXT_CHARS`` characters
  (the original is kept whole for evidence) so one huge message cannot stall the engine.
"""

from __future__ import annotations

import re

MAX_TEXT_CHARS = 10_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | bytes) -> str:
    """Return text safe to analyse: decoded, without control characters."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return _CONTROL.sub("", value)


def analysable(text: str) -> str:
    """The part of a message the detectors read (the first ``MAX_TEXT_CHARS`` characters)."""
    return text if len(text) <= MAX_TEXT_CHARS else text[:MAX_TEXT_CHARS]
