"""Pluggable report senders: one small interface, a registry, and a file exporter.

A sender knows transport only (a folder, later an HTTPS API): it never builds or changes a
document, so one sender serves every report kind. Platforms register their own
(``register_sender("force-api", factory)``) and pick one by name in configuration.
Log lines carry the reference and the digest, never the document's content.
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from safeguarding.reports.documents import ReportDocument, SendReceipt

log = logging.getLogger(__name__)


class ReportSender(ABC):
    """Delivers finished documents. Implementations must be safe to call twice with the same
    document (a retry) and must not log its content."""

    name: ClassVar[str]

    @abstractmethod
    def send(self, document: ReportDocument) -> SendReceipt:
        """Deliver ``document``; raise ``ReportSendError`` when it was not delivered."""


class ReportSendError(RuntimeError):
    """The sender could not deliver; the message names the reference, never the content."""


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


class FileExporter(ReportSender):
    """Writes ``<reference>.json`` and ``<reference>.html`` into a folder (or ``<stem>.*``
    when a stem is given), for a person to upload through a force's portal or attach to a
    referral email."""

    name = "file"

    def __init__(self, directory: str | Path, stem: str | None = None) -> None:
        self.directory = Path(directory)
        self.stem = stem

    def send(self, document: ReportDocument) -> SendReceipt:
        stem = _SAFE_NAME.sub("_", self.stem or document.reference)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            json_path = self.directory / f"{stem}.json"
            html_path = self.directory / f"{stem}.html"
            json_path.write_bytes(document.json_bytes())
            html_path.write_text(document.html, encoding="utf-8")
        except OSError as exc:
            raise ReportSendError(
                f"report {document.reference} not written to {self.directory}: "
                f"{exc.strerror or type(exc).__name__}"
            ) from exc
        log.info("report %s written (%s)", document.reference, document.digest[:12])
        return SendReceipt(
            sender=self.name,
            reference=document.reference,
            digest=document.digest,
            sent_at=datetime.now(UTC),
            location=str(json_path),
            detail={"html": str(html_path)},
        )


SenderFactory = Callable[..., ReportSender]
_REGISTRY: dict[str, SenderFactory] = {}


def register_sender(name: str, factory: SenderFactory) -> None:
    """Make a sender available by name (a later registration replaces an earlier one)."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", name):
        raise ValueError(f"sender name {name!r}: lower-case letters, digits, - and _")
    _REGISTRY[name] = factory


def sender_names() -> list[str]:
    return sorted(_REGISTRY)


def get_sender(name: str, **config: Any) -> ReportSender:
    """Build the named sender with its configuration (e.g. ``directory=`` for ``file``)."""
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise KeyError(
            f"unknown report sender {name!r}; known: {', '.join(sender_names())}"
        ) from None
    return factory(**config)


register_sender(FileExporter.name, FileExporter)
