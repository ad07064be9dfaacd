"""``/v1/insight/*``: each tenant sees its own roll-ups only; bad input is a 422, never a 500."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "insight"))

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planting import plant
from service_helpers import Harness

DAY = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
M = timedelta(minutes=1)
WINDOW = {"from": "2026-03-01", "to": "2026-03-31", "grain": "month"}


def _two_tenants(h: Harness) -> tuple[str, dict[str, str], str, dict[str, str]]:
    a, a_headers = h.tenant("tenant-a")
    b, b_headers = h.tenant("tenant-b")
    # A: three alerts, one acted on after 7 minutes. B: one alert, named the same "c0".
    for i in range(3):
        plant(h.repo, a, f"c{i}", DAY, tactics=("secrecy",), actions=[(7 * M, "warn")])
    plant(h.repo, b, "c0", DAY, tactics=("meeting",), area="voice_lobby")
    h.repo.rollup(a)
    h.repo.rollup(b)
    return a, a_headers, b, b_headers


def test_trends_and_timings_are_the_callers_own(harness: Harness) -> None:
    a, a_headers, b, b_headers = _two_tenants(harness)
    mine = harness.client.get("/v1/insight/trends", params=WINDOW, headers=a_headers).json()
    theirs = harness.client.get("/v1/insight/trends", params=WINDOW, headers=b_headers)
    assert theirs.status_code == 200
    body = theirs.json()
    assert body["tenant_id"] == b and a not in theirs.text
    totals = {(p["metric"], p["dimension"], p["value"]): p["count"] for p in body["trends"]}
    assert totals[("alerts", "all", "")] == 1
    assert ("alerts", "tactic", "secrecy") not in totals  # A's tactic
    assert totals[("alerts", "area", "voice_lobby")] == 1
    a_totals = {(p["metric"], p["dimension"], p["value"]): p["count"] for p in mine["trends"]}
    assert a_totals[("alerts", "all", "")] == 3 and a_totals[("actions", "all", "")] == 3

    timing = harness.client.get(
        "/v1/insight/time-to-action", params=WINDOW, headers=a_headers
    ).json()
    action = next(t for t in timing["items"] if t["step"] == "action")
    assert (action["conversations"], action["median_s"]) == (3, 420.0)
    b_timing = harness.client.get(
        "/v1/insight/time-to-action", params=WINDOW, headers=b_headers
    ).json()
    assert next(t for t in b_timing["items"] if t["step"] == "action")["conversations"] == 0

    spikes = harness.client.get(
        "/v1/insight/spikes", params={"from": "2026-03-01", "to": "2026-03-31"}, headers=b_headers
    )
    assert spikes.status_code == 200 and spikes.json()["items"] == []


def test_insight_routes_need_a_key(harness: Harness) -> None:
    for path in ("/v1/insight/trends", "/v1/insight/time-to-action", "/v1/insight/spikes"):
        assert harness.client.get(path).status_code == 401


def test_bad_ranges_are_422(harness: Harness) -> None:
    _, headers = harness.tenant("tenant-a")
    for params in (
        {"from": "2026-03-10", "to": "2026-03-01"},
        {"from": "1999-12-31", "to": "2000-01-05"},
        {"from": "2026-01-01", "to": "2027-06-01", "grain": "day"},
        {"metric": "messages"},
        {"dimension": "text"},
        {"grain": "year"},
        {"from": "not-a-day"},
        {"to": "0001-01-01"},  # the default start would fall before the first day there is
        {"to": "9999-12-31"},
    ):
        answer = harness.client.get("/v1/insight/trends", params=params, headers=headers)
        assert answer.status_code == 422, (params, answer.text)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(
        ["/v1/insight/trends", "/v1/insight/time-to-action", "/v1/insight/spikes"]
    ),
    params=st.dictionaries(
        st.sampled_from(["from", "to", "grain", "metric", "dimension"]),
        st.one_of(
            st.dates().map(str),
            st.sampled_from(["day", "week", "month", "alerts", "tactic", "", "0001-01-01"]),
            st.text(max_size=30),
        ),
        max_size=5,
    ),
)
def test_fuzzed_queries_never_fail_on_the_server(
    harness: Harness, path: str, params: dict[str, str]
) -> None:
    _, headers = harness.tenant("tenant-a")
    answer = harness.client.get(path, params=params, headers=headers)
    assert answer.status_code in (200, 422), (path, params, answer.status_code, answer.text)
