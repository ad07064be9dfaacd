"""Conversations, their members, accounts, connections, messages and user reports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import and_, func, select, update

from safeguarding.storage.models import Conversation, ConversationMember, StoredMessage, UserReport
from safeguarding.storage.records import (
    AccountRecord,
    AccountSummary,
    ConversationRecord,
    ReportRecord,
)
from safeguarding.storage.repository.base import RepositoryBase, rows_in_chunks, table_of
from safeguarding.storage.repository.statements import (
    SELECT_ACCOUNT_STATES,
    SELECT_ACCOUNTS,
    SELECT_CONNECTIONS,
    SELECT_CONVERSATIONS,
)

ALERT_LEVEL = 2  # AlertLevel.ALERT: a moderator should review


class ConversationStore(RepositoryBase):
    """What the service knows of conversations and accounts."""

    def get_conversation(self, tenant_id: str, conversation_id: str) -> ConversationRecord | None:
        return self.get_conversations(tenant_id, [conversation_id]).get(conversation_id)

    def get_conversations(
        self, tenant_id: str, ids: Iterable[str]
    ) -> dict[str, ConversationRecord]:
        """The stored conversations among ``ids`` (one query per 500 ids): the ingest path
        looks up every conversation of a batch at once."""
        wanted = list(set(ids))
        found: dict[str, ConversationRecord] = {}
        with self.engine.connect() as conn:
            for row in rows_in_chunks(conn, SELECT_CONVERSATIONS, tenant_id, wanted):
                found[row.id] = ConversationRecord(
                    row.id,
                    row.message_count,
                    row.level,
                    row.risk,
                    row.assessment,
                    row.engine_state,
                    row.updated_at,
                    row.evidence_hold,
                    row.alerted_level,
                    row.action_state,
                )
        return found

    def existing_conversations(self, tenant_id: str, ids: Iterable[str]) -> set[str]:
        wanted = list(set(ids))
        if not wanted:
            return set()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(Conversation.id).where(
                    Conversation.tenant_id == tenant_id, Conversation.id.in_(wanted)
                )
            ).all()
        return {r.id for r in rows}

    def conversation_members(self, tenant_id: str, conversation_id: str) -> set[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(ConversationMember.account_id).where(
                    ConversationMember.tenant_id == tenant_id,
                    ConversationMember.conversation_id == conversation_id,
                )
            ).all()
        return {r.account_id for r in rows}

    def get_accounts(self, tenant_id: str, ids: Iterable[str]) -> dict[str, AccountRecord]:
        wanted = list(set(ids))
        found: dict[str, AccountRecord] = {}
        with self.engine.connect() as conn:
            for r in rows_in_chunks(conn, SELECT_ACCOUNTS, tenant_id, wanted):
                found[r.id] = AccountRecord(
                    r.id,
                    r.declared_age,
                    r.age_band,
                    r.verified_age,
                    r.created_at,
                    r.guardian_id,
                )
        return found

    def connected_pairs(self, tenant_id: str, account_ids: Iterable[str]) -> set[frozenset[str]]:
        """Pairs of these accounts whose latest connection change is "added"."""
        latest = self.latest_connection_changes(tenant_id, account_ids)
        return {pair for pair, change in latest.items() if change == "added"}

    def latest_connection_changes(
        self, tenant_id: str, account_ids: Iterable[str]
    ) -> dict[frozenset[str], str]:
        """The latest connection change ("added" / "removed") of each pair of these accounts
        that has one; a pair never mentioned is absent."""
        ids = list(set(account_ids))
        if len(ids) < 2:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(SELECT_CONNECTIONS, {"tenant_id": tenant_id, "ids": ids}).all()
        latest: dict[frozenset[str], str] = {}
        for row in rows:
            latest[frozenset((row.account_id, row.other_account_id))] = row.change
        return latest

    def hold_evidence(self, tenant_id: str, conversation_id: str, hold: bool = True) -> bool:
        """Mark a conversation as evidence in a case: retention never purges its text."""
        with self._write() as conn:
            result = conn.execute(
                update(table_of(Conversation))
                .where(Conversation.tenant_id == tenant_id, Conversation.id == conversation_id)
                .values(evidence_hold=hold)
            )
            return bool(result.rowcount)

    def account_states(self, tenant_id: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Saved ``AccountTracker`` state of these accounts (those that have one)."""
        wanted = list(set(ids))
        with self.engine.connect() as conn:
            rows = rows_in_chunks(conn, SELECT_ACCOUNT_STATES, tenant_id, wanted)
            return {r.account_id: r.state for r in rows}

    def messages(
        self, tenant_id: str, conversation_id: str, start: int = 0
    ) -> list[dict[str, Any]]:
        """A conversation's stored messages in order, from index ``start``."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table_of(StoredMessage))
                .where(
                    StoredMessage.tenant_id == tenant_id,
                    StoredMessage.conversation_id == conversation_id,
                    StoredMessage.idx >= start,
                )
                .order_by(StoredMessage.idx)
            ).all()
        return [dict(r._mapping) for r in rows]

    def message_texts(
        self, tenant_id: str, wanted: Mapping[str, Iterable[int]]
    ) -> dict[str, dict[int, str | None]]:
        """The text of these messages (conversation id -> message indices), in one query;
        ``None`` where the retention purge removed it. For excerpts in answers."""
        pairs = {(cid, int(i)) for cid, idxs in wanted.items() for i in idxs}
        found: dict[str, dict[int, str | None]] = {cid: {} for cid in wanted}
        if not pairs:
            return found
        s = table_of(StoredMessage).c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(s.conversation_id, s.idx, s.text).where(
                    s.tenant_id == tenant_id,
                    s.conversation_id.in_(sorted({cid for cid, _ in pairs})),
                    s.idx.in_(sorted({i for _, i in pairs})),
                )
            ).all()
        for r in rows:
            if (r.conversation_id, r.idx) in pairs:
                found[r.conversation_id][r.idx] = r.text
        return found

    def reports(
        self,
        tenant_id: str,
        *,
        reported_id: str | None = None,
        conversation_id: str | None = None,
    ) -> list[ReportRecord]:
        """User reports, for the policy stage and moderators."""
        stmt = select(table_of(UserReport)).where(UserReport.tenant_id == tenant_id)
        if reported_id is not None:
            stmt = stmt.where(UserReport.reported_id == reported_id)
        if conversation_id is not None:
            stmt = stmt.where(UserReport.conversation_id == conversation_id)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt.order_by(UserReport.id)).all()
        return [
            ReportRecord(
                r.event_id,
                r.reporter_id,
                r.reported_id,
                r.conversation_id,
                r.reason,
                r.comment,
                r.ts,
                r.id,
                r.public_id,
                r.reporter_type,
            )
            for r in rows
        ]

    def account_summary(self, tenant_id: str, account_id: str) -> AccountSummary:
        """Aggregate an account's conversations: worst risk as offender, alerts, reports."""
        c = table_of(Conversation).c
        m = table_of(ConversationMember).c
        with self.engine.connect() as conn:
            convs = conn.execute(
                select(c.id, c.risk, c.level, c.alerted_level, c.offender, c.at_risk)
                .join(
                    table_of(ConversationMember),
                    and_(m.tenant_id == c.tenant_id, m.conversation_id == c.id),
                )
                .where(m.tenant_id == tenant_id, m.account_id == account_id)
            ).all()
            received = conn.execute(
                select(func.count())
                .select_from(table_of(UserReport))
                .where(UserReport.tenant_id == tenant_id, UserReport.reported_id == account_id)
            ).scalar_one()
            made = conn.execute(
                select(func.count())
                .select_from(table_of(UserReport))
                .where(UserReport.tenant_id == tenant_id, UserReport.reporter_id == account_id)
            ).scalar_one()
        facts = self.get_accounts(tenant_id, [account_id]).get(account_id)
        as_offender = [r for r in convs if r.offender == account_id]
        at_risk = [r for r in convs if r.at_risk == account_id]
        alerted = [r for r in convs if r.alerted_level >= ALERT_LEVEL]
        return AccountSummary(
            account_id=account_id,
            known=bool(convs or facts or received or made),
            conversations=len(convs),
            alerted_conversations=len(alerted),
            max_risk_as_offender=max((r.risk for r in as_offender), default=0.0),
            max_level_as_offender=max((r.level for r in as_offender), default=0),
            conversations_at_risk=len(at_risk),
            max_risk_at_risk=max((r.risk for r in at_risk), default=0.0),
            reports_received=int(received),
            reports_made=int(made),
            facts=facts,
        )
