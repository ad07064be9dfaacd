"""Stream, subject, consumer and bucket names, and the partition of an event.

Everything derives from the stream name (``Settings.queue_stream``), so tests and tenants of
a shared NATS server can run side by side under different names.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from safeguarding.service.events import (
    AccountEvent,
    AnyEvent,
    ConnectionEvent,
    MessageEvent,
    ReportEvent,
)


def partition_of(tenant: str, key: str, partitions: int) -> int:
    """A stable partition for ``(tenant, key)``: the same in every process and release
    (Python's ``hash`` is salted per process)."""
    digest = hashlib.blake2b(f"{tenant}\0{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % partitions


def ordering_key(event: AnyEvent) -> str:
    """What an event is ordered with: its conversation, else the account it is about."""
    if isinstance(event, MessageEvent):
        return event.conversation_id
    if isinstance(event, ReportEvent):
        return event.conversation_id or f"account:{event.reported_id}"
    if isinstance(event, AccountEvent | ConnectionEvent):
        return f"account:{event.account_id}"
    raise TypeError(type(event).__name__)


def msg_id(tenant: str, event_id: str) -> str:
    """JetStream's de-duplication id: the event id, scoped by tenant (tenant ids hold no
    ``:``), so two tenants' equal event ids are two messages."""
    return f"{tenant}:{event_id}"


@dataclass(frozen=True, slots=True)
class QueueNames:
    stream: str
    partitions: int

    @property
    def dlq_stream(self) -> str:
        return f"{self.stream}_DLQ"

    @property
    def dlq_subject(self) -> str:
        return f"sg.{self.stream}.dlq"

    @property
    def committed_subject(self) -> str:
        """Core NATS subject where workers announce committed batches (timestamps only)."""
        return f"sg.{self.stream}.committed"

    @property
    def lease_bucket(self) -> str:
        return f"{self.stream}_leases"

    @property
    def workers_bucket(self) -> str:
        return f"{self.stream}_workers"

    def subject(self, partition: int) -> str:
        return f"sg.{self.stream}.p.{partition}"

    @property
    def subjects(self) -> str:
        return f"sg.{self.stream}.p.*"

    def consumer(self, partition: int) -> str:
        return f"{self.stream}_p{partition}"

    def partition_subject(self, tenant: str, event: AnyEvent) -> str:
        return self.subject(partition_of(tenant, ordering_key(event), self.partitions))
