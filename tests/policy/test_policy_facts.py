"""What the policy input derives from an assessment: harm and adult-sounding children."""

from __future__ import annotations

from safeguarding.domain import AlertLevel, Assessment, Participant, Signal
from safeguarding.policy import AccountTracker, PolicyInput

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
    def said(sender: str, *indices: int) -> list[Signal]:
        return [
            Signal("adult_indicator", i, sender, 1.0, (0, 9), "my mortgage", "pattern")
            for i in indices
        ]

    assert build(evidence=said("t1:kid", 1, 3)).at_risk_adult_sounding
    assert not build(evidence=said("t1:kid", 3)).at_risk_adult_sounding  # once is not enough
    assert not build(evidence=said("t1:adult", 0, 2)).at_risk_adult_sounding
    assert not build().at_risk_adult_sounding


def test_adult_language_counted_by_the_tracker_outlives_the_engines_evidence() -> None:
    # once the engine names the roles it drops the child's evidence; the tracker still counts
    tracker = AccountTracker()
    for _ in range(2):
        tracker.mark_adult_sounding("kid")
    assessment = Assessment("c1", 9, 0.7, AlertLevel.ALERT, offender="adult", at_risk="kid")
    facts = PolicyInput.build(assessment, PEOPLE, adult_language=tracker.adult_language)
    assert facts.at_risk_adult_sounding
    restored = AccountTracker()
    restored.restore_account("kid", tracker.export_account("kid") or {})
    assert restored.adult_language("kid") == 2 and restored.adult_language("other") == 0


def test_harm_is_the_engines_and_sextortion_is_suspected_on_demand_plus_threat() -> None:
    assert build(harm="grooming").harm == "grooming"
    assert not build(
        harm="grooming", tactics={"image_request": [1], "threat": [3]}
    ).sextortion_suspected
    assert build(harm="sextortion").sextortion_suspected
    pattern = build(tactics={"image_request": [1], "threat": [3]})
    assert pattern.harm is None and pattern.sextortion_suspected
    assert not build(tactics={"threat": [3]}).sextortion_suspected
