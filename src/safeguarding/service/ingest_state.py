"""What the ingest pipeline keeps about conversations in memory, and its small helpers.

Shared by the pipeline's steps (``service.conversations``, ``service.steps``,
``service.pipeline``); nothing here touches storage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from safeguarding.domain import Assessment, Message, Participant
from safeguarding.service.events import AGE_BAND_FLOOR
from safeguarding.service.namespace import scoped
from safeguarding.storage.records import AccountRecord, ConversationRecord


class RiskEngine(Protocol):
    """The part of ``safeguarding.risk.engine.Engine`` the service relies on."""

    def open_conversation(
        self,
        cid: str,
        participants: list[Participant],
        platform: str | None = None,
        locale: str | None = None,
    ) -> Any: ...
    def update_account(self, participant: Participant) -> Any: ...
    def account(self, participant_id: str) -> Participant | None: ...
    def restore_account(self, participant_id: str, facts: Participant | None) -> Any: ...
    def process(self, message: Message) -> Assessment: ...
    def assessment(self, cid: str) -> Assessment | None: ...
    def export_state(self, cid: str, *, excerpts: bool = True) -> dict[str, Any]: ...
    def restore_state(self, state: dict[str, Any]) -> Any: ...
    def forget(self, cid: str) -> Any: ...


@dataclass(slots=True)
class LoadedConversation:
    """What the service tracks about a conversation that the engine holds in memory."""

    is_new: bool
    message_count: int
    level: int
    alerted_level: int
    risk: float
    assessment: dict[str, Any] | None
    members: set[str] = field(default_factory=set)
    saved_members: set[str] = field(default_factory=set)
    participants: dict[str, Participant] | None = None  # platform ids, for the policy
    spoken: set[str] = field(default_factory=set)  # senders seen (their first message is done)
    evidence_hold: bool = False
    # Messages the stored engine snapshot covers, and what this batch's snapshot will cover
    # once committed (``None``: this batch writes none; see ``Settings.engine_snapshot_every``).
    snapshot_at: int = 0
    snapshot_pending: int | None = None
    # Evidence: the committed messages (as storage returns them), read once when an action
    # first needs them and extended after each commit; ``pending`` is this batch's messages.
    history: list[Message] | None = None
    # The engine's latest assessment in this batch; turned into ``assessment`` (a dict) once
    # per conversation at the end of the batch instead of after every message, and kept
    # until the answer is built: its signals still quote the text, so a changed assessment
    # is answered without reading message text back.
    latest: Assessment | None = None
    pending: list[Message] = field(default_factory=list)
    # Evidence dicts of the stored assessment dict and of the answer (with excerpts), by
    # signal identity (``namespace.unscoped_assessment_dict``).
    evidence_memo: dict[int, tuple[Any, dict[str, Any]]] = field(default_factory=dict)
    answer_memo: dict[int, tuple[Any, dict[str, Any]]] = field(default_factory=dict)


@dataclass(slots=True)
class Prefetched:
    """What a batch needs from storage about conversations not in memory, read up front in
    one query per kind instead of several per conversation (new conversations are the
    costly case: a platform with short chats opens one every few messages)."""

    looked_up: set[str]  # conversation ids looked up; absent from ``conversations``: new
    conversations: dict[str, ConversationRecord]
    account_ids: set[str]  # account ids looked up; absent from ``accounts``: no facts
    accounts: dict[str, AccountRecord]
    connected: set[frozenset[str]]  # pairs among ``account_ids``, as stored


@dataclass(slots=True)
class IngestResult:
    results: list[dict[str, Any]]
    assessments: list[dict[str, Any]]
    created: int
    duplicates: int
    queued: int = 0  # webhook outbox rows committed by this call
    accepted: int = 0  # events handed to the queue for the workers (``serve --queue``)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "created": self.created,
            "duplicates": self.duplicates,
            "results": self.results,
            "assessments": self.assessments,
        }
        if self.accepted:
            out["accepted"] = self.accepted
        return out


def participant(tenant: str, account: AccountRecord | None, aid: str, now: datetime) -> Participant:
    p = Participant(id=scoped(tenant, aid))
    if account is None:
        return p
    p.declared_age = account.declared_age
    if p.declared_age is None and account.age_band is not None:
        p.declared_age = AGE_BAND_FLOOR[account.age_band]
    p.verified_age = account.verified_age
    if account.created_at is not None:
        p.account_age_days = max(0, (now - account.created_at).days)
    return p


def from_storage(row: dict[str, Any], cid: str, scope: Callable[[str], str] = str) -> Message:
    """A row of ``Repository.messages`` as a ``Message`` (purged text as ""), its ids passed
    through ``scope`` (the engine's tenant-scoped ids, or the platform's as they are)."""
    return Message(
        scope(cid),
        scope(row["sender"]),
        row["text"] or "",
        row["ts"],
        row["message_id"],
        row["idx"],
        tuple(scope(r) for r in row["recipients"]),
    )


def as_stored(m: Message) -> Message:
    """A message as storage hands it back (timestamps in UTC), for the evidence cache."""
    return m if m.ts is None else replace(m, ts=m.ts.astimezone(UTC))


def assessment_changed(before: dict[str, Any] | None, after: dict[str, Any]) -> bool:
    if before is None:
        return True
    keys = ("risk", "level", "offender", "at_risk", "first_alert_index", "tactics")
    return any(before.get(k) != after.get(k) for k in keys)
