"""Webhook delivery from the persisted outbox.

Rows are written in the same transaction as the events that caused them, so nothing is lost
if the service or the receiver is down. Per (tenant, conversation) only the oldest undelivered
row is tried, so a receiver sees each conversation's events in order; a failed row is retried
with exponential backoff and jitter, and dead-lettered once older than ``webhook_max_age_s``
(after which later rows of that conversation proceed).

The same worker runs inside the service (a thread, woken after each commit that queued
webhooks) or on its own (``safeguarding webhooks``, polling every ``webhook_poll_s``). On
PostgreSQL several may run at once, in one process or many: each round claims its rows with
row locks (``FOR UPDATE SKIP LOCKED``) and commits their outcomes together, so no row is
sent by two senders and a conversation's rows still leave in order. A sender killed mid-round
loses its locks with its connection; what it had sent but not committed is sent again by
another (at least once; receivers de-duplicate on ``Safeguarding-Event-Id``).
"""

from __future__ import annotations

import json
import logging
import random
import threading
from datetime import UTC, datetime, timedelta

import httpx

from safeguarding.client.signature import HEADER, sign
from safeguarding.service.metrics import ServiceMetrics
from safeguarding.service.settings import Settings
from safeguarding.storage.records import OutboxMessage, TenantRecord
from safeguarding.storage.repository import Repository
from safeguarding.storage.repository.outbox import WebhookClaim

log = logging.getLogger("safeguarding.webhooks")


def backoff_delay(attempts: int, base_s: float, max_s: float, rng: random.Random) -> float:
    """Delay before retry number ``attempts`` (1-based): full-jitter exponential backoff."""
    ceiling = min(max_s, base_s * (2 ** max(0, attempts - 1)))
    return rng.uniform(ceiling / 2, ceiling)


def webhook_body(message: OutboxMessage) -> bytes:
    envelope = {
        "id": message.public_id,
        "type": message.event_type,
        "created_at": message.created_at.isoformat() if message.created_at else None,
        "data": message.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()


class OutboxWorker:
    """Delivers due webhooks: as a thread (:meth:`start`) or step by step (:meth:`run_once`)."""

    def __init__(
        self,
        repo: Repository,
        settings: Settings,
        metrics: ServiceMetrics | None = None,
        http: httpx.Client | None = None,
        rng: random.Random | None = None,
        name: str = "outbox",
    ) -> None:
        self.repo = repo
        self.name = name
        self.settings = settings
        self.metrics = metrics
        self.http = http or httpx.Client(timeout=settings.webhook_timeout_s)
        self.rng = rng or random.Random()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """Ask for a delivery round now (called after a commit that queued webhooks)."""
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def request_stop(self) -> None:
        """Stop after the delivery in flight (its outcome is still recorded)."""
        self._stop.set()
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.http.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_once() > 0
            except Exception:  # keep delivering after a transient database error
                log.exception("outbox round failed")
                busy = False
            if not busy:
                self._wake.wait(self.settings.webhook_poll_s)
                self._wake.clear()

    def run_once(self, now: datetime | None = None) -> int:
        """One round: claim the due head of each conversation (see
        :meth:`Repository.claim_webhooks`) and try each; returns how many were claimed."""
        now = now or datetime.now(UTC)
        with self.repo.claim_webhooks(now, self.settings.webhook_claim_batch) as claim:
            tenants: dict[str, TenantRecord | None] = {}
            for message in claim.messages:
                if self._stop.is_set():
                    break  # the rest stay due: released with the claim, taken next time
                assert message.id is not None and message.tenant_id is not None
                if message.tenant_id not in tenants:
                    tenants[message.tenant_id] = self.repo.get_tenant(message.tenant_id)
                self._deliver(claim, message, tenants[message.tenant_id], now)
            return len(claim.messages)

    def _deliver(
        self,
        claim: WebhookClaim,
        message: OutboxMessage,
        tenant: TenantRecord | None,
        now: datetime,
    ) -> None:
        assert message.id is not None
        error = self._post(message, tenant)
        if error is None:
            claim.delivered(message.id, datetime.now(UTC))
            self._count("delivered")
            return
        attempts = message.attempts + 1
        created = message.created_at or now
        dead = now - created > timedelta(seconds=self.settings.webhook_max_age_s)
        delay = backoff_delay(
            attempts,
            self.settings.webhook_backoff_base_s,
            self.settings.webhook_backoff_max_s,
            self.rng,
        )
        claim.failed(message.id, error, now + timedelta(seconds=delay), dead=dead)
        self._count("dead" if dead else "failed")
        log.warning(
            "webhook delivery failed",
            extra={"outbox_id": message.id, "attempts": attempts, "error": error, "dead": dead},
        )

    def _post(self, message: OutboxMessage, tenant: TenantRecord | None) -> str | None:
        if tenant is None or not tenant.webhook_url or not tenant.webhook_secret:
            return "tenant has no webhook URL and secret configured"
        body = webhook_body(message)
        headers = {
            "Content-Type": "application/json",
            HEADER: sign(tenant.webhook_secret, body),
            "Safeguarding-Event-Id": message.public_id or "",
            "Safeguarding-Event-Type": message.event_type,
        }
        try:
            response = self.http.post(tenant.webhook_url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"[:500]
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"

    def _count(self, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.webhooks.labels(outcome=outcome).inc()
