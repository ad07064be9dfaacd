"""The dead-letter stream: poison events with their reason, listed and replayed by CLI.

A dead-lettered message keeps the queued bytes as they were and carries the reason, the
tenant, the event id and where it came from in its headers (ids and reasons only: a reason
never quotes message text). Replaying publishes it to its partition again under a fresh
message id (JetStream would take the original for a duplicate) and removes it from the
dead-letter stream; a worker then applies it like any event, idempotently.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from safeguarding.service.queue.codec import PoisonMessage, decode
from safeguarding.service.queue.link import JetStreamLink, Message
from safeguarding.service.queue.names import msg_id

REASON = "Safeguarding-Reason"
TENANT = "Safeguarding-Tenant"
EVENT = "Safeguarding-Event-Id"
SOURCE = "Safeguarding-Source"  # "<subject> <stream sequence>"


async def dead_letter(link: JetStreamLink, message: Message, reason: str) -> None:
    """Copy ``message`` to the dead-letter stream with ``reason`` (then the caller acks)."""
    tenant, event = "", ""
    with contextlib.suppress(PoisonMessage):
        queued = decode(message.data)
        tenant, event = queued.tenant, queued.event.id
    seq = message.metadata.sequence.stream
    headers = {
        REASON: " ".join(reason.split())[:1000],  # one header line
        TENANT: tenant,
        EVENT: event,
        SOURCE: f"{message.subject} {seq}",
    }
    await link.publish(
        link.names.dlq_subject,
        message.data,
        f"dlq:{seq}",
        timeout=5.0,
        headers={k: v for k, v in headers.items() if v},
    )


@dataclass(frozen=True, slots=True)
class DeadLetter:
    seq: int
    at: datetime | None
    tenant: str
    event_id: str
    reason: str
    source: str
    data: bytes


async def list_dead(link: JetStreamLink, limit: int = 1_000) -> list[DeadLetter]:
    first, last = await link.dlq_range()
    out: list[DeadLetter] = []
    if last == 0:
        return out
    for seq in range(first, last + 1):
        raw = await link.dlq_get(seq)
        if raw is None:
            continue
        headers = raw.headers or {}
        out.append(
            DeadLetter(
                seq,
                raw.time,
                headers.get(TENANT, ""),
                headers.get(EVENT, ""),
                headers.get(REASON, ""),
                headers.get(SOURCE, ""),
                raw.data or b"",
            )
        )
        if len(out) >= limit:
            break
    return out


async def replay(link: JetStreamLink, letter: DeadLetter) -> None:
    """Publish the dead letter to its partition again and drop it from the DLQ."""
    queued = decode(letter.data)  # poison that cannot be decoded stays where it is
    subject = link.names.partition_subject(queued.tenant, queued.event)
    await link.publish(
        subject,
        letter.data,
        f"{msg_id(queued.tenant, queued.event.id)}:replay:{letter.seq}",
        timeout=5.0,
    )
    await link.dlq_delete(letter.seq)
