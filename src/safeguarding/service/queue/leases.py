"""Which worker owns which partition: leases in a JetStream key-value bucket.

A lease is the key ``p<n>`` holding the owner's id, written with compare-and-set (create if
absent, update at the revision last seen) and renewed every third of its life; the bucket's
TTL removes a dead worker's leases, so another takes its partitions over after at most
``Settings.queue_lease_s``. Live workers heartbeat in a second bucket of the same TTL; each
aims at its share of the partitions (rounded up), so adding a worker spreads them out.
"""

from __future__ import annotations

import contextlib
import math
import time

import nats.js.errors
from nats.js.kv import KeyValue

from safeguarding.service.queue.link import JetStreamLink


class PartitionLeases:
    def __init__(self, link: JetStreamLink, worker_id: str, ttl_s: float) -> None:
        self.link = link
        self.worker_id = worker_id
        self.ttl_s = ttl_s
        self._leases: KeyValue | None = None
        self._workers: KeyValue | None = None
        self._revision: dict[int, int] = {}
        self._valid_until: dict[int, float] = {}

    async def start(self) -> None:
        names = self.link.names
        self._leases = await self.link.bucket(names.lease_bucket, self.ttl_s)
        self._workers = await self.link.bucket(names.workers_bucket, self.ttl_s)

    @property
    def held(self) -> set[int]:
        return set(self._revision)

    def valid(self, partition: int) -> bool:
        """Still ours with a margin: a lease not renewed in two thirds of its life is
        treated as lost before the bucket could hand it to another worker."""
        return time.monotonic() < self._valid_until.get(partition, 0.0)

    def _mark(self, partition: int, revision: int, since: float) -> None:
        self._revision[partition] = revision
        self._valid_until[partition] = since + self.ttl_s * 2 / 3

    async def heartbeat(self) -> None:
        assert self._workers is not None
        await self._workers.put(self.worker_id, b"1")

    async def share(self, partitions: int) -> int:
        """How many partitions this worker should hold: its share among the live ones."""
        assert self._workers is not None
        try:
            live = len(await self._workers.keys())
        except nats.js.errors.NoKeysError:
            live = 1
        return math.ceil(partitions / max(1, live))

    async def acquire(self, partition: int) -> bool:
        """Take a free partition, or one this worker still holds from before a loss of
        connection; False when another worker holds it."""
        assert self._leases is not None
        since = time.monotonic()
        key, me = f"p{partition}", self.worker_id.encode()
        try:
            revision = await self._leases.create(key, me)
        except nats.js.errors.KeyWrongLastSequenceError:
            try:
                entry = await self._leases.get(key)
            except nats.js.errors.KeyNotFoundError:
                return False  # expired in between: the next round takes it
            if entry.value != me or entry.revision is None:
                return False
            revision = await self._leases.update(key, me, last=entry.revision)
        self._mark(partition, revision, since)
        return True

    async def renew(self, partition: int) -> bool:
        """Extend the lease; False when it was lost (another worker has the partition)."""
        assert self._leases is not None
        since = time.monotonic()
        try:
            revision = await self._leases.update(
                f"p{partition}", self.worker_id.encode(), last=self._revision[partition]
            )
        except nats.js.errors.KeyWrongLastSequenceError:
            self.forget(partition)
            return False
        self._mark(partition, revision, since)
        return True

    def forget(self, partition: int) -> None:
        self._revision.pop(partition, None)
        self._valid_until.pop(partition, None)

    async def release(self, partition: int) -> None:
        """Give a partition up at once (drain, rebalance), so another takes it without
        waiting for the TTL."""
        assert self._leases is not None
        revision = self._revision.get(partition)
        self.forget(partition)
        if revision is None:
            return
        with contextlib.suppress(nats.js.errors.KeyWrongLastSequenceError):
            await self._leases.delete(f"p{partition}", last=revision)

    async def leave(self) -> None:
        assert self._workers is not None
        with contextlib.suppress(nats.js.errors.KeyValueError):
            await self._workers.delete(self.worker_id)
