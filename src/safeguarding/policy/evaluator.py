"""Apply a policy to one moment of one conversation and explain the outcome.

Evaluation is pure: the same policy and input always give the same ``Decision``. Pacing
(cool-downs, once-per-level escalation) is the dispatcher's job, not the policy's.
"""

from __future__ import annotations

from dataclasses import dataclass

from safeguarding.domain import AlertLevel
from safeguarding.policy.ages import AgeBand
from safeguarding.policy.facts import AccountFacts, PolicyInput
from safeguarding.policy.registry import LEVELS, ActionType
from safeguarding.policy.schema import Condition, Policy


@dataclass(frozen=True, slots=True)
class Decision:
    conversation_id: str
    message_index: int
    level: AlertLevel
    actions: tuple[ActionType, ...]
    rule_ids: tuple[str, ...]
    reasons: tuple[str, ...]
    shadow: bool
    policy_version: str
    policy_hash: str

    @property
    def empty(self) -> bool:
        return not self.actions

    def to_dict(self) -> dict[str, object]:
        return {
            "conversation_id": self.conversation_id,
            "message_index": self.message_index,
            "level": self.level.label,
            "actions": [a.value for a in self.actions],
            "rule_ids": list(self.rule_ids),
            "reasons": list(self.reasons),
            "shadow": self.shadow,
            "policy_version": self.policy_version,
            "policy_hash": self.policy_hash,
        }


class _Derived:
    """What several conditions read from one input, worked out at most once per evaluation
    (the same values ``explain`` would compute each time)."""

    __slots__ = ("_band", "_kinds", "_seen", "facts")

    def __init__(self, facts: PolicyInput) -> None:
        self.facts = facts
        self._seen: set[str] | None = None
        self._kinds: set[str] | None = None
        self._band: AgeBand | None = None

    @property
    def seen(self) -> set[str]:
        if self._seen is None:
            self._seen = {t for t, idx in self.facts.assessment.tactics.items() if idx}
        return self._seen

    @property
    def kinds(self) -> set[str]:
        if self._kinds is None:
            self._kinds = {s.kind for s in self.facts.assessment.evidence}
        return self._kinds

    @property
    def at_risk_band(self) -> AgeBand:
        if self._band is None:
            self._band = self.facts.at_risk_band
        return self._band


def evaluate(policy: Policy, facts: PolicyInput, *, shadow: bool | None = None) -> Decision:
    """Run the rules in order; actions of all matching rules are merged, first seen first."""
    actions: list[ActionType] = []
    rule_ids: list[str] = []
    reasons: list[str] = []
    derived = _Derived(facts)
    for rule in policy.rules:
        if not rule.enabled:
            continue
        why = _explain(rule.when, facts, derived)
        if why is None:
            continue
        rule_ids.append(rule.id)
        reasons.append(f"{rule.id}: {'; '.join(why) if why else 'always'}")
        actions.extend(a for a in rule.actions if a not in actions)
        if rule.stop:
            break
    a = facts.assessment
    return Decision(
        conversation_id=a.conversation_id,
        message_index=a.message_index,
        level=a.level,
        actions=tuple(actions),
        rule_ids=tuple(rule_ids),
        reasons=tuple(reasons),
        shadow=policy.shadow if shadow is None else shadow,
        policy_version=policy.version,
        policy_hash=policy.content_hash,
    )


def may_fire(policy: Policy, level: AlertLevel, account: AccountFacts) -> bool:
    """False only when no enabled rule can match at ``level`` with these account facts.

    A cheap necessary test (levels and account facts only, the rest of each condition is
    assumed to hold), so callers can skip building the policy input and evaluating when it
    says False: :func:`evaluate` would return an empty decision then.
    """
    return any(rule.enabled and _may_hold(rule.when, level, account) for rule in policy.rules)


def _may_hold(cond: Condition, level: AlertLevel, account: AccountFacts) -> bool:
    if cond.level_at_least is not None and level < LEVELS[cond.level_at_least]:
        return False
    if cond.level_below is not None and level >= LEVELS[cond.level_below]:
        return False
    if cond.account_signals_any is not None and not account.signals.intersection(
        cond.account_signals_any
    ):
        return False
    if cond.reports_at_least is not None and account.reports < cond.reports_at_least:
        return False
    if (
        cond.prior_actions_at_least is not None
        and account.prior_actions < cond.prior_actions_at_least
    ):
        return False
    return cond.any_of is None or any(_may_hold(sub, level, account) for sub in cond.any_of)


