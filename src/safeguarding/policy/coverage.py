"""Prove that a policy escalates every severe alert, for every input a rule can test.

A severe alert is an assessment at level ``alert`` or ``urgent`` whose child at risk may be a
minor (child, teen or unknown age). The policy escalates it when some rule with
``escalate_review`` matches before any matching rule with ``stop: true`` (a stop rule that
escalates itself counts). Sampling a few inputs cannot show that: a first rule keyed on
reports, a guardian link or a tactic the samples never set, with ``stop`` and a mild action,
would pass. So the check searches the whole input space instead.

Every test a condition can make reads one *dimension* of the input (level, risk, the harm the
engine names, the child's age, the other account's band and account age, connection, each
tactic, evidence kind and account signal named anywhere in the policy, the number of other
tactics, reports, prior actions, a guardian link). Each dimension has finitely many values that
make a difference (the thresholds the policy uses split numbers into ranges, one value stands
for each range), so the space is finite. The search assigns dimensions one at a time, only
those an undecided rule reads, and evaluates conditions in three values (holds, fails, not yet
known); most policies are decided after a few branches. A test this module does not know (a
condition added later) is taken at its worst: it never makes an escalating rule match and
always makes a stop rule match, so an unknown test can only make the check stricter.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from safeguarding.domain import AlertLevel
from safeguarding.policy.ages import AgeBand, band_for_age
from safeguarding.policy.registry import HARMS, LEVELS, TACTICS, ActionType
from safeguarding.policy.schema import Condition, Policy

#: Nodes the search may visit before it gives up (and refuses the policy as unverifiable).
MAX_NODES = 200_000

_MINOR_AGES: tuple[int | None, ...] = (None, *range(0, 18))  # the child at risk: unknown or 0-17
_BANDS = (AgeBand.CHILD, AgeBand.TEEN, AgeBand.ADULT, AgeBand.UNKNOWN)
_MODELLED = frozenset(
    {
        "level_at_least",
        "level_below",
        "risk_at_least",
        "harm_in",
        "tactics_any",
        "tactics_all",
        "distinct_tactics_at_least",
        "evidence_any",
        "at_risk_band_in",
        "at_risk_age_below",
        "offender_band_in",
        "offender_account_age_days_below",
        "connected",
        "account_signals_any",
        "reports_at_least",
        "prior_actions_at_least",
        "guardian_linked",
        "any_of",
        "none_of",
    }
)

Dim = tuple[str, str]  # (family, name): ("tactic", "meeting"), ("reports", "")
Assignment = dict[Dim, Any]
_UNKNOWN = None  # three-valued: True, False, or None (not decided yet)


class _TooComplex(Exception):
    pass


@dataclass(frozen=True, slots=True)
class _Space:
    """The values worth trying for each dimension of this policy."""

    domains: dict[Dim, tuple[Any, ...]]
    named_tactics: frozenset[str]

    @property
    def other_tactics(self) -> int:
        return len(TACTICS) - len(self.named_tactics)


def severe_coverage_gaps(policy: Policy, *, max_nodes: int = MAX_NODES) -> list[str]:
    """An empty list when every severe alert is escalated; else one counterexample."""
    space = _space(policy)
    rules = [r for r in policy.rules if r.enabled]
    budget = [max_nodes]
    try:
        gap = _search(rules, space, {}, budget)
    except _TooComplex:
        return [
            f"the policy is too complex to verify that every severe alert is escalated "
            f"(more than {max_nodes} cases); put a rule with level_at_least: alert and "
            "actions: [escalate_review] first"
        ]
    return [] if gap is None else [gap]


# --- the space -------------------------------------------------------------------------------


def _conditions(cond: Condition) -> Iterator[Condition]:
    yield cond
    for sub in (cond.any_of or []) + (cond.none_of or []):
        yield from _conditions(sub)


def _space(policy: Policy) -> _Space:
    conds = [c for r in policy.rules if r.enabled for c in _conditions(r.when)]

    def thresholds(field: str) -> list[Any]:
        return sorted({getattr(c, field) for c in conds if getattr(c, field) is not None})

    def named(*fields: str) -> set[str]:
        return {v for c in conds for f in fields for v in (getattr(c, f) or [])}

    tactics = named("tactics_any", "tactics_all")
    distinct = thresholds("distinct_tactics_at_least")
    domains: dict[Dim, tuple[Any, ...]] = {
        ("level", ""): (AlertLevel.ALERT, AlertLevel.URGENT),
        # a number test holds from its threshold up: one value per range between thresholds
        ("risk", ""): tuple(dict.fromkeys([0.0, *thresholds("risk_at_least")])),
        ("harm", ""): (None, *sorted(HARMS)),  # None: the engine has named no harm yet
        ("child_age", ""): _MINOR_AGES,
        ("offender_band", ""): _BANDS,
        ("account_age", ""): (None, *_ranges(thresholds("offender_account_age_days_below"))),
        ("connected", ""): (False, True),  # unknown reads as not connected
        ("reports", ""): _ranges(thresholds("reports_at_least")),
        ("prior_actions", ""): _ranges(thresholds("prior_actions_at_least")),
        ("guardian", ""): (False, True),
    }
    if distinct:
        other = len(TACTICS) - len(tactics)
        domains[("other_tactics", "")] = tuple(sorted({min(n, other) for n in [0, *distinct]}))
    for t in sorted(tactics):
        domains[("tactic", t)] = (False, True)
    for k in sorted(named("evidence_any")):
        domains[("evidence", k)] = (False, True)
    for s in sorted(named("account_signals_any")):
        domains[("signal", str(s))] = (False, True)
    return _Space(domains, frozenset(tactics))


def _ranges(cuts: list[int]) -> tuple[int, ...]:
    """0 and each threshold: a ``< t`` or ``>= t`` test gives the same answer within a range."""
    return tuple(dict.fromkeys([0, *cuts]))


# --- three-valued evaluation -----------------------------------------------------------------


class _Eval:
    """Evaluate conditions on a partial assignment; records the dimensions still needed."""

    def __init__(self, space: _Space, assign: Assignment) -> None:
        self.space = space
        self.assign = assign
        self.wanted: list[Dim] = []

    def value(self, dim: Dim) -> Any:
        if dim in self.assign:
            return self.assign[dim]
        if dim not in self.wanted:
            self.wanted.append(dim)
        return _UNSET

    def condition(self, cond: Condition) -> bool | None:
        results = [self._test(name, getattr(cond, name)) for name in _set_fields(cond)]
        if any(r is False for r in results):
            return False
        return True if all(r is True for r in results) else _UNKNOWN

    def _test(self, name: str, arg: Any) -> bool | None:
        if name not in _MODELLED:
            return _UNKNOWN
        if name == "any_of":
            subs = [self.condition(c) for c in arg]
            return True if True in subs else (False if all(s is False for s in subs) else None)
        if name == "none_of":
            subs = [self.condition(c) for c in arg]
            return False if True in subs else (True if all(s is False for s in subs) else None)
        if name in ("level_at_least", "level_below"):
            level = self.value(("level", ""))
            if level is _UNSET:
                return _UNKNOWN
            return level >= LEVELS[arg] if name == "level_at_least" else level < LEVELS[arg]
        if name in ("tactics_any", "tactics_all"):
            seen = [self.value(("tactic", t)) for t in arg]
            if name == "tactics_any":
                return True if True in seen else (False if _UNSET not in seen else None)
            return False if False in seen else (True if _UNSET not in seen else None)
        if name == "distinct_tactics_at_least":
            flags = [self.value(("tactic", t)) for t in sorted(self.space.named_tactics)]
            other = self.value(("other_tactics", ""))
            low = sum(f is True for f in flags) + (0 if other is _UNSET else other)
            high = sum(f is not False for f in flags) + (
                self.space.other_tactics if other is _UNSET else other
            )
            return True if low >= arg else (False if high < arg else None)
        if name in ("evidence_any", "account_signals_any"):
            family = "evidence" if name == "evidence_any" else "signal"
            flags = [self.value((family, str(v))) for v in arg]
            return True if True in flags else (False if _UNSET not in flags else None)
        return self._scalar(name, arg)

    def _scalar(self, name: str, arg: Any) -> bool | None:
        dim, test = _SCALARS[name]
        value = self.value(dim)
        return _UNKNOWN if value is _UNSET else test(value, arg)


class _Unset:
    def __repr__(self) -> str:
        return "unset"


_UNSET: Any = _Unset()


def _below(value: int | None, limit: int) -> bool:
    return value is not None and value < limit


_SCALARS: dict[str, tuple[Dim, Any]] = {
    "risk_at_least": (("risk", ""), lambda v, t: v >= t),
    "harm_in": (("harm", ""), lambda v, harms: v in harms),
    "at_risk_band_in": (("child_age", ""), lambda v, bands: band_for_age(v) in bands),
    "at_risk_age_below": (("child_age", ""), _below),
    "offender_band_in": (("offender_band", ""), lambda v, bands: v in bands),
    "offender_account_age_days_below": (("account_age", ""), _below),
    "connected": (("connected", ""), lambda v, want: v == want),
    "reports_at_least": (("reports", ""), lambda v, t: v >= t),
    "prior_actions_at_least": (("prior_actions", ""), lambda v, t: v >= t),
    "guardian_linked": (("guardian", ""), lambda v, want: v == want),
}


def _set_fields(cond: Condition) -> list[str]:
    return [name for name in type(cond).model_fields if getattr(cond, name) is not None]


# --- the search ------------------------------------------------------------------------------


def _search(rules: list[Any], space: _Space, assign: Assignment, budget: list[int]) -> str | None:
    """A counterexample below this partial assignment, or ``None`` if there is none."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooComplex
    for rule in rules:
        ev = _Eval(space, assign)
        holds = ev.condition(rule.when)
        branch = next((d for d in ev.wanted if d in space.domains), None)
        if holds is _UNKNOWN and branch is not None:
            for value in space.domains[branch]:
                gap = _search(rules, space, {**assign, branch: value}, budget)
                if gap is not None:
                    return gap
            return None
        escalates = ActionType.ESCALATE_REVIEW in rule.actions
        if holds is _UNKNOWN:  # only tests this module does not model: assume the worst
            holds = not escalates and rule.stop
        if holds and escalates:
            return None
        if holds and rule.stop:
            return (
                f"rule {rule.id!r} stops before any rule escalates {_describe(assign)}; "
                "add escalate_review to its actions or remove its stop"
            )
    return (
        f"no rule escalates {_describe(assign)}; add a rule with "
        "level_at_least: alert and actions: [escalate_review]"
    )


def _describe(assign: Assignment) -> str:
    level = assign.get(("level", ""), AlertLevel.ALERT)
    parts: list[str] = []
    for (family, name), value in sorted(assign.items(), key=lambda kv: kv[0]):
        if family == "level":
            continue
        if family == "child_age":
            band = band_for_age(value).value
            parts.append(f"child age {'unknown' if value is None else f'{value} ({band})'}")
        elif family in ("tactic", "evidence", "signal"):
            parts.append(f"{family} {name} {'seen' if value else 'not seen'}")
        else:
            parts.append(f"{family.replace('_', ' ')} {value}")
    where = f" ({', '.join(parts)})" if parts else ""
    return ("an urgent alert" if level is AlertLevel.URGENT else "an alert") + where
