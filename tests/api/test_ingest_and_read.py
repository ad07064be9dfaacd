"""POST /v1/events and the read endpoints, end to end through the real engine."""

from __future__ import annotations

from service_helpers import (
    BENIGN,
    GROOMING,
    Harness,
    account_events,
    conversation_events,
    message,
)
from sqlalchemy import func, select

from safeguarding.storage.models import Event, StoredMessage


def _counts(h: Harness) -> tuple[int, int]:
    with h.repo.engine.connect() as conn:
        events = conn.execute(select(func.count()).select_from(Event)).scalar_one()
        messages = conn.execute(select(func.count()).select_from(StoredMessage)).scalar_one()
    return events, messages


def test_grooming_conversation_raises_an_alert_and_reads_agree(harness: Harness) -> None:
    _, headers = harness.tenant()
    events = account_events("p") + conversation_events("p", "c1", GROOMING)
    response = harness.post(headers, events)
    assert response.status_code == 200
    body = response.json()
    assert body["created"] == len(events) and body["duplicates"] == 0
    assert [r["id"] for r in body["results"]] == [e["id"] for e in events]
    (assessment,) = body["assessments"]
    assert assessment["conversation_id"] == "c1"
    assert assessment["level"] in ("alert", "urgent")
    assert assessment["offender"] == "adult1" and assessment["at_risk"] == "kid1"
    assert assessment["message_index"] == len(GROOMING) - 1

    conv = harness.client.get("/v1/conversations/c1/assessment", headers=headers).json()
    assert conv["message_count"] == len(GROOMING)
    assert conv["assessment"] == assessment
    assert conv["evidence_hold"] is True  # alerted conversations keep their text as evidence

    alerts = harness.client.get("/v1/alerts", headers=headers).json()["items"]
    assert alerts and {a["conversation_id"] for a in alerts} == {"c1"}
    assert max(a["level"] for a in alerts) == assessment["level"] or len(alerts) > 1

    account = harness.client.get("/v1/accounts/adult1/assessment", headers=headers).json()
    assert account["level_as_offender"] == assessment["level"]
    assert account["alerted_conversations"] == 1
    assert account["facts"]["declared_age"] == 15
    kid = harness.client.get("/v1/accounts/kid1/assessment", headers=headers).json()
    assert kid["conversations_at_risk"] == 1 and kid["risk_as_offender"] == 0.0


def test_retried_batch_creates_nothing_twice_and_answers_the_same(harness: Harness) -> None:
    _, headers = harness.tenant()
    events = conversation_events("p", "c1", GROOMING[:6])
    first = harness.post(headers, events).json()
    counts = _counts(harness)
    second = harness.post(headers, events).json()
    assert _counts(harness) == counts
    assert second["created"] == 0 and second["duplicates"] == len(events)
    assert [r["status"] for r in second["results"]] == ["duplicate"] * len(events)
    assert [{**r, "status": "x"} for r in second["results"]] == [
        {**r, "status": "x"} for r in first["results"]
    ]
    assert second["assessments"] == first["assessments"]
    # A batch that mixes retried and new events processes only the new ones.
    more = conversation_events("p", "c1", GROOMING[:8])
    third = harness.post(headers, more).json()
    assert (third["created"], third["duplicates"]) == (2, 6)
    assert third["results"][-1]["message_index"] == 7


def test_reused_event_id_with_other_content_is_a_conflict(harness: Harness) -> None:
    _, headers = harness.tenant()
    harness.post(headers, [message("e1", "c1", 0, "hi")])
    response = harness.post(headers, [message("e1", "c1", 0, "something else")])
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


