"""The webhook outbox: rows written with the batch, delivered in order per key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, select, update

from safeguarding.storage.models import OutboxRow
from safeguarding.storage.public_ids import new_public_id
from safeguarding.storage.records import OutboxMessage
from safeguarding.storage.repository.base import RepositoryBase, table_of, utcnow
from safeguarding.storage.repository.statements import INSERT_OUTBOX


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
        o = table_of(OutboxRow).c
        pending = and_(o.delivered_at.is_(None), o.dead_at.is_(None))
        heads = (
            select(o.tenant_id, o.ordering_key, func.min(o.id).label("head"))
            .where(pending)
            .group_by(o.tenant_id, o.ordering_key)
            .subquery()
        )
        stmt = (
            select(table_of(OutboxRow))
            .join(heads, o.id == heads.c.head)
            .where(o.next_attempt_at <= now)
            .order_by(o.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return [
            OutboxMessage(
                r.ordering_key,
                r.event_type,
                r.payload,
                r.id,
                r.tenant_id,
                r.attempts,
                r.created_at,
                public_id=r.public_id,
            )
            for r in rows
        ]

    def mark_delivered(self, outbox_id: int, at: datetime) -> None:
        with self._write() as conn:
            conn.execute(
                update(table_of(OutboxRow))
                .where(OutboxRow.id == outbox_id)
                .values(delivered_at=at, attempts=OutboxRow.attempts + 1, last_error=None)
            )

    def mark_failed(
        self, outbox_id: int, error: str, next_attempt_at: datetime, dead: bool = False
    ) -> None:
        values: dict[str, Any] = {
            "attempts": OutboxRow.attempts + 1,
            "last_error": error[:500],
            "next_attempt_at": next_attempt_at,
        }
        if dead:
            values["dead_at"] = utcnow()
        with self._write() as conn:
            conn.execute(
                update(table_of(OutboxRow)).where(OutboxRow.id == outbox_id).values(**values)
            )

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
