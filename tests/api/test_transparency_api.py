"""GET /v1/insight/transparency: the caller's own tenant only, published figures only, and
no 500 on any period it is given."""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from service_helpers import Harness

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "insight"))
from transparency_data import plant_main  # noqa: E402

ROUTE = "/v1/insight/transparency"
H1 = {"from": "2026-01-01", "to": "2026-06-30"}


def test_a_tenant_sees_its_own_published_figures_only(harness: Harness) -> None:
    a_id, a_headers = harness.tenant("tenant-a")
    b_id, b_headers = harness.tenant("tenant-b")
    plant_main(harness.repo, a_id, new_tenant=False)
    answer = harness.client.get(ROUTE, params=H1, headers=a_headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    overall = next(h for h in body["by_harm"] if h["harm"] == "*")
    assert overall["measures"] == "5"  # 5 measures: at the threshold, shown
    assert overall["time_to_action"] == {"measures": "5", "median_s": 600.0, "p90_s": 3600.0}
    grooming = next(h for h in body["by_harm"] if h["harm"] == "grooming")
    assert grooming["measures"] == "<5"  # 3: suppressed
    assert grooming["time_to_action"]["median_s"] is None
    assert body["notices"] == {"trusted_flagger": "<5", "user": "<5"}
    assert body["provider"] == "tenant-a"
    assert "4_notices.csv" in body["dsa_csv"]
    for secret in ("c1", "a1", a_id):
        assert f'"{secret}"' not in answer.text
    # tenant B: same route, its own (empty) figures; nothing of A's
    other = harness.client.get(ROUTE, params=H1, headers=b_headers)
    assert other.status_code == 200
    b_overall = next(h for h in other.json()["by_harm"] if h["harm"] == "*")
    assert b_overall["measures"] == "0" and other.json()["notices"] == {}
    assert a_id not in other.text and other.json()["provider"] == "tenant-b"


def test_bad_periods_are_refused_with_422(harness: Harness) -> None:
    _, headers = harness.tenant("tenant-a")
    assert harness.client.get(ROUTE, params=H1).status_code == 401
    for params in (
        {"from": "2026-06-30", "to": "2026-01-01"},
        {"from": "2000-01-01", "to": "2026-01-01"},
        {"from": "2026-01-01", "to": "9999-12-31"},
        {"from": "2026-13-01", "to": "2026-12-31"},
        {"from": "2026-01-01"},
        {},
    ):
        answer = harness.client.get(ROUTE, params=params, headers=headers)
        assert answer.status_code == 422, (params, answer.text)


def test_any_period_gets_an_answer_never_a_500(harness: Harness) -> None:
    _, headers = harness.tenant("tenant-a")
    day = st.one_of(
        st.dates().map(lambda d: d.isoformat()),
        st.text(max_size=12),
        st.sampled_from(["0001-01-01", "9999-12-31", "9999-12-30", "2026-02-29", ""]),
    )

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(start=day, end=day)
    def check(start: str, end: str) -> None:
        answer = harness.client.get(ROUTE, params={"from": start, "to": end}, headers=headers)
        assert answer.status_code in (200, 422), answer.text

    check()
