"""One step per event kind inside a batch: messages (engine, alerts, policy and actions),
account facts, reports. Each adds its rows to the batch's ``WriteBatch``; nothing is
written here."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from safeguarding.domain import AlertLevel, Assessment, Message, Participant
from safeguarding.service.actions import ActionStage, LazyMessages
from safeguarding.service.conversations import LoadedConversations
from safeguarding.service.events import AccountEvent, MessageEvent, ReportEvent
from safeguarding.service.ingest_state import LoadedConversation, RiskEngine, participant
from safeguarding.service.namespace import scoped, unscoped
from safeguarding.service.pattern_rows import add_pattern_rows
from safeguarding.service.settings import Settings
from safeguarding.storage.records import (
    AccountRecord,
    AlertRecord,
    MessageRow,
    OutboxMessage,
    ReportRecord,
    WriteBatch,
)
from safeguarding.storage.repository import Repository

log = logging.getLogger("safeguarding.ingest")


class EventSteps:
    def __init__(
        self,
        repo: Repository,
        engine: RiskEngine,
        settings: Settings,
        actions: ActionStage,
        conversations: LoadedConversations,
    ) -> None:
        self.repo = repo
        self.engine = engine
        self.settings = settings
        self.actions = actions
        self.conversations = conversations
        # Engine account facts as they were before this batch's account events changed them
        # (engine ids): put back if the batch is refused (``undo_accounts``).
        self.accounts_before: dict[str, Participant | None] = {}

    def message(
        self,
        tenant: str,
        ev: MessageEvent,
        now: datetime,
        batch: WriteBatch,
        touched: dict[str, dict[str, Any] | None],
        webhooks: bool,
    ) -> dict[str, Any]:
        cid = ev.conversation_id
        state = self.conversations.load(tenant, cid, now)
        if cid not in touched:
            touched[cid] = state.assessment
        if state.is_new and state.message_count == 0:
            state.participants = self.conversations.open(tenant, ev, now, batch)
        index = state.message_count
        assessment = self.engine.process(
            Message(
                conversation_id=scoped(tenant, cid),
                sender=scoped(tenant, ev.sender),
                text=ev.text,
                ts=ev.ts,
                message_id=ev.message_id,
                recipients=tuple(scoped(tenant, r) for r in ev.recipients),
                platform=ev.platform,
                locale=ev.locale,
            )
        )
        if self.settings.log_text:
            log.debug("message", extra={"conversation_id": cid, "text": ev.text})
        state.message_count += 1
        state.members.update([ev.sender, *ev.recipients])
        state.level = int(assessment.level)
        state.risk = float(assessment.risk)
        state.latest = assessment
        state.pending.append(
            Message(
                cid,
                ev.sender,
                ev.text,
                ev.ts,
                ev.message_id,
                index,
                tuple(ev.recipients),
            )
        )
        batch.messages.append(
            MessageRow(
                cid,
                index,
                ev.message_id,
                ev.id,
                ev.sender,
                list(ev.recipients),
                ev.ts,
                ev.text,
                [m.model_dump(exclude_none=True) for m in ev.media] or None,
            )
        )
        add_pattern_rows(tenant, ev, index, batch)
        if state.level > state.alerted_level and state.level >= AlertLevel.WATCH:
            state.alerted_level = state.level
            alert = AlertRecord(
                conversation_id=cid,
                level=state.level,
                risk=state.risk,
                message_index=index,
                offender=unscoped(assessment.offender),
                at_risk=unscoped(assessment.at_risk),
                tactics=sorted(assessment.tactics),
                raised_at=now,
                harm=assessment.harm,
            )
            batch.alerts.append(alert)
            if webhooks:
                batch.outbox.append(
                    OutboxMessage(
                        ordering_key=cid,
                        event_type="alert.raised",
                        payload={
                            "type": "alert.raised",
                            "conversation_id": cid,
                            "level": AlertLevel(alert.level).label,
                            "risk": round(alert.risk, 4),
                            "message_index": index,
                            "message_id": ev.message_id,
                            "offender": alert.offender,
                            "at_risk": alert.at_risk,
                            "tactics": alert.tactics,
                            "harm": alert.harm,
                            "raised_at": now.isoformat(),
                        },
                        alert_index=len(batch.alerts) - 1,
                    )
                )
        self.act(tenant, ev, index, assessment, state, now, batch)
        return {
            "id": ev.id,
            "type": ev.type,
            "status": "created",
            "conversation_id": cid,
            "message_index": index,
            "risk": round(state.risk, 4),
            "level": AlertLevel(state.level).label,
        }

    def act(
        self,
        tenant: str,
        ev: MessageEvent,
        index: int,
        assessment: Assessment,
        state: LoadedConversation,
        now: datetime,
        batch: WriteBatch,
    ) -> None:
        """The policy and actions stage for one message (see ``service.actions``)."""
        cid = ev.conversation_id
        ids = [ev.sender, *ev.recipients]
        if state.participants is None:  # restored from storage: read its accounts once
            state.participants = self.conversations.participants(
                tenant, sorted(state.members), now, batch
            )
        missing = [a for a in ids if a not in state.participants]
        if missing:
            state.participants.update(self.conversations.participants(tenant, missing, now, batch))
        messages = LazyMessages(
            lambda: self.conversations.history(tenant, cid, state), tuple(state.pending)
        )
        if self.actions.after_message(
            cid,
            ev.sender,
            ev.recipients,
            ev.text,
            ev.ts,
            assessment,
            state.participants,
            state.spoken,
            messages,
            locale=ev.locale,
            platform=ev.platform,
        ):
            state.evidence_hold = True

    def account(
        self, tenant: str, ev: AccountEvent, now: datetime, batch: WriteBatch
    ) -> dict[str, Any]:
        known = next((a for a in batch.accounts if a.id == ev.account_id), None)
        pre = self.conversations.prefetched
        if known is None and pre is not None and ev.account_id in pre.account_ids:
            known = pre.accounts.get(ev.account_id)
        elif known is None:
            known = self.repo.get_accounts(tenant, [ev.account_id]).get(ev.account_id)
        old = known or AccountRecord(ev.account_id, None, None, None, None)
        merged = AccountRecord(
            ev.account_id,
            ev.declared_age if ev.declared_age is not None else old.declared_age,
            ev.age_band if ev.age_band is not None else old.age_band,
            ev.verified_age if ev.verified_age is not None else old.verified_age,
            ev.created_at if ev.created_at is not None else old.created_at,
            None if ev.unlink_guardian else ev.guardian_id or old.guardian_id,
        )
        # Later events in the same batch see this one's facts.
        batch.accounts = [a for a in batch.accounts if a.id != ev.account_id] + [merged]
        # Every loaded conversation and later message reads the link from the action stage.
        self.actions.link_guardian(ev.account_id, merged.guardian_id)
        fresh = participant(tenant, merged, ev.account_id, now)
        if fresh.id not in self.accounts_before:
            self.accounts_before[fresh.id] = self.engine.account(fresh.id)
        self.engine.update_account(fresh)
        # The policy sees the new facts too, in every loaded conversation of the tenant.
        for (t, _cid), loaded in self.conversations.loaded.items():
            person = loaded.participants.get(ev.account_id) if loaded.participants else None
            if t == tenant and person is not None:
                person.declared_age = fresh.declared_age
                person.verified_age = fresh.verified_age
                person.account_age_days = fresh.account_age_days
        return {"id": ev.id, "type": ev.type, "status": "created", "account_id": ev.account_id}

    def undo_accounts(self, tenant: str) -> None:
        """A refused batch: put back the engine's account facts and drop the conversations
        in memory that hold one of those accounts (they are reloaded from storage, with the
        stored facts, when they next speak)."""
        changed = {unscoped(pid) for pid in self.accounts_before}
        for pid, facts in self.accounts_before.items():
            self.engine.restore_account(pid, facts)
        self.accounts_before.clear()
        stale = [
            cid
            for (t, cid), loaded in self.conversations.loaded.items()
            if t == tenant
            and (
                not changed.isdisjoint(loaded.members)
                or (loaded.participants is not None and not changed.isdisjoint(loaded.participants))
            )
        ]
        for cid in stale:
            self.conversations.evict(tenant, cid)

    def report(self, ev: ReportEvent, batch: WriteBatch, webhooks: bool) -> dict[str, Any]:
        batch.reports.append(
            ReportRecord(
                ev.id,
                ev.reporter_id,
                ev.reported_id,
                ev.conversation_id,
                ev.reason,
                ev.comment,
                ev.ts,
                reporter_type=ev.reporter_type,
            )
        )
        if webhooks:
            batch.outbox.append(
                OutboxMessage(
                    ordering_key=ev.conversation_id or f"account:{ev.reported_id}",
                    event_type="report.received",
                    payload={
                        "type": "report.received",
                        "event_id": ev.id,
                        "reporter_id": ev.reporter_id,
                        "reported_id": ev.reported_id,
                        "conversation_id": ev.conversation_id,
                        "reason": ev.reason,
                        "ts": ev.ts.isoformat(),
                    },
                )
            )
        return {"id": ev.id, "type": ev.type, "status": "created", "reported_id": ev.reported_id}
