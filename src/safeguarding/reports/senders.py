"""Pluggable senders: how a finished report document leaves the service.

Authorities without a public API (the UK National Crime Agency, police forces taking
criminal-exploitation referrals) get their reports through a sender chosen in configuration.
A sender takes an :class:`OutgoingDocument` (the structured JSON and a readable HTML copy)
and answers a :class:`Receipt`. Shipped: ``file`` (the exporter: writes both copies to a
directory for upload through the authority's portal) and ``https`` (POSTs the JSON to an
endpoint with a bearer token from the environment). Others register with
:func:`register_sender`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

from safeguarding.reports.errors import AuthorityError, ReportError


@dataclass(frozen=True, slots=True)
class OutgoingDocument:
    """One report ready to leave: ``reference`` is our record id (file names, idempotency)."""

    authority: str
    kind: str  # "nca-csea-report", "police-referral", ...
    reference: str
    json: bytes
    html: bytes


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the sender got back: an external reference and where the copies went."""

    external_id: str | None
    location: str


class ReportSender(Protocol):
    """Delivers a document to an authority; raises :class:`AuthorityError` on refusal."""

    name: str

    def send(self, document: OutgoingDocument) -> Receipt: ...


SenderFactory = Callable[[Mapping[str, Any]], ReportSender]
SENDERS: dict[str, SenderFactory] = {}


def register_sender(name: str) -> Callable[[SenderFactory], SenderFactory]:
    def decorator(factory: SenderFactory) -> SenderFactory:
        SENDERS[name] = factory
        return factory

    return decorator


def build_sender(name: str, options: Mapping[str, Any]) -> ReportSender:
    factory = SENDERS.get(name)
    if factory is None:
        raise ReportError(
            "unknown_sender", f"no sender {name!r}; known: {', '.join(sorted(SENDERS))}"
        )
    return factory(options)


class FileSender:
    """The exporter: ``<reference>.json`` and ``<reference>.html`` in a directory."""

    name = "file"

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def send(self, document: OutgoingDocument) -> Receipt:
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = self.directory / document.reference
        for suffix, body in ((".json", document.json), (".html", document.html)):
            temporary = stem.with_suffix(suffix + ".tmp")
            temporary.write_bytes(body)
            os.replace(temporary, stem.with_suffix(suffix))  # never a half-written copy
        return Receipt(None, str(stem.with_suffix(".json")))


class HttpsSender:
    """POSTs the JSON document; the answer's ``id`` (or ``reference``) is the external id."""

    name = "https"

    def __init__(self, url: str, token: str, timeout_s: float = 30.0) -> None:
        self.url = url
        self.token = token
        self.timeout_s = timeout_s

    def send(self, document: OutgoingDocument) -> Receipt:
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            "Idempotency-Key": document.reference,
        }
        try:
            response = httpx.post(
                self.url, content=document.json, headers=headers, timeout=self.timeout_s
            )
        except httpx.TransportError as exc:
            raise AuthorityError(
                "transport", f"{type(exc).__name__} sending to {self.url}"
            ) from exc
        if response.status_code >= 400:
            raise AuthorityError(f"http_{response.status_code}", response.text[:300])
        body = response.json() if response.content else {}
        return Receipt(str(body.get("id") or body.get("reference") or "") or None, self.url)


@register_sender("file")
def _file(options: Mapping[str, Any]) -> ReportSender:
    return FileSender(options.get("directory") or "./var/reports")


@register_sender("https")
def _https(options: Mapping[str, Any]) -> ReportSender:
    variable = options.get("token_env")
    token = os.environ.get(str(variable), "") if variable else ""
    if not options.get("url") or not token:
        raise ReportError("sender_config", "the https sender needs url and token_env (set)")
    return HttpsSender(str(options["url"]), token, float(options.get("timeout_s", 30.0)))
