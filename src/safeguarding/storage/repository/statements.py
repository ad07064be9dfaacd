"""Statements of the hot paths, built once: SQLAlchemy memoises a statement's cache key on
the object, so reusing it skips rebuilding and re-keying it on every batch."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, bindparam, case, insert, or_, select, update

from safeguarding.storage.models import (
    Account,
    AccountState,
    ActionRow,
    AlertRow,
    ApiKey,
    Conversation,
    Event,
    OutboxRow,
    StoredMessage,
    Tenant,
    UserReport,
)
from safeguarding.storage.models import Connection as ConnectionRow
from safeguarding.storage.repository.base import table_of


def _update_conversation_statement() -> Any:
    """One prepared UPDATE for every touched conversation (executemany, built once)."""
    table = table_of(Conversation)
    c = table.c
    return (
        update(table)
        .where(c.tenant_id == bindparam("k_tenant"), c.id == bindparam("k_id"))
        .values(
            {
                name: bindparam(name)
                for name in (
                    "updated_at",
                    "message_count",
                    "risk",
                    "level",
                    "alerted_level",
                    "offender",
                    "at_risk",
                    "assessment",
                    "action_state",
                )
            }
            # An evidence hold is never lifted by ingest.
            | {"evidence_hold": or_(c.evidence_hold, bindparam("hold", type_=Boolean))}
            # The engine snapshot is only replaced when the batch carries one.
            | {
                "engine_state": case(
                    (
                        bindparam("write_state", type_=Boolean),
                        bindparam("engine_state", type_=c.engine_state.type),
                    ),
                    else_=c.engine_state,
                )
            }
        )
    )


UPDATE_CONVERSATION = _update_conversation_statement()
SELECT_TENANT = select(table_of(Tenant)).where(table_of(Tenant).c.id == bindparam("tenant_id"))
# Statements of the ingest path, built once: SQLAlchemy memoises a statement's cache key on
# the object, so reusing it skips rebuilding and re-keying it on every batch.
SELECT_STORED_EVENTS = select(Event.event_id, Event.digest, Event.result).where(
    Event.tenant_id == bindparam("tenant_id"),
    Event.event_id.in_(bindparam("event_ids", expanding=True)),
)
SELECT_API_KEY = select(table_of(ApiKey)).where(table_of(ApiKey).c.id == bindparam("key_id"))
SELECT_CONVERSATIONS = select(table_of(Conversation)).where(
    table_of(Conversation).c.tenant_id == bindparam("tenant_id"),
    table_of(Conversation).c.id.in_(bindparam("ids", expanding=True)),
)
SELECT_ACCOUNTS = select(table_of(Account)).where(
    table_of(Account).c.tenant_id == bindparam("tenant_id"),
    table_of(Account).c.id.in_(bindparam("ids", expanding=True)),
)
SELECT_CONNECTIONS = (
    select(ConnectionRow.account_id, ConnectionRow.other_account_id, ConnectionRow.change)
    .where(
        ConnectionRow.tenant_id == bindparam("tenant_id"),
        ConnectionRow.account_id.in_(bindparam("ids", expanding=True)),
        ConnectionRow.other_account_id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(ConnectionRow.ts, ConnectionRow.id)
)
SELECT_ACCOUNT_STATES = select(AccountState.account_id, AccountState.state).where(
    AccountState.tenant_id == bindparam("tenant_id"),
    AccountState.account_id.in_(bindparam("ids", expanding=True)),
)
# ``inline()``: no implicit ``RETURNING`` of the new key for a single-row insert; nothing
# reads it, and the ingest write sends its statements in one pipeline (``pipelined``), which
# cannot hand back rows mid-way.
INSERT_EVENTS = insert(table_of(Event)).inline()
INSERT_MESSAGES = insert(table_of(StoredMessage)).inline()
INSERT_CONVERSATIONS = insert(table_of(Conversation)).inline()
INSERT_CONNECTIONS = insert(table_of(ConnectionRow)).inline()
INSERT_REPORTS = insert(table_of(UserReport)).inline()
INSERT_ALERTS = insert(table_of(AlertRow)).inline()
INSERT_ACTIONS = insert(table_of(ActionRow)).inline()
INSERT_OUTBOX = insert(table_of(OutboxRow)).inline()
