"""Backtest: what would this policy have done on these conversations, and when?

Each conversation is streamed message by message through the engine; after every message the
policy is applied to the assessment so far (never to later messages), exactly as in
production. Actions can be paced by a dispatcher passed as ``dispatch`` (the CLI passes the
actions stage's); without one, an action counts once per conversation at the first message
the policy asked for it.

Participant ids in corpora are usually local to a conversation ("a", "b"), so by default
account signals are keyed per conversation; ``global_accounts=True`` keys them by id.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any, Protocol

from safeguarding.domain import Assessment, Conversation, Message, Participant
from safeguarding.policy.accounts import AccountTracker
from safeguarding.policy.ages import participant_band
from safeguarding.policy.evaluator import Decision, evaluate
from safeguarding.policy.facts import PolicyInput
from safeguarding.policy.registry import ACTIONS_AGAINST_ACCOUNT, ActionType
from safeguarding.policy.schema import Policy

SEVERE_TACTICS = frozenset({"meeting", "threat"})
#: Two safety prompts to one child within this many messages count as a burst.
PROMPT_BURST_MESSAGES = 3

#: Called with each decision; returns the names of the actions actually carried out.
Dispatch = Callable[[Decision, PolicyInput, Sequence[Message]], Sequence[str]]


class StreamingEngine(Protocol):
    def open_conversation(
        self,
        conversation_id: str,
        participants: Iterable[Participant] = (),
        platform: str | None = None,
        locale: str | None = None,
    ) -> None: ...

    def process(self, message: Message) -> Assessment: ...

    def forget(self, conversation_id: str) -> None: ...


@dataclass(slots=True)
class ConversationOutcome:
    id: str
    messages: int
    label: str | None
    category: str | None
    first_alert_index: int | None  # ground truth (moderator), when the corpus has it
    engine_first_alert: int | None
    severe_truth: bool  # meeting / threat in the ground-truth tactics, or sextortion
    severe_assessed: bool  # meeting / threat in the engine's final assessment
    final_level: str
    first_index: dict[str, int] = field(default_factory=dict)  # action -> first message index
    prompt_indices: list[int] = field(default_factory=list)  # every safety prompt's message
    events: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)

    @property
    def escalated_at(self) -> int | None:
        return self.first_index.get(ActionType.ESCALATE_REVIEW.value)

    @property
    def actions_against_account(self) -> list[str]:
        return sorted(a for a in self.first_index if ActionType(a) in ACTIONS_AGAINST_ACCOUNT)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "messages": self.messages,
            "label": self.label,
            "category": self.category,
            "first_alert_index": self.first_alert_index,
            "engine_first_alert": self.engine_first_alert,
            "severe_truth": self.severe_truth,
            "severe_assessed": self.severe_assessed,
            "final_level": self.final_level,
            "first_index": self.first_index,
            "prompt_indices": self.prompt_indices,
            "events": dict(self.events),
            "rules": dict(self.rules),
        }


@dataclass(slots=True)
class BacktestReport:
    policy: str
    shadow: bool
    conversations: list[ConversationOutcome]

    def action_counts(self) -> dict[str, dict[str, Any]]:
        """Per action: events emitted, conversations touched, which ones, how early."""
        out: dict[str, dict[str, Any]] = {}
        for action in ActionType:
            name = action.value
            touched = [c for c in self.conversations if name in c.first_index]
            deltas = [
                c.first_index[name] - c.first_alert_index
                for c in touched
                if c.first_alert_index is not None
            ]
            out[name] = {
                "events": sum(c.events[name] for c in self.conversations),
                "conversations": len(touched),
                "conversation_ids": [c.id for c in touched],
                "median_index_minus_moderator": statistics.median(deltas) if deltas else None,
            }
        return out

    def measures(self) -> dict[str, Any]:
        """The issue's acceptance measures, where the corpus is labelled."""
        grooming = [c for c in self.conversations if c.label == "grooming"]
        benign = [c for c in self.conversations if c.label == "benign"]
        severe = [c for c in grooming if c.severe_truth]
        missed = [c.id for c in grooming if c.escalated_at is None]
        late = [
            {"id": c.id, "escalated_at": c.escalated_at, "moderator": c.first_alert_index}
            for c in severe
            if c.escalated_at is None
            or (c.first_alert_index is not None and c.escalated_at > c.first_alert_index)
        ]
        severe_assessed = [c for c in grooming if c.severe_assessed]
        late_assessed = [
            c.id
            for c in severe_assessed
            if c.escalated_at is None
            or (c.first_alert_index is not None and c.escalated_at > c.first_alert_index)
        ]
        deltas = [
            c.escalated_at - c.first_alert_index
            for c in grooming
            if c.escalated_at is not None and c.first_alert_index is not None
        ]
        acted = {c.id: c.actions_against_account for c in benign if c.actions_against_account}
        gaps = [b - a for c in self.conversations for a, b in pairwise(c.prompt_indices)]
        exploitation = [c for c in self.conversations if c.label == "criminal_exploitation"]
        return {
            "criminal_exploitation": len(exploitation),
            "criminal_exploitation_escalated": sum(
                c.escalated_at is not None for c in exploitation
            ),
            "criminal_exploitation_not_escalated": [
                c.id for c in exploitation if c.escalated_at is None
            ],
            "grooming": len(grooming),
            "grooming_escalated": len(grooming) - len(missed),
            "grooming_not_escalated": missed,
            "severe_truth": len(severe),
            "severe_truth_on_time": len(severe) - len(late),
            "severe_truth_late": late,
            "severe_assessed": len(severe_assessed),
            "severe_assessed_on_time": len(severe_assessed) - len(late_assessed),
            "severe_assessed_late": late_assessed,
            "median_escalation_minus_moderator": statistics.median(deltas) if deltas else None,
            "benign": len(benign),
            "benign_escalated": sum(1 for c in benign if c.escalated_at is not None),
            "benign_with_actions_against_account": len(acted),
            "benign_actions_against_account": acted,
            "safety_prompts": sum(len(c.prompt_indices) for c in self.conversations),
            "safety_prompt_bursts": sum(1 for g in gaps if g <= PROMPT_BURST_MESSAGES),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "shadow": self.shadow,
            "conversations": len(self.conversations),
            "actions": self.action_counts(),
            "measures": self.measures(),
            "per_conversation": [c.to_dict() for c in self.conversations],
        }


