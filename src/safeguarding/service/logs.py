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


def configure_logging(level: str = "INFO", log_text: bool = False) -> None:
    """Send every log record to stderr as a JSON line (uvicorn's included)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(log_text))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
