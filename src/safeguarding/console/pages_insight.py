"""Insight pages (leads and auditors): the Insight area's index and the trends page.

Every insight page is listed in :data:`INSIGHT_PAGES` (path under ``/insight``, title,
one line on what it shows); the index and the navigation read it, so a new page is one entry
there and its route. Figures are counts and times from the roll-ups, never content; each
view is recorded in the tenant's audit log.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from safeguarding.cases.roles import Permission
from safeguarding.cases.workflow import CaseDenied, CaseError
from safeguarding.console.web import Visitor, error_page, render, state_of, visitor
from safeguarding.insight.periods import Grain
from safeguarding.insight.report import trends_report
from safeguarding.storage.repository.audit import AuditEntry

router = APIRouter()

INSIGHT_PAGES: list[tuple[str, str, str]] = [
    (
        "trends",
        "Trends",
        "Alerts, cases, decisions, actions and reports over time, spikes and time to act.",
    ),
    (
        "patterns",
        "Patterns",
        "Accounts that contact many children, repeated openers, linked accounts and their "
        "network, for investigators.",
    ),
    (
        "transparency",
        "Transparency report",
        "Content and accounts actioned per harm, detection source, time to action, appeals "
        "and reports to NCMEC and the NCA, for a period: PDF, HTML and the DSA CSV files.",
    ),
]
SHOWN_METRICS = ("alerts", "cases", "decisions", "actions", "reports")
MAX_DAYS = {Grain.DAY: 366, Grain.WEEK: 3 * 366, Grain.MONTH: 10 * 366}


def require_insight(v: Visitor) -> None:
    if not v.may(Permission.INSIGHT):
        raise CaseDenied("Your role cannot open this page.")


@router.get("/insight")
async def insight_index(request: Request) -> Response:
    v = await visitor(request)
    try:
        require_insight(v)
    except CaseError as exc:
        return error_page(request, v, exc)
    return render(request, "insight.html", v, pages=INSIGHT_PAGES)


def _query(request: Request) -> tuple[Grain, date, date]:
    q = request.query_params
    grain = Grain(q.get("grain") or "week")
    last = date.fromisoformat(q["to"]) if q.get("to") else datetime.now(UTC).date()
    first = date.fromisoformat(q["from"]) if q.get("from") else last - timedelta(days=89)
    if not (date(2000, 1, 1) <= first <= last <= date(2100, 12, 31)):
        raise ValueError("range")
    if (last - first).days + 1 > MAX_DAYS[grain]:
        raise ValueError("range too long")
    return grain, first, last


def _table(report: dict[str, Any], dimension: str) -> dict[str, Any]:
    """Rows (period -> metric -> point) for the totals, or value rows for one dimension."""
    periods: dict[str, dict[str, Any]] = {}
    for p in report["trends"]:
        if p["dimension"] == dimension:
            key = p["period"] if dimension == "all" else f"{p['period']} · {p['value']}"
            periods.setdefault(key, {})[p["metric"]] = p
    return dict(sorted(periods.items()))


@router.get("/insight/trends")
async def trends_page(request: Request) -> Response:
    v = await visitor(request)
    repo = state_of(request).cases.repo
    try:
        require_insight(v)
        grain, first, last = _query(request)
    except CaseError as exc:
        return error_page(request, v, exc)
    except (ValueError, KeyError):
        return error_page(request, v, CaseError("Bad range: from and to are days, from first."))
    report = await run_in_threadpool(
        lambda: trends_report(
            repo,
            v.who.tenant_id,
            grain,
            first,
            last,
            metrics=SHOWN_METRICS,
            dimensions=("all", "harm"),
        )
    )
    await run_in_threadpool(
        repo.append_audit,
        v.who.tenant_id,
        AuditEntry("insight_viewed", v.user.username, "trends"),
    )
    return render(
        request,
        "insight_trends.html",
        v,
        report=report,
        totals=_table(report, "all"),
        by_harm=_table(report, "harm"),
        metrics=SHOWN_METRICS,
        grain=grain.value,
        first=first.isoformat(),
        last=last.isoformat(),
    )
