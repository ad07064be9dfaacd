"""The default policy on the most severe conversations (meeting, threats, sextortion): reviewed
at once, connected or not; sextortion never warns the suspect; holds need corroboration."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from safeguarding.domain import AlertLevel
from safeguarding.policy import (
    ACTIONS_AGAINST_ACCOUNT,
    ActionType,
    PolicyError,
    PolicyInput,
    evaluate,
    load_default_policy,
    parse_policy,
)
from safeguarding.policy.facts import AccountFacts

MakeFacts = Callable[..., PolicyInput]
POLICY = load_default_policy()
REVIEW = {ActionType.ESCALATE_REVIEW, ActionType.PRESERVE_EVIDENCE}


def decide(facts: PolicyInput) -> tuple[set[ActionType], set[str]]:
    d = evaluate(POLICY, facts)
    return set(d.actions), set(d.rule_ids)


def assert_reviewed_only(facts: PolicyInput, rule: str) -> None:
    """``rule`` sends the conversation to review, and nothing touches the account."""
    actions, rules = decide(facts)
    assert actions >= REVIEW and rule in rules
    assert not actions & ACTIONS_AGAINST_ACCOUNT


# --- meeting and threats, connected or not ----------------------------------------------------


@pytest.mark.parametrize("tactic", ["meeting", "threat"])
@pytest.mark.parametrize("connected", [True, False, None])
def test_meeting_or_threat_at_watch_is_reviewed_whoever_the_accounts(
    make_facts: MakeFacts, tactic: str, connected: bool | None
) -> None:
    # a teen and an unknown-age account: adult-child-early-review does not apply
    facts = make_facts(
        AlertLevel.WATCH, tactics={tactic: [4]}, child_age=14, other_age=None, connected=connected
    )
    assert_reviewed_only(facts, "severe-tactic-early-review")


def test_meeting_from_an_unconnected_adult_is_reviewed_before_any_level(
    make_facts: MakeFacts,
) -> None:
    facts = make_facts(AlertLevel.NONE, tactics={"meeting": [2]}, child_age=15, other_age=None)
    assert "severe-tactic-early-review" in decide(facts)[1]
    # below watch, a connected account (a parent arranging a pick-up) or a peer waits
    for other_age, connected in ((40, True), (15, False)):
        quiet = make_facts(
            AlertLevel.NONE,
            tactics={"meeting": [2]},
            child_age=15,
            other_age=other_age,
            connected=connected,
        )
        assert ActionType.ESCALATE_REVIEW not in decide(quiet)[0]


def test_meeting_with_secrecy_is_reviewed_at_once_even_between_connected_accounts(
    make_facts: MakeFacts,
) -> None:
    tactics = {"isolation_secrecy": [3], "meeting": [5]}
    facts = make_facts(
        AlertLevel.NONE, tactics=tactics, child_age=14, other_age=None, connected=True
    )
    assert_reviewed_only(facts, "severe-tactic-early-review")


def test_age_gap_normalised_by_a_connected_account_is_reviewed_when_the_child_may_be_minor(
    make_facts: MakeFacts,
) -> None:
    tactics = {"desensitisation": [4]}
    for child_age in (14, None):
        facts = make_facts(
            AlertLevel.WATCH, tactics=tactics, child_age=child_age, other_age=None, connected=True
        )
        assert_reviewed_only(facts, "desensitisation-review")
    adults = make_facts(AlertLevel.WATCH, tactics=tactics, child_age=25, connected=True)
    assert "desensitisation-review" not in decide(adults)[1]
    stranger = make_facts(AlertLevel.WATCH, tactics=tactics, child_age=25, connected=False)
    assert "desensitisation-review" in decide(stranger)[1]  # a child may have signed up as 25


def test_age_deception_with_a_possible_minor_is_reviewed_at_any_level(
    make_facts: MakeFacts,
) -> None:
    tactics = {"age_deception": [6], "compliments": [2]}
    facts = make_facts(AlertLevel.NONE, tactics=tactics, child_age=14, other_age=16, connected=True)
    assert_reviewed_only(facts, "age-deception-review")
    adults = make_facts(AlertLevel.NONE, tactics=tactics, child_age=30, other_age=16)
    assert "age-deception-review" not in decide(adults)[1]


def test_image_request_between_connected_accounts_waits_for_corroboration(
    make_facts: MakeFacts,
) -> None:
    # a grandparent asking for a photo: no review on the request alone
    facts = make_facts(
        AlertLevel.WATCH,
        tactics={"image_request": [3]},
        child_age=14,
        other_age=None,
        connected=True,
    )
    assert ActionType.ESCALATE_REVIEW not in decide(facts)[0]
    stranger = make_facts(
        AlertLevel.WATCH, tactics={"image_request": [3]}, child_age=14, other_age=None
    )
    assert "image-request-early-review" in decide(stranger)[1]


# --- sextortion -------------------------------------------------------------------------------


@pytest.mark.parametrize("tactic", ["image_request", "threat"])
@pytest.mark.parametrize(("child_age", "other_age", "connected"), [(15, 30, True), (19, 19, None)])
def test_sextortion_is_reviewed_at_the_first_demand_or_threat_whoever_the_accounts(
    make_facts: MakeFacts, tactic: str, child_age: int, other_age: int, connected: bool | None
) -> None:
    # any level, connected or not, even when the child signed up as an adult
    facts = make_facts(
        AlertLevel.NONE,
        tactics={tactic: [3]},
        child_age=child_age,
        other_age=other_age,
        connected=connected,
        harm="sextortion",
    )
    assert_reviewed_only(facts, "sextortion-review")


def test_demand_and_threat_read_as_sextortion_before_the_engine_names_it(
    make_facts: MakeFacts,
) -> None:
    tactics = {"image_request": [2], "threat": [5]}
    facts = make_facts(AlertLevel.WATCH, tactics=tactics, connected=True, other_age=16)
    assert facts.harm is None and facts.sextortion_suspected
    assert "sextortion-review" in decide(facts)[1]
    # below watch, lexicon hits alone (a bullying row about a photo) are not enough
    quiet = make_facts(AlertLevel.NONE, tactics=tactics, connected=True, other_age=14)
    assert "sextortion-review" not in decide(quiet)[1]


def test_sextortion_never_warns_the_suspect_but_holds_silently(make_facts: MakeFacts) -> None:
    reported = AccountFacts(reports=1)
    grooming = make_facts(AlertLevel.ALERT, account=reported, tactics={"compliments": [1]})
    assert ActionType.WARN in decide(grooming)[0]
    for facts in (
        make_facts(AlertLevel.ALERT, account=reported, harm="sextortion", tactics={"threat": [4]}),
        make_facts(
            AlertLevel.ALERT, account=reported, tactics={"image_request": [2], "threat": [4]}
        ),
    ):
        actions, rules = decide(facts)
        assert ActionType.WARN not in actions
        assert ActionType.ESCALATE_REVIEW in actions
    held = make_facts(AlertLevel.ALERT, harm="sextortion", tactics={"threat": [4]})
    assert "sextortion-hold" in decide(held)[1]
    # between connected accounts only a throwaway account's threats are held
    for days, hold in ((400, False), (12, True)):
        connected = make_facts(
            AlertLevel.ALERT,
            harm="sextortion",
            tactics={"threat": [4]},
            connected=True,
            other_account_age_days=days,
        )
        assert ("sextortion-hold" in decide(connected)[1]) is hold


# --- holds need corroboration between connected accounts ---------------------------------------


def test_urgent_meeting_between_connected_accounts_is_reviewed_not_held(
    make_facts: MakeFacts,
) -> None:
    tactics = {"meeting": [6], "risk_assessment": [4], "isolation_secrecy": [5]}
    connected = make_facts(AlertLevel.URGENT, tactics=tactics, connected=True, other_age=None)
    actions, _ = decide(connected)
    assert ActionType.ESCALATE_REVIEW in actions and ActionType.HOLD_MESSAGE not in actions
    stranger = make_facts(AlertLevel.URGENT, tactics=tactics, connected=False, other_age=None)
    assert ActionType.HOLD_MESSAGE in decide(stranger)[0]
    threat = make_facts(
        AlertLevel.URGENT, tactics={**tactics, "threat": [7]}, connected=True, other_age=None
    )
    assert ActionType.HOLD_MESSAGE in decide(threat)[0]


# --- the harm_in condition --------------------------------------------------------------------

HEAD = "policy: t\nversion: 1\nrules:\n"
ALERTS = (
    "  - id: review\n    description: every alert goes to a human\n"
    "    when: {level_at_least: alert}\n    actions: [escalate_review]\n"
)


def test_harm_in_matches_the_engines_harm_and_explains_it(make_facts: MakeFacts) -> None:
    policy = parse_policy(
        HEAD + ALERTS + "  - id: cce\n    description: criminal exploitation reviewed\n"
        "    when: {harm_in: [criminal_exploitation]}\n    actions: [escalate_review]\n"
    )
    hit = evaluate(policy, make_facts(AlertLevel.NONE, harm="criminal_exploitation"))
    assert hit.rule_ids == ("cce",) and "harm criminal_exploitation" in hit.reasons[0]
    assert evaluate(policy, make_facts(AlertLevel.NONE, harm="grooming")).empty
    assert evaluate(policy, make_facts(AlertLevel.NONE)).empty


def test_unknown_or_empty_harm_is_refused_with_its_line() -> None:
    for value, message in (("[sextorsion]", "unknown harm"), ("[]", "empty list")):
        with pytest.raises(PolicyError) as info:
            parse_policy(
                HEAD + ALERTS + "  - id: x1\n    description: a typo in a harm name\n"
                f"    when: {{harm_in: {value}}}\n    actions: [escalate_review]\n"
            )
        (issue,) = info.value.issues
        assert issue.line == 10 and message in issue.message


def test_a_stop_rule_keyed_on_a_harm_cannot_hide_a_severe_alert() -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(
            HEAD + "  - id: quiet\n    description: sextortion handled elsewhere\n"
            "    when: {harm_in: [sextortion]}\n    actions: [safety_prompt]\n    stop: true\n"
            + ALERTS
        )
    assert "harm sextortion" in str(info.value)