def test_alerts_filter_by_level_and_time_and_page(harness: Harness) -> None:
    _, headers = harness.tenant()
    for n in range(3):
        harness.post(headers, conversation_events("p", f"g{n}", GROOMING))
    harness.post(headers, conversation_events("p", "b1", BENIGN))
    everything = harness.client.get("/v1/alerts?limit=500", headers=headers).json()["items"]
    assert {a["conversation_id"] for a in everything} == {"g0", "g1", "g2"}
    paged, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = harness.client.get("/v1/alerts", params=params, headers=headers).json()
        paged += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [a["id"] for a in paged] == [a["id"] for a in everything]
    level = everything[0]["level"]
    same = harness.client.get(f"/v1/alerts?level={level}", headers=headers).json()["items"]
    assert same and all(a["level"] == level for a in same)
    future = harness.client.get(
        "/v1/alerts", params={"since": "2100-01-01T00:00:00Z"}, headers=headers
    ).json()
    assert future["items"] == []


def test_reports_and_account_facts_are_stored(harness: Harness) -> None:
    _, headers = harness.tenant()
    harness.post(headers, conversation_events("p", "c1", GROOMING[:3]))
    report = {
        "type": "report",
        "id": "r1",
        "reporter_id": "kid1",
        "reported_id": "adult1",
        "conversation_id": "c1",
        "reason": "uncomfortable",
        "ts": "2026-01-01T00:00:00Z",
    }
    connection = {
        "type": "connection",
        "id": "k1",
        "account_id": "kid1",
        "other_account_id": "adult1",
        "change": "removed",
        "ts": "2026-01-01T00:00:00Z",
    }
    assert harness.post(headers, [report, connection]).status_code == 200
    reports = harness.client.get("/v1/reports?reported_id=adult1", headers=headers).json()
    assert [(r["event_id"], r["reason"]) for r in reports] == [("r1", "uncomfortable")]
    account = harness.client.get("/v1/accounts/adult1/assessment", headers=headers).json()
    assert account["reports_received"] == 1


def test_one_tenant_cannot_read_or_affect_another(harness: Harness) -> None:
    _, a = harness.tenant("a")
    _, b = harness.tenant("b")
    harness.post(a, conversation_events("p", "c1", GROOMING))
    assert harness.client.get("/v1/conversations/c1/assessment", headers=b).status_code == 404
    assert harness.client.get("/v1/accounts/adult1/assessment", headers=b).status_code == 404
    assert harness.client.get("/v1/alerts", headers=b).json()["items"] == []
    # B reusing A's ids creates B's own conversation and leaves A's untouched.
    harness.post(b, conversation_events("p", "c1", BENIGN))
    assert harness.client.get("/v1/conversations/c1/assessment", headers=a).json()[
        "message_count"
    ] == len(GROOMING)
    assert harness.client.get("/v1/conversations/c1/assessment", headers=b).json()[
        "message_count"
    ] == len(BENIGN)


def test_keys_need_the_right_scope_and_stop_working_when_revoked(harness: Harness) -> None:
    _, reader = harness.tenant("a", scopes=("read",))
    assert harness.post(reader, [message("e1", "c1", 0, "hi")]).status_code == 403
    assert harness.client.get("/v1/alerts", headers=reader).status_code == 200
    key_id = reader["Authorization"].split("_")[1]
    harness.repo.revoke_api_key(key_id)
    response = harness.client.get("/v1/alerts", headers=reader)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert harness.client.get("/v1/alerts").status_code == 401


def test_health_readiness_and_metrics(harness: Harness) -> None:
    _, headers = harness.tenant()
    harness.post(headers, conversation_events("p", "c1", GROOMING))
    assert harness.client.get("/healthz").json() == {"status": "ok"}
    assert harness.client.get("/readyz").status_code == 200
    metrics = harness.client.get("/metrics").text
    assert (
        f'safeguarding_events_total{{status="created",type="message"}} {len(GROOMING)}.0' in metrics
    )
    assert "safeguarding_ingest_seconds_count 1.0" in metrics
    assert 'safeguarding_alerts_total{level="' in metrics
    assert "safeguarding_outbox_depth 0.0" in metrics
