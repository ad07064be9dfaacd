"""The webhook outbox: rows written with the batch, delivered in order per key.

Senders take due rows with :meth:`OutboxStore.claim_webhooks`. On PostgreSQL the claim is a
transaction that locks the head row of each (tenant, ordering key) with ``FOR UPDATE SKIP
LOCKED`` and records each outcome in that same transaction, so several senders (threads or
processes, :mod:`safeguarding.service.outbox`) never take the same row, and a key's next row
only becomes its head once the row before it is committed as delivered (or failed): a
conversation's webhooks leave in order whichever sender sends them. A sender that dies
mid-round holds its locks only as long as its connection: the rows it claimed are taken
again by another sender (at least once; receivers de-duplicate on the event id).
On SQLite (one sender) the claim reads the heads and each outcome is its own write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, and_, delete, func, select, update

from safeguarding.storage.models import OutboxRow
from safeguarding.storage.public_ids import new_public_id
from safeguarding.storage.records import OutboxMessage
from safeguarding.storage.repository.base import RepositoryBase, table_of, utcnow
from safeguarding.storage.repository.statements import INSERT_OUTBOX


@dataclass(slots=True)
class WebhookClaim:
    """Due webhooks taken by one sender, and how their outcomes are recorded (within the
    claim's transaction on PostgreSQL)."""

    messages: list[OutboxMessage]
    _record: Callable[[int, dict[str, Any]], None]

    def delivered(self, outbox_id: int, at: datetime) -> None:
        self._record(outbox_id, _delivered_values(at))

    def failed(
        self, outbox_id: int, error: str, next_attempt_at: datetime, dead: bool = False
    ) -> None:
        self._record(outbox_id, _failed_values(error, next_attempt_at, dead))


def _delivered_values(at: datetime) -> dict[str, Any]:
    return {"delivered_at": at, "attempts": OutboxRow.attempts + 1, "last_error": None}


def _failed_values(error: str, next_attempt_at: datetime, dead: bool) -> dict[str, Any]:
    values: dict[str, Any] = {
        "attempts": OutboxRow.attempts + 1,
        "last_error": error[:500],
        "next_attempt_at": next_attempt_at,
    }
    if dead:
        values["dead_at"] = utcnow()
    return values


def _message(r: Row[Any]) -> OutboxMessage:
    return OutboxMessage(
        r.ordering_key,
        r.event_type,
        r.payload,
        r.id,
        r.tenant_id,
        r.attempts,
        r.created_at,
        public_id=r.public_id,
    )


def _due_heads(now: datetime, limit: int) -> Select[Any]:
    """The first undelivered row of each (tenant, ordering key), if it is due. The pending
    test is repeated on the outer row so that PostgreSQL, re-checking a row another sender
    committed meanwhile (``FOR UPDATE``), drops it once it is delivered or rescheduled."""
    o = table_of(OutboxRow).c
    pending = and_(o.delivered_at.is_(None), o.dead_at.is_(None))
    heads = (
        select(o.tenant_id, o.ordering_key, func.min(o.id).label("head"))
        .where(pending)
        .group_by(o.tenant_id, o.ordering_key)
        .subquery()
    )
    return (
        select(table_of(OutboxRow))
        .join(heads, o.id == heads.c.head)
        .where(pending, o.next_attempt_at <= now)
        .order_by(o.id)
        .limit(limit)
    )


class OutboxStore(RepositoryBase):
    """Webhook events waiting for delivery, and their delivery state."""

    def _add_outbox(
        self, conn: Connection, tenant: str, at: datetime, messages: list[OutboxMessage]
    ) -> None:
        if messages:
            conn.execute(
                INSERT_OUTBOX,
                [
                    {
                        "public_id": m.public_id or new_public_id(),
                        "tenant_id": tenant,
                        "ordering_key": m.ordering_key,
                        "event_type": m.event_type,
                        "payload": m.payload,
                        "created_at": at,
                        "attempts": 0,
                        "next_attempt_at": at,
                    }
                    for m in messages
                ],
            )

    def enqueue_webhooks(self, tenant_id: str, messages: list[OutboxMessage]) -> None:
        """Queue webhook events from other stages (e.g. actions) outside an ingest call."""
        with self._write() as conn:
            self._add_outbox(conn, tenant_id, utcnow(), messages)

    def due_webhooks(self, now: datetime, limit: int = 100) -> list[OutboxMessage]:
        """The first undelivered message of each (tenant, ordering key), if it is due."""
        with self.engine.connect() as conn:
            return [_message(r) for r in conn.execute(_due_heads(now, limit)).all()]

    @contextmanager
    def claim_webhooks(self, now: datetime, limit: int = 100) -> Iterator[WebhookClaim]:
        """Take the due heads for delivery (see the module's docstring); the outcomes
        recorded through the claim are committed when the block ends."""
        if self.dialect != "postgresql":
            yield WebhookClaim(self.due_webhooks(now, limit), self._record_outcome)
            return
        stmt = _due_heads(now, limit).with_for_update(of=table_of(OutboxRow), skip_locked=True)
        with self.engine.connect() as conn, conn.begin():
            rows = conn.execute(stmt).all()

            def record(outbox_id: int, values: dict[str, Any]) -> None:
                _set_outcome(conn, outbox_id, values)

            yield WebhookClaim([_message(r) for r in rows], record)

    def _record_outcome(self, outbox_id: int, values: dict[str, Any]) -> None:
        with self._write() as conn:
            _set_outcome(conn, outbox_id, values)

    def mark_delivered(self, outbox_id: int, at: datetime) -> None:
        self._record_outcome(outbox_id, _delivered_values(at))

    def mark_failed(
        self, outbox_id: int, error: str, next_attempt_at: datetime, dead: bool = False
    ) -> None:
        self._record_outcome(outbox_id, _failed_values(error, next_attempt_at, dead))

    def outbox_depth(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(table_of(OutboxRow))
                    .where(OutboxRow.delivered_at.is_(None), OutboxRow.dead_at.is_(None))
                ).scalar_one()
            )

    def outbox_rows(self, tenant_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table_of(OutboxRow))
                .where(OutboxRow.tenant_id == tenant_id)
                .order_by(OutboxRow.id)
            ).all()
        return [dict(r._mapping) for r in rows]

    def purge_delivered_webhooks(self, before: datetime) -> int:
        with self._write() as conn:
            result = conn.execute(
                delete(table_of(OutboxRow)).where(
                    OutboxRow.delivered_at.is_not(None), OutboxRow.delivered_at < before
                )
            )
            return int(result.rowcount or 0)


def _set_outcome(conn: Connection, outbox_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(table_of(OutboxRow)).where(OutboxRow.id == outbox_id).values(**values))
