"""Review priority: which escalation a moderator should open first.

Imminent harm comes first: a meeting or a threat aimed at a possible minor is always P1, and
in criminal exploitation so are a debt and a task or trip (a child may be sent travelling or
holding something now). Then the score orders the queue by calibrated risk, level, the
child's age and account history.
"""

from __future__ import annotations

from dataclasses import dataclass

from safeguarding.domain import AlertLevel, Harm
from safeguarding.policy.ages import AgeBand
from safeguarding.policy.facts import PolicyInput

_LEVEL_POINTS = {AlertLevel.URGENT: 25, AlertLevel.ALERT: 15, AlertLevel.WATCH: 5}
_AGE_POINTS = {AgeBand.CHILD: 15, AgeBand.UNKNOWN: 10, AgeBand.TEEN: 8}
_TACTIC_POINTS = {
    "threat": 15,
    "meeting": 15,
    "image_request": 10,
    "platform_move": 5,
    "isolation_secrecy": 5,
    "age_deception": 5,
    "debt": 15,
    "courier_task": 10,
    "burner_phone": 5,
}
_IMMINENT = {"meeting", "threat"}
_IMMINENT_BY_HARM = {Harm.CRIMINAL_EXPLOITATION.value: {"debt", "courier_task"}}
_BANDS = ((70, "P1"), (50, "P2"), (30, "P3"), (0, "P4"))


@dataclass(frozen=True, slots=True)
class ReviewPriority:
    score: int  # 0-100, higher first
    band: str  # P1 (first) .. P4
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"score": self.score, "band": self.band, "reasons": list(self.reasons)}


def review_priority(facts: PolicyInput) -> ReviewPriority:
    a = facts.assessment
    reasons = [f"risk {a.risk:.2f}", f"level {a.level.label}"]
    score = 40 * a.risk + _LEVEL_POINTS.get(a.level, 0)
    band = facts.at_risk_band
    if band in _AGE_POINTS:
        score += _AGE_POINTS[band]
        reasons.append(f"child age band {band.value}")
    tactics = {t for t, idx in a.tactics.items() if idx}
    tactic_points = sum(_TACTIC_POINTS.get(t, 0) for t in tactics)
    if tactic_points:
        score += min(tactic_points, 30)
        reasons.append("tactics " + ", ".join(sorted(tactics & _TACTIC_POINTS.keys())))
    if facts.account.signals:
        score += 5 * len(facts.account.signals)
        reasons.append("account signals " + ", ".join(sorted(facts.account.signals)))
    if facts.account.reports:
        score += 3 * min(facts.account.reports, 3)
        reasons.append(f"{facts.account.reports} user report(s)")
    score = max(0, min(100, round(score)))
    label = next(name for floor, name in _BANDS if score >= floor)
    imminent = tactics & (_IMMINENT | _IMMINENT_BY_HARM.get(a.harm or "", set()))
    if imminent and band.may_be_minor:
        label = "P1"
        reasons.insert(0, f"imminent harm: {', '.join(sorted(imminent))}")
    return ReviewPriority(score, label, tuple(reasons))
