"""Alerts and recorded actions, read newest first with keyset paging."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, select, update

from safeguarding.storage.models import ActionRow, AlertRow
from safeguarding.storage.public_ids import new_public_id
from safeguarding.storage.records import ActionRecord, AlertRecord
from safeguarding.storage.repository.base import RepositoryBase, UnknownCursorError, table_of
from safeguarding.storage.repository.statements import INSERT_ACTIONS


def action_record(r: Row[Any]) -> ActionRecord:
    return ActionRecord(
        r.conversation_id,
        r.account_id,
        r.action_type,
        list(r.rule_ids),
        r.payload,
        r.shadow,
        r.created_at,
        r.id,
        r.public_id,
    )


def add_actions(
    conn: Connection, tenant: str, at: datetime, actions: Sequence[ActionRecord]
) -> None:
    """Record actions (the engine's, in an ingest batch, or a reviewer's) in ``conn``."""
    if actions:
        conn.execute(
            INSERT_ACTIONS,
            [
                {
                    "public_id": new_public_id(),
                    "tenant_id": tenant,
                    "conversation_id": a.conversation_id,
                    "account_id": a.account_id,
                    "action_type": a.action_type,
                    "rule_ids": a.rule_ids,
                    "payload": a.event,
                    "shadow": a.shadow,
                    "created_at": a.created_at or at,
                    # For transparency counts: the harm acted on, and whether a person
                    # decided the action (a review decision) or the policy did on its own.
                    "harm": a.event.get("harm"),
                    "automated": a.event.get("source") != "review",
                }
                for a in actions
            ],
        )


class AlertStore(RepositoryBase):
    """Alerts raised and actions taken, per tenant."""

    def _newest_first(
        self,
        model: type[ActionRow] | type[AlertRow],
        tenant_id: str,
        filters: Sequence[ColumnElement[bool]],
        after: str | None,
        limit: int,
    ) -> Sequence[Row[Any]]:
        """One keyset page of a tenant's rows, newest first: ``after`` is the public id of
        the last row of the page before (pages stay stable while new rows arrive). Raises
        :class:`UnknownCursorError` when the tenant has no such row."""
        stmt = select(table_of(model)).where(model.tenant_id == tenant_id, *filters)
        with self.engine.connect() as conn:
            if after is not None:
                after_id = conn.execute(
                    select(model.id).where(model.tenant_id == tenant_id, model.public_id == after)
                ).scalar()
                if after_id is None:
                    raise UnknownCursorError(after)
                stmt = stmt.where(model.id < after_id)
            return conn.execute(stmt.order_by(model.id.desc()).limit(limit)).all()

    def actions(
        self,
        tenant_id: str,
        *,
        conversation_id: str | None = None,
        account_id: str | None = None,
        action_type: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> list[ActionRecord]:
        """Recorded actions, newest first; ``after`` (a public id) continues a page."""
        filters = []
        if conversation_id is not None:
            filters.append(ActionRow.conversation_id == conversation_id)
        if account_id is not None:
            filters.append(ActionRow.account_id == account_id)
        if action_type is not None:
            filters.append(ActionRow.action_type == action_type)
        rows = self._newest_first(ActionRow, tenant_id, filters, after, limit)
        return [action_record(r) for r in rows]

    def alerts(
        self,
        tenant_id: str,
        *,
        status: str | None = "open",
        level: int | None = None,
        min_level: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        after: str | None = None,
        limit: int = 50,
        conversation_id: str | None = None,
    ) -> list[AlertRecord]:
        """Alerts newest first; ``after`` (a public id) continues a page."""
        filters = []
        if conversation_id is not None:
            filters.append(AlertRow.conversation_id == conversation_id)
        if status:
            filters.append(AlertRow.status == status)
        if level is not None:
            filters.append(AlertRow.level == level)
        if min_level is not None:
            filters.append(AlertRow.level >= min_level)
        if since is not None:
            filters.append(AlertRow.raised_at >= since)
        if until is not None:
            filters.append(AlertRow.raised_at < until)
        rows = self._newest_first(AlertRow, tenant_id, filters, after, limit)
        return [
            AlertRecord(
                r.conversation_id,
                r.level,
                r.risk,
                r.message_index,
                r.offender,
                r.at_risk,
                list(r.tactics),
                r.raised_at,
                r.id,
                r.status,
                r.harm,
                r.public_id,
            )
            for r in rows
        ]

    def set_alert_status(self, tenant_id: str, alert_id: int, status: str) -> bool:
        with self._write() as conn:
            result = conn.execute(
                update(table_of(AlertRow))
                .where(AlertRow.tenant_id == tenant_id, AlertRow.id == alert_id)
                .values(status=status)
            )
            return bool(result.rowcount)
