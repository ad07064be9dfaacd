"""Days, ISO weeks and calendar months: the periods trends are counted in, and the periods
each is compared with (the one before, and the same period a year before)."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def start_of(day: date, grain: Grain) -> date:
    """The first day of the period ``day`` falls in (weeks start on Monday)."""
    if grain is Grain.DAY:
        return day
    if grain is Grain.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def next_start(start: date, grain: Grain) -> date:
    if grain is Grain.DAY:
        return start + timedelta(days=1)
    if grain is Grain.WEEK:
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_start(start: date, grain: Grain) -> date:
    if grain is Grain.MONTH:
        return (start - timedelta(days=1)).replace(day=1)
    return start - timedelta(days=1 if grain is Grain.DAY else 7)


def year_before(start: date, grain: Grain) -> date:
    """The same period a year before: 52 weeks back for days and weeks (the same weekday,
    so weekly seasonality does not show as change), the same month for months."""
    if grain is Grain.MONTH:
        return start.replace(year=start.year - 1)
    return start - timedelta(weeks=52)


def periods(first: date, last: date, grain: Grain) -> list[date]:
    """Starts of every period that overlaps ``first``..``last``."""
    out = []
    start = start_of(first, grain)
    while start <= last:
        out.append(start)
        start = next_start(start, grain)
    return out


def label(start: date, grain: Grain) -> str:
    if grain is Grain.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if grain is Grain.MONTH:
        return start.strftime("%Y-%m")
    return start.isoformat()


def change(now: int | float, before: int | float | None) -> float | None:
    """Relative change (0.25 = up 25%); None when there is nothing to compare with."""
    if before is None or before == 0:
        return None
    return (now - before) / before
