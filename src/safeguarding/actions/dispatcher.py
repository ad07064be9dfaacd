"""Carry out policy decisions: pace them, record them, emit each as an outbox event.

The policy says what is warranted at this moment; the dispatcher makes sure the platform is
not flooded with repeats: the child's safety prompt has a cool-down (time and messages) and a
per-conversation cap; a rise in level or a new harm may prompt again, but not in a burst (a
minimum gap unless a meeting or threat is imminent, never the same prompt twice within it),
and never to an account that writes like an adult (a misread role would prompt the suspect);
escalation and evidence are sent once per level; a warning once per conversation, and never in
sextortion or criminal exploitation (it would tip the suspect off; holds and restrictions
there are marked silent); a restriction
or suspension once per account; a hold only for a message the suspected offender sent. In
shadow mode everything is decided and recorded exactly the same, but nothing reaches the sink.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from safeguarding.actions.evidence import freeze_conversation
from safeguarding.actions.helplines import (
    HelplineDirectory,
    guardian_helplines,
    load_helplines,
    safety_prompt,
)
from safeguarding.actions.priority import review_priority
from safeguarding.actions.sinks import ActionSink, NullSink
from safeguarding.domain import AlertLevel, Message
from safeguarding.policy.accounts import AccountAlert
from safeguarding.policy.evaluator import Decision
from safeguarding.policy.facts import PolicyInput
from safeguarding.policy.registry import ACTION_TARGET, ActionTarget, ActionType
from safeguarding.policy.schema import Settings

log = logging.getLogger(__name__)

SEXTORTION = "sextortion"
IMMINENT_TACTICS = ("meeting", "threat")

GUARDIAN_TEXT = (
    "Our safety systems noticed a conversation on your child's account that may need your "
    "support. Please talk with them calmly; they have done nothing wrong. Message content is "
    "not shared."
)
WARNING_TEXT = (
    "Your messages to a young person have been flagged for review under our child safety "
    "rules. Contact with minors is monitored; further breaches can lead to restrictions or "
    "suspension."
)


@dataclass(slots=True)
class _ConversationState:
    prompts: int = 0
    last_prompt_index: int | None = None
    last_prompt_at: datetime | None = None
    last_prompt_level: AlertLevel = AlertLevel.NONE
    last_prompt_key: str | None = None  # which prompt (a digest of its wording)
    escalated_levels: set[AlertLevel] = field(default_factory=set)
    preserved_levels: set[AlertLevel] = field(default_factory=set)
    warned: set[str] = field(default_factory=set)
    held: set[int] = field(default_factory=set)
    guardian_notified: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class DispatchResult:
    events: tuple[dict[str, Any], ...]
    suppressed: tuple[tuple[str, str], ...]  # (action, why not now)


class ActionDispatcher:
    def __init__(
        self,
        sink: ActionSink | None = None,
        *,
        settings: Settings | None = None,
        helplines: HelplineDirectory | None = None,
        recorder: Callable[[dict[str, Any]], None] | None = None,
        max_conversations: int = 50_000,
        max_records: int = 10_000,
        include_text_in_evidence: bool = True,
    ):
        self.sink: ActionSink = sink or NullSink()
        self.settings = settings or Settings()
        self.helplines = helplines
        self.recorder = recorder
        self.records: deque[dict[str, Any]] = deque(maxlen=max_records)
        self.include_text_in_evidence = include_text_in_evidence
        self._conversations: OrderedDict[str, _ConversationState] = OrderedDict()
        self._max_conversations = max_conversations
        self._restricted: set[str] = set()
        self._suspended: set[str] = set()

    # --- public --------------------------------------------------------------------------

    def dispatch(
        self,
        decision: Decision,
        facts: PolicyInput,
        *,
        messages: Sequence[Message] = (),
        now: datetime | None = None,
    ) -> DispatchResult:
        """Turn one decision into events; returns what was emitted and what was held back."""
        now = now or _message_time(messages, decision.message_index) or datetime.now(UTC)
        state = self._state(decision.conversation_id)
        events: list[dict[str, Any]] = []
        suppressed: list[tuple[str, str]] = []
        for action in decision.actions:
            why_not = self._gate(action, decision, facts, state, now)
            if why_not:
                suppressed.append((action.value, why_not))
                continue
            event = self._event(action, decision, facts, messages, now)
            events.append(event)
            self.records.append(event)
            if self.recorder:
                self.recorder(event)
            if decision.shadow:
                log.info("shadow: would %s in %s", action.value, decision.conversation_id)
            else:
                self.sink.emit(event)
        return DispatchResult(tuple(events), tuple(suppressed))

    def account_alert(self, alert: AccountAlert, *, shadow: bool = False) -> dict[str, Any]:
        """Emit an account-level alert (a threshold first crossed) for the review team."""
        event = {
            "event_id": uuid.uuid4().hex,
            "type": "account.alert",
            "action": "account_alert",
            "target_role": ActionTarget.TEAM.value,
            "target_account": alert.account_id,
            "signal": alert.signal.value,
            "value": alert.value,
            "reasons": [alert.detail],
            "shadow": shadow,
            "created_at": alert.at.isoformat(),
            "payload": {"account": alert.account_id, "signal": alert.signal.value},
        }
        self.records.append(event)
        if self.recorder:
            self.recorder(event)
        if not shadow:
            self.sink.emit(event)
        return event

    def forget(self, conversation_id: str) -> None:
        self._conversations.pop(conversation_id, None)

    def export_state(self, conversation_id: str) -> dict[str, Any] | None:
        """The pacing state of one conversation as JSON (``None`` if it has none yet)."""
        st = self._conversations.get(conversation_id)
        if st is None:
            return None
        return {
            "prompts": st.prompts,
            "last_prompt_index": st.last_prompt_index,
            "last_prompt_at": st.last_prompt_at.isoformat() if st.last_prompt_at else None,
            "last_prompt_level": int(st.last_prompt_level),
            "last_prompt_key": st.last_prompt_key,
            "escalated_levels": sorted(int(x) for x in st.escalated_levels),
            "preserved_levels": sorted(int(x) for x in st.preserved_levels),
            "warned": sorted(st.warned),
            "held": sorted(st.held),
            "guardian_notified": sorted(st.guardian_notified),
        }

    def restore_state(self, conversation_id: str, data: dict[str, Any] | None) -> None:
        """Put back what :meth:`export_state` returned, e.g. after a restart."""
        if not data:
            self._conversations.pop(conversation_id, None)
            return
        at = data.get("last_prompt_at")
        st = self._state(conversation_id)
        st.prompts = int(data.get("prompts", 0))
        st.last_prompt_index = data.get("last_prompt_index")
        st.last_prompt_at = datetime.fromisoformat(at) if at else None
        st.last_prompt_level = AlertLevel(int(data.get("last_prompt_level", 0)))
        st.last_prompt_key = data.get("last_prompt_key")
        st.escalated_levels = {AlertLevel(x) for x in data.get("escalated_levels", ())}
        st.preserved_levels = {AlertLevel(x) for x in data.get("preserved_levels", ())}
        st.warned = set(data.get("warned", ()))
        st.held = {int(x) for x in data.get("held", ())}
        st.guardian_notified = set(data.get("guardian_notified", ()))

    def set_account_flags(self, account: str, *, restricted: bool, suspended: bool) -> None:
        """Restore whether an account was already restricted / suspended (once per account)."""
        for flag, known in ((restricted, self._restricted), (suspended, self._suspended)):
            if flag:
                known.add(account)
            else:
                known.discard(account)

    def is_restricted(self, account: str) -> bool:
        return account in self._restricted

    def is_suspended(self, account: str) -> bool:
        return account in self._suspended

    # --- pacing --------------------------------------------------------------------------

    def _state(self, cid: str) -> _ConversationState:
        state = self._conversations.get(cid)
        if state is None:
            state = self._conversations[cid] = _ConversationState()
            while len(self._conversations) > self._max_conversations:
                self._conversations.popitem(last=False)
        else:
            self._conversations.move_to_end(cid)
        return state

    def _gate(
        self,
        action: ActionType,
        decision: Decision,
        facts: PolicyInput,
        state: _ConversationState,
        now: datetime,
    ) -> str | None:
        """``None`` to act, else the reason the action is not repeated now (state updated)."""
        level, index = decision.level, decision.message_index
        offender = facts.offender.id if facts.offender else None
        target = ACTION_TARGET[action]
        if target is ActionTarget.OFFENDER and offender is None:
            return "no suspected offender identified"
        if target is ActionTarget.CHILD and facts.at_risk is None:
            return "no child identified"
        match action:
            case ActionType.SAFETY_PROMPT:
                return self._gate_prompt(state, facts, level, index, now)
            case ActionType.ESCALATE_REVIEW:
                return _once(state.escalated_levels, level, f"already escalated at {level.label}")
            case ActionType.PRESERVE_EVIDENCE:
                return _once(state.preserved_levels, level, f"already preserved at {level.label}")
            case ActionType.NOTIFY_GUARDIAN:
                if facts.guardian_id is None:
                    return "no guardian linked"
                return _once(state.guardian_notified, facts.guardian_id, "guardian already told")
            case ActionType.WARN:
                if facts.sextortion_suspected:
                    return "no warning in sextortion: it would tip the suspect off"
                if facts.exploitation_suspected:
                    return "no warning in criminal exploitation: it would tip the suspect off"
                return _once(state.warned, offender, "already warned in this conversation")
            case ActionType.HOLD_MESSAGE:
                if facts.latest_sender != offender:
                    return "latest message is not from the suspected offender"
                return _once(state.held, index, "message already held")
            case ActionType.RESTRICT_CONTACT_WITH_MINORS:
                return _once(self._restricted, offender, "account already restricted")
            case ActionType.SUSPEND:
                return _once(self._suspended, offender, "account already suspended")
        return None

    def _gate_prompt(
        self,
        state: _ConversationState,
        facts: PolicyInput,
        level: AlertLevel,
        index: int,
        now: datetime,
    ) -> str | None:
        s = self.settings
        if facts.at_risk_adult_sounding:
            return "the account at risk writes like an adult"
        if state.prompts >= s.safety_prompts_per_conversation:
            return "safety prompt cap reached for this conversation"
        key = self._prompt_key(facts)
        last = state.last_prompt_index
        if last is not None:
            gap = index - last
            new_moment = level > state.last_prompt_level or key != state.last_prompt_key
            if not new_moment:
                if gap < s.safety_prompt_min_messages_between:
                    return "safety prompt shown recently (messages)"
                if state.last_prompt_at and now - state.last_prompt_at < timedelta(
                    minutes=s.safety_prompt_cooldown_minutes
                ):
                    return "safety prompt shown recently (time)"
            elif gap < s.safety_prompt_min_messages_on_rise:
                if key == state.last_prompt_key:
                    return "the same safety prompt was shown a few messages ago"
                if not _imminent(facts, index):
                    return "safety prompt shown a few messages ago (no imminent meeting or threat)"
        state.prompts += 1
        state.last_prompt_index = index
        state.last_prompt_at = now
        state.last_prompt_level = max(level, state.last_prompt_level)
        state.last_prompt_key = key
        return None

    def _prompt_key(self, facts: PolicyInput) -> str:
        """Which prompt the child would see, as a digest of its wording: a harm without words
        of its own (or a rename) shows the same prompt, and is paced as one."""
        directory = self.helplines or load_helplines()
        _, text = directory.wording_for(
            facts.locale,
            facts.at_risk_band,
            harm=_acted_harm(facts),
            fallback=self.settings.default_locale,
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    # --- events --------------------------------------------------------------------------

    def _event(
        self,
        action: ActionType,
        decision: Decision,
        facts: PolicyInput,
        messages: Sequence[Message],
        now: datetime,
    ) -> dict[str, Any]:
        target_role = ACTION_TARGET[action]
        offender = facts.offender.id if facts.offender else None
        child = facts.at_risk.id if facts.at_risk else None
        target_account = {
            ActionTarget.CHILD: child,
            ActionTarget.OFFENDER: offender,
            ActionTarget.TEAM: None,
            ActionTarget.GUARDIAN: facts.guardian_id,
        }[target_role]
        return {
            "event_id": uuid.uuid4().hex,
            "type": f"action.{action.value}",
            "action": action.value,
            "target_role": target_role.value,
            "target_account": target_account,
            "conversation_id": decision.conversation_id,
            "message_index": decision.message_index,
            "level": decision.level.label,
            "harm": _acted_harm(facts),
            "risk": round(facts.assessment.risk, 4),
            "rule_ids": list(decision.rule_ids),
            "reasons": list(decision.reasons),
            "policy": {"version": decision.policy_version, "hash": decision.policy_hash},
            "shadow": decision.shadow,
            "created_at": now.isoformat(),
            "payload": self._payload(action, decision, facts, messages, now),
        }

    def _payload(
        self,
        action: ActionType,
        decision: Decision,
        facts: PolicyInput,
        messages: Sequence[Message],
        now: datetime,
    ) -> dict[str, Any]:
        offender = facts.offender.id if facts.offender else None
        match action:
            case ActionType.SAFETY_PROMPT:
                return safety_prompt(
                    facts.locale,
                    facts.at_risk_band,
                    self.helplines,
                    harm=_acted_harm(facts),
                    fallback=self.settings.default_locale,
                )
            case ActionType.WARN:
                return {"account": offender, "text": WARNING_TEXT}
            case ActionType.HOLD_MESSAGE:
                held = _message_at(messages, decision.message_index)
                return {
                    "account": offender,
                    "message_index": decision.message_index,
                    "message_id": held.message_id if held else None,
                    "release_requires_review": True,
                    # sextortion, exploitation: do not tell the sender; a visible hold tips
                    # them off
                    "silent": facts.tip_off_risk,
                }
            case ActionType.RESTRICT_CONTACT_WITH_MINORS:
                return {
                    "account": offender,
                    "scope": "new_contact_with_minors",
                    "review": True,
                    "silent": facts.tip_off_risk,
                }
            case ActionType.SUSPEND:
                return {"account": offender, "pending_review": True}
            case ActionType.ESCALATE_REVIEW:
                return {
                    "priority": review_priority(facts).to_dict(),
                    "offender": offender,
                    "at_risk": facts.at_risk.id if facts.at_risk else None,
                    "child_age_band": facts.at_risk_band.value,
                    "account_signals": sorted(facts.account.signals),
                    "harm": _acted_harm(facts),
                    # sextortion, exploitation: do not contact or warn the suspect (tip-off)
                    "silent": facts.tip_off_risk,
                    "assessment": facts.assessment.to_dict(),
                }
            case ActionType.PRESERVE_EVIDENCE:
                snapshot = freeze_conversation(
                    decision.conversation_id, messages, upto=decision.message_index, now=now
                )
                if not self.include_text_in_evidence:
                    for item in snapshot["messages"]:
                        item.pop("text")
                return snapshot
            case ActionType.NOTIFY_GUARDIAN:
                # Deliberately no message text, excerpts or the other account's identity.
                return {
                    "guardian_account": facts.guardian_id,
                    "child_account": facts.at_risk.id if facts.at_risk else None,
                    "concern": "online_safety",
                    "text": GUARDIAN_TEXT,
                    "helplines": guardian_helplines(
                        facts.locale, self.helplines, self.settings.default_locale
                    )["helplines"],
                }
        return {}


def _acted_harm(facts: PolicyInput) -> str | None:
    """The harm the actions treat the conversation as: sextortion when suspected, else the
    engine's (the prompt's words, the reviewer's handling)."""
    return SEXTORTION if facts.sextortion_suspected else facts.harm


def _imminent(facts: PolicyInput, index: int) -> bool:
    """A meeting or threat in this message or the one before: help cannot wait for a gap."""
    tactics = facts.assessment.tactics
    return any(i >= index - 1 for t in IMMINENT_TACTICS for i in tactics.get(t, ()))


def _once(seen: set[Any], key: Any, why: str) -> str | None:
    if key in seen:
        return why
    seen.add(key)
    return None


def _message_at(messages: Sequence[Message], index: int) -> Message | None:
    for m in reversed(messages):
        if m.index == index:
            return m
    return messages[index] if 0 <= index < len(messages) else None


def _message_time(messages: Sequence[Message], index: int) -> datetime | None:
    m = _message_at(messages, index)
    if m is None or m.ts is None:
        return None
    return m.ts if m.ts.tzinfo else m.ts.replace(tzinfo=UTC)
