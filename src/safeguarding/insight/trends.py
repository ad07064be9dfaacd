"""Time series of alerts, cases, decisions, appeals, actions and reports from the daily
roll-ups, per day, week or month, under one dimension (harm, tactic, platform area, locale,
child age band, type), each period with its change on the period before and on the same
period a year before. Reads only ``insight_daily``: never a message."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from safeguarding.insight.periods import (
    Grain,
    change,
    label,
    next_start,
    periods,
    previous_start,
    start_of,
    year_before,
)
from safeguarding.storage.repository import Repository
from safeguarding.storage.repository.insight_rollup import DIMENSIONS

METRICS = ("alerts", "cases", "decisions", "appeals", "actions", "reports")


@dataclass(frozen=True)
class TrendPoint:
    metric: str
    dimension: str
    value: str
    period: str
    start: str
    count: int
    previous: int
    change_previous: float | None
    year_before: int
    change_year: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def bucket_counts(rows: list[tuple[str, str, int]], grain: Grain) -> dict[str, dict[date, int]]:
    """Daily (day, value, count) rows summed into periods, per value."""
    out: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for day, value, count in rows:
        out[value][start_of(date.fromisoformat(day), grain)] += count
    return out


def trend(
    repo: Repository,
    tenant_id: str,
    metric: str,
    dimension: str,
    grain: Grain,
    first: date,
    last: date,
) -> list[TrendPoint]:
    """Every period from ``first`` to ``last`` for each value seen (zero when none)."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; one of {', '.join(METRICS)}")
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; one of {', '.join(DIMENSIONS)}")
    if last < first:
        raise ValueError("the last day is before the first")
    starts = periods(first, last, grain)
    # Read from a year before the first period to the end of the last one.
    read_from = min(year_before(starts[0], grain), previous_start(starts[0], grain))
    read_to = next_start(starts[-1], grain) - timedelta(days=1)
    rows = repo.period_counts(
        tenant_id, metric, dimension, grain.value, read_from.isoformat(), read_to.isoformat()
    )
    by_value = bucket_counts(rows, grain)
    out: list[TrendPoint] = []
    for value in sorted(by_value):
        counts = by_value[value]
        if not any(counts.get(s, 0) for s in starts):
            continue
        for start in starts:
            now = counts.get(start, 0)
            prev = counts.get(previous_start(start, grain), 0)
            year = counts.get(year_before(start, grain), 0)
            out.append(
                TrendPoint(
                    metric,
                    dimension,
                    value,
                    label(start, grain),
                    start.isoformat(),
                    now,
                    prev,
                    change(now, prev),
                    year,
                    change(now, year),
                )
            )
    return out


def default_range(repo: Repository, tenant_id: str, today: date) -> tuple[date, date]:
    """The last 90 days up to the newest rolled-up day (or ``today`` before any roll-up)."""
    days = repo.insight_days(tenant_id)
    last = date.fromisoformat(days[1]) if days else today
    return last - timedelta(days=89), last
