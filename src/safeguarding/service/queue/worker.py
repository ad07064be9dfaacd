"""``safeguarding worker``: consume the event stream, apply with the service's pipeline.

One task per partition this worker holds a lease on fetches that partition's messages in
order and hands them to a single applier, which takes whatever all partitions have ready,
applies it with ``IngestPipeline.ingest`` (grouped by tenant: one transaction per group, the
same code as the one-process service), acknowledges, and lets each partition fetch again.
So a partition has one batch in flight at a time (its order holds), the worker at most
``queue_fetch_batch`` messages per partition, and busy partitions share one commit.

Exactly the right effects rest on storage, not on delivery: a redelivered event is found
stored (unique keys per tenant and event id, per conversation and message index) and
changes nothing; actions and webhook outbox rows are written in the event's transaction.
A worker taking a partition over (lease expired, rebalance) first forgets what it held of
that partition's conversations and restarts the partition's consumer at its oldest
unacknowledged message, so nothing newer overtakes what the previous owner left unfinished;
engine state comes back from the stored snapshot plus replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from dataclasses import dataclass, field

import nats.errors
import orjson

from safeguarding.service.ingest_state import IngestResult
from safeguarding.service.pipeline import IngestPipeline
from safeguarding.service.queue.apply import Item, Transient, apply_items
from safeguarding.service.queue.codec import QueuedEvent
from safeguarding.service.queue.dlq import dead_letter
from safeguarding.service.queue.leases import PartitionLeases
from safeguarding.service.queue.link import NATS_ERRORS, JetStreamLink, Message, PartitionSub
from safeguarding.service.queue.names import QueueNames, partition_of
from safeguarding.service.settings import Settings

log = logging.getLogger("safeguarding.worker")
FETCH_WAIT_S = 1.0
MORE_WAIT_S = 0.005
GATHER_S = 0.015  # the applier waits at most this for partitions still fetching
RETRY_MAX_S = 5.0


@dataclass(slots=True)
class _Fetched:
    partition: int
    messages: list[Message]
    done: asyncio.Future[None]


@dataclass(slots=True)
class WorkerStats:
    applied: int = 0
    duplicates: int = 0
    dead: int = 0
    partitions: set[int] = field(default_factory=set)


class QueueWorker:
    def __init__(
        self, pipeline: IngestPipeline, settings: Settings, worker_id: str | None = None
    ) -> None:
        self.pipeline = pipeline
        self.settings = settings
        self.names = QueueNames(settings.queue_stream, settings.queue_partitions)
        self.worker_id = worker_id or uuid.uuid4().hex[:12]
        self.stats = WorkerStats()
        self._ready: asyncio.Queue[_Fetched] = asyncio.Queue()
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._stopping: dict[int, asyncio.Event] = {}
        self._link: JetStreamLink | None = None
        self._leases: PartitionLeases | None = None

    # --- lifecycle -----------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set, then drain: the partitions finish the batch they
        have, acknowledge it and give their leases back."""
        link = await JetStreamLink.connect(
            self.settings.queue_url, self.names, name=f"worker-{self.worker_id}"
        )
        self._link = link
        try:
            await link.ensure_streams(self.settings.queue_max_messages)
            self._leases = PartitionLeases(link, self.worker_id, self.settings.queue_lease_s)
            await self._leases.start()
            applier = asyncio.create_task(self._applier())
            log.info("worker started", extra={"worker": self.worker_id})
            while not stop.is_set():
                try:
                    await self._balance()
                except NATS_ERRORS as exc:
                    log.warning("lease round failed", extra={"error": type(exc).__name__})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.queue_lease_s / 3)
            await self._drain()
            applier.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await applier
        finally:
            await link.close()
        log.info("worker stopped", extra={"worker": self.worker_id})

    async def _drain(self) -> None:
        leases = self._leases
        held = list(self._tasks)
        await self._stop_partitions(held)  # each finishes the batch it has, then stops
        for p in held:
            if leases is not None:
                with contextlib.suppress(*NATS_ERRORS):
                    await leases.release(p)
        if leases is not None:
            with contextlib.suppress(*NATS_ERRORS):
                await leases.leave()

    # --- leases --------------------------------------------------------------------------
    async def _balance(self) -> None:
        leases = self._leases
        assert leases is not None
        await leases.heartbeat()
        for p in sorted(leases.held):
            if not await leases.renew(p):
                log.warning("lease lost", extra={"partition": p})
        # Lost leases, and partitions whose task ended (its lease lapsed while NATS was
        # away): stopped; the latter are taken again below if still free or still ours.
        ended = [p for p in self._tasks if p not in leases.held or self._tasks[p].done()]
        await self._stop_partitions(ended)
        for p in ended:
            leases.forget(p)
        share = await leases.share(self.names.partitions)
        extra = sorted(leases.held, reverse=True)[: max(0, len(leases.held) - share)]
        await self._stop_partitions(extra)  # together: each may be waiting on a fetch
        for p in extra:
            await leases.release(p)
        # Start at a point of our own, so two workers starting together try different ones.
        n = self.names.partitions
        offset = int(self.worker_id, 16) % n if self._is_hex() else 0
        for i in range(n):
            if len(leases.held) >= share:
                break
            p = (offset + i) % n
            if p not in leases.held and await leases.acquire(p):
                await self._start_partition(p)
        self.stats.partitions = set(leases.held)

    def _is_hex(self) -> bool:
        try:
            int(self.worker_id, 16)
        except ValueError:
            return False
        return True

    async def _start_partition(self, p: int) -> None:
        assert self._link is not None
        n = self.names.partitions
        forgotten = await asyncio.to_thread(
            self.pipeline.evict_where, lambda t, c: partition_of(t, c, n) == p
        )
        sub = await self._link.reset_consumer(p, self.settings.queue_max_ack_pending)
        stopping = self._stopping[p] = asyncio.Event()
        self._tasks[p] = asyncio.create_task(self._partition(p, sub, stopping))
        log.info("partition taken", extra={"partition": p, "forgotten": forgotten})

    async def _stop_partitions(self, partitions: list[int]) -> None:
        for p in partitions:
            if p in self._stopping:
                self._stopping[p].set()
        await asyncio.gather(*(self._stop_partition(p) for p in partitions))

    async def _stop_partition(self, p: int) -> None:
        stopping, task = self._stopping.pop(p, None), self._tasks.pop(p, None)
        if stopping is not None:
            stopping.set()
        if task is not None:
            with contextlib.suppress(Exception):
                await task

    # --- fetching ------------------------------------------------------------------------
    async def _partition(self, p: int, sub: PartitionSub, stopping: asyncio.Event) -> None:
        leases = self._leases
        assert leases is not None
        try:
            while not stopping.is_set() and leases.valid(p):
                try:
                    messages = await self._fetch(sub)
                except (nats.errors.TimeoutError, TimeoutError):
                    continue
                except NATS_ERRORS:
                    await asyncio.sleep(0.5)
                    continue
                done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                await self._ready.put(_Fetched(p, messages, done))
                await done  # the applier acknowledged (or gave up on) this batch
        finally:
            with contextlib.suppress(*NATS_ERRORS):
                await sub.unsubscribe()

    async def _fetch(self, sub: PartitionSub) -> list[Message]:
        """The next message as soon as there is one (a long poll), then whatever else is
        there within ``MORE_WAIT_S``, up to the batch size. One fetch of the whole batch
        would wait for it to fill (or for the poll to expire): a second of latency on a
        partition that gets fewer than a batch a second."""
        messages = await sub.fetch(1, FETCH_WAIT_S)
        batch = self.settings.queue_fetch_batch
        if batch > 1:
            with contextlib.suppress(nats.errors.TimeoutError, TimeoutError):
                messages += await sub.fetch(batch - 1, MORE_WAIT_S)
        return messages

    # --- applying ------------------------------------------------------------------------
    async def _applier(self) -> None:
        while True:
            batches = [await self._ready.get()]
            # Give the other partitions a moment to report too: one transaction for all of
            # them costs little more than one for a single partition.
            until = time.monotonic() + GATHER_S
            while len(batches) < len(self._tasks):
                left = until - time.monotonic()
                if left <= 0:
                    break
                try:
                    batches.append(await asyncio.wait_for(self._ready.get(), left))
                except TimeoutError:
                    break
            while not self._ready.empty():
                batches.append(self._ready.get_nowait())
            try:
                await self._apply_batches(batches)
            except Exception:
                log.exception("apply round failed")
            finally:
                for b in batches:
                    if not b.done.done():
                        b.done.set_result(None)

    async def _apply_batches(self, batches: list[_Fetched]) -> None:
        leases = self._leases
        assert leases is not None
        delay = 0.2
        while True:
            # A partition whose lease lapsed is left unacknowledged: its new owner has it.
            batches = [b for b in batches if leases.valid(b.partition)]
            items = [Item(m.data, m) for b in batches for m in b.messages]
            if not items:
                return
            try:
                outcome = await apply_items(items, self._apply)
                break
            except Transient as exc:
                log.warning("apply failed, retrying", extra={"error": str(exc)})
                for item in items:  # keep them ours while the database is away
                    with contextlib.suppress(*NATS_ERRORS):
                        await _message(item).in_progress()
                await asyncio.sleep(delay)
                delay = min(RETRY_MAX_S, delay * 2)
        link = self._link
        assert link is not None
        for item, reason in outcome.dead:
            await dead_letter(link, _message(item), reason)
            self.stats.dead += 1
        for item in outcome.done:
            await _message(item).ack()
        created = [i for i in outcome.done if i.created]
        self.stats.applied += len(created)
        self.stats.duplicates += len(outcome.done) - len(created)
        if created:
            note = {
                "worker": self.worker_id,
                "committed": time.time(),
                "accepted": [i.queued.accepted_at for i in created if i.queued is not None],
            }
            with contextlib.suppress(*NATS_ERRORS):
                await link.notify(self.names.committed_subject, orjson.dumps(note))

    async def _apply(self, tenant: str, queued: list[QueuedEvent]) -> IngestResult:
        return await self.pipeline.ingest_async(tenant, [q.event for q in queued])


def _message(item: Item) -> Message:
    assert isinstance(item.key, Message)
    return item.key
