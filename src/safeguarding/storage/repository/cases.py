"""Cases, their timeline and appeals: the storage of the cases stage.

A case changes through :meth:`CaseStore.transition`: one conditional UPDATE (so two people
cannot both claim or decide the same case), its timeline entry, the actions and webhooks it
causes and the audit entry, all in one transaction.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, and_, bindparam, cast, func, or_, select, update

from safeguarding.storage.models import ActionRow, AlertRow, Conversation, ConversationMember
from safeguarding.storage.models_cases import AppealRow, CaseCursor, CaseEventRow, CaseRow
from safeguarding.storage.records import ActionRecord, OutboxMessage
from safeguarding.storage.repository.alerts import action_record, add_actions
from safeguarding.storage.repository.audit import AuditEntry, AuditStore
from safeguarding.storage.repository.base import rows_in_chunks, table_of, utcnow
from safeguarding.storage.repository.outbox import OutboxStore


def new_id() -> str:
    """A UUIDv7 (time-ordered, opaque) as 32 hex digits."""
    ms = time.time_ns() // 1_000_000
    raw = bytearray(ms.to_bytes(6, "big") + os.urandom(10))
    raw[6] = (raw[6] & 0x0F) | 0x70
    raw[8] = (raw[8] & 0x3F) | 0x80
    return uuid.UUID(bytes=bytes(raw)).hex


@dataclass(slots=True)
class CaseRecord:
    id: str
    tenant_id: str
    kind: str
    subject: str
    parent_id: str | None
    state: str
    queue: str
    urgency: int
    age_rank: int
    risk: float
    level: int
    tactics: list[str]
    offender: str | None
    child: str | None
    age_band: str | None
    platform: str | None
    locale: str | None
    opened_at: datetime
    updated_at: datetime
    claimed_by: str | None = None
    claim_expires_at: datetime | None = None
    decided_by: str | None = None
    decision: str | None = None
    decided_at: datetime | None = None
    label: str | None = None
    last_alert_id: int = 0


@dataclass(slots=True)
class CaseEvent:
    kind: str
    user_id: str | None
    decision: str | None = None
    note: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None


@dataclass(slots=True)
class AppealRecord:
    id: str
    case_id: str
    external_id: str
    reason: str | None
    state: str
    original_decider: str | None
    received_at: datetime
    decided_by: str | None
    outcome: str | None
    decided_at: datetime | None


@dataclass(slots=True, frozen=True)
class CaseFilters:
    """What the queue page may narrow by; ``None`` means any."""

    min_level: int | None = None
    tactic: str | None = None
    platform: str | None = None
    locale: str | None = None
    age_band: str | None = None
    opened_after: datetime | None = None
    opened_before: datetime | None = None


OPEN_STATES = ("open", "claimed", "appealed")


def _case(r: Any) -> CaseRecord:
    values = dict(r._mapping)
    values["tactics"] = list(values["tactics"] or [])
    return CaseRecord(**values)


def priority_order() -> list[Any]:
    """Severe tactics and younger children first, then risk, then the longest waiting."""
    c = table_of(CaseRow).c
    return [c.urgency.desc(), c.age_rank.desc(), c.risk.desc(), c.opened_at, c.id]


class CaseStore(OutboxStore, AuditStore):
    """Cases per tenant; every write is conditional and audited in the same transaction."""

    # --- reading what the earlier stages stored ------------------------------------------
    def case_cursor(self, tenant_id: str) -> tuple[int, int]:
        with self.engine.connect() as conn:
            r = conn.execute(
                select(CaseCursor.last_alert_id, CaseCursor.last_action_id).where(
                    CaseCursor.tenant_id == tenant_id
                )
            ).first()
        return (r[0], r[1]) if r else (0, 0)

    def latest_source_ids(self, tenant_id: str) -> tuple[int, int]:
        """The newest alert id and account-alert action id of a tenant (0 when none)."""
        with self.engine.connect() as conn:
            alert = conn.execute(
                select(func.max(AlertRow.id)).where(AlertRow.tenant_id == tenant_id)
            ).scalar()
            action = conn.execute(
                select(func.max(ActionRow.id)).where(
                    ActionRow.tenant_id == tenant_id, ActionRow.action_type == "account_alert"
                )
            ).scalar()
        return int(alert or 0), int(action or 0)

    def alerts_after(self, tenant_id: str, after_id: int, limit: int) -> list[dict[str, Any]]:
        """Alerts with an id above ``after_id``, oldest first, with their conversation's
        platform and locale (from the engine state) and the tactics seen so far."""
        a = table_of(AlertRow).c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table_of(AlertRow))
                .where(a.tenant_id == tenant_id, a.id > after_id)
                .order_by(a.id)
                .limit(limit)
            ).all()
            ids = sorted({r.conversation_id for r in rows})
            c = table_of(Conversation).c
            stmt = select(c.id, c.engine_state, c.assessment).where(
                c.tenant_id == bindparam("tenant_id"), c.id.in_(bindparam("ids", expanding=True))
            )
            states = {r.id: r for r in rows_in_chunks(conn, stmt, tenant_id, ids)}
        out = []
        for r in rows:
            conv = states.get(r.conversation_id)
            engine_state = (conv.engine_state if conv else None) or {}
            assessment = (conv.assessment if conv else None) or {}
            now_tactics = [t for t, idx in (assessment.get("tactics") or {}).items() if idx]
            out.append(
                {
                    **dict(r._mapping),
                    "tactics": sorted(set(r.tactics or []) | set(now_tactics)),
                    "platform": engine_state.get("platform"),
                    "locale": engine_state.get("locale"),
                    "harm": assessment.get("harm"),
                }
            )
        return out

    def account_alerts_after(self, tenant_id: str, after_id: int) -> list[ActionRecord]:
        a = table_of(ActionRow).c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table_of(ActionRow))
                .where(
                    a.tenant_id == tenant_id,
                    a.id > after_id,
                    a.action_type == "account_alert",
                    a.shadow.is_(False),
                )
                .order_by(a.id)
            ).all()
        return [action_record(r) for r in rows]

    # --- writing cases -------------------------------------------------------------------
    def cases_by_subject(
        self, tenant_id: str, kind: str, subjects: Sequence[str]
    ) -> dict[str, CaseRecord]:
        c = table_of(CaseRow).c
        stmt = select(table_of(CaseRow)).where(
            c.tenant_id == bindparam("tenant_id"),
            c.kind == kind,
            c.subject.in_(bindparam("ids", expanding=True)),
        )
        with self.engine.connect() as conn:
            return {r.subject: _case(r) for r in rows_in_chunks(conn, stmt, tenant_id, subjects)}

    def save_cases(
        self,
        tenant_id: str,
        cases: Sequence[CaseRecord],
        cursor: tuple[int, int],
        events: Sequence[tuple[str, CaseEvent]] = (),
    ) -> None:
        """Insert or replace cases (opened or updated from new alerts) and move the cursor."""
        rows = [{k: getattr(case, k) for k in CaseRecord.__slots__} for case in cases]
        with self._write() as conn:
            self._upsert(conn, table_of(CaseRow), rows, ["id"])
            self._upsert(
                conn,
                table_of(CaseCursor),
                [
                    {
                        "tenant_id": tenant_id,
                        "last_alert_id": cursor[0],
                        "last_action_id": cursor[1],
                    }
                ],
                ["tenant_id"],
            )
            self._add_case_events(conn, tenant_id, events)

    def _add_case_events(
        self, conn: Any, tenant_id: str, events: Iterable[tuple[str, CaseEvent]]
    ) -> None:
        rows = [
            {
                "tenant_id": tenant_id,
                "case_id": case_id,
                "user_id": e.user_id,
                "kind": e.kind,
                "decision": e.decision,
                "note": e.note,
                "detail": e.detail,
                "at": e.at,
            }
            for case_id, e in events
        ]
        if rows:
            conn.execute(table_of(CaseEventRow).insert(), rows)

    def transition(
        self,
        tenant_id: str,
        case_ids: Sequence[str],
        *,
        where: Sequence[ColumnElement[bool]],
        values: dict[str, Any],
        event: CaseEvent,
        audit: Sequence[AuditEntry] = (),
        actions: Sequence[ActionRecord] = (),
        outbox: Sequence[OutboxMessage] = (),
        appeal: tuple[str, dict[str, Any]] | None = None,
    ) -> list[str]:
        """Apply ``values`` to the cases that still meet ``where``; returns the ids changed.

        The timeline entry, actions, webhooks, appeal change and audit entries are written only
        if every case changed (all or nothing), in the same transaction."""
        c = table_of(CaseRow).c
        with self._write() as conn:
            result = conn.execute(
                update(table_of(CaseRow))
                .where(c.tenant_id == tenant_id, c.id.in_(list(case_ids)), *where)
                .values(**values)
            )
            if result.rowcount != len(case_ids):
                conn.rollback()
                return []
            self._add_case_events(conn, tenant_id, [(cid, event) for cid in case_ids])
            add_actions(conn, tenant_id, event.at or utcnow(), actions)
            self._add_outbox(conn, tenant_id, event.at or utcnow(), list(outbox))
            if appeal is not None:
                conn.execute(
                    update(table_of(AppealRow))
                    .where(AppealRow.tenant_id == tenant_id, AppealRow.id == appeal[0])
                    .values(**appeal[1])
                )
            self._append_audit(conn, tenant_id, audit)
            return list(case_ids)

    # --- queues --------------------------------------------------------------------------
    def queue_cases(
        self,
        tenant_id: str,
        queues: Sequence[str],
        *,
        states: Sequence[str] = OPEN_STATES,
        filters: CaseFilters | None = None,
        unclaimed_at: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[CaseRecord]:
        """Cases of these queues in priority order; ``unclaimed_at``: only the claimable."""
        stmt = self._queue_select(tenant_id, queues, states, filters or CaseFilters(), unclaimed_at)
        stmt = stmt.order_by(*priority_order()).limit(limit).offset(offset)
        with self.engine.connect() as conn:
            return [_case(r) for r in conn.execute(stmt).all()]

    def queue_counts(
        self, tenant_id: str, states: Sequence[str] = OPEN_STATES
    ) -> dict[str, dict[str, int]]:
        """Queue name -> state -> number of cases."""
        c = table_of(CaseRow).c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.queue, c.state, func.count())
                .where(c.tenant_id == tenant_id, c.state.in_(list(states)))
                .group_by(c.queue, c.state)
            ).all()
        counts: dict[str, dict[str, int]] = {}
        for queue, state, n in rows:
            counts.setdefault(queue, {})[state] = int(n)
        return counts

    def _queue_select(
        self,
        tenant_id: str,
        queues: Sequence[str],
        states: Sequence[str],
        filters: CaseFilters,
        unclaimed_at: datetime | None,
    ) -> Any:
        c = table_of(CaseRow).c
        stmt = select(table_of(CaseRow)).where(
            c.tenant_id == tenant_id, c.queue.in_(list(queues)), c.state.in_(list(states))
        )
        if unclaimed_at is not None:
            stmt = stmt.where(claimable(unclaimed_at))
        f = filters
        if f.min_level is not None:
            stmt = stmt.where(c.level >= f.min_level)
        for column, value in (
            (c.platform, f.platform),
            (c.locale, f.locale),
            (c.age_band, f.age_band),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        if f.opened_after is not None:
            stmt = stmt.where(c.opened_at >= f.opened_after)
        if f.opened_before is not None:
            stmt = stmt.where(c.opened_at < f.opened_before)
        if f.tactic is not None:
            # JSON arrays differ per backend; the tactic names are a closed set, so a
            # quoted substring match of the stored array is exact.
            stmt = stmt.where(cast(c.tactics, String()).like(f'%"{f.tactic}"%'))
        return stmt

    def get_case(self, tenant_id: str, case_id: str) -> CaseRecord | None:
        with self.engine.connect() as conn:
            r = conn.execute(
                select(table_of(CaseRow)).where(
                    CaseRow.tenant_id == tenant_id, CaseRow.id == case_id
                )
            ).first()
        return _case(r) if r else None

    def cases_where(
        self, tenant_id: str, *conditions: ColumnElement[bool], limit: int = 500
    ) -> list[CaseRecord]:
        stmt = (
            select(table_of(CaseRow))
            .where(CaseRow.tenant_id == tenant_id, *conditions)
            .order_by(CaseRow.opened_at)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_case(r) for r in conn.execute(stmt).all()]

    def case_events(self, tenant_id: str, case_id: str) -> list[CaseEvent]:
        e = table_of(CaseEventRow).c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table_of(CaseEventRow))
                .where(e.tenant_id == tenant_id, e.case_id == case_id)
                .order_by(e.id)
            ).all()
        return [
            CaseEvent(r.kind, r.user_id, r.decision, r.note, dict(r.detail), r.at) for r in rows
        ]

    def decided_cases(self, tenant_id: str, since: datetime | None = None) -> list[CaseRecord]:
        c = table_of(CaseRow).c
        conditions: list[ColumnElement[bool]] = [c.decision.is_not(None)]
        if since is not None:
            conditions.append(c.decided_at >= since)
        return self.cases_where(tenant_id, *conditions, limit=1_000_000)

    def conversations_of(self, tenant_id: str, account_id: str) -> list[dict[str, Any]]:
        """Every conversation an account took part in, oldest first (for the case view)."""
        c = table_of(Conversation).c
        m = table_of(ConversationMember).c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.id, c.created_at, c.updated_at, c.level, c.risk, c.offender, c.at_risk)
                .join(
                    table_of(ConversationMember),
                    and_(m.tenant_id == c.tenant_id, m.conversation_id == c.id),
                )
                .where(m.tenant_id == tenant_id, m.account_id == account_id)
                .order_by(c.created_at)
                .limit(1_000)
            ).all()
        return [dict(r._mapping) for r in rows]

    # --- appeals -------------------------------------------------------------------------
    def add_appeal(
        self,
        tenant_id: str,
        case_id: str,
        external_id: str,
        reason: str | None,
        *,
        now: datetime,
        audit: AuditEntry,
    ) -> AppealRecord | None:
        """Open an appeal on a decided case (state ``appealed``); ``None`` if the case is not
        decided. Idempotent on ``external_id``."""
        existing = self.appeal_by_external(tenant_id, external_id)
        if existing is not None:
            return existing
        c = table_of(CaseRow).c
        appeal_id = new_id()
        with self._write() as conn:
            case = conn.execute(
                select(c.decided_by).where(
                    c.tenant_id == tenant_id,
                    c.id == case_id,
                    c.state.in_(["decided", "reported", "closed"]),
                )
            ).first()
            if case is None:
                return None
            conn.execute(
                update(table_of(CaseRow))
                .where(c.tenant_id == tenant_id, c.id == case_id)
                .values(state="appealed", claimed_by=None, claim_expires_at=None, updated_at=now)
            )
            conn.execute(
                table_of(AppealRow)
                .insert()
                .values(
                    id=appeal_id,
                    tenant_id=tenant_id,
                    case_id=case_id,
                    external_id=external_id,
                    reason=reason,
                    state="open",
                    original_decider=case.decided_by,
                    received_at=now,
                )
            )
            self._add_case_events(
                conn,
                tenant_id,
                [(case_id, CaseEvent("appeal", None, detail={"appeal_id": appeal_id}, at=now))],
            )
            self._append_audit(conn, tenant_id, [audit])
        return self.appeal_by_external(tenant_id, external_id)

    def appeal_by_external(self, tenant_id: str, external_id: str) -> AppealRecord | None:
        return next(iter(self._appeals(tenant_id, AppealRow.external_id == external_id)), None)

    def appeals_for(self, tenant_id: str, case_id: str) -> list[AppealRecord]:
        return self._appeals(tenant_id, AppealRow.case_id == case_id)

    def _appeals(self, tenant_id: str, condition: ColumnElement[bool]) -> list[AppealRecord]:
        a = table_of(AppealRow).c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table_of(AppealRow))
                .where(a.tenant_id == tenant_id, condition)
                .order_by(a.received_at)
            ).all()
        return [
            AppealRecord(
                r.id,
                r.case_id,
                r.external_id,
                r.reason,
                r.state,
                r.original_decider,
                r.received_at,
                r.decided_by,
                r.outcome,
                r.decided_at,
            )
            for r in rows
        ]


def claimable(now: datetime) -> ColumnElement[bool]:
    """Nobody holds the case, or the claim has expired."""
    c = table_of(CaseRow).c
    return or_(c.claimed_by.is_(None), c.claim_expires_at < now)


def held_by(user_id: str, now: datetime) -> ColumnElement[bool]:
    c = table_of(CaseRow).c
    return and_(c.claimed_by == user_id, c.claim_expires_at >= now)
