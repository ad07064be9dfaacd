"""Insight benchmark: the trends and the transparency report over a large generated history.

Generates ``messages`` messages and about ``actions`` actions of history (untimed; bulk
loads), rolls them up once (timed and reported apart: this is the step a deployment runs
incrementally, a few minutes' rows at a time), then times the report a lead opens: every
metric under every dimension by week over the whole history, time to act and spikes by day
over the last 90 days; and the transparency report over the whole history (every action).
The target is ≤ 30 s for the reports together on SQLite and on PostgreSQL.
Other reports over the same history register in :data:`TIMED` (name -> callable).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from safeguarding.benchmarks.history import generate_history
from safeguarding.insight.periods import Grain
from safeguarding.insight.report import trends_report
from safeguarding.insight.transparency import Period, build_report
from safeguarding.insight.transparency_dsa import dsa_files
from safeguarding.storage.models import (
    ActionRow,
    AlertRow,
    AuthorityReportEvent,
    Conversation,
    StoredMessage,
)
from safeguarding.storage.models_cases import CaseRow
from safeguarding.storage.repository import Repository

TARGET_S = 30.0
Timed = Callable[[Repository, str, date, date], object]


def _trends(repo: Repository, tenant_id: str, first: date, last: date) -> object:
    whole = trends_report(repo, tenant_id, Grain.WEEK, first, last)
    recent = trends_report(repo, tenant_id, Grain.DAY, last - timedelta(days=89), last)
    return len(whole["trends"]) + len(recent["trends"])


def _transparency(repo: Repository, tenant_id: str, first: date, last: date) -> object:
    """The transparency report over the whole history (every action), with its DSA CSV."""
    report = build_report(repo, tenant_id, Period(first, last), provider="bench")
    return len(dsa_files(report)) + report.measures()


# Reports timed over the generated history.
TIMED: dict[str, Timed] = {"trends": _trends, "transparency": _transparency}


@dataclass
class InsightBenchResult:
    backend: str
    history: dict[str, int]
    generate_s: float
    rollup_s: float
    report_s: dict[str, float] = field(default_factory=dict)
    target_s: float = TARGET_S

    @property
    def together_s(self) -> float:
        """The reports one after the other (the trends and the transparency report)."""
        return round(sum(self.report_s.values()), 2)

    @property
    def passed(self) -> bool:
        return self.together_s <= self.target_s

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "together_s": self.together_s, "passed": self.passed}


def run_insight_bench(
    repo: Repository,
    *,
    messages: int = 10_000_000,
    actions: int = 1_000_000,
    days: int = 730,
    progress: Callable[[str, int], None] | None = None,
    tenant_id: str | None = None,
) -> InsightBenchResult:
    """Generate the history in a fresh tenant of ``repo``, roll it up, time each report.
    ``tenant_id``: a tenant a run before generated today; its history is reused (counted,
    not generated again) and its roll-up carried on from where it stopped."""
    repo.migrate()
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    t0 = time.perf_counter()
    if tenant_id is None:
        tenant_id = repo.create_tenant(f"insight-bench-{time.time_ns()}").id
        history = asdict(
            generate_history(
                repo,
                tenant_id,
                messages=messages,
                actions=actions,
                days=days,
                end=end,
                progress=progress,
            )
        )
    else:
        history = count_history(repo, tenant_id)
    generated = time.perf_counter() - t0
    t0 = time.perf_counter()
    repo.rollup(tenant_id, progress)
    rolled = time.perf_counter() - t0
    result = InsightBenchResult(repo.dialect, history, round(generated, 1), round(rolled, 1))
    first, last = (end - timedelta(days=days)).date(), (end - timedelta(days=1)).date()
    for name, report in TIMED.items():
        t0 = time.perf_counter()
        report(repo, tenant_id, first, last)
        result.report_s[name] = round(time.perf_counter() - t0, 2)
    return result


def count_history(repo: Repository, tenant_id: str) -> dict[str, int]:
    """Rows of a tenant's generated history (for a reused bench tenant)."""
    tables: dict[str, Any] = {
        "conversations": Conversation,
        "messages": StoredMessage,
        "alerts": AlertRow,
        "actions": ActionRow,
        "cases": CaseRow,
        "reports": AuthorityReportEvent,
    }
    with repo.engine.connect() as conn:
        return {
            name: int(
                conn.execute(
                    select(func.count()).select_from(model).where(model.tenant_id == tenant_id)
                ).scalar_one()
            )
            for name, model in tables.items()
        }
