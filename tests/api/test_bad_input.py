"""Bad input gets a 4xx RFC 9457 problem, never a 500 and never a partial write."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from service_helpers import Harness, message, sqlite_url
from sqlalchemy import func, select

from safeguarding.storage.models import Event, StoredMessage

GOOD = message("ok-1", "c1", 0, "hello")


def _stored(h: Harness) -> tuple[int, int]:
    with h.repo.engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(Event)).scalar_one(),
            conn.execute(select(func.count()).select_from(StoredMessage)).scalar_one(),
        )


CASES = {
    "invalid json": (b'{"events": [', 400),
    # Not Unicode text: refused, as docs/service.md and the README say.
    "lone surrogate in text": (
        json.dumps({"events": [GOOD]}).replace('"hello"', '"a\\ud800b"').encode(),
        422,
    ),
    "not an object": (b"[1, 2]", 400),
    "unknown field": ({"events": [GOOD | {"colour": "red"}]}, 422),
    "unknown top-level field": ({"events": [GOOD], "extra": 1}, 422),
    "wrong type": ({"events": [GOOD | {"text": 42}]}, 422),
    "recipients not a list": ({"events": [GOOD | {"recipients": "kid1"}]}, 422),
    "no timezone": ({"events": [GOOD | {"ts": "2026-01-01T10:00:00"}]}, 422),
    "far future": ({"events": [GOOD | {"ts": "2099-01-01T00:00:00Z"}]}, 422),
    "text too long": ({"events": [GOOD | {"text": "x" * 10_001}]}, 422),
    "unknown event type": ({"events": [GOOD | {"type": "poke"}]}, 422),
    "empty batch": ({"events": []}, 422),
    "duplicate ids in batch": ({"events": [GOOD, GOOD | {"message_id": "m9"}]}, 422),
    "report on unknown conversation": (
        {
            "events": [
                GOOD,
                {
                    "type": "report",
                    "id": "r1",
                    "reporter_id": "kid1",
                    "reported_id": "adult1",
                    "conversation_id": "never-seen",
                    "ts": "2026-01-01T00:00:00Z",
                },
            ]
        },
        422,
    ),
    "control characters in id": ({"events": [GOOD | {"conversation_id": "a\x00b"}]}, 422),
    "negative age": (
        {"events": [{"type": "account", "id": "a1", "account_id": "u", "declared_age": -3}]},
        422,
    ),
    "guardian is the account itself": (
        {"events": [GOOD, {"type": "account", "id": "a1", "account_id": "u", "guardian_id": "u"}]},
        422,
    ),
    "guardian linked and unlinked at once": (
        {
            "events": [
                GOOD,
                {
                    "type": "account",
                    "id": "a1",
                    "account_id": "u",
                    "guardian_id": "g",
                    "unlink_guardian": True,
                },
            ]
        },
        422,
    ),
    "empty guardian id": (
        {"events": [{"type": "account", "id": "a1", "account_id": "u", "guardian_id": ""}]},
        422,
    ),
    # The calendar's edges: converting them to UTC or adding a window overflows.
    **{
        f"{event['type']} {field} at {edge}": (
            {"events": [GOOD, event | {field: edge}]},
            422,
        )
        for edge in ("0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59-01:00")
        for field, event in (
            ("ts", GOOD | {"id": "ok-2", "message_id": "m2"}),
            ("created_at", {"type": "account", "id": "a1", "account_id": "u"}),
            ("ts", {"type": "account", "id": "a1", "account_id": "u"}),
            (
                "ts",
                {
                    "type": "connection",
                    "id": "n1",
                    "account_id": "u",
                    "other_account_id": "v",
                    "change": "added",
                },
            ),
            (
                "ts",
                {"type": "report", "id": "r1", "reporter_id": "u", "reported_id": "v"},
            ),
        )
    },
    "unlink not a boolean": (
        {"events": [{"type": "account", "id": "a1", "account_id": "u", "unlink_guardian": "yes"}]},
        422,
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_bad_batches_are_refused_whole(harness: Harness, name: str) -> None:
    _, headers = harness.tenant()
    body, status = CASES[name]
    before = _stored(harness)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = harness.client.post(
        "/v1/events", content=raw, headers=headers | {"Content-Type": "application/json"}
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    assert "hello" not in response.text  # message text is never echoed back
    assert _stored(harness) == before


def test_oversized_body_is_413(tmp_path) -> None:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False, max_body_bytes=2000)
    try:
        _, headers = h.tenant()
        response = h.post(headers, [message(f"e{i}", "c1", i, "y" * 100) for i in range(30)])
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert _stored(h) == (0, 0)
    finally:
        h.close()


@pytest.mark.parametrize(
    "query",
    [
        {"since": "0001-01-01T00:30:00+01:00"},
        {"until": "9999-12-31T23:59:59-01:00"},
        {"since": "2026-01-01T00:00:00"},  # no zone
        {"limit": str(10**40)},
        {"cursor": "9" * 40},
    ],
)
def test_alert_filters_at_the_edges_are_problems(harness: Harness, query: dict[str, str]) -> None:
    _, headers = harness.tenant()
    response = harness.client.get("/v1/alerts", params=query, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_media_match_refusals_never_echo_the_text(harness: Harness) -> None:
    _, headers = harness.tenant(scopes=("admin",))
    for body, status in (
        (
            {"text": 5, "urls": "dont tell ur parents xyz", "hashes": "dont tell ur parents xyz"},
            422,
        ),
        ({"text": ["dont tell ur parents xyz"]}, 422),
        ({"text": "dont tell ur parents xyz", "colour": 1, "dont tell ur parents xyz": 1}, 200),
    ):
        response = harness.client.post("/v1/media/match", json=body, headers=headers)
        assert response.status_code == status, response.text
        assert "dont tell" not in response.text
    for raw in (b"{bad", b"[" * 100_000 + b"]" * 100_000):
        response = harness.client.post(
            "/v1/media/match", content=raw, headers=headers | {"Content-Type": "application/json"}
        )
        assert response.status_code == 400, response.text
        assert response.json()["title"] == "Invalid JSON"


def test_unknown_keys_are_not_echoed(harness: Harness) -> None:
    _, headers = harness.tenant()
    response = harness.post(headers, [GOOD | {"dont tell ur parents xyz": 1, "colour": 2}])
    assert response.status_code == 422
    locs = [e["loc"] for e in response.json()["errors"]]
    assert ["body", "events", "0", "message", "colour"] in locs
    assert "dont tell" not in response.text


def test_bad_keys_and_unknown_things_are_problems(harness: Harness) -> None:
    _, headers = harness.tenant()
    for auth in ("", "Bearer", "Bearer sg_nope_nope", "Basic dXNlcjpwYXNz"):
        response = harness.client.get("/v1/alerts", headers={"Authorization": auth})
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
    for path in ("/v1/conversations/zzz/assessment", "/v1/accounts/zzz/assessment", "/nope"):
        response = harness.client.get(path, headers=headers)
        assert response.status_code == 404
        assert response.json()["status"] == 404
    assert harness.client.get("/v1/alerts?cursor=abc", headers=headers).status_code == 422
    assert harness.client.get("/v1/alerts?level=extreme", headers=headers).status_code == 422


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    mutation=st.dictionaries(
        st.sampled_from(sorted(GOOD) + ["zzz"]), json_values, min_size=1, max_size=3
    )
)
def test_mutated_events_never_cause_a_server_error(harness: Harness, mutation: dict) -> None:
    _, headers = harness.tenant("fuzz")
    event = GOOD | {"id": "fuzz-" + json.dumps(mutation, sort_keys=True)[:150]} | mutation
    response = harness.post(headers, [event])
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
