"""Spikes: days far above what the same weekday usually sees, with what drives them.

Each day is compared with the same weekday of the ``weeks`` weeks before (so a busy Saturday
is compared with Saturdays, not with a quiet Tuesday): the baseline is their median and the
spread their median absolute deviation (MAD, scaled by 1.4826 to read as a standard
deviation, and never below the square root of the median or 1, so a flat baseline of zeros
does not turn every single alert into a spike). A day is a spike when its robust score
``(count - median) / spread`` reaches ``threshold`` and it is at least ``min_excess`` above
the median. Weeks before the tenant's first rolled-up day are left out of the baseline (they
would read as zeros), and a day needs ``min_weeks`` of them to be judged. The explanation
ranks, for each dimension, the values whose own count rose most over their same-weekday
median, and the accounts behind most of the day's newly alerted conversations (an account
cluster contacting many children at once)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from statistics import median
from typing import Any

from safeguarding.storage.repository import Repository

EXPLAIN_BY = ("tactic", "area", "harm", "locale", "age_band")
MAD_SCALE = 1.4826


@dataclass(frozen=True)
class Driver:
    dimension: str
    value: str
    count: int
    baseline: float
    excess: float
    share: float  # of the day's excess over its baseline

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Spike:
    metric: str
    day: str
    count: int
    baseline: float
    spread: float
    score: float
    drivers: list[Driver] = field(default_factory=list)
    accounts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def explanation(self) -> str:
        parts = [
            f"{self.count} {self.metric} on {self.day} against a usual {self.baseline:g} "
            f"for that weekday"
        ]
        top: dict[str, Driver] = {}
        for d in self.drivers:
            top.setdefault(d.dimension, d)
        for d in top.values():
            parts.append(f"{d.dimension} {d.value} +{d.excess:g} ({d.share:.0%} of the rise)")
        for a in self.accounts[:1]:
            parts.append(
                f"account {a['account']} in {a['conversations']} newly alerted conversations"
            )
        return "; ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["explanation"] = self.explanation
        return out


def robust_score(count: float, history: list[float]) -> tuple[float, float, float]:
    """(median, spread, score) of ``count`` against ``history``."""
    if not history:
        return 0.0, 1.0, 0.0
    mid = median(history)
    mad = median(abs(h - mid) for h in history)
    spread = max(MAD_SCALE * mad, mid**0.5, 1.0)
    return mid, spread, (count - mid) / spread


def _daily(
    repo: Repository, tenant_id: str, metric: str, dimension: str, first: date, last: date
) -> dict[str, dict[date, int]]:
    out: dict[str, dict[date, int]] = defaultdict(dict)
    for day, value, count in repo.daily_counts(
        tenant_id, metric, dimension, first.isoformat(), last.isoformat()
    ):
        out[value][date.fromisoformat(day)] = count
    return out


def _same_weekdays(
    counts: dict[date, int], day: date, weeks: int, since: date = date.min
) -> list[float]:
    """The counts of the same weekday in the ``weeks`` weeks before ``day``, leaving out
    weeks before the data begins (``since``), which would read as zeros."""
    before = (day - timedelta(weeks=k) for k in range(1, weeks + 1))
    return [float(counts.get(d, 0)) for d in before if d >= since]


def find_spikes(
    repo: Repository,
    tenant_id: str,
    first: date,
    last: date,
    *,
    metric: str = "alerts",
    weeks: int = 8,
    threshold: float = 4.0,
    min_excess: int = 5,
    max_drivers: int = 3,
    min_weeks: int = 3,
) -> list[Spike]:
    """The spikes of ``metric`` from ``first`` to ``last``, each explained."""
    known = repo.insight_days(tenant_id)
    if known is None:
        return []
    since = date.fromisoformat(known[0])
    read_from = first - timedelta(weeks=weeks)
    totals = _daily(repo, tenant_id, metric, "all", read_from, last).get("", {})
    spikes: list[tuple[date, int, float, float, float]] = []
    day = first
    while day <= last:
        count = totals.get(day, 0)
        history = _same_weekdays(totals, day, weeks, since)
        mid, spread, score = robust_score(count, history)
        if len(history) >= min_weeks and score >= threshold and count - mid >= min_excess:
            spikes.append((day, count, mid, spread, score))
        day += timedelta(days=1)
    if not spikes:
        return []
    by_dimension = {d: _daily(repo, tenant_id, metric, d, read_from, last) for d in EXPLAIN_BY}
    out = []
    for day, count, mid, spread, score in spikes:
        rise = max(count - mid, 1.0)
        drivers: list[Driver] = []
        for dimension, values in by_dimension.items():
            ranked = []
            for value, counts in values.items():
                now = counts.get(day, 0)
                base = median(_same_weekdays(counts, day, weeks, since))
                if now - base > 0:
                    ranked.append(
                        Driver(dimension, value, now, base, now - base, (now - base) / rise)
                    )
            ranked.sort(key=lambda d: (-d.excess, d.value))
            drivers.extend(ranked[:max_drivers])
        out.append(
            Spike(
                metric,
                day.isoformat(),
                count,
                mid,
                round(spread, 3),
                round(score, 2),
                drivers,
                _accounts(repo, tenant_id, day),
            )
        )
    return out


def _accounts(repo: Repository, tenant_id: str, day: date) -> list[dict[str, Any]]:
    """Accounts suspected in two or more of the day's newly alerted conversations."""
    rows = repo.alerted_conversations(
        tenant_id, day.isoformat(), day.isoformat(), ("offender", "area")
    )
    total = len(rows)
    per = Counter(r.offender for r in rows if r.offender)
    areas: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        if r.offender:
            areas[r.offender][r.area] += 1
    return [
        {
            "account": account,
            "conversations": n,
            "share": n / total,
            "areas": sorted(areas[account]),
        }
        for account, n in sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))
        if n >= 2
    ][:5]
