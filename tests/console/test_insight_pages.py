"""The console's Insight area: leads and auditors see their own tenant's trends; other roles
are refused; a bad range is a clear error, never a 500."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "insight"))

from case_helpers import World, login
from fastapi.testclient import TestClient
from planting import plant
from sqlalchemy import select

from safeguarding.storage.models_cases import AuditEntryRow

DAY = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def _planted(w: World) -> None:
    for i in range(4):
        plant(w.repo, w.tenant, f"ins{i}", DAY, tactics=("platform_move",))
    for i in range(9):
        plant(w.repo, w.other, f"ins{i}", DAY, harm="sextortion")
    w.repo.rollup(w.tenant)
    w.repo.rollup(w.other)


def test_leads_and_auditors_see_their_own_trends(sqlite_world: World) -> None:
    w = sqlite_world
    _planted(w)
    for name in ("lead", "auditor"):
        client = TestClient(w.app)
        assert login(client, name).status_code == 303
        index = client.get("/console/insight")
        assert index.status_code == 200 and 'href="/console/insight/trends"' in index.text
        page = client.get(
            "/console/insight/trends",
            params={"grain": "month", "from": "2026-03-01", "to": "2026-03-31"},
        )
        assert page.status_code == 200, page.text
        assert '<th scope="row">2026-03</th><td>4</td>' in page.text
        assert "sextortion" not in page.text  # the other tenant's harm
    with w.repo.engine.connect() as conn:
        actions = conn.execute(
            select(AuditEntryRow.action).where(AuditEntryRow.tenant_id == w.tenant)
        ).scalars()
        assert list(actions).count("insight_viewed") == 2


def test_other_roles_are_refused_and_bad_ranges_are_errors(sqlite_world: World) -> None:
    w = sqlite_world
    for name in ("moderator", "specialist", "admin"):
        client = TestClient(w.app)
        assert login(client, name).status_code == 303
        assert client.get("/console/insight").status_code == 403
        assert client.get("/console/insight/trends").status_code == 403
        assert "/console/insight" not in client.get("/console/preferences").text
    client = TestClient(w.app)
    login(client, "lead")
    for params in (
        {"from": "2026-03-10", "to": "2026-03-01"},
        {"from": "garbage"},
        {"grain": "year"},
        {"grain": "day", "from": "2020-01-01", "to": "2026-01-01"},
        {"from": "0001-01-01"},
    ):
        answer = client.get("/console/insight/trends", params=params)
        assert 400 <= answer.status_code < 500, (params, answer.status_code)
    assert (
        TestClient(w.app).get("/console/insight/trends", follow_redirects=False).status_code == 303
    )
