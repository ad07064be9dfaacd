"""GET /v1/conversations/{id}/referral: the police referral, tenant-scoped, excerpts only."""

from __future__ import annotations

import logging

import pytest
from service_helpers import EXPLOITATION, Harness, account_events, conversation_events
from sqlalchemy import func, select

from safeguarding.storage.models import AlertRow, Event, StoredMessage


def _ingest(h: Harness) -> tuple[str, dict[str, str]]:
    tenant, headers = h.tenant("platform-a")
    events = account_events("p") + conversation_events("p", "c1", EXPLOITATION)
    assert h.post(headers, events).status_code == 200
    return tenant, headers


def test_alerts_record_the_harm(harness: Harness) -> None:
    _, headers = _ingest(harness)
    assessment = harness.client.get("/v1/conversations/c1/assessment", headers=headers).json()
    assert assessment["assessment"]["harm"] == "criminal_exploitation"
    items = harness.client.get("/v1/alerts?status=all", headers=headers).json()["items"]
    assert items and {a["harm"] for a in items} == {"criminal_exploitation"}
    with harness.repo.engine.connect() as conn:
        harms = conn.execute(select(AlertRow.harm)).scalars().all()
    assert set(harms) == {"criminal_exploitation"}


def test_referral_json_quotes_only_evidence_excerpts(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    tenant, headers = _ingest(harness)
    with caplog.at_level(logging.DEBUG):
        answer = harness.client.get("/v1/conversations/c1/referral", headers=headers)
    assert answer.status_code == 200
    doc = answer.json()
    assert doc["schema"] == "safeguarding.police-referral/1"
    assert doc["harm"] == "criminal_exploitation" and doc["ncmec_reportable"] is False
    assert doc["route"] == "law_enforcement_referral"
    assert doc["reporter"]["tenant"] == tenant
    roles = {p["account_id"]: p["role"] for p in doc["participants"]}
    assert roles == {"adult1": "suspect", "kid1": "child at risk"}
    assert {"money_offer", "courier_task", "debt"} <= {i["indicator"] for i in doc["indicators"]}
    assert doc["alerts"] and doc["actions_taken"]
    assert "tip-off" in doc["handling"]
    texts = {text for _, text in EXPLOITATION}
    excerpts = [e["excerpt"] for e in doc["evidence"]]
    assert excerpts and all(any(x in t for t in texts) for x in excerpts)
    # The child's messages are never quoted, and no whole message is copied beyond its span.
    body = answer.text
    for sender, text in EXPLOITATION:
        if sender == "kid1":
            assert text not in body
    for record in caplog.records:  # no message text in any log line
        assert not any(text in record.getMessage() for text in texts)


def test_referral_html_is_escaped(harness: Harness) -> None:
    _, headers = _ingest(harness)
    answer = harness.client.get("/v1/conversations/c1/referral?format=html", headers=headers)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert "Police referral REF-" in answer.text
    assert "here&#x27;s a phone" in answer.text or "phone only for the work" in answer.text
    assert "<script" not in answer.text


def test_other_tenant_cannot_read_the_referral(harness: Harness) -> None:
    _ingest(harness)
    _, other = harness.tenant("platform-b")
    # the same conversation id under another tenant is simply unknown
    answer = harness.client.get("/v1/conversations/c1/referral", headers=other)
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "c1" in answer.json()["detail"] and "bag" not in answer.text
    # and the second tenant's own conversation with that id is its own
    assert harness.post(other, conversation_events("q", "c1", EXPLOITATION[:2])).status_code == 200
    doc = harness.client.get("/v1/conversations/c1/referral", headers=other)
    assert doc.status_code == 200
    assert "i pay per trip" not in doc.text  # never the first tenant's evidence
    assert doc.json()["conversation"]["messages"] == 2


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/conversations/c1/referral?format=pdf", 422),
        ("/v1/conversations/" + "x" * 201 + "/referral", 422),
        ("/v1/conversations/nope/referral", 404),
    ],
)
def test_bad_requests_answer_problems_and_write_nothing(
    harness: Harness, path: str, status: int
) -> None:
    _, headers = _ingest(harness)
    with harness.repo.engine.connect() as conn:
        before = (
            conn.execute(select(func.count()).select_from(Event)).scalar_one(),
            conn.execute(select(func.count()).select_from(StoredMessage)).scalar_one(),
        )
    answer = harness.client.get(path, headers=headers)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/problem+json")
    with harness.repo.engine.connect() as conn:
        after = (
            conn.execute(select(func.count()).select_from(Event)).scalar_one(),
            conn.execute(select(func.count()).select_from(StoredMessage)).scalar_one(),
        )
    assert after == before


def test_referral_needs_a_key_with_read_scope(harness: Harness) -> None:
    _ingest(harness)
    assert harness.client.get("/v1/conversations/c1/referral").status_code == 401
    _, write_only = harness.tenant("platform-a", scopes=("events:write",))
    assert (
        harness.client.get("/v1/conversations/c1/referral", headers=write_only).status_code == 403
    )
