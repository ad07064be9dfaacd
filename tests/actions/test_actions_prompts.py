"""The child's safety prompt: no bursts, the harm's own words, never to an adult-sounding
account; sextortion never warns the suspect and holds silently."""

from __future__ import annotations

from typing import Any

from conversation_builders import make_conversation

from safeguarding.actions import ActionDispatcher, InMemorySink
from safeguarding.domain import AlertLevel, Assessment, Message, Participant, Signal
from safeguarding.policy import ActionType, PolicyInput, evaluate, load_default_policy
from safeguarding.policy.facts import AccountFacts
from safeguarding.policy.schema import Settings

POLICY = load_default_policy()


def messages(n: int) -> list[Message]:
    lines = [("adult" if i % 2 == 0 else "kid", "hello there") for i in range(n)]
    return make_conversation("c1", lines, []).messages


def facts_at(
    level: AlertLevel,
    index: int,
    *,
    tactics: dict[str, list[int]] | None = None,
    harm: str | None = None,
    evidence: list[Signal] | None = None,
    reports: int = 0,
    locale: str | None = "en-GB",
    child_age: int = 14,
) -> PolicyInput:
    people = [
        Participant("adult", declared_age=None, connected=False),
        Participant("kid", declared_age=child_age, connected=False),
    ]
    a = Assessment(
        "c1",
        index,
        0.8,
        level,
        offender="adult",
        at_risk="kid",
        tactics=tactics or {},
        harm=harm,
        evidence=evidence or [],
    )
    return PolicyInput.build(
        a,
        people,
        account=AccountFacts(reports=reports),
        latest_sender="adult" if index % 2 == 0 else "kid",
        locale=locale,
    )


def dispatch(d: ActionDispatcher, facts: PolicyInput, n: int = 80) -> dict[str, dict[str, Any]]:
    result = d.dispatch(evaluate(POLICY, facts), facts, messages=messages(n))
    return {e["action"]: e for e in result.events}


def prompted(d: ActionDispatcher, level: AlertLevel, index: int, **kw: Any) -> bool:
    return "safety_prompt" in dispatch(d, facts_at(level, index, **kw))


def test_a_rise_in_level_respects_a_minimum_gap() -> None:
    d = ActionDispatcher(InMemorySink(), settings=POLICY.settings)
    gap = POLICY.settings.safety_prompt_min_messages_on_rise
    assert gap >= 2
    assert prompted(d, AlertLevel.WATCH, 2)
    assert not prompted(d, AlertLevel.ALERT, 3)  # a burst: one message later
    assert prompted(d, AlertLevel.ALERT, 2 + gap)  # the rise still prompts, after the gap
    assert not prompted(d, AlertLevel.ALERT, 2 + gap + 1)


def test_an_imminent_meeting_or_threat_prompts_at_once_but_never_the_same_prompt_twice() -> None:
    d = ActionDispatcher(InMemorySink(), settings=POLICY.settings)
    assert prompted(d, AlertLevel.WATCH, 2)
    # a meeting proposed in this message, level up: the same (general) prompt is not repeated
    assert not prompted(d, AlertLevel.URGENT, 4, tactics={"meeting": [4]})
    # a threat after a demand for images: a different prompt (sextortion), shown at once
    sextortion = {"image_request": [1], "threat": [6]}
    events = dispatch(d, facts_at(AlertLevel.URGENT, 6, tactics=sextortion))
    assert events["safety_prompt"]["payload"]["harm"] == "sextortion"
    # ...and not again a message later, whatever happens
    assert not prompted(d, AlertLevel.URGENT, 8, tactics={**sextortion, "meeting": [8]})


def test_a_harm_without_words_of_its_own_is_the_same_prompt() -> None:
    # the engine names grooming, which has no wording of its own: the general prompt again
    d = ActionDispatcher(InMemorySink(), settings=POLICY.settings)
    assert prompted(d, AlertLevel.WATCH, 2)
    assert not prompted(d, AlertLevel.URGENT, 4, harm="grooming", tactics={"meeting": [4]})


def test_a_new_harm_without_imminent_danger_waits_for_the_gap() -> None:
    d = ActionDispatcher(InMemorySink(), settings=POLICY.settings)
    gap = POLICY.settings.safety_prompt_min_messages_on_rise
    assert prompted(d, AlertLevel.ALERT, 2)
    assert not prompted(d, AlertLevel.ALERT, 3, harm="sextortion", tactics={"image_request": [1]})
    assert prompted(d, AlertLevel.ALERT, 2 + gap, harm="sextortion", tactics={"image_request": [1]})


