"""Errors a corpus reader raises, always with the place of the bad input."""

from __future__ import annotations


class CorpusError(ValueError):
    """A corpus line or element that cannot be read; carries its location."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")
