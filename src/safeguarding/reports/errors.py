"""Errors of the reports stage, each with what an operator needs to act on it."""

from __future__ import annotations


class ReportError(Exception):
    """A report could not be made; ``code`` and ``message`` are shown to the operator."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class MissingFields(ReportError):
    """The case lacks required fields; nothing was sent."""

    def __init__(self, authority: str, missing: list[str]) -> None:
        super().__init__(
            "missing_fields", f"the {authority} report is missing {len(missing)} field(s)"
        )
        self.authority = authority
        self.missing = missing


class AuthorityError(ReportError):
    """The authority answered with an error (its code and message, and the fields it named)."""

    def __init__(self, code: str, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(code, message)
        self.fields = fields


class AlreadyReported(ReportError):
    """The subject was reported to this authority before (the record says when and as what)."""
