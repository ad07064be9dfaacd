"""Retention: message text purged after its period unless the conversation is evidence;
recorded media matches (content references, conversation ids) purged after the same period."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, select, update

from safeguarding.storage.models import ActionRow, Conversation, StoredMessage
from safeguarding.storage.records import PurgeReport
from safeguarding.storage.repository.base import RepositoryBase, table_of, utcnow
from safeguarding.storage.repository.media import purge_media_matches


class RetentionStore(RepositoryBase):
    """The retention purge."""

    def purge_text(self, cutoff: datetime, *, dry_run: bool = False) -> PurgeReport:
        """Delete message text older than ``cutoff`` unless its conversation is evidence.

        The conversations concerned (not on evidence hold, with a message older than
        ``cutoff``) also lose any excerpt still stored in their assessment or engine state
        JSON (written before excerpts were left out of storage): one pass over them.
        """
        s = table_of(StoredMessage).c
        c = table_of(Conversation).c
        held = (
            select(Conversation.id)
            .where(
                Conversation.tenant_id == s.tenant_id,
                Conversation.id == s.conversation_id,
                Conversation.evidence_hold.is_(True),
            )
            .exists()
        )
        old = and_(s.ts < cutoff, s.text.is_not(None))
        has_old = (
            select(s.idx)
            .where(s.tenant_id == c.tenant_id, s.conversation_id == c.id, s.ts < cutoff)
            .exists()
        )
        with self._write() as conn:
            by_tenant = {
                r.tenant_id: int(r.n)
                for r in conn.execute(
                    select(s.tenant_id, func.count().label("n"))
                    .where(old, ~held)
                    .group_by(s.tenant_id)
                ).all()
            }
            kept = conn.execute(
                select(func.count()).select_from(table_of(StoredMessage)).where(old, held)
            ).scalar_one()
            scrubbed: list[dict[str, Any]] = []
            touched: set[tuple[str, str]] = set()
            for r in conn.execute(
                select(c.tenant_id, c.id, c.assessment, c.engine_state).where(
                    c.evidence_hold.is_not(True), has_old
                )
            ):
                assessment = _scrub_excerpts(r.assessment)
                state = _scrub_excerpts(r.engine_state)
                if assessment is not None or state is not None:
                    touched.add((r.tenant_id, r.id))
                    scrubbed.append(
                        {
                            "k_tenant": r.tenant_id,
                            "k_id": r.id,
                            "assessment": r.assessment if assessment is None else assessment,
                            "engine_state": r.engine_state if state is None else state,
                        }
                    )
            # Recorded actions of those conversations: an escalate_review event carries the
            # assessment (excerpts), a preserve_evidence snapshot may carry the text.
            a = table_of(ActionRow).c
            purged_conversation = (
                select(c.id)
                .where(
                    c.tenant_id == a.tenant_id,
                    c.id == a.conversation_id,
                    c.evidence_hold.is_not(True),
                    has_old,
                )
                .exists()
            )
            scrubbed_actions: list[dict[str, Any]] = []
            for r in conn.execute(
                select(a.id, a.tenant_id, a.conversation_id, a.payload).where(purged_conversation)
            ):
                event = _scrub_action_event(r.payload)
                if event is not None:
                    scrubbed_actions.append({"k_id": r.id, "payload": event})
                    touched.add((r.tenant_id, r.conversation_id))
            media_matches = purge_media_matches(conn, cutoff, dry_run=dry_run)
            if not dry_run:
                if scrubbed_actions:
                    conn.execute(
                        update(table_of(ActionRow))
                        .where(a.id == bindparam("k_id"))
                        .values(payload=bindparam("payload")),
                        scrubbed_actions,
                    )
                conn.execute(
                    update(table_of(StoredMessage))
                    .where(old, ~held)
                    .values(text=None, text_purged_at=utcnow())
                )
                if scrubbed:
                    conn.execute(
                        update(table_of(Conversation))
                        .where(c.tenant_id == bindparam("k_tenant"), c.id == bindparam("k_id"))
                        .values(
                            assessment=bindparam("assessment"),
                            engine_state=bindparam("engine_state"),
                        ),
                        scrubbed,
                    )
        return PurgeReport(
            cutoff,
            dry_run,
            sum(by_tenant.values()),
            int(kept),
            by_tenant,
            len(touched),
            media_matches,
        )


def _scrub_excerpts(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """``data`` (an assessment or engine state) without quoted excerpts in its evidence, or
    None when it has none to remove. An excerpt that was never there stays ``None``."""
    if not data or not isinstance(data.get("evidence"), list):
        return None
    evidence = data["evidence"]
    if not any(isinstance(e, dict) and e.get("excerpt") is not None for e in evidence):
        return None
    return {
        **data,
        "evidence": [
            {k: v for k, v in e.items() if k != "excerpt"}
            if isinstance(e, dict) and e.get("excerpt") is not None
            else e
            for e in evidence
        ],
    }


def _scrub_action_event(event: dict[str, Any] | None) -> dict[str, Any] | None:
    """A recorded action event without message text (the excerpts of an escalate_review
    assessment, the texts of a preserve_evidence snapshot), or None when it quotes none."""
    payload = event.get("payload") if isinstance(event, dict) else None
    if event is None or not isinstance(payload, dict):
        return None
    new = dict(payload)
    if isinstance(payload.get("assessment"), dict):
        assessment = _scrub_excerpts(payload["assessment"])
        if assessment is not None:
            new["assessment"] = assessment
    messages = payload.get("messages")
    if isinstance(messages, list) and any(isinstance(m, dict) and "text" in m for m in messages):
        new["messages"] = [
            {k: v for k, v in m.items() if k != "text"} if isinstance(m, dict) else m
            for m in messages
        ]
    return None if new == payload else {**event, "payload": new}
