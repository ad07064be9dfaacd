"""An HTTPS sender: POSTs a finished document's JSON to an endpoint (for authorities or
intermediaries that take reports over an API), registered as ``https``.

Configuration: ``url`` and ``token_env`` (the environment variable holding the bearer
token). The document's reference travels as ``Idempotency-Key``, so a retried send is one
report at the receiver; the answer's ``id`` (or ``reference``) is kept as the external id.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import httpx

from safeguarding.reports.documents import ReportDocument, SendReceipt
from safeguarding.reports.senders import ReportSender, ReportSendError, register_sender


class HttpsSender(ReportSender):
    name = "https"

    def __init__(self, url: str = "", token_env: str = "", timeout_s: float = 30.0) -> None:
        token = os.environ.get(token_env, "") if token_env else ""
        if not url or not token:
            raise ReportSendError("the https sender needs url and token_env (set)")
        self.url = url
        self.token = token
        self.timeout_s = timeout_s

    def send(self, document: ReportDocument) -> SendReceipt:
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            "Idempotency-Key": document.reference,
        }
        try:
            response = httpx.post(
                self.url, content=document.json_bytes(), headers=headers, timeout=self.timeout_s
            )
        except httpx.TransportError as exc:
            raise ReportSendError(
                f"report {document.reference} not sent: {type(exc).__name__}"
            ) from exc
        if response.status_code >= 400:
            raise ReportSendError(
                f"report {document.reference} refused: HTTP {response.status_code}"
            )
        body = response.json() if response.content else {}
        external = str(body.get("id") or body.get("reference") or "") or None
        return SendReceipt(
            sender=self.name,
            reference=document.reference,
            digest=document.digest,
            sent_at=datetime.now(UTC),
            location=self.url,
            detail={"external_id": external},
        )


register_sender(HttpsSender.name, HttpsSender)
