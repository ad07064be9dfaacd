"""Structured JSON log lines (one object a line) for the service.

Message text never reaches the logs unless ``SAFEGUARDING_LOG_TEXT=1``: the formatter drops
a ``text`` field otherwise, whoever logged it, and writes tracebacks without the exceptions'
messages (``scrubbed_traceback``): an error raised while handling a message may quote it (a
database driver's error, a ``ValueError`` of a parser), so only the exception types and the
code locations are written.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, log_text: bool = False) -> None:
        super().__init__()
        self.log_text = log_text

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key in _STANDARD or key.startswith("_"):
                continue
            if key == "text" and not self.log_text:
                continue
            data[key] = value
        if record.exc_info and record.exc_info[1] is not None:
            data["exc"] = (
                self.formatException(record.exc_info)
                if self.log_text
                else scrubbed_traceback(record.exc_info[1])
            )
        return json.dumps(data, default=str, ensure_ascii=False)


def scrubbed_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` and the exceptions chained to it: code locations and exception
    types, never their messages or any runtime value."""
    te = traceback.TracebackException.from_exception(exc, capture_locals=False)
    parts: list[str] = []
    seen: set[int] = set()
    current: traceback.TracebackException | None = te
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(current.stack.format())
        name = current.exc_type.__qualname__ if current.exc_type else "Exception"
        parts.append(f"Traceback (most recent call last):\n{frames}{name} (message withheld)")
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return "\n\nwhile handling or caused by the above:\n".join(reversed(parts))


class TerminalFormatter(logging.Formatter):
    """One short readable line a record, for a person at a terminal (``serve`` on a TTY)."""

    def __init__(self, log_text: bool = False) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")
        self.log_text = log_text

    def formatException(self, ei: Any) -> str:  # noqa: N802  (logging's name)
        return scrubbed_traceback(ei[1]) if ei and ei[1] is not None else ""


def configure_logging(level: str = "INFO", log_text: bool = False, json_lines: bool = True) -> None:
    """Send every log record to stderr (uvicorn's included): a JSON line each, or with
    ``json_lines=False`` (a person at a terminal) short readable lines without the
    per-request lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(log_text) if json_lines else TerminalFormatter(log_text))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    if not json_lines:
        for name in ("safeguarding.http", "uvicorn.error"):
            logging.getLogger(name).setLevel(logging.WARNING)
