"""The trends report: series, spikes and time to act for one tenant and date range."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from safeguarding.insight.periods import Grain
from safeguarding.insight.spikes import find_spikes
from safeguarding.insight.time_to_act import time_to_act
from safeguarding.insight.trends import METRICS, trend
from safeguarding.storage.repository import Repository
from safeguarding.storage.repository.insight_rollup import DIMENSIONS


def trends_report(
    repo: Repository,
    tenant_id: str,
    grain: Grain,
    first: date,
    last: date,
    *,
    metrics: Sequence[str] = METRICS,
    dimensions: Sequence[str] = DIMENSIONS,
    step: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Everything the trends page shows, as plain data (JSON-ready)."""
    series: list[dict[str, Any]] = []
    for metric in metrics:
        for dimension in dimensions:
            series.extend(
                p.as_dict() for p in trend(repo, tenant_id, metric, dimension, grain, first, last)
            )
            if step is not None:
                step(f"{metric} by {dimension}")
    timings = [t.as_dict() for t in time_to_act(repo, tenant_id, grain, first, last)]
    if step is not None:
        step("time to act")
    spikes = [s.as_dict() for s in find_spikes(repo, tenant_id, first, last)]
    if step is not None:
        step("spikes")
    return {
        "tenant_id": tenant_id,
        "grain": grain.value,
        "first": first.isoformat(),
        "last": last.isoformat(),
        "rolled_up": repo.insight_cursors(tenant_id),
        "trends": series,
        "time_to_act": timings,
        "spikes": spikes,
    }


def report_steps(metrics: Sequence[str], dimensions: Sequence[str]) -> int:
    return len(metrics) * len(dimensions) + 2