def default_engine(model: str | Path | None = None) -> StreamingEngine:
    """The bundled engine, or the bundled detectors with a candidate model file."""
    from safeguarding.risk.engine import Engine

    if model is None:
        return Engine.default()
    from safeguarding.risk.model import RiskModel
    from safeguarding.signals.extract import MessageAnalyser

    return Engine(RiskModel.load(model), MessageAnalyser.default())


def backtest(
    policy: Policy,
    conversations: Iterable[Conversation],
    *,
    engine: StreamingEngine | None = None,
    shadow: bool = False,
    dispatch: Dispatch | None = None,
    tracker: AccountTracker | None = None,
    global_accounts: bool = False,
) -> BacktestReport:
    engine = engine or default_engine()
    tracker = tracker or AccountTracker(policy.tracker_settings())
    outcomes = [
        _run_one(policy, conv, engine, shadow, dispatch, tracker, global_accounts)
        for conv in conversations
    ]
    return BacktestReport(policy.label, shadow, outcomes)


def _run_one(
    policy: Policy,
    conv: Conversation,
    engine: StreamingEngine,
    shadow: bool,
    dispatch: Dispatch | None,
    tracker: AccountTracker,
    global_accounts: bool,
) -> ConversationOutcome:
    def key(pid: str) -> str:
        return pid if global_accounts else f"{conv.id}/{pid}"

    engine.forget(conv.id)
    engine.open_conversation(conv.id, conv.participants, conv.platform, conv.locale)
    participants = {p.id: p for p in conv.participants}
    outcome = ConversationOutcome(
        id=conv.id,
        messages=len(conv.messages),
        label=conv.label,
        category=conv.category,
        first_alert_index=conv.first_alert_index,
        engine_first_alert=None,
        severe_truth=conv.category == "sextortion"
        or any(t.tactic in SEVERE_TACTICS for t in conv.tactics),
        severe_assessed=False,
        final_level="none",
    )
    spoken: set[str] = set()
    assessment: Assessment | None = None
    for i, message in enumerate(conv.messages):
        assessment = engine.process(message)
        for pid in (message.sender, *message.recipients):
            participants.setdefault(pid, Participant(pid))
        _feed_tracker(tracker, key, message, i, assessment, participants, spoken)
        facts = PolicyInput.build(
            assessment,
            participants.values(),
            account=tracker.facts(key(assessment.offender)) if assessment.offender else None,
            latest_sender=message.sender,
            locale=conv.locale,
            platform=conv.platform,
            adult_language=lambda pid: tracker.adult_language(key(pid)),
        )
        decision = evaluate(policy, facts, shadow=shadow)
        if decision.empty:
            continue
        outcome.rules.update(decision.rule_ids)
        done = (
            dispatch(decision, facts, conv.messages)
            if dispatch
            else [a.value for a in decision.actions if a.value not in outcome.first_index]
        )
        for name in done:
            outcome.events[name] += 1
            outcome.first_index.setdefault(name, i)
            if name == ActionType.SAFETY_PROMPT.value:
                outcome.prompt_indices.append(i)
    engine.forget(conv.id)
    if assessment is not None:
        outcome.engine_first_alert = assessment.first_alert_index
        outcome.final_level = assessment.level.label
        outcome.severe_assessed = any(assessment.tactics.get(t) for t in SEVERE_TACTICS)
    return outcome


def _feed_tracker(
    tracker: AccountTracker,
    key: Callable[[str], str],
    message: Message,
    index: int,
    assessment: Assessment,
    participants: dict[str, Participant],
    spoken: set[str],
) -> None:
    sender = participants[message.sender]
    recipients = [p for pid, p in participants.items() if pid != message.sender]
    if message.sender not in spoken:
        spoken.add(message.sender)
        # one message to a room is not an opener repeated to several children
        opener = message.text if len(recipients) == 1 else None
        for r in recipients:
            tracker.observe_contact(
                key(sender.id),
                key(r.id),
                sender_band=participant_band(sender),
                recipient_band=participant_band(r),
                opener=opener,
                ts=message.ts,
            )
    now = [s for s in assessment.evidence if s.message_index == index and s.sender == sender.id]
    if any(s.kind == "adult_indicator" for s in now):
        tracker.mark_adult_sounding(key(sender.id), message.ts)
    values = (_detail_value(s.detail, s.excerpt) for s in now if s.kind == "contact_detail")
    details = [d for d in values if d]
    if details:
        for r in recipients:
            tracker.observe_contact_details(
                key(sender.id),
                key(r.id),
                details,
                recipient_band=participant_band(r),
                ts=message.ts,
            )


def _detail_value(detail: dict[str, Any] | None, excerpt: str | None) -> str | None:
    if detail and isinstance(detail.get("value"), str):
        return str(detail["value"])
    return excerpt
