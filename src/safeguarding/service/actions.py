"""The policy and actions stages inside the ingest transaction.

After each message's assessment the tenant's account signals are fed (first messages to
children, contact details, adult-sounding language), the policy in force decides, and the
dispatcher paces the decision. Each action event is written to the webhook outbox (when the
tenant has a webhook) and to the ``actions`` table in the same transaction as the event that
caused it, behind that conversation's earlier rows, so nothing is lost and order is kept.

State that survives a restart: the dispatcher's pacing per conversation (stored with the
conversation next to the engine state) and each account's signal summary and restricted /
suspended flags (``account_states``). Guardian links (``accounts.guardian_id``, set by
``account`` events) are read with the accounts of a batch's conversations that are not in
memory (``known_guardians``), or else the first time a decision needs them, and kept per
tenant; the pipeline tells the stage about every link an event sets or removes. Ids inside
this stage are the platform's own; every tenant has its own tracker and dispatcher, so no id
can collide across tenants, and its own policy (``service.policies``: the tenant's stored
version, else the service-wide one), which sets up both.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, overload

from safeguarding.actions.dispatcher import ActionDispatcher
from safeguarding.actions.helplines import HelplineDirectory, helplines_for
from safeguarding.domain import Assessment, Message, Participant, Signal
from safeguarding.policy.accounts import AccountAlert, AccountTracker
from safeguarding.policy.ages import participant_band
from safeguarding.policy.evaluator import evaluate, may_fire
from safeguarding.policy.facts import AccountFacts, PolicyInput
from safeguarding.policy.registry import ACTIONS_AGAINST_ACCOUNT, ActionType
from safeguarding.policy.schema import Policy
from safeguarding.service.namespace import scoped, unscope_assessment, unscoped
from safeguarding.service.policies import TenantPolicies
from safeguarding.service.settings import Settings
from safeguarding.storage.records import ActionRecord, OutboxMessage, WriteBatch
from safeguarding.storage.repository import Repository

log = logging.getLogger("safeguarding.actions")

_AGAINST_ACCOUNT = frozenset(a.value for a in ACTIONS_AGAINST_ACCOUNT)
_RESTRICT = ActionType.RESTRICT_CONTACT_WITH_MINORS.value
_SUSPEND = ActionType.SUSPEND.value
_PRESERVE = ActionType.PRESERVE_EVIDENCE.value


class LazyMessages(Sequence[Message]):
    """A conversation's messages: ``tail`` (this batch's, in memory) after the earlier ones,
    which ``load`` reads (from storage or a cache) only if an action needs them.

    Iterating in reverse (the dispatcher looks for the latest message to hold) walks the
    tail first and loads the rest only if it gets that far.
    """

    def __init__(self, load: Callable[[], list[Message]], tail: Sequence[Message] = ()) -> None:
        self._load = load
        self._tail = tail
        self._items: list[Message] | None = None

    def _all(self) -> list[Message]:
        if self._items is None:
            self._items = [*self._load(), *self._tail]
        return self._items

    def __len__(self) -> int:
        return len(self._all())

    def __reversed__(self) -> Iterator[Message]:
        if self._items is not None:
            yield from reversed(self._items)
            return
        yield from reversed(self._tail)
        yield from reversed(self._all()[: len(self._all()) - len(self._tail)])

    @overload
    def __getitem__(self, i: int) -> Message: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Message]: ...
    def __getitem__(self, i: int | slice) -> Message | Sequence[Message]:
        return self._all()[i]


@dataclass(slots=True)
class _Tenant:
    tracker: AccountTracker
    dispatcher: ActionDispatcher
    absent: OrderedDict[str, None] = field(default_factory=OrderedDict)  # no saved state
    dirty: set[str] = field(default_factory=set)  # accounts changed in this batch
    # account -> linked guardian (None: none), as committed or as this batch left it
    guardians: OrderedDict[str, str | None] = field(default_factory=OrderedDict)
    relinked: set[str] = field(default_factory=set)  # guardian links set in this batch
    policy: Policy | None = None  # the tenant's policy its tracker and dispatcher follow
    shadow: bool = False  # decide and record only (the policy's flag or the service's)


@dataclass(slots=True)
class _Batch:
    tenant: str
    batch: WriteBatch
    webhooks: bool
    offender: str | None = None


class ActionStage:
    """Per-tenant account tracker and dispatcher, fed and drained by the ingest pipeline.

    Not thread-safe on its own: the pipeline calls it under its lock, one batch at a time
    (:meth:`begin` … :meth:`finish`, or :meth:`rollback` when the commit fails).
    """

    def __init__(
        self,
        repo: Repository,
        policies: TenantPolicies,
        *,
        max_conversations: int = 50_000,
    ) -> None:
        self.repo = repo
        self.policies = policies
        self.max_conversations = max_conversations
        self._helplines: dict[str, HelplineDirectory] = {}  # policy content hash -> directory
        self._tenants: dict[str, _Tenant] = {}
        self._current: _Batch | None = None
        # Several workers write the same accounts (``safeguarding worker``): read each
        # batch's accounts and guardian links afresh instead of trusting what memory holds.
        self.shared_accounts = False

    @classmethod
    def for_settings(cls, repo: Repository, settings: Settings) -> ActionStage:
        """The stage with each tenant's policy (raises ``PolicyStartError`` when the
        service-wide policy file is refused and no good one is stored)."""
        policies = TenantPolicies.start(
            repo, settings.policy, shadow=settings.shadow, refresh_s=settings.policy_refresh_s
        )
        return cls(repo, policies, max_conversations=settings.max_engine_conversations + 1)

    # --- policy --------------------------------------------------------------------------
    def _follow_policy(self, tenant: str, t: _Tenant) -> None:
        """Set a tenant's dispatcher and tracker up from its policy in force (dispatch
        settings, helplines, account-signal thresholds; their state is kept). Called inside a
        batch, under the pipeline's lock: a change (another thread, or a refresh) only swaps
        the tenant's policy in ``policies``, and the tenant takes it up here at its next
        event."""
        policy = self.policies.policy_for(tenant)
        if t.policy is policy:
            return
        helplines = self._helplines.get(policy.content_hash)
        if helplines is None:
            if len(self._helplines) >= 256:
                self._helplines.clear()
            helplines = self._helplines[policy.content_hash] = helplines_for(policy)
        t.dispatcher.settings = policy.settings
        t.dispatcher.helplines = helplines
        t.tracker.settings = policy.tracker_settings(t.tracker.settings)
        t.policy = policy
        t.shadow = self.policies.shadow_for(policy)

    # --- batch lifecycle -----------------------------------------------------------------
    def _tenant(self, tenant: str) -> _Tenant:
        t = self._tenants.get(tenant)
        if t is None:
            t = self._tenants[tenant] = _Tenant(
                AccountTracker(),
                ActionDispatcher(
                    _Sink(self),
                    recorder=self._record,
                    max_conversations=self.max_conversations,
                    max_records=0,  # recorded in storage, not in memory
                ),
            )
            self._follow_policy(tenant, t)
        return t

    def begin(
        self, tenant: str, batch: WriteBatch, webhooks: bool, accounts: Iterable[str]
    ) -> None:
        """Start a batch; loads the saved signal state of ``accounts`` not yet in memory."""
        self._current = _Batch(tenant, batch, webhooks)
        self.policies.refresh()  # versions stored by other processes, every few seconds
        t = self._tenant(tenant)
        self._follow_policy(tenant, t)
        t.dirty.clear()
        t.relinked.clear()
        # Trimmed only here, between batches: an uncommitted link must never be dropped.
        while len(t.guardians) > t.tracker.settings.max_accounts:
            t.guardians.popitem(last=False)
        if self.shared_accounts:
            accounts = list(accounts)
            for account in accounts:
                t.tracker.forget(account)
                t.absent.pop(account, None)
                t.dispatcher.set_account_flags(account, restricted=False, suspended=False)
            t.guardians.clear()
        wanted = {a for a in accounts if a not in t.tracker and a not in t.absent}
        if not wanted:
            return
        saved = self.repo.account_states(tenant, wanted)
        for account in wanted:
            data = saved.get(account)
            if data is None:
                t.absent[account] = None
                continue
            t.tracker.restore_account(account, data["tracker"])
            t.dispatcher.set_account_flags(
                account,
                restricted=bool(data.get("restricted")),
                suspended=bool(data.get("suspended")),
            )
        while len(t.absent) > t.tracker.settings.max_accounts:
            t.absent.popitem(last=False)

    def finish(self) -> None:
        """Write the signal state of every account changed in this batch into it."""
        cur = self._current
        if cur is None:
            return
        t = self._tenant(cur.tenant)
        for account in t.dirty:
            data = t.tracker.export_account(account)
            if data is None:
                continue
            cur.batch.account_states[account] = {
                "tracker": data,
                "restricted": t.dispatcher.is_restricted(account),
                "suspended": t.dispatcher.is_suspended(account),
            }
        self._current = None

    def rollback(self, tenant: str) -> None:
        """The batch was not committed: forget what it changed (reloaded when next seen)."""
        t = self._tenant(tenant)
        for account in t.dirty:
            t.tracker.forget(account)
            t.absent.pop(account, None)
            t.dispatcher.set_account_flags(account, restricted=False, suspended=False)
        for account in t.relinked:  # read back from storage when next needed
            t.guardians.pop(account, None)
        t.dirty.clear()
        t.relinked.clear()
        self._current = None

    # --- conversations -------------------------------------------------------------------
    def restore_conversation(self, tenant: str, cid: str, data: dict[str, Any] | None) -> set[str]:
        """Put back a conversation's pacing state; returns the senders already seen in it."""
        data = data or {}
        self._tenant(tenant).dispatcher.restore_state(cid, data.get("dispatch"))
        return set(data.get("spoken", ()))

    def export_conversation(self, tenant: str, cid: str, spoken: set[str]) -> dict[str, Any]:
        return {
            "dispatch": self._tenant(tenant).dispatcher.export_state(cid),
            "spoken": sorted(spoken),
        }

    def forget_conversation(self, tenant: str, cid: str) -> None:
        t = self._tenants.get(tenant)
        if t is not None:
            t.dispatcher.forget(cid)

    # --- feeding -------------------------------------------------------------------------
    def link_guardian(self, account: str, guardian: str | None) -> None:
        """``account``'s guardian link as this batch leaves it (``None``: no guardian), so
        later messages of the batch and conversations already in memory see it at once."""
        _, t = self._ctx()
        t.guardians[account] = guardian
        t.guardians.move_to_end(account)
        t.relinked.add(account)

    def known_guardians(self, links: dict[str, str | None]) -> None:
        """Stored guardian links, read with the batch's accounts (``None``: no guardian), so
        :meth:`after_message` need not query them; a link already known is kept."""
        _, t = self._ctx()
        for account, guardian in links.items():
            if account not in t.guardians:
                t.guardians[account] = guardian

    def report(self, reported: str, ts: datetime) -> None:
        """A user report against ``reported``."""
        cur, t = self._ctx()
        t.dirty.add(reported)
        self._alerts(t, t.tracker.add_report(reported, ts))

    def after_message(
        self,
        cid: str,
        sender: str,
        recipients: Sequence[str],
        text: str,
        ts: datetime,
        assessment: Assessment,
        participants: dict[str, Participant],
        spoken: set[str],
        messages: Sequence[Message],
        locale: str | None = None,
        platform: str | None = None,
    ) -> bool:
        """Feed signals, decide and dispatch for one message; True if evidence was preserved.

        ``assessment`` carries engine (tenant-scoped) ids; ``participants`` the platform's.
        """
        cur, t = self._ctx()
        local = _local_assessment(assessment, cid)
        index = local.message_index
        tracker = t.tracker
        sender_p = participants.get(sender) or Participant(sender)
        sender_band = participant_band(sender_p)
        if sender not in spoken:
            spoken.add(sender)
            t.dirty.add(sender)
            # one message to a room is not an opener repeated to several children
            opener = text if len(recipients) == 1 else None
            for r in recipients:
                self._alerts(
                    t,
                    tracker.observe_contact(
                        sender,
                        r,
                        sender_band=sender_band,
                        recipient_band=participant_band(participants.get(r)),
                        opener=opener,
                        ts=ts,
                    ),
                )
        engine_sender = scoped(cur.tenant, sender)
        now: list[Signal] = []  # this message's evidence: the tail of the (ordered) list
        for s in reversed(local.evidence):
            if s.message_index < index:
                break
            if s.message_index == index and s.sender == engine_sender:
                now.append(s)
        now.reverse()
        if any(s.kind == "adult_indicator" for s in now):
            t.dirty.add(sender)
            self._alerts(t, tracker.mark_adult_sounding(sender, ts))
        details = [
            d
            for d in (_detail(s.detail, s.excerpt) for s in now if s.kind == "contact_detail")
            if d
        ]
        if details:
            t.dirty.add(sender)
            for r in recipients:
                self._alerts(
                    t,
                    tracker.observe_contact_details(
                        sender,
                        r,
                        details,
                        recipient_band=participant_band(participants.get(r)),
                        ts=ts,
                    ),
                )
        account = tracker.facts(local.offender) if local.offender else AccountFacts()
        policy = t.policy or self.policies.policy_for(cur.tenant)
        if not may_fire(policy, local.level, account):
            # No rule can match at this level with these account facts: evaluating would
            # give an empty decision (derived from the policy in force, not hard-coded).
            return False
        facts = PolicyInput.build(
            local,
            participants.values(),
            account=account,
            guardians=self._guardians(cur.tenant, t, participants),
            latest_sender=sender,
            locale=locale,
            platform=platform,
            evidence_id=unscoped,  # evidence keeps the engine's tenant-scoped sender ids
            adult_language=tracker.adult_language,
        )
        if facts.offender is not None and facts.guardian_id == facts.offender.id:
            # A guardian who is the suspected offender must not be told: it would tip them off.
            facts = replace(facts, guardian_id=None)
        decision = evaluate(policy, facts, shadow=t.shadow)
        if decision.empty:
            return False
        offender = facts.offender.id if facts.offender else None
        cur.offender = offender
        result = t.dispatcher.dispatch(decision, facts, messages=messages, now=ts)
        cur.offender = None
        preserved = False
        for event in result.events:
            action = event["action"]
            if event["shadow"]:
                continue
            preserved = preserved or action == _PRESERVE
            if offender is not None and action in _AGAINST_ACCOUNT:
                t.dirty.add(offender)
                self._alerts(t, tracker.add_prior_action(offender, ts))
            if action in (_RESTRICT, _SUSPEND) and offender is not None:
                t.dirty.add(offender)
        return preserved

    # --- sink and recorder ---------------------------------------------------------------
    def _ctx(self) -> tuple[_Batch, _Tenant]:
        if self._current is None:
            raise RuntimeError("ActionStage used outside a batch")
        t = self._tenant(self._current.tenant)
        self._follow_policy(self._current.tenant, t)  # a change between two events of a batch
        return self._current, t

    def _guardians(self, tenant: str, t: _Tenant, accounts: Iterable[str]) -> dict[str, str]:
        """Guardian links of ``accounts``; those not yet known are read in one query (only
        once a rule may fire, so quiet conversations never pay for it)."""
        ids = list(accounts)
        missing = [a for a in ids if a not in t.guardians]
        if missing:
            found = self.repo.get_accounts(tenant, missing)
            for a in missing:
                record = found.get(a)
                t.guardians[a] = record.guardian_id if record is not None else None
        return {a: g for a in ids if (g := t.guardians[a]) is not None}

    def _alerts(self, t: _Tenant, alerts: list[AccountAlert]) -> None:
        for alert in alerts:
            t.dispatcher.account_alert(alert, shadow=t.shadow)

    def _record(self, event: dict[str, Any]) -> None:
        cur = self._current
        if cur is None:
            return
        _unscope_event(event)  # the recorder runs before the sink: both get platform ids
        cur.batch.actions.append(
            ActionRecord(
                conversation_id=event.get("conversation_id"),
                account_id=event.get("target_account") or cur.offender,
                action_type=event["action"],
                rule_ids=list(event.get("rule_ids", ())),
                event=event,
                shadow=bool(event["shadow"]),
            )
        )

    def _emit(self, event: dict[str, Any]) -> None:
        cur = self._current
        if cur is None or not cur.webhooks:
            return
        cid = event.get("conversation_id")
        key = cid if cid else f"account:{event.get('target_account')}"
        cur.batch.outbox.append(OutboxMessage(key, event["type"], event))


class _Sink:
    """The dispatcher's ``ActionSink``: the current batch's webhook outbox."""

    def __init__(self, stage: ActionStage) -> None:
        self._stage = stage

    def emit(self, event: dict[str, Any]) -> None:
        self._stage._emit(event)


def _local_assessment(a: Assessment, cid: str) -> Assessment:
    """The engine's assessment with the platform's own ids for the conversation and roles.

    Evidence keeps the engine's sender ids (copying it after every message would cost more
    than the policy); :func:`_unscope_event` strips them from what is emitted.
    """
    return replace(
        a, conversation_id=cid, offender=unscoped(a.offender), at_risk=unscoped(a.at_risk)
    )


def _unscope_event(event: dict[str, Any]) -> None:
    """Strip engine id prefixes from the assessment an ``escalate_review`` event carries."""
    payload = event.get("payload")
    if isinstance(payload, dict) and isinstance(payload.get("assessment"), dict):
        payload["assessment"] = unscope_assessment(payload["assessment"])


def _detail(detail: dict[str, Any] | None, excerpt: str | None) -> str | None:
    if detail and isinstance(detail.get("value"), str):
        return str(detail["value"])
    return excerpt
