"""The ingest write: one batch's events, messages, conversations, alerts, actions and
outbox rows in one transaction."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime

import psycopg
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from safeguarding.storage.models import Account, AccountState, ConversationMember, StoredMessage
from safeguarding.storage.public_ids import new_public_id
from safeguarding.storage.records import StoredEvent, TenantRecord, WriteBatch
from safeguarding.storage.repository.alerts import add_actions
from safeguarding.storage.repository.base import (
    DuplicateEventError,
    pipelined,
    rows_in_chunks,
    table_of,
)
from safeguarding.storage.repository.outbox import OutboxStore
from safeguarding.storage.repository.patterns import PatternStore
from safeguarding.storage.repository.statements import (
    INSERT_ALERTS,
    INSERT_CONNECTIONS,
    INSERT_CONVERSATIONS,
    INSERT_EVENTS,
    INSERT_MESSAGES,
    INSERT_REPORTS,
    SELECT_STORED_EVENTS,
    SELECT_TENANT,
    UPDATE_CONVERSATION,
)
from safeguarding.storage.repository.tenants import TenantStore


class IngestStore(TenantStore, OutboxStore, PatternStore):
    """Idempotency look-ups and the atomic batch write."""

    def stored_events(self, tenant_id: str, event_ids: Sequence[str]) -> dict[str, StoredEvent]:
        with self.engine.connect() as conn:
            return self._stored_events(conn, tenant_id, event_ids)

    def ingest_lookup(
        self, tenant_id: str, event_ids: Sequence[str]
    ) -> tuple[dict[str, StoredEvent], TenantRecord | None]:
        """:meth:`stored_events` and :meth:`get_tenant` on one connection (one per batch)."""
        with self.engine.connect() as conn:
            stored = self._stored_events(conn, tenant_id, event_ids)
            row = conn.execute(SELECT_TENANT, {"tenant_id": tenant_id}).first()
        record = self._tenant(row) if row else None
        self._tenant_cache[tenant_id] = (time.monotonic() + self.cache_ttl_s, record)
        return stored, record

    def _stored_events(
        self, conn: Connection, tenant_id: str, event_ids: Sequence[str]
    ) -> dict[str, StoredEvent]:
        rows = rows_in_chunks(conn, SELECT_STORED_EVENTS, tenant_id, event_ids, key="event_ids")
        return {r.event_id: StoredEvent(r.event_id, r.digest, r.result) for r in rows}

    def stored_message_ids(
        self, tenant_id: str, pairs: Sequence[tuple[str, str]]
    ) -> set[tuple[str, str]]:
        """Which (conversation id, message id) pairs the tenant already stored."""
        wanted = set(pairs)
        if not wanted:
            return set()
        query = select(StoredMessage.conversation_id, StoredMessage.message_id).where(
            StoredMessage.tenant_id == tenant_id,
            StoredMessage.conversation_id.in_({c for c, _ in wanted}),
            StoredMessage.message_id.in_({m for _, m in wanted}),
        )
        with self.engine.connect() as conn:
            return {(r[0], r[1]) for r in conn.execute(query)} & wanted

    def write_batch(self, batch: WriteBatch) -> list[str]:
        """Commit one ingest call atomically; returns the public ids of the new alerts.

        Raises :class:`DuplicateEventError` when another writer stored one of the event ids
        first (the unique key is the last line of defence for idempotency).
        """
        tenant = batch.tenant_id
        at = batch.received_at
        try:
            with self._write() as conn, pipelined(conn):
                return self._write_batch(conn, tenant, at, batch)
        except IntegrityError as exc:
            raise DuplicateEventError(str(exc.orig)) from exc
        except psycopg.IntegrityError as exc:  # raised by the pipeline's sync, unwrapped
            raise DuplicateEventError(str(exc)) from exc

    def _write_batch(
        self, conn: Connection, tenant: str, at: datetime, batch: WriteBatch
    ) -> list[str]:
        if batch.events:
            conn.execute(
                INSERT_EVENTS,
                [
                    {
                        "tenant_id": tenant,
                        "event_id": eid,
                        "kind": kind,
                        "digest": digest,
                        "conversation_id": cid,
                        "received_at": at,
                        "result": result,
                    }
                    for eid, kind, digest, cid, result in batch.events
                ],
            )
        if batch.messages:
            conn.execute(
                INSERT_MESSAGES,
                [
                    {
                        "tenant_id": tenant,
                        "conversation_id": m.conversation_id,
                        "idx": m.idx,
                        "message_id": m.message_id,
                        "event_id": m.event_id,
                        "sender": m.sender,
                        "recipients": m.recipients,
                        "ts": m.ts,
                        "received_at": at,
                        "text": m.text,
                        "media": m.media,
                    }
                    for m in batch.messages
                ],
            )
        new = [c for c in batch.conversations if c.is_new]
        old = [c for c in batch.conversations if not c.is_new]
        if new:
            conn.execute(
                INSERT_CONVERSATIONS,
                [
                    {
                        "tenant_id": tenant,
                        "id": c.id,
                        "created_at": at,
                        "updated_at": at,
                        "message_count": c.message_count,
                        "risk": c.risk,
                        "level": c.level,
                        "alerted_level": c.alerted_level,
                        "offender": c.offender,
                        "at_risk": c.at_risk,
                        "assessment": c.assessment,
                        "engine_state": c.engine_state,
                        "evidence_hold": c.evidence_hold,
                        "action_state": c.action_state,
                    }
                    for c in new
                ],
            )
        if old:
            conn.execute(
                UPDATE_CONVERSATION,
                [
                    {
                        "k_tenant": tenant,
                        "k_id": c.id,
                        "updated_at": at,
                        "message_count": c.message_count,
                        "risk": c.risk,
                        "level": c.level,
                        "alerted_level": c.alerted_level,
                        "offender": c.offender,
                        "at_risk": c.at_risk,
                        "assessment": c.assessment,
                        "engine_state": c.engine_state,
                        "write_state": c.engine_state is not None,
                        "action_state": c.action_state,
                        "hold": c.evidence_hold,
                    }
                    for c in old
                ],
            )
        members = [
            {"tenant_id": tenant, "conversation_id": c.id, "account_id": a}
            for c in batch.conversations
            for a in sorted(c.members)
        ]
        self._insert_ignore(conn, table_of(ConversationMember), members)
        self._upsert(
            conn,
            table_of(Account),
            [
                {
                    "tenant_id": tenant,
                    "id": a.id,
                    "declared_age": a.declared_age,
                    "age_band": a.age_band,
                    "verified_age": a.verified_age,
                    "created_at": a.created_at,
                    "updated_at": at,
                    "guardian_id": a.guardian_id,
                }
                for a in batch.accounts
            ],
            ("tenant_id", "id"),
        )
        if batch.connections:
            conn.execute(
                INSERT_CONNECTIONS,
                [
                    {
                        "tenant_id": tenant,
                        "account_id": c.account_id,
                        "other_account_id": c.other_account_id,
                        "change": c.change,
                        "ts": c.ts,
                    }
                    for c in batch.connections
                ],
            )
        if batch.reports:
            conn.execute(
                INSERT_REPORTS,
                [
                    {
                        "public_id": new_public_id(),
                        "tenant_id": tenant,
                        "event_id": r.event_id,
                        "reporter_id": r.reporter_id,
                        "reported_id": r.reported_id,
                        "conversation_id": r.conversation_id,
                        "reason": r.reason,
                        "comment": r.comment,
                        "ts": r.ts,
                        "reporter_type": r.reporter_type,
                    }
                    for r in batch.reports
                ],
            )
        alert_ids: list[str] = []
        if batch.alerts:
            alert_ids = [new_public_id() for _ in batch.alerts]
            conn.execute(
                INSERT_ALERTS,
                [
                    {
                        "public_id": public_id,
                        "tenant_id": tenant,
                        "conversation_id": a.conversation_id,
                        "level": a.level,
                        "risk": a.risk,
                        "message_index": a.message_index,
                        "offender": a.offender,
                        "at_risk": a.at_risk,
                        "tactics": a.tactics,
                        "raised_at": a.raised_at,
                        "status": "open",
                        "harm": a.harm,
                    }
                    for a, public_id in zip(batch.alerts, alert_ids, strict=True)
                ],
            )
        for m in batch.outbox:
            if m.alert_index is not None:
                m.payload = {**m.payload, "alert_id": alert_ids[m.alert_index]}
        self._add_outbox(conn, tenant, at, batch.outbox)
        add_actions(conn, tenant, at, batch.actions)
        self._add_pattern_rows(conn, tenant, batch)
        self._upsert(
            conn,
            table_of(AccountState),
            [
                {"tenant_id": tenant, "account_id": aid, "state": state, "updated_at": at}
                for aid, state in batch.account_states.items()
            ],
            ("tenant_id", "account_id"),
        )
        return alert_ids
