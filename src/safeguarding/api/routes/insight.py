"""Read-only insight: trends, time to act and spikes from the tenant's daily roll-ups.

The figures are as of the last roll-up (``safeguarding insight rollup``; each answer says how
far it got in ``rolled_up``); these routes never write and never read a message.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from safeguarding.api.deps import ReadPrincipal, ServicesDep
from safeguarding.api.problems import PROBLEM_SCHEMA
from safeguarding.insight.periods import Grain
from safeguarding.insight.report import trends_report
from safeguarding.insight.spikes import find_spikes
from safeguarding.insight.time_to_act import time_to_act
from safeguarding.insight.trends import METRICS
from safeguarding.service.problems import ProblemError
from safeguarding.storage.repository.insight_rollup import DIMENSIONS

router = APIRouter(tags=["insight"])
ERRORS = {code: PROBLEM_SCHEMA for code in (401, 403, 422)}
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
# The longest range per grain, so one request stays a few thousand points.
MAX_DAYS = {Grain.DAY: 366, Grain.WEEK: 3 * 366, Grain.MONTH: 10 * 366}
METRIC_PATTERN = "^(" + "|".join(METRICS) + ")$"
DIMENSION_PATTERN = "^(" + "|".join(DIMENSIONS) + ")$"


class TrendsOut(BaseModel):
    tenant_id: str
    grain: str
    first: str
    last: str
    rolled_up: dict[str, int]
    trends: list[dict[str, Any]]
    time_to_act: list[dict[str, Any]]
    spikes: list[dict[str, Any]]


class TimingsOut(BaseModel):
    grain: str
    first: str
    last: str
    rolled_up: dict[str, int]
    items: list[dict[str, Any]]


class SpikesOut(BaseModel):
    metric: str
    first: str
    last: str
    rolled_up: dict[str, int]
    items: list[dict[str, Any]]


def _range(first: date | None, last: date | None, grain: Grain) -> tuple[date, date]:
    last = last or datetime.now(UTC).date()
    # Checked before the default start is computed: 89 days before 0001-01-03 overflows.
    if not (EARLIEST <= last <= LATEST and (first is None or EARLIEST <= first <= LATEST)):
        raise ProblemError(422, "Out of range", f"from and to: between {EARLIEST} and {LATEST}.")
    first = first or last - timedelta(days=89)
    if last < first:
        raise ProblemError(422, "Empty range", "to: on or after from.")
    if (last - first).days + 1 > MAX_DAYS[grain]:
        raise ProblemError(
            422, "Range too long", f"at most {MAX_DAYS[grain]} days by {grain.value}."
        )
    return first, last


@router.get("/v1/insight/trends", response_model=TrendsOut, responses=ERRORS)  # type: ignore[arg-type]
def get_trends(
    principal: ReadPrincipal,
    services: ServicesDep,
    grain: Grain = Grain.WEEK,
    first: Annotated[date | None, Query(alias="from", description="first day")] = None,
    last: Annotated[date | None, Query(alias="to", description="last day")] = None,
    metric: Annotated[list[str] | None, Query(max_length=len(METRICS))] = None,
    dimension: Annotated[list[str] | None, Query(max_length=len(DIMENSIONS))] = None,
) -> dict[str, Any]:
    """Counts per period under each dimension with the change on the period before and on
    the same period a year before; time to act; spikes (see docs/insight.md)."""
    lo, hi = _range(first, last, grain)
    metrics = metric or list(METRICS)
    dimensions = dimension or list(DIMENSIONS)
    unknown = sorted((set(metrics) - set(METRICS)) | (set(dimensions) - set(DIMENSIONS)))
    if unknown:
        raise ProblemError(422, "Unknown metric or dimension", ", ".join(unknown)[:200])
    return trends_report(
        services.repo, principal.tenant_id, grain, lo, hi, metrics=metrics, dimensions=dimensions
    )


@router.get("/v1/insight/time-to-action", response_model=TimingsOut, responses=ERRORS)  # type: ignore[arg-type]
def get_time_to_action(
    principal: ReadPrincipal,
    services: ServicesDep,
    grain: Grain = Grain.WEEK,
    first: Annotated[date | None, Query(alias="from", description="first day")] = None,
    last: Annotated[date | None, Query(alias="to", description="last day")] = None,
) -> dict[str, Any]:
    """Median and 90th percentile seconds from the first risky message to the first alert,
    decision, action and report, per period, with the change on the period before."""
    lo, hi = _range(first, last, grain)
    rows = time_to_act(services.repo, principal.tenant_id, grain, lo, hi)
    return {
        "grain": grain.value,
        "first": lo.isoformat(),
        "last": hi.isoformat(),
        "rolled_up": services.repo.insight_cursors(principal.tenant_id),
        "items": [r.as_dict() for r in rows],
    }


@router.get("/v1/insight/spikes", response_model=SpikesOut, responses=ERRORS)  # type: ignore[arg-type]
def get_spikes(
    principal: ReadPrincipal,
    services: ServicesDep,
    metric: Annotated[str, Query(pattern=METRIC_PATTERN)] = "alerts",
    first: Annotated[date | None, Query(alias="from", description="first day")] = None,
    last: Annotated[date | None, Query(alias="to", description="last day")] = None,
) -> dict[str, Any]:
    """Days far above the same weekday's usual count, with what drove each."""
    lo, hi = _range(first, last, Grain.DAY)
    spikes = find_spikes(services.repo, principal.tenant_id, lo, hi, metric=metric)
    return {
        "metric": metric,
        "first": lo.isoformat(),
        "last": hi.isoformat(),
        "rolled_up": services.repo.insight_cursors(principal.tenant_id),
        "items": [s.as_dict() for s in spikes],
    }