def test_no_prompt_to_an_account_that_writes_like_an_adult() -> None:
    d = ActionDispatcher(InMemorySink(), settings=POLICY.settings)
    adult_life = [
        Signal("adult_indicator", i, "kid", 1.0, (0, 7), "my wife", "pattern") for i in (1, 3)
    ]
    facts = facts_at(AlertLevel.ALERT, 3, evidence=adult_life)
    assert facts.at_risk_adult_sounding
    result = d.dispatch(evaluate(POLICY, facts), facts, messages=messages(10))
    assert ("safety_prompt", "the account at risk writes like an adult") in result.suppressed
    assert any(e["action"] == "escalate_review" for e in result.events)  # still reviewed
    # the other account's adult life says nothing about the child
    other = [
        Signal("adult_indicator", i, "adult", 1.0, (0, 7), "my wife", "pattern") for i in (0, 2)
    ]
    assert not facts_at(AlertLevel.ALERT, 3, evidence=other).at_risk_adult_sounding
    # one message is not enough: "my mum's at work" reads as adult language too
    assert not facts_at(AlertLevel.ALERT, 3, evidence=adult_life[:1]).at_risk_adult_sounding


def test_sextortion_prompt_says_not_their_fault_with_take_down_services() -> None:
    d = ActionDispatcher(InMemorySink(), settings=POLICY.settings)
    prompt = dispatch(d, facts_at(AlertLevel.URGENT, 4, harm="sextortion", tactics={"threat": [4]}))
    payload = prompt["safety_prompt"]["payload"]
    assert "not your fault" in payload["text"]
    assert [h["id"] for h in payload["helplines"]][:2] == ["report-remove", "take-it-down"]


def test_sextortion_holds_silently_and_never_warns() -> None:
    d = ActionDispatcher(InMemorySink(), settings=POLICY.settings)
    facts = facts_at(AlertLevel.ALERT, 4, tactics={"threat": [4]}, harm="sextortion", reports=1)
    events = dispatch(d, facts)
    assert "warn" not in events and events["hold_message"]["payload"]["silent"] is True
    review = events["escalate_review"]["payload"]
    assert review["harm"] == "sextortion" and review["silent"] is True
    exploitation = dispatch(
        ActionDispatcher(InMemorySink(), settings=POLICY.settings),
        facts_at(AlertLevel.ALERT, 4, harm="criminal_exploitation"),
    )["escalate_review"]["payload"]
    assert exploitation["harm"] == "criminal_exploitation" and exploitation["silent"] is True
    # a demand for images and a threat, before the engine names the harm: no warning either
    tactics = {"image_request": [1], "threat": [4]}
    facts = facts_at(AlertLevel.ALERT, 4, tactics=tactics, reports=1)
    # even a policy that asks for a warning does not get one in sextortion
    warn = next(r for r in POLICY.rules if r.id == "reported-warning")
    only_warn = POLICY.model_copy(update={"rules": [warn]})
    decision = evaluate(only_warn, facts_at(AlertLevel.ALERT, 6, reports=1))
    assert decision.actions == (ActionType.WARN,)
    suppressed = d.dispatch(decision, facts, messages=messages(10)).suppressed
    assert ("warn", "no warning in sextortion: it would tip the suspect off") in suppressed
    # outside sextortion a hold is not silent
    grooming = {"meeting": [6], "risk_assessment": [2], "isolation_secrecy": [4]}
    held = dispatch(d, facts_at(AlertLevel.URGENT, 6, tactics=grooming))["hold_message"]
    assert held["payload"]["silent"] is False


def test_unknown_locale_signposts_the_configured_default_never_the_uks() -> None:
    unset = ActionDispatcher(InMemorySink(), settings=POLICY.settings)
    assert POLICY.settings.default_locale is None
    payload = dispatch(unset, facts_at(AlertLevel.ALERT, 4, locale="xx-ZZ"))["safety_prompt"]
    assert payload["payload"]["services_locale"] == "default"
    for locale in ("xx-ZZ", None):
        configured = ActionDispatcher(InMemorySink(), settings=Settings(default_locale="en-US"))
        payload = dispatch(configured, facts_at(AlertLevel.ALERT, 4, locale=locale))
        assert payload["safety_prompt"]["payload"]["services_locale"] == "en-US"


def test_prompt_pacing_survives_a_restart() -> None:
    d = ActionDispatcher(InMemorySink(), settings=POLICY.settings)
    sextortion = {"image_request": [1], "threat": [2]}
    assert prompted(d, AlertLevel.URGENT, 2, tactics=sextortion)
    state = d.export_state("c1")
    assert state is not None and state["last_prompt_key"]
    restored = ActionDispatcher(InMemorySink(), settings=POLICY.settings)
    restored.restore_state("c1", state)
    assert not prompted(restored, AlertLevel.URGENT, 3, tactics={**sextortion, "threat": [3]})
