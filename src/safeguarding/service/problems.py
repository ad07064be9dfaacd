"""Errors the service raises for bad input; the API renders them as RFC 9457 problems."""

from __future__ import annotations

from typing import Any


class ProblemError(Exception):
    """A client error with an HTTP status, a short title and a clear detail."""

    def __init__(
        self, status: int, title: str, detail: str, *, type_: str = "about:blank", **extra: Any
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_
        self.extra = extra
