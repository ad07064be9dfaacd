from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from safeguarding.actions import ActionDispatcher, InMemorySink, verify_snapshot
from safeguarding.domain import AlertLevel, Assessment, Message, Participant
from safeguarding.policy import (
    AccountFacts,
    AccountTracker,
    Decision,
    PolicyInput,
    evaluate,
    load_default_policy,
)

POLICY = load_default_policy()
T0 = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
TEXTS = ["hi", "how old r u", "12", "ur mature for ur age", "dont tell ur mum about me"]


def conversation(n: int, minutes_apart: float = 1.0) -> list[Message]:
    return [
        Message(
            "c1",
            "adult" if i % 2 == 0 else "kid",
            TEXTS[i % len(TEXTS)],
            ts=T0 + timedelta(minutes=i * minutes_apart),
            index=i,
            message_id=f"m{i}",
        )
        for i in range(n)
    ]


def step(
    level: AlertLevel,
    index: int,
    *,
    tactics: dict[str, list[int]] | None = None,
    guardian: str | None = None,
    account: AccountFacts | None = None,
    sender: str | None = None,
) -> tuple[Decision, PolicyInput]:
    people = [
        Participant("adult", declared_age=35, connected=False),
        Participant("kid", declared_age=12, connected=False),
    ]
    a = Assessment("c1", index, 0.8, level, offender="adult", at_risk="kid", tactics=tactics or {})
    facts = PolicyInput.build(
        a,
        people,
        account=account,
        guardians={"kid": guardian} if guardian else None,
        latest_sender=sender or ("adult" if index % 2 == 0 else "kid"),
        locale="en-GB",
    )
    return evaluate(POLICY, facts), facts


def run(
    dispatcher: ActionDispatcher,
    messages: list[Message],
    level: AlertLevel,
    index: int,
    **kw: Any,
) -> list[str]:
    decision, facts = step(level, index, **kw)
    return [e["action"] for e in dispatcher.dispatch(decision, facts, messages=messages).events]


def test_safety_prompt_cooldown_and_level_rise() -> None:
    sink = InMemorySink()
    dispatcher = ActionDispatcher(sink, settings=POLICY.settings)
    msgs = conversation(60)
    assert run(dispatcher, msgs, AlertLevel.WATCH, 2) == ["safety_prompt"]
    assert run(dispatcher, msgs, AlertLevel.WATCH, 3) == []  # not spammed
    assert run(dispatcher, msgs, AlertLevel.WATCH, 20) == []  # 18 messages but 18 minutes
    # a rise to alert is a new moment: prompt again, escalate once
    assert run(dispatcher, msgs, AlertLevel.ALERT, 21) == [
        "escalate_review",
        "preserve_evidence",
        "safety_prompt",
    ]
    assert run(dispatcher, msgs, AlertLevel.ALERT, 22) == []
    prompts = sink.of_type("safety_prompt")
    assert len(prompts) == 2
    assert prompts[0]["target_account"] == "kid" and prompts[0]["target_role"] == "child"
    assert "Childline" in {h["name"] for h in prompts[0]["payload"]["helplines"]}


def test_prompt_after_cooldown_and_cap() -> None:
    dispatcher = ActionDispatcher(InMemorySink(), settings=POLICY.settings)
    msgs = conversation(200, minutes_apart=10)
    shown = [i for i in range(0, 200, 2) if run(dispatcher, msgs, AlertLevel.WATCH, i)]
    cap = POLICY.settings.safety_prompts_per_conversation
    assert len(shown) == cap
    assert all(
        b - a >= POLICY.settings.safety_prompt_min_messages_between for a, b in pairwise(shown)
    )


def test_escalation_once_per_level_with_priority() -> None:
    sink = InMemorySink()
    dispatcher = ActionDispatcher(sink, settings=POLICY.settings)
    msgs = conversation(10)
    run(dispatcher, msgs, AlertLevel.ALERT, 4)
    run(dispatcher, msgs, AlertLevel.ALERT, 5)
    run(dispatcher, msgs, AlertLevel.URGENT, 6, tactics={"meeting": [6]})
    escalations = sink.of_type("escalate_review")
    assert [e["level"] for e in escalations] == ["alert", "urgent"]
    assert escalations[1]["payload"]["priority"]["band"] == "P1"
    assert escalations[1]["policy"]["hash"] == POLICY.content_hash


