from __future__ import annotations

from collections.abc import Callable

import pytest

from safeguarding.domain import AlertLevel, Assessment, Participant
from safeguarding.policy import (
    ACTIONS_AGAINST_ACCOUNT,
    AccountFacts,
    ActionType,
    PolicyError,
    PolicyInput,
    evaluate,
    load_default_policy,
    parse_policy,
)

MakeFacts = Callable[..., PolicyInput]
POLICY = load_default_policy()
GROOMING = {"rapport": [1], "isolation_secrecy": [3], "meeting": [5]}


def acts(facts: PolicyInput) -> set[ActionType]:
    return set(evaluate(POLICY, facts).actions)


def test_nothing_happens_without_risk(make_facts: MakeFacts) -> None:
    decision = evaluate(POLICY, make_facts(AlertLevel.NONE, risk=0.05))
    assert decision.empty and decision.rule_ids == ()


def test_watch_with_unconnected_child_only_helps_the_child(make_facts: MakeFacts) -> None:
    got = acts(make_facts(AlertLevel.WATCH, risk=0.3))
    assert got == {ActionType.SAFETY_PROMPT}
    connected = acts(make_facts(AlertLevel.WATCH, risk=0.3, connected=True))
    assert connected == set()


def test_every_alert_is_escalated_with_evidence(make_facts: MakeFacts) -> None:
    for child_age in (9, 15, None):
        got = acts(make_facts(AlertLevel.ALERT, child_age=child_age, connected=True))
        assert {ActionType.ESCALATE_REVIEW, ActionType.PRESERVE_EVIDENCE} <= got
        assert not got & ACTIONS_AGAINST_ACCOUNT


def test_adults_alert_is_reviewed_but_no_child_prompt(make_facts: MakeFacts) -> None:
    got = acts(make_facts(AlertLevel.ALERT, child_age=30))
    assert ActionType.ESCALATE_REVIEW in got and ActionType.SAFETY_PROMPT not in got


def test_severe_tactic_is_reviewed_before_alert(make_facts: MakeFacts) -> None:
    facts = make_facts(AlertLevel.WATCH, tactics={"meeting": [4]})
    decision = evaluate(POLICY, facts)
    assert ActionType.ESCALATE_REVIEW in decision.actions
    assert "severe-tactic-early-review" in decision.rule_ids
    assert any("tactics meeting" in r for r in decision.reasons)


def test_urgent_hold_needs_corroborating_tactics(make_facts: MakeFacts) -> None:
    thin = acts(make_facts(AlertLevel.URGENT, risk=0.9, tactics={"meeting": [5]}))
    assert ActionType.HOLD_MESSAGE not in thin
    rich = acts(make_facts(AlertLevel.URGENT, risk=0.9, tactics=GROOMING))
    assert ActionType.HOLD_MESSAGE in rich
    assert ActionType.SUSPEND not in rich  # no history: no suspension


def test_graduated_offender_ladder_uses_account_history(make_facts: MakeFacts) -> None:
    reported = acts(make_facts(AlertLevel.ALERT, account=AccountFacts(reports=1)))
    assert ActionType.WARN in reported and ActionType.SUSPEND not in reported
    pattern = AccountFacts(signals=frozenset({"repeated_openers"}))
    assert ActionType.RESTRICT_CONTACT_WITH_MINORS in acts(
        make_facts(AlertLevel.ALERT, account=pattern)
    )
    # an account pattern alone is reviewed, but not restricted
    mild = acts(make_facts(AlertLevel.NONE, risk=0.1, account=pattern))
    assert mild == {ActionType.ESCALATE_REVIEW}
    repeat = acts(make_facts(AlertLevel.URGENT, account=AccountFacts(prior_actions=1)))
    assert {ActionType.SUSPEND, ActionType.RESTRICT_CONTACT_WITH_MINORS} <= repeat


def test_guardian_notice_only_when_linked(make_facts: MakeFacts) -> None:
    assert ActionType.NOTIFY_GUARDIAN not in acts(make_facts(AlertLevel.ALERT))
    linked = make_facts(AlertLevel.ALERT, guardians={"kid": "parent-1"})
    assert linked.guardian_id == "parent-1"
    assert ActionType.NOTIFY_GUARDIAN in acts(linked)


