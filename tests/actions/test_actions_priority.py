from __future__ import annotations

from safeguarding.actions import review_priority
from safeguarding.domain import AlertLevel, Assessment, Participant
from safeguarding.policy import AccountFacts, PolicyInput


def facts(
    level: AlertLevel = AlertLevel.ALERT,
    risk: float = 0.6,
    child_age: int | None = 14,
    tactics: dict[str, list[int]] | None = None,
    account: AccountFacts | None = None,
) -> PolicyInput:
    people = [Participant("x", declared_age=30), Participant("y", declared_age=child_age)]
    a = Assessment("c", 5, risk, level, offender="x", at_risk="y", tactics=tactics or {})
    return PolicyInput.build(a, people, account=account)


def test_meeting_or_threat_with_a_minor_goes_first() -> None:
    low = review_priority(facts(AlertLevel.WATCH, 0.2, tactics={"meeting": [3]}))
    assert low.band == "P1" and low.reasons[0].startswith("imminent harm")
    plain = review_priority(facts(AlertLevel.ALERT, 0.6))
    assert plain.band != "P1"


def test_younger_child_and_history_raise_the_score() -> None:
    teen = review_priority(facts(child_age=15)).score
    child = review_priority(facts(child_age=10)).score
    reported = review_priority(facts(child_age=15, account=AccountFacts(reports=2))).score
    assert child > teen and reported > teen
    assert 0 <= teen <= 100


def test_adult_conversation_is_not_forced_to_p1() -> None:
    adults = review_priority(facts(child_age=29, tactics={"meeting": [2]}, risk=0.3))
    assert adults.band != "P1"
