"""The insight benchmark at a small size: the history it generates, the roll-up of it, the
timed reports, and a second run reusing the tenant."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from safeguarding.benchmarks.insight import TIMED, run_insight_bench
from safeguarding.storage.models import Tenant
from safeguarding.storage.repository import Repository


def test_small_insight_bench_generates_rolls_up_and_times(tmp_path: Path) -> None:
    repo = Repository.from_url(f"sqlite:///{tmp_path / 'bench.db'}")
    result = run_insight_bench(repo, messages=4_000, actions=800, days=60)
    h = result.history
    assert (h["messages"], h["conversations"], h["alerts"]) == (4_000, 80, 40)
    assert h["actions"] == 800 and h["cases"] == 40
    assert set(result.report_s) == set(TIMED) and result.passed
    with repo.engine.connect() as conn:
        tenant = conn.execute(select(Tenant.id)).scalar_one()
    days = repo.insight_days(tenant)
    assert days is not None
    total = sum(n for _, _, n in repo.daily_counts(tenant, "alerts", "all", *days))
    assert total == 40
    actions = sum(
        n for _, _, n in repo.daily_counts(tenant, "actions", "all", "2000-01-01", "2100-01-01")
    )
    assert actions == 800

    again = run_insight_bench(repo, days=60, tenant_id=tenant)
    assert again.history["messages"] == 4_000 and again.history["alerts"] == 40
    with repo.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Tenant)).scalar_one() == 1
    assert sum(n for _, _, n in repo.daily_counts(tenant, "alerts", "all", *days)) == 40
    repo.close()