def test_decision_carries_policy_identity_and_reasons(make_facts: MakeFacts) -> None:
    decision = evaluate(POLICY, make_facts(AlertLevel.URGENT, tactics={"threat": [5]}))
    assert decision.policy_version == POLICY.version
    assert decision.policy_hash == POLICY.content_hash
    assert decision.rule_ids[0] == "urgent-review"
    assert decision.reasons[0].startswith("urgent-review: level urgent >= urgent")
    assert decision.to_dict()["actions"][0] == "escalate_review"


CUSTOM = """\
policy: custom
version: 2
rules:
  - id: review
    description: every alert goes to a human
    when: {level_at_least: alert}
    actions: [escalate_review]
    stop: true
  - id: young-new-account
    description: young child and a brand-new account
    when:
      at_risk_age_below: 13
      offender_account_age_days_below: 30
      none_of: [{connected: true}]
    actions: [safety_prompt]
  - id: disabled
    description: disabled rule never fires
    enabled: false
    actions: [suspend]
"""


def test_stop_none_of_enabled_and_unknown_age_semantics() -> None:
    policy = parse_policy(CUSTOM)

    def facts(level: AlertLevel, child_age: int | None, days: int | None) -> PolicyInput:
        people = [
            Participant("x", declared_age=40, account_age_days=days, connected=False),
            Participant("y", declared_age=child_age, connected=False),
        ]
        a = Assessment("c", 0, 0.5, level, offender="x", at_risk="y")
        return PolicyInput.build(a, people)

    assert evaluate(policy, facts(AlertLevel.ALERT, 10, 3)).rule_ids == ("review",)
    assert evaluate(policy, facts(AlertLevel.NONE, 10, 3)).actions == (ActionType.SAFETY_PROMPT,)
    # unknown age is not "below 13"; unknown account age is not "below 30 days"
    assert evaluate(policy, facts(AlertLevel.NONE, None, 3)).empty
    assert evaluate(policy, facts(AlertLevel.NONE, 10, None)).empty


def test_yaml_boolean_trap_gets_a_hint() -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(CUSTOM.replace("id: disabled", "id: off"))
    assert info.value.issues[0].line == 16 and "quotes" in info.value.issues[0].message


def test_roles_fall_back_on_ages_when_engine_names_nobody() -> None:
    people = [
        Participant("teen", declared_age=15),
        Participant("grown", declared_age=41),
        Participant("anon"),
    ]
    a = Assessment("c", 3, 0.2, AlertLevel.WATCH)
    facts = PolicyInput.build(a, people)
    assert facts.at_risk is not None and facts.at_risk.id == "teen"
    assert facts.offender is not None and facts.offender.id == "grown"
    verified = Participant("v", declared_age=16, verified_age=22)
    facts = PolicyInput.build(Assessment("c", 0, 0.1, AlertLevel.NONE, at_risk="v"), [verified])
    assert facts.at_risk_band.value == "adult"  # a verified age wins


def test_may_fire_is_derived_from_the_policy() -> None:
    from safeguarding.domain import AlertLevel
    from safeguarding.policy.evaluator import may_fire
    from safeguarding.policy.facts import AccountFacts
    from safeguarding.policy.loader import parse_policy

    text = """
policy: t
version: 1
rules:
  - id: at-alert
    description: only at alert or above
    when: {level_at_least: alert}
    actions: [escalate_review]
  - id: pattern
    description: account patterns at any level
    when: {account_signals_any: [repeated_openers]}
    actions: [escalate_review]
"""
    policy = parse_policy(text, "t.yaml")
    none = AccountFacts()
    assert not may_fire(policy, AlertLevel.NONE, none)
    assert not may_fire(policy, AlertLevel.WATCH, none)
    assert may_fire(policy, AlertLevel.ALERT, none)
    assert may_fire(policy, AlertLevel.NONE, AccountFacts(signals=frozenset({"repeated_openers"})))