def test_evidence_is_frozen_up_to_the_decision_and_verifiable() -> None:
    sink = InMemorySink()
    dispatcher = ActionDispatcher(sink, settings=POLICY.settings)
    msgs = conversation(12)
    run(dispatcher, msgs, AlertLevel.ALERT, 7)
    (event,) = sink.of_type("preserve_evidence")
    snapshot = event["payload"]
    assert snapshot["message_count"] == 8  # never later messages
    assert verify_snapshot(snapshot)
    json.dumps(list(sink.events))  # every event is JSON-serialisable


def test_hold_only_targets_a_message_from_the_offender() -> None:
    dispatcher = ActionDispatcher(InMemorySink(), settings=POLICY.settings)
    msgs = conversation(12)
    tactics = {"rapport": [0], "isolation_secrecy": [4], "meeting": [8]}
    decision, facts = step(AlertLevel.URGENT, 9, tactics=tactics, sender="kid")
    result = dispatcher.dispatch(decision, facts, messages=msgs)
    assert "hold_message" in [a for a, _ in result.suppressed]
    decision, facts = step(AlertLevel.URGENT, 10, tactics=tactics, sender="adult")
    held = [
        e
        for e in dispatcher.dispatch(decision, facts, messages=msgs).events
        if e["action"] == "hold_message"
    ]
    assert held[0]["payload"]["message_id"] == "m10" and held[0]["target_account"] == "adult"


def test_guardian_notice_has_no_message_text() -> None:
    sink = InMemorySink()
    dispatcher = ActionDispatcher(sink, settings=POLICY.settings)
    msgs = conversation(6)
    run(dispatcher, msgs, AlertLevel.ALERT, 5, guardian="parent-9")
    (notice,) = sink.of_type("notify_guardian")
    assert notice["target_account"] == "parent-9"
    blob = json.dumps(notice["payload"])
    assert all(text not in blob for text in TEXTS if len(text) > 2)
    assert '"adult"' not in blob  # nor the other account's identity
    # the UK's NSPCC helpline for the adult, not the child's Childline
    assert "0808 800 5000" in {h["contact"] for h in notice["payload"]["helplines"]}


def test_restriction_once_per_account_across_conversations() -> None:
    sink = InMemorySink()
    dispatcher = ActionDispatcher(sink, settings=POLICY.settings)
    pattern = AccountFacts(signals=frozenset({"many_children_contacted"}))
    run(dispatcher, conversation(6), AlertLevel.ALERT, 4, account=pattern)
    run(dispatcher, conversation(6), AlertLevel.URGENT, 5, account=pattern)
    assert len(sink.of_type("restrict_contact_with_minors")) == 1
    assert dispatcher.is_restricted("adult")


def test_shadow_mode_records_but_does_not_act() -> None:
    sink = InMemorySink()
    records: list[dict[str, object]] = []
    dispatcher = ActionDispatcher(sink, settings=POLICY.settings, recorder=records.append)
    decision, facts = step(AlertLevel.ALERT, 4)
    shadow = replace(decision, shadow=True)
    result = dispatcher.dispatch(shadow, facts, messages=conversation(6))
    assert result.events and not sink.events
    assert len(records) == len(result.events) and all(r["shadow"] for r in records)


def test_account_alerts_become_team_events() -> None:
    sink = InMemorySink()
    dispatcher = ActionDispatcher(sink)
    tracker = AccountTracker()
    alerts = tracker.add_report("acct-7", T0)
    event = dispatcher.account_alert(alerts[0])
    assert event["type"] == "account.alert" and event["signal"] == "reported"
    assert list(sink.events) == [event]
    dispatcher.account_alert(alerts[0], shadow=True)
    assert len(sink.events) == 1 and len(dispatcher.records) == 2