def explain(cond: Condition, facts: PolicyInput) -> list[str] | None:
    """The reasons a condition holds, or ``None`` when it does not."""
    return _explain(cond, facts, _Derived(facts))


def _explain(cond: Condition, facts: PolicyInput, derived: _Derived) -> list[str] | None:
    why: list[str] = []
    a = facts.assessment
    if cond.level_at_least is not None:
        if a.level < LEVELS[cond.level_at_least]:
            return None
        why.append(f"level {a.level.label} >= {cond.level_at_least}")
    if cond.level_below is not None:
        if a.level >= LEVELS[cond.level_below]:
            return None
        why.append(f"level {a.level.label} < {cond.level_below}")
    if cond.risk_at_least is not None:
        if a.risk < cond.risk_at_least:
            return None
        why.append(f"risk {a.risk:.2f} >= {cond.risk_at_least}")
    if cond.harm_in is not None:
        if facts.harm not in cond.harm_in:
            return None
        why.append(f"harm {facts.harm}")
    if cond.tactics_any is not None:
        hit = sorted(derived.seen.intersection(cond.tactics_any))
        if not hit:
            return None
        why.append(f"tactics {', '.join(hit)}")
    if cond.tactics_all is not None:
        if not derived.seen.issuperset(cond.tactics_all):
            return None
        why.append(f"all of tactics {', '.join(cond.tactics_all)}")
    if cond.distinct_tactics_at_least is not None:
        if len(derived.seen) < cond.distinct_tactics_at_least:
            return None
        why.append(f"{len(derived.seen)} distinct tactics")
    if cond.evidence_any is not None:
        kinds = sorted(derived.kinds.intersection(cond.evidence_any))
        if not kinds:
            return None
        why.append(f"evidence {', '.join(kinds)}")
    if cond.at_risk_band_in is not None:
        band = derived.at_risk_band
        if band not in cond.at_risk_band_in:
            return None
        why.append(f"child age band {band.value}")
    if cond.at_risk_age_below is not None:
        age = facts.at_risk_age
        if age is None or age >= cond.at_risk_age_below:
            return None
        why.append(f"child age {age} < {cond.at_risk_age_below}")
    if cond.offender_band_in is not None:
        if facts.offender_band not in cond.offender_band_in:
            return None
        why.append(f"other account's age band {facts.offender_band.value}")
    if cond.offender_account_age_days_below is not None:
        days = facts.offender.account_age_days if facts.offender else None
        if days is None or days >= cond.offender_account_age_days_below:
            return None
        why.append(f"account {days} days old")
    if cond.connected is not None:
        connected = bool(facts.connected)  # unknown counts as not connected
        if connected != cond.connected:
            return None
        why.append("connected" if connected else "not connected")
    if cond.account_signals_any is not None:
        hit = sorted(facts.account.signals.intersection(cond.account_signals_any))
        if not hit:
            return None
        why.append(f"account signals {', '.join(hit)}")
    if cond.reports_at_least is not None:
        if facts.account.reports < cond.reports_at_least:
            return None
        why.append(f"{facts.account.reports} user reports")
    if cond.prior_actions_at_least is not None:
        if facts.account.prior_actions < cond.prior_actions_at_least:
            return None
        why.append(f"{facts.account.prior_actions} prior actions")
    if cond.guardian_linked is not None:
        if (facts.guardian_id is not None) != cond.guardian_linked:
            return None
        why.append("guardian linked" if cond.guardian_linked else "no guardian linked")
    if cond.any_of is not None:
        for sub in cond.any_of:
            sub_why = _explain(sub, facts, derived)
            if sub_why is not None:
                why.append(f"({'; '.join(sub_why)})")
                break
        else:
            return None
    if cond.none_of is not None:
        if any(_explain(sub, facts, derived) is not None for sub in cond.none_of):
            return None
        why.append("no exclusion applies")
    return why
