"""How fast the platform acts: from a conversation's first risky message to its first
alert, first decision, first action and first report, as the median and 90th percentile per
period (by the day of the first alert), with the change on the period before.

Percentiles interpolate linearly between the two nearest ranks (the usual definition:
position ``(n - 1) * p`` in the sorted values), so the median of an even count is the mean
of the middle two. Reads only ``insight_conversations``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from math import floor
from typing import Any

from safeguarding.insight.periods import Grain, change, label, next_start, periods, start_of
from safeguarding.storage.repository import Repository

STEPS = {
    "alert": "alerted_at",
    "decision": "decided_at",
    "action": "actioned_at",
    "report": "reported_at",
}


def percentile(values: list[float], p: float) -> float | None:
    """Rounded to the millisecond (SQLite's julian-day arithmetic carries float noise)."""
    if not values:
        return None
    ordered = sorted(values)
    h = (len(ordered) - 1) * p
    lo = floor(h)
    hi = min(lo + 1, len(ordered) - 1)
    return round(ordered[lo] + (h - lo) * (ordered[hi] - ordered[lo]), 3)


@dataclass(frozen=True)
class StepTiming:
    period: str
    start: str
    step: str
    conversations: int
    median_s: float | None
    p90_s: float | None
    median_change: float | None
    p90_change: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def time_to_act(
    repo: Repository, tenant_id: str, grain: Grain, first: date, last: date
) -> list[StepTiming]:
    if last < first:
        raise ValueError("the last day is before the first")
    starts = periods(first, last, grain)
    read_from = starts[0] - timedelta(days=31 if grain is Grain.MONTH else 7)
    read_from = start_of(read_from, grain)
    read_to = next_start(starts[-1], grain) - timedelta(days=1)
    rows = repo.step_seconds(tenant_id, read_from.isoformat(), read_to.isoformat())
    seconds: dict[tuple[date, str], list[float]] = defaultdict(list)
    starts_of: dict[str, date] = {}
    names = list(STEPS)
    for day, *steps in rows:
        start = starts_of.get(day)
        if start is None:
            start = starts_of[day] = start_of(date.fromisoformat(day), grain)
        for step, value in zip(names, steps, strict=True):
            if value is not None:
                seconds[(start, step)].append(max(0.0, value))
    all_starts = periods(read_from, read_to, grain)
    out = []
    for i, start in enumerate(all_starts):
        if start < starts[0]:
            continue
        before = all_starts[i - 1] if i else None
        for step in STEPS:
            now = seconds.get((start, step), [])
            prev = seconds.get((before, step), []) if before else []
            med, p90 = percentile(now, 0.5), percentile(now, 0.9)
            pmed, pp90 = percentile(prev, 0.5), percentile(prev, 0.9)
            out.append(
                StepTiming(
                    label(start, grain),
                    start.isoformat(),
                    step,
                    len(now),
                    med,
                    p90,
                    change(med, pmed) if med is not None else None,
                    change(p90, pp90) if p90 is not None else None,
                )
            )
    return out
