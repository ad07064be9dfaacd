"""What the policy input derives from an assessment: harm and adult-sounding children."""

from __future__ import annotations

from safeguarding.domain import AlertLevel, Assessment, Participant, Signal
from safeguarding.policy import PolicyInput

PEOPLE = [Participant("adult", declared_age=30), Participant("kid", declared_age=13)]


def build(
    *,
    harm: str | None = None,
    tactics: dict[str, list[int]] | None = None,
    evidence: list[Signal] | None = None,
) -> PolicyInput:
    assessment = Assessment(
        "c1",
        4,
        0.5,
        AlertLevel.WATCH,
        offender="adult",
        at_risk="kid",
        evidence=evidence or [],
        tactics=tactics or {},
        harm=harm,
    )
    return PolicyInput.build(assessment, PEOPLE, evidence_id=lambda s: s.removeprefix("t1:"))


def test_the_childs_adult_language_is_read_through_the_services_ids() -> None:
    # the service's engine prefixes senders with the tenant; evidence_id maps them back
    mine = Signal("adult_indicator", 3, "t1:kid", 1.0, (0, 9), "my mortgage", "pattern")
    theirs = Signal("adult_indicator", 2, "t1:adult", 1.0, (0, 7), "my wife", "pattern")
    assert build(evidence=[mine]).at_risk_adult_sounding
    assert not build(evidence=[theirs]).at_risk_adult_sounding
    assert not build().at_risk_adult_sounding


def test_harm_is_the_engines_and_sextortion_is_suspected_on_demand_plus_threat() -> None:
    assert build(harm="grooming").harm == "grooming"
    assert not build(
        harm="grooming", tactics={"image_request": [1], "threat": [3]}
    ).sextortion_suspected
    assert build(harm="sextortion").sextortion_suspected
    pattern = build(tactics={"image_request": [1], "threat": [3]})
    assert pattern.harm is None and pattern.sextortion_suspected
    assert not build(tactics={"threat": [3]}).sextortion_suspected
