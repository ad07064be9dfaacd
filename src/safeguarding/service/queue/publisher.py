"""The API side of ``serve --queue``: check a batch as the in-process path does, publish each
new event to its partition, answer once JetStream has acknowledged every one.

Nothing is answered as accepted before JetStream stored it; when it cannot (unreachable,
stream full) the caller gets :class:`QueueUnavailable` and the API answers 503 with
Retry-After. Events published before a failure stay queued: the client's retry of the
batch is absorbed by JetStream's de-duplication (message id = tenant and event id) within
its window, and by the workers' idempotent apply after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool

from safeguarding.service.events import AnyEvent, event_digest
from safeguarding.service.ingest_state import IngestResult
from safeguarding.service.problems import ProblemError
from safeguarding.service.queue.codec import encode
from safeguarding.service.queue.link import NATS_ERRORS, JetStreamLink, QueueUnavailable
from safeguarding.service.queue.names import QueueNames, msg_id
from safeguarding.service.settings import Settings
from safeguarding.service.validation import check_report_conversations, validate_batch
from safeguarding.storage.repository import Repository

log = logging.getLogger("safeguarding.queue")
CONNECT_TIMEOUT_S = 5.0


class QueuePublisher:
    """Owns the API process's NATS connection (connecting again in the background while
    the server is down at start)."""

    def __init__(self, repo: Repository, settings: Settings) -> None:
        self.repo = repo
        self.settings = settings
        self.names = QueueNames(settings.queue_stream, settings.queue_partitions)
        self.link: JetStreamLink | None = None
        self._connecting: asyncio.Task[None] | None = None

    async def start(self) -> None:
        try:
            await self._connect()
        except NATS_ERRORS as exc:
            log.warning("nats not reachable at start (%s); retrying", type(exc).__name__)
            self._connecting = asyncio.create_task(self._keep_connecting())

    async def _connect(self) -> None:
        # nats-py retries a first connection for ever when reconnecting is allowed.
        link = await asyncio.wait_for(
            JetStreamLink.connect(self.settings.queue_url, self.names, name="api"),
            CONNECT_TIMEOUT_S,
        )
        try:
            await link.ensure_streams(self.settings.queue_max_messages)
        except BaseException:
            await link.close()
            raise
        self.link = link

    async def _keep_connecting(self) -> None:
        while self.link is None:
            await asyncio.sleep(1.0)
            with contextlib.suppress(*NATS_ERRORS):
                await self._connect()

    async def close(self) -> None:
        if self._connecting is not None:
            self._connecting.cancel()
        if self.link is not None:
            await self.link.close()

    async def submit(self, tenant: str, events: list[AnyEvent]) -> IngestResult:
        """Refuse what the in-process path refuses before touching anything (422, and 409
        for an event id already stored with other content), then publish the new events.
        Events already stored are answered as duplicates from storage."""
        now = datetime.now(UTC)
        validate_batch(events, now, self.settings)
        digests = [event_digest(ev) for ev in events]
        stored, _ = await run_in_threadpool(
            self.repo.ingest_lookup, tenant, [ev.id for ev in events]
        )
        for ev, digest in zip(events, digests, strict=True):
            hit = stored.get(ev.id)
            if hit is not None and hit.digest != digest:
                raise ProblemError(
                    409,
                    "Event id reused",
                    f"event id {ev.id!r} was already accepted with different content; "
                    "event ids must be unique per event.",
                )
        fresh = [ev for ev in events if ev.id not in stored]
        await run_in_threadpool(check_report_conversations, self.repo, tenant, fresh, ())
        link = self.link
        if link is None:
            raise QueueUnavailable("not connected to NATS")
        accepted = time.time()
        timeout = self.settings.queue_publish_timeout_s
        # Concurrently: JetStream keeps the order of each subject as it receives them, and
        # a batch's events of one conversation are sent one after another, in order.
        by_subject: dict[str, list[AnyEvent]] = {}
        for ev in fresh:
            by_subject.setdefault(self.names.partition_subject(tenant, ev), []).append(ev)

        queued_before: set[str] = set()  # JetStream already had them (a retry in its window)

        async def send(subject: str, group: list[AnyEvent]) -> None:
            for ev in group:
                if await link.publish(
                    subject, encode(tenant, ev, accepted), msg_id(tenant, ev.id), timeout
                ):
                    queued_before.add(ev.id)

        await asyncio.gather(*(send(s, g) for s, g in by_subject.items()))
        results = [
            {**stored[ev.id].result, "status": "duplicate"}
            if ev.id in stored
            else {
                "id": ev.id,
                "type": ev.type,
                "status": "duplicate" if ev.id in queued_before else "accepted",
            }
            for ev in events
        ]
        return IngestResult(
            results,
            [],
            0,
            len(stored) + len(queued_before),
            accepted=len(fresh) - len(queued_before),
        )
