"""The conversations the risk engine holds in memory, and how they get there.

A conversation is loaded on its first event after a start or an eviction: its last engine
snapshot is restored, current account facts applied and the stored messages after the
snapshot replayed. The least recently used ones are dropped beyond
``Settings.max_engine_conversations``. A batch's cold conversations, their accounts and
connections are read up front in one query per kind (``prefetch``).
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from safeguarding.domain import Message, Participant
from safeguarding.service.actions import ActionStage
from safeguarding.service.events import AccountEvent, AnyEvent, MessageEvent
from safeguarding.service.ingest_state import (
    LoadedConversation,
    Prefetched,
    RiskEngine,
    from_storage,
    participant,
)
from safeguarding.service.namespace import quoted_indices, scoped, with_excerpts
from safeguarding.service.settings import Settings
from safeguarding.storage.records import ConversationUpdate, WriteBatch
from safeguarding.storage.repository import Repository

# Accounts a batch may name for the up-front read of their facts and connections; beyond it
# (large rooms) each conversation reads its own, as the pairs query names every id twice.
PREFETCH_MAX_ACCOUNTS = 1_000


class LoadedConversations:
    """Keyed by (tenant, conversation id); not thread-safe (the pipeline's lock guards it)."""

    def __init__(
        self, repo: Repository, engine: RiskEngine, settings: Settings, actions: ActionStage
    ) -> None:
        self.repo = repo
        self.engine = engine
        self.settings = settings
        self.actions = actions
        self.loaded: OrderedDict[tuple[str, str], LoadedConversation] = OrderedDict()
        self.prefetched: Prefetched | None = None  # during a batch

    def __getitem__(self, key: tuple[str, str]) -> LoadedConversation:
        return self.loaded[key]

    def ids(self, tenant: str) -> set[str]:
        return {cid for (t, cid) in self.loaded if t == tenant}

    def load(self, tenant: str, cid: str, now: datetime) -> LoadedConversation:
        key = (tenant, cid)
        loaded = self.loaded.get(key)
        if loaded is not None:
            self.loaded.move_to_end(key)
            return loaded
        pre = self.prefetched
        if pre is not None and cid in pre.looked_up:
            record = pre.conversations.get(cid)
        else:
            record = self.repo.get_conversation(tenant, cid)
        if record is None:
            loaded = LoadedConversation(True, 0, 0, 0, 0.0, None)
            loaded.history = []  # nothing of it is stored yet: evidence needs no read
        else:
            snapshot_at = 0
            if record.engine_state is not None:
                self.engine.restore_state(self._with_excerpts(tenant, cid, record.engine_state))
                snapshot_at = int(record.engine_state.get("n_messages", 0))
            members = self._members(tenant, cid)
            # Facts may have changed since the state was saved: apply the current ones.
            for account in self.repo.get_accounts(tenant, members).values():
                self.engine.update_account(participant(tenant, account, account.id, now))
            if snapshot_at < record.message_count:
                self._replay(tenant, cid, snapshot_at)
            loaded = LoadedConversation(
                False,
                record.message_count,
                record.level,
                record.alerted_level,
                record.risk,
                record.assessment,
                members,
                set(members),
            )
            loaded.spoken = self.actions.restore_conversation(tenant, cid, record.action_state)
            loaded.evidence_hold = record.evidence_hold
            loaded.snapshot_at = snapshot_at
        self.loaded[key] = loaded
        self.evict_over_capacity()
        return loaded

    def _replay(self, tenant: str, cid: str, start: int) -> None:
        """Bring a restored snapshot up to date: the stored messages after it, through the
        engine only (their actions were taken and recorded when they first arrived). A
        message whose text the retention purge removed is replayed as empty text."""
        scope = partial(scoped, tenant)
        for r in self.repo.messages(tenant, cid, start):
            self.engine.process(from_storage(r, cid, scope))

    def _with_excerpts(self, tenant: str, cid: str, state: dict[str, Any]) -> dict[str, Any]:
        """A stored engine state with its evidence excerpts read back from the messages
        (one query), so the engine holds what it held before the restart; a purged message
        gives ``None``, which then stays ``None``."""
        wanted = quoted_indices(state)
        if not wanted:
            return state
        texts = self.repo.message_texts(tenant, {cid: wanted})[cid]
        return with_excerpts(state, texts) or state

    def _members(self, tenant: str, cid: str) -> set[str]:
        return self.repo.conversation_members(tenant, cid)

    def evict_over_capacity(self) -> None:
        while len(self.loaded) > self.settings.max_engine_conversations:
            (tenant, cid), state = next(iter(self.loaded.items()))
            if state.is_new:  # not yet written; cannot be dropped
                break
            self.evict(tenant, cid)

    def evict(self, tenant: str, cid: str) -> None:
        self.loaded.pop((tenant, cid), None)
        self.actions.forget_conversation(tenant, cid)
        with contextlib.suppress(KeyError):
            self.engine.forget(scoped(tenant, cid))

    def open(
        self, tenant: str, ev: MessageEvent, now: datetime, batch: WriteBatch
    ) -> dict[str, Participant]:
        """Open a new conversation with what is known of its accounts, this batch included.

        Returns the participants under the platform's ids (for the policy stage).
        """
        ids = [ev.sender, *ev.recipients]
        participants = self.participants(tenant, ids, now, batch)
        self.engine.open_conversation(
            scoped(tenant, ev.conversation_id),
            [replace(p, id=scoped(tenant, aid)) for aid, p in participants.items()],
            ev.platform,
            ev.locale,
        )
        return participants

    def participants(
        self, tenant: str, ids: list[str], now: datetime, batch: WriteBatch
    ) -> dict[str, Participant]:
        """Account facts and connectedness of ``ids`` (platform ids), this batch included."""
        pre = self.prefetched
        if pre is not None and pre.account_ids.issuperset(ids):
            accounts = {a: pre.accounts[a] for a in ids if a in pre.accounts}
            connected = set(pre.connected)
        else:
            accounts = self.repo.get_accounts(tenant, ids)
            connected = self.repo.connected_pairs(tenant, ids)
        accounts.update({a.id: a for a in batch.accounts if a.id in ids})
        for c in batch.connections:
            pair = frozenset((c.account_id, c.other_account_id))
            if c.change == "added":
                connected.add(pair)
            else:
                connected.discard(pair)
        participants: dict[str, Participant] = {}
        for aid in dict.fromkeys(ids):
            p = participant(tenant, accounts.get(aid), aid, now)
            p.id = aid
            others = [o for o in ids if o != aid]
            if others:
                p.connected = all(frozenset((aid, o)) in connected for o in others)
            participants[aid] = p
        return participants

    def prefetch(self, tenant: str, fresh: list[tuple[AnyEvent, str]]) -> None:
        """Read what the batch's conversations that are not in memory, and its account
        events, need from storage, up front."""
        cold: set[str] = set()
        ids: set[str] = set()
        for ev, _ in fresh:
            if isinstance(ev, MessageEvent) and (tenant, ev.conversation_id) not in self.loaded:
                cold.add(ev.conversation_id)
                ids.add(ev.sender)
                ids.update(ev.recipients)
            elif isinstance(ev, AccountEvent):
                ids.add(ev.account_id)
        if not cold and not ids:
            return
        conversations = self.repo.get_conversations(tenant, cold)
        if len(ids) > PREFETCH_MAX_ACCOUNTS:  # rooms: the pairs query would be too wide
            self.prefetched = Prefetched(cold, conversations, set(), {}, set())
            return
        accounts = self.repo.get_accounts(tenant, ids)
        self.prefetched = Prefetched(
            cold, conversations, ids, accounts, self.repo.connected_pairs(tenant, ids)
        )
        self.actions.known_guardians(
            {a: rec.guardian_id if (rec := accounts.get(a)) else None for a in ids}
        )

    def history(self, tenant: str, cid: str, state: LoadedConversation) -> list[Message]:
        """A conversation's committed messages (for evidence): read from storage once, then
        kept with the conversation and extended after each commit (``_as_stored``)."""
        if state.history is None:
            state.history = [from_storage(r, cid) for r in self.repo.messages(tenant, cid)]
        return state.history

    def update(self, tenant: str, cid: str) -> ConversationUpdate:
        state = self.loaded[(tenant, cid)]
        assessment = state.assessment or {}
        snapshot = None
        if state.is_new or (
            state.message_count - state.snapshot_at >= self.settings.engine_snapshot_every
        ):
            snapshot = self.engine.export_state(scoped(tenant, cid), excerpts=False)
            state.snapshot_pending = state.message_count
        return ConversationUpdate(
            id=cid,
            is_new=state.is_new,
            message_count=state.message_count,
            risk=state.risk,
            level=state.level,
            alerted_level=state.alerted_level,
            offender=assessment.get("offender"),
            at_risk=assessment.get("at_risk"),
            assessment=state.assessment,
            engine_state=snapshot,
            evidence_hold=state.evidence_hold
            or state.alerted_level >= self.settings.evidence_hold_level,
            members=state.members - state.saved_members,  # only new rows to insert
            action_state=self.actions.export_conversation(tenant, cid, state.spoken),
        )
