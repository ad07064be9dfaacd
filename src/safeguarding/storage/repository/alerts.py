"""Alerts and recorded actions, read newest first with keyset paging."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, select, update

from safeguarding.storage.models import ActionRow, AlertRow
from safeguarding.storage.records import ActionRecord, AlertRecord
from safeguarding.storage.repository.base import RepositoryBase, table_of


class AlertStore(RepositoryBase):
    """Alerts raised and actions taken, per tenant."""

    def _newest_first(
        self,
        model: type[ActionRow] | type[AlertRow],
        tenant_id: str,
        filters: Sequence[ColumnElement[bool]],
        after_id: int | None,
        limit: int,
    ) -> Sequence[Row[Any]]:
        """One keyset page of a tenant's rows, highest id first: ``after_id`` is the last id of
        the page before, so pages stay stable while new rows arrive."""
        stmt = select(table_of(model)).where(model.tenant_id == tenant_id, *filters)
        if after_id is not None:
            stmt = stmt.where(model.id < after_id)
        stmt = stmt.order_by(model.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return conn.execute(stmt).all()

    def actions(
        self,
        tenant_id: str,
        *,
        conversation_id: str | None = None,
        account_id: str | None = None,
        action_type: str | None = None,
        after_id: int | None = None,
        limit: int = 50,
    ) -> list[ActionRecord]:
        """Recorded actions, newest first; ``after_id`` continues a page (keyset paging)."""
        filters = []
        if conversation_id is not None:
            filters.append(ActionRow.conversation_id == conversation_id)
        if account_id is not None:
            filters.append(ActionRow.account_id == account_id)
        if action_type is not None:
            filters.append(ActionRow.action_type == action_type)
        rows = self._newest_first(ActionRow, tenant_id, filters, after_id, limit)
        return [
            ActionRecord(
                r.conversation_id,
                r.account_id,
                r.action_type,
                list(r.rule_ids),
                r.payload,
                r.shadow,
                r.created_at,
                r.id,
            )
            for r in rows
        ]

    def alerts(
        self,
        tenant_id: str,
        *,
        status: str | None = "open",
        level: int | None = None,
        min_level: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        after_id: int | None = None,
        limit: int = 50,
        conversation_id: str | None = None,
    ) -> list[AlertRecord]:
        """Alerts newest first; ``after_id`` continues a page (keyset paging)."""
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
        rows = self._newest_first(AlertRow, tenant_id, filters, after_id, limit)
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
