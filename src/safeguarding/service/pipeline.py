"""The ingest pipeline: events in, engine updated, everything committed in one transaction.

Order of work for one batch: validate everything first (nothing is touched for a bad batch),
drop events already stored (idempotency by event id), feed the rest to the risk engine in
order, apply the policy and actions stage after each message (``service.actions``), then
write events, messages, the engine and pacing state of each touched conversation, alerts,
actions, account signal state and webhook outbox rows in a single transaction before
answering. If that write fails, the
touched conversations are evicted from the engine and later restored from storage, so memory
never runs ahead of what is durable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Protocol

from safeguarding.domain import AlertLevel, Assessment, Message, Participant
from safeguarding.service.actions import ActionStage, LazyMessages, make_policy_holder
from safeguarding.service.events import (
    AGE_BAND_FLOOR,
    AccountEvent,
    AnyEvent,
    ConnectionEvent,
    MessageEvent,
    ReportEvent,
    event_digest,
)
from safeguarding.service.metrics import ServiceMetrics
from safeguarding.service.namespace import (
    quoted_indices,
    scoped,
    unscoped,
    unscoped_assessment_dict,
    with_excerpts,
)
from safeguarding.service.problems import ProblemError
from safeguarding.service.settings import Settings
from safeguarding.storage.records import (
    AccountRecord,
    AlertRecord,
    ConnectionRecord,
    ConversationRecord,
    ConversationUpdate,
    MessageRow,
    OutboxMessage,
    ReportRecord,
    WriteBatch,
)
from safeguarding.storage.repository import DuplicateEventError, Repository

log = logging.getLogger("safeguarding.ingest")


_RECENT_IDS = 100_000
# Accounts a batch may name for the up-front read of their facts and connections; beyond it
# (large rooms) each conversation reads its own, as the pairs query names every id twice.
_PREFETCH_MAX_ACCOUNTS = 1_000


class _SlowPath(Exception):
    """A batch written without the idempotency lookup hit the unique key: redo with it."""


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
    def process(self, message: Message) -> Assessment: ...
    def assessment(self, cid: str) -> Assessment | None: ...
    def export_state(self, cid: str, *, excerpts: bool = True) -> dict[str, Any]: ...
    def restore_state(self, state: dict[str, Any]) -> Any: ...
    def forget(self, cid: str) -> Any: ...


@dataclass(slots=True)
class _Loaded:
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
class _Prefetched:
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "duplicates": self.duplicates,
            "results": self.results,
            "assessments": self.assessments,
        }


def _participant(
    tenant: str, account: AccountRecord | None, aid: str, now: datetime
) -> Participant:
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


def _from_storage(row: dict[str, Any], cid: str, scope: Callable[[str], str] = str) -> Message:
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


def _as_stored(m: Message) -> Message:
    """A message as storage hands it back (timestamps in UTC), for the evidence cache."""
    return m if m.ts is None else replace(m, ts=m.ts.astimezone(UTC))


def _changed(before: dict[str, Any] | None, after: dict[str, Any]) -> bool:
    if before is None:
        return True
    keys = ("risk", "level", "offender", "at_risk", "first_alert_index", "tactics")
    return any(before.get(k) != after.get(k) for k in keys)


class IngestPipeline:
    """Thread-safe: one lock serialises the engine and the write of each batch."""

    def __init__(
        self,
        repo: Repository,
        engine: RiskEngine,
        settings: Settings,
        metrics: ServiceMetrics | None = None,
        actions: ActionStage | None = None,
    ) -> None:
        self.repo = repo
        self.engine = engine
        self.settings = settings
        self.metrics = metrics
        self.actions = actions or ActionStage(
            repo,
            make_policy_holder(settings.policy, settings.shadow),
            policy_path=settings.policy,
            max_conversations=settings.max_engine_conversations + 1,
        )
        self._lock = threading.Lock()
        # One writer thread: requests queue here instead of convoying on the lock.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest")
        self.inline = repo.dialect == "sqlite"  # see ingest_async
        self._loaded: OrderedDict[tuple[str, str], _Loaded] = OrderedDict()
        # Event ids this process committed recently ("tenant\0id"). A batch with none of
        # them skips the idempotency SELECT; if one of its ids was stored anyway (by an
        # earlier process, or long ago) the unique key refuses the write and the batch is
        # processed again the slow way, with the lookup. Correctness never rests on it.
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._prefetched: _Prefetched | None = None  # during a batch (``_process``)

    # --- validation ----------------------------------------------------------------------
    def _validate(self, tenant: str, events: list[AnyEvent], now: datetime) -> None:
        seen: set[str] = set()
        seen_messages: set[tuple[str, str]] = set()
        horizon = now + timedelta(seconds=self.settings.max_future_skew_s)
        for i, ev in enumerate(events):
            where = f"events[{i}] (id {ev.id!r})"
            if ev.id in seen:
                raise ProblemError(422, "Duplicate event id", f"{where} repeats an event id.")
            seen.add(ev.id)
            ts = getattr(ev, "ts", None)
            if ts is not None and ts > horizon:
                raise ProblemError(
                    422,
                    "Timestamp in the future",
                    f"{where}: ts {ts.isoformat()} is more than "
                    f"{self.settings.max_future_skew_s} s ahead of the server clock.",
                )
            if isinstance(ev, MessageEvent):
                if len(ev.text) > self.settings.max_text_chars:
                    raise ProblemError(
                        422,
                        "Text too long",
                        f"{where}: text has {len(ev.text)} characters; the limit is "
                        f"{self.settings.max_text_chars}.",
                    )
                key = (ev.conversation_id, ev.message_id)
                if key in seen_messages:
                    raise ProblemError(
                        422, "Duplicate message id", f"{where} repeats a message id."
                    )
                seen_messages.add(key)
            if isinstance(ev, ConnectionEvent) and ev.account_id == ev.other_account_id:
                raise ProblemError(
                    422, "Invalid connection", f"{where} connects an account to itself."
                )

    def _check_report_conversations(self, tenant: str, events: list[AnyEvent]) -> None:
        """A report may only name a conversation that exists or arrives earlier in the batch."""
        created_here: set[str] = set()
        needed: dict[str, int] = {}
        for i, ev in enumerate(events):
            if isinstance(ev, MessageEvent):
                created_here.add(ev.conversation_id)
            elif (
                isinstance(ev, ReportEvent)
                and ev.conversation_id is not None
                and ev.conversation_id not in created_here
            ):
                needed.setdefault(ev.conversation_id, i)
        if not needed:
            return
        known = self.repo.existing_conversations(tenant, needed)
        known |= {cid for (t, cid) in self._loaded if t == tenant}
        for cid, i in needed.items():
            if cid not in known:
                raise ProblemError(
                    422,
                    "Unknown conversation",
                    f"events[{i}] reports conversation {cid!r}, which has no messages yet.",
                )

    # --- engine state --------------------------------------------------------------------
    def _load(self, tenant: str, cid: str, now: datetime) -> _Loaded:
        key = (tenant, cid)
        loaded = self._loaded.get(key)
        if loaded is not None:
            self._loaded.move_to_end(key)
            return loaded
        pre = self._prefetched
        if pre is not None and cid in pre.looked_up:
            record = pre.conversations.get(cid)
        else:
            record = self.repo.get_conversation(tenant, cid)
        if record is None:
            loaded = _Loaded(True, 0, 0, 0, 0.0, None)
            loaded.history = []  # nothing of it is stored yet: evidence needs no read
        else:
            snapshot_at = 0
            if record.engine_state is not None:
                self.engine.restore_state(self._with_excerpts(tenant, cid, record.engine_state))
                snapshot_at = int(record.engine_state.get("n_messages", 0))
            members = self._members(tenant, cid)
            # Facts may have changed since the state was saved: apply the current ones.
            for account in self.repo.get_accounts(tenant, members).values():
                self.engine.update_account(_participant(tenant, account, account.id, now))
            if snapshot_at < record.message_count:
                self._replay(tenant, cid, snapshot_at)
            loaded = _Loaded(
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
        self._loaded[key] = loaded
        self._evict_over_capacity()
        return loaded

    def _replay(self, tenant: str, cid: str, start: int) -> None:
        """Bring a restored snapshot up to date: the stored messages after it, through the
        engine only (their actions were taken and recorded when they first arrived). A
        message whose text the retention purge removed is replayed as empty text."""
        scope = partial(scoped, tenant)
        for r in self.repo.messages(tenant, cid, start):
            self.engine.process(_from_storage(r, cid, scope))

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

    def _evict_over_capacity(self) -> None:
        while len(self._loaded) > self.settings.max_engine_conversations:
            (tenant, cid), state = next(iter(self._loaded.items()))
            if state.is_new:  # not yet written; cannot be dropped
                break
            self._evict(tenant, cid)

    def _evict(self, tenant: str, cid: str) -> None:
        self._loaded.pop((tenant, cid), None)
        self.actions.forget_conversation(tenant, cid)
        with contextlib.suppress(KeyError):
            self.engine.forget(scoped(tenant, cid))

    def _open(
        self, tenant: str, ev: MessageEvent, now: datetime, batch: WriteBatch
    ) -> dict[str, Participant]:
        """Open a new conversation with what is known of its accounts, this batch included.

        Returns the participants under the platform's ids (for the policy stage).
        """
        ids = [ev.sender, *ev.recipients]
        participants = self._participants(tenant, ids, now, batch)
        self.engine.open_conversation(
            scoped(tenant, ev.conversation_id),
            [replace(p, id=scoped(tenant, aid)) for aid, p in participants.items()],
            ev.platform,
            ev.locale,
        )
        return participants

    def _participants(
        self, tenant: str, ids: list[str], now: datetime, batch: WriteBatch
    ) -> dict[str, Participant]:
        """Account facts and connectedness of ``ids`` (platform ids), this batch included."""
        pre = self._prefetched
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
            p = _participant(tenant, accounts.get(aid), aid, now)
            p.id = aid
            others = [o for o in ids if o != aid]
            if others:
                p.connected = all(frozenset((aid, o)) in connected for o in others)
            participants[aid] = p
        return participants

    # --- ingest --------------------------------------------------------------------------
    async def ingest_async(self, tenant: str, events: list[AnyEvent]) -> IngestResult:
        """:meth:`ingest` on the single writer thread, without blocking the event loop; on
        SQLite (``inline``) on the event loop itself.

        SQLite does no network waits, so handing the batch to another thread only adds GIL
        hand-offs between the loop and the writer (each up to the 5 ms switch interval on a
        busy core): measured, the load test's p99 went from 61-88 ms to 29-34 ms inline. The
        cost: while a batch is processed (about 12 ms) the loop serves nothing else, and if
        another process holds the SQLite write lock (``safeguarding purge``) every request
        waits with it. PostgreSQL keeps the thread, so the loop reads and validates the next
        request while the writer waits on the database."""
        if self.inline:
            return self.ingest(tenant, events)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, self.ingest, tenant, events)

    def close(self) -> None:
        self._writer.shutdown(wait=True)

    def ingest(self, tenant: str, events: list[AnyEvent]) -> IngestResult:
        now = datetime.now(UTC)
        self._validate(tenant, events, now)
        digests = [event_digest(ev) for ev in events]
        with self._lock:
            keys = [f"{tenant}\0{ev.id}" for ev in events]
            recent = self._recent
            if any(k in recent for k in keys):
                return self._ingest(tenant, events, digests, now, lookup=True)
            try:
                result = self._ingest(tenant, events, digests, now, lookup=False)
            except _SlowPath:
                return self._ingest(tenant, events, digests, now, lookup=True)
            return result

    def _ingest(
        self,
        tenant: str,
        events: list[AnyEvent],
        digests: list[str],
        now: datetime,
        *,
        lookup: bool,
    ) -> IngestResult:
        """One batch under the lock. Without ``lookup`` nothing is assumed stored (the
        caller saw none of the ids recently); a unique-key conflict raises :class:`_SlowPath`
        after the engine and actions state were rolled back, and the caller retries."""
        if lookup:
            stored, tenant_record = self.repo.ingest_lookup(tenant, [ev.id for ev in events])
        else:
            stored, tenant_record = {}, self.repo.cached_tenant(tenant)
        for ev, digest in zip(events, digests, strict=True):
            hit = stored.get(ev.id)
            if hit is not None and hit.digest != digest:
                raise ProblemError(
                    409,
                    "Event id reused",
                    f"event id {ev.id!r} was already accepted with different content; "
                    "event ids must be unique per event.",
                )
        fresh = [(ev, d) for ev, d in zip(events, digests, strict=True) if ev.id not in stored]
        self._check_report_conversations(tenant, [ev for ev, _ in fresh])
        webhooks = bool(tenant_record and tenant_record.webhook_url)
        batch, touched, results = self._process(tenant, fresh, now, webhooks)
        try:
            if batch.events:
                self.repo.write_batch(batch)
        except BaseException as exc:
            for cid in touched:
                self._evict(tenant, cid)
            self.actions.rollback(tenant)
            if isinstance(exc, DuplicateEventError) and not lookup:
                raise _SlowPath from exc
            if isinstance(exc, DuplicateEventError):
                raise ProblemError(
                    409,
                    "Concurrent duplicate",
                    "another request stored some of these events at the same time, or a "
                    "message id was already used in this conversation; retry the batch.",
                ) from exc
            raise
        for cid in touched:
            state = self._loaded[(tenant, cid)]
            state.is_new = False
            if state.snapshot_pending is not None:
                state.snapshot_at, state.snapshot_pending = state.snapshot_pending, None
            state.saved_members |= state.members
            if state.history is not None:
                state.history.extend(_as_stored(m) for m in state.pending)
            state.pending.clear()
        self._evict_over_capacity()
        for ev in events:
            self._recent[f"{tenant}\0{ev.id}"] = None
        while len(self._recent) > _RECENT_IDS:
            self._recent.popitem(last=False)
        changed = self._changed_assessments(tenant, touched, events, stored, batch)
        if self.metrics is not None:
            self.metrics.count_events(events, stored)
            for alert in batch.alerts:
                self.metrics.alerts.labels(level=AlertLevel(alert.level).label).inc()
        ordered = [
            {**stored[ev.id].result, "status": "duplicate"} if ev.id in stored else results[ev.id]
            for ev in events
        ]
        return IngestResult(
            ordered, changed, len(events) - len(stored), len(stored), len(batch.outbox)
        )

    def _changed_assessments(
        self,
        tenant: str,
        touched: dict[str, dict[str, Any] | None],
        events: list[AnyEvent],
        stored: dict[str, Any],
        batch: WriteBatch,
    ) -> list[dict[str, Any]]:
        """The changed (or replayed) assessments with their excerpts: a conversation this
        batch touched answers from the engine's assessment (its signals still quote the
        text); a replayed one from storage, its excerpts read from the messages table."""
        answers: list[dict[str, Any]] = []
        for cid, before in touched.items():
            state = self._loaded[(tenant, cid)]
            latest, state.latest = state.latest, None
            after = state.assessment
            if latest is not None and after is not None and _changed(before, after):
                answers.append(unscoped_assessment_dict(latest, state.answer_memo))
        out: list[dict[str, Any]] = []
        # A retried batch answers like the first call: the assessments it touched.
        replayed = {
            ev.conversation_id
            for ev in events
            if isinstance(ev, MessageEvent)
            and ev.id in stored
            and ev.conversation_id not in touched
        }
        for cid in sorted(replayed):
            record = self.repo.get_conversation(tenant, cid)
            if record is not None and record.assessment is not None:
                out.append(record.assessment)
        if not out:
            return answers
        wanted = {a["conversation_id"]: quoted_indices(a) for a in out}
        texts = self.repo.message_texts(tenant, {c: i for c, i in wanted.items() if i})
        return answers + [
            filled
            for a in out
            if (filled := with_excerpts(a, texts.get(a["conversation_id"], {}))) is not None
        ]

    def _process(
        self, tenant: str, fresh: list[tuple[AnyEvent, str]], now: datetime, webhooks: bool
    ) -> tuple[WriteBatch, dict[str, dict[str, Any] | None], dict[str, dict[str, Any]]]:
        batch = WriteBatch(tenant_id=tenant, received_at=now)
        touched: dict[str, dict[str, Any] | None] = {}  # cid -> assessment before this batch
        results: dict[str, dict[str, Any]] = {}
        accounts: set[str] = set()
        for ev, _ in fresh:
            if isinstance(ev, MessageEvent):
                accounts.add(ev.sender)
            elif isinstance(ev, ReportEvent):
                accounts.add(ev.reported_id)
        self.actions.begin(tenant, batch, webhooks, accounts)
        try:
            self._prefetch(tenant, fresh)
            for ev, digest in fresh:
                if isinstance(ev, MessageEvent):
                    result = self._message(tenant, ev, now, batch, touched, webhooks)
                    cid: str | None = ev.conversation_id
                elif isinstance(ev, AccountEvent):
                    result = self._account(tenant, ev, now, batch)
                    cid = None
                elif isinstance(ev, ConnectionEvent):
                    batch.connections.append(
                        ConnectionRecord(ev.account_id, ev.other_account_id, ev.change, ev.ts)
                    )
                    result = {"id": ev.id, "type": ev.type, "status": "created"}
                    cid = None
                else:
                    result = self._report(ev, batch, webhooks)
                    self.actions.report(ev.reported_id, ev.ts)
                    cid = ev.conversation_id
                results[ev.id] = result
                batch.events.append((ev.id, ev.type, digest, cid, result))
            for cid in touched:
                state = self._loaded[(tenant, cid)]
                if state.latest is not None:
                    # Stored form, without excerpts (the answer is built from ``latest``).
                    state.assessment = unscoped_assessment_dict(
                        state.latest, state.evidence_memo, excerpts=False
                    )
                batch.conversations.append(self._conversation_update(tenant, cid))
            self.actions.finish()
        except BaseException:
            for cid in touched:
                self._evict(tenant, cid)
            self.actions.rollback(tenant)
            raise
        finally:
            self._prefetched = None
        return batch, touched, results

    def _prefetch(self, tenant: str, fresh: list[tuple[AnyEvent, str]]) -> None:
        """Read what the batch's conversations that are not in memory, and its account
        events, need from storage, up front."""
        cold: set[str] = set()
        ids: set[str] = set()
        for ev, _ in fresh:
            if isinstance(ev, MessageEvent) and (tenant, ev.conversation_id) not in self._loaded:
                cold.add(ev.conversation_id)
                ids.add(ev.sender)
                ids.update(ev.recipients)
            elif isinstance(ev, AccountEvent):
                ids.add(ev.account_id)
        if not cold and not ids:
            return
        conversations = self.repo.get_conversations(tenant, cold)
        if len(ids) > _PREFETCH_MAX_ACCOUNTS:  # rooms: the pairs query would be too wide
            self._prefetched = _Prefetched(cold, conversations, set(), {}, set())
            return
        accounts = self.repo.get_accounts(tenant, ids)
        self._prefetched = _Prefetched(
            cold, conversations, ids, accounts, self.repo.connected_pairs(tenant, ids)
        )
        self.actions.known_guardians(
            {a: rec.guardian_id if (rec := accounts.get(a)) else None for a in ids}
        )

    def _message(
        self,
        tenant: str,
        ev: MessageEvent,
        now: datetime,
        batch: WriteBatch,
        touched: dict[str, dict[str, Any] | None],
        webhooks: bool,
    ) -> dict[str, Any]:
        cid = ev.conversation_id
        state = self._load(tenant, cid, now)
        if cid not in touched:
            touched[cid] = state.assessment
        if state.is_new and state.message_count == 0:
            state.participants = self._open(tenant, ev, now, batch)
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
                            "raised_at": now.isoformat(),
                        },
                        alert_index=len(batch.alerts) - 1,
                    )
                )
        self._act(tenant, ev, index, assessment, state, now, batch)
        return {
            "id": ev.id,
            "type": ev.type,
            "status": "created",
            "conversation_id": cid,
            "message_index": index,
            "risk": round(state.risk, 4),
            "level": AlertLevel(state.level).label,
        }

    def _act(
        self,
        tenant: str,
        ev: MessageEvent,
        index: int,
        assessment: Assessment,
        state: _Loaded,
        now: datetime,
        batch: WriteBatch,
    ) -> None:
        """The policy and actions stage for one message (see ``service.actions``)."""
        cid = ev.conversation_id
        ids = [ev.sender, *ev.recipients]
        if state.participants is None:  # restored from storage: read its accounts once
            state.participants = self._participants(tenant, sorted(state.members), now, batch)
        missing = [a for a in ids if a not in state.participants]
        if missing:
            state.participants.update(self._participants(tenant, missing, now, batch))
        messages = LazyMessages(lambda: self._history(tenant, cid, state), tuple(state.pending))
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

    def _history(self, tenant: str, cid: str, state: _Loaded) -> list[Message]:
        """A conversation's committed messages (for evidence): read from storage once, then
        kept with the conversation and extended after each commit (``_as_stored``)."""
        if state.history is None:
            state.history = [_from_storage(r, cid) for r in self.repo.messages(tenant, cid)]
        return state.history

    def _account(
        self, tenant: str, ev: AccountEvent, now: datetime, batch: WriteBatch
    ) -> dict[str, Any]:
        known = next((a for a in batch.accounts if a.id == ev.account_id), None)
        pre = self._prefetched
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
        fresh = _participant(tenant, merged, ev.account_id, now)
        self.engine.update_account(fresh)
        for (t, _cid), loaded in self._loaded.items():  # the policy sees the new facts too
            person = loaded.participants.get(ev.account_id) if loaded.participants else None
            if t == tenant and person is not None:
                person.declared_age = fresh.declared_age
                person.verified_age = fresh.verified_age
                person.account_age_days = fresh.account_age_days
        return {"id": ev.id, "type": ev.type, "status": "created", "account_id": ev.account_id}

    def _report(self, ev: ReportEvent, batch: WriteBatch, webhooks: bool) -> dict[str, Any]:
        batch.reports.append(
            ReportRecord(
                ev.id,
                ev.reporter_id,
                ev.reported_id,
                ev.conversation_id,
                ev.reason,
                ev.comment,
                ev.ts,
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

    def _conversation_update(self, tenant: str, cid: str) -> ConversationUpdate:
        state = self._loaded[(tenant, cid)]
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
