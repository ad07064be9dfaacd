"""Guardian links through the API: an ``account`` event links (or unlinks) a guardian
account, and a conversation that reaches alert notifies that guardian once, without any
message text, excerpt or the other account's id."""

from __future__ import annotations

import json
from typing import Any

import pytest
from service_helpers import (
    GROOMING_LIKE,
    Harness,
    account_events,
    conversation_events,
    sqlite_url,
)

from safeguarding.service.events import AccountEvent, EventBatch, event_digest

HOOK = {"webhook_url": "http://127.0.0.1:9/hook", "webhook_secret": "whsec_test"}
NOTIFY = "action.notify_guardian"


def _link(event_id: str, child: str = "kid1", guardian: str = "parent1") -> dict[str, Any]:
    return {"type": "account", "id": event_id, "account_id": child, "guardian_id": guardian}


def _unlink(event_id: str, child: str = "kid1") -> dict[str, Any]:
    return {"type": "account", "id": event_id, "account_id": child, "unlink_guardian": True}


def _notices(h: Harness, tenant_id: str) -> list[dict[str, Any]]:
    return [r["payload"] for r in h.repo.outbox_rows(tenant_id) if r["event_type"] == NOTIFY]


def _recorded(h: Harness, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    answer = h.client.get("/v1/actions", params={"limit": 500, **params}, headers=headers)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def _assert_no_conversation_content(event: dict[str, Any]) -> None:
    """The guardian learns that their child may need support, nothing of what was said."""
    dumped = json.dumps(event)
    for _, text in GROOMING_LIKE:
        if len(text) > 4:  # "12" or "ok" could be part of an id or a timestamp
            assert text not in dumped
    assert "adult1" not in dumped  # nor who the other account is
    assert "excerpt" not in dumped and "evidence" not in dumped and "messages" not in dumped
    assert set(event["payload"]) == {
        "guardian_account",
        "child_account",
        "concern",
        "text",
        "helplines",  # services for adults, from the directory: never conversation content
    }


@pytest.fixture
def harness(tmp_path) -> Any:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    yield h
    h.close()


def test_linked_guardian_is_notified_once_without_message_text(harness: Harness) -> None:
    tenant_id, headers = harness.tenant("p", **HOOK)
    events = [*account_events("p"), _link("p-link")]
    events += conversation_events("p", "c1", GROOMING_LIKE)
    answer = harness.post(headers, events)
    assert answer.status_code == 200, answer.text
    assert any(r.get("level") in ("alert", "urgent") for r in answer.json()["results"])
    assert harness.repo.get_accounts(tenant_id, ["kid1"])["kid1"].guardian_id == "parent1"
    kid = harness.client.get("/v1/accounts/kid1/assessment", headers=headers).json()
    assert kid["facts"]["guardian_id"] == "parent1"

    notices = _notices(harness, tenant_id)
    assert len(notices) == 1
    notice = notices[0]
    assert notice["target_role"] == "guardian" and notice["target_account"] == "parent1"
    assert notice["payload"]["guardian_account"] == "parent1"
    assert notice["payload"]["child_account"] == "kid1"
    assert notice["conversation_id"] == "c1" and notice["level"] in ("alert", "urgent")
    assert "guardian-notice" in notice["rule_ids"]
    _assert_no_conversation_content(notice)

    recorded = _recorded(harness, headers, type="notify_guardian")
    assert [(i["account_id"], i["event"]["event_id"]) for i in recorded] == [
        ("parent1", notice["event_id"])
    ]
    _assert_no_conversation_content(recorded[0]["event"])
    assert _recorded(harness, headers, account_id="parent1") == recorded

    # Unlinked, the next conversation reaching alert notifies nobody.
    assert harness.post(headers, [_unlink("p-unlink")]).status_code == 200
    assert harness.repo.get_accounts(tenant_id, ["kid1"])["kid1"].guardian_id is None
    answer = harness.post(headers, conversation_events("p2", "c2", GROOMING_LIKE))
    assert answer.status_code == 200
    assert any(r.get("level") in ("alert", "urgent") for r in answer.json()["results"])
    c2 = [r for r in harness.repo.outbox_rows(tenant_id) if r["ordering_key"] == "c2"]
    assert "action.escalate_review" in {r["event_type"] for r in c2}
    assert len(_notices(harness, tenant_id)) == 1
    assert len(_recorded(harness, headers, type="notify_guardian")) == 1


def test_link_reaches_a_conversation_already_in_memory(harness: Harness) -> None:
    tenant_id, headers = harness.tenant("p", **HOOK)
    first = [*account_events("p"), *conversation_events("p", "c1", GROOMING_LIKE[:4])]
    answer = harness.post(headers, first)
    assert answer.status_code == 200
    assert all(r.get("level") in (None, "none") for r in answer.json()["results"])

    # Linked after the conversation was opened and loaded: the rest of it sees the link.
    assert harness.post(headers, [_link("p-link")]).status_code == 200
    rest = conversation_events("p", "c1", GROOMING_LIKE, start=4)
    assert harness.post(headers, rest).status_code == 200
    notices = _notices(harness, tenant_id)
    assert [(n["target_account"], n["conversation_id"]) for n in notices] == [("parent1", "c1")]
    _assert_no_conversation_content(notices[0])


def test_unlink_in_the_same_batch_wins_over_the_earlier_link(harness: Harness) -> None:
    tenant_id, headers = harness.tenant("p", **HOOK)
    events = [*account_events("p"), _link("p-link"), _unlink("p-unlink")]
    events += conversation_events("p", "c1", GROOMING_LIKE)
    assert harness.post(headers, events).status_code == 200
    assert _notices(harness, tenant_id) == []
    assert harness.repo.get_accounts(tenant_id, ["kid1"])["kid1"].guardian_id is None
    assert any(
        r["event_type"] == "action.escalate_review" for r in harness.repo.outbox_rows(tenant_id)
    )


def test_stored_link_is_used_after_a_restart(tmp_path) -> None:
    url = sqlite_url(tmp_path)
    h = Harness(url, webhooks_enabled=False)
    try:
        tenant_id, headers = h.tenant("p", **HOOK)
        assert h.post(headers, [*account_events("p"), _link("p-link")]).status_code == 200
    finally:
        h.close()
    h = Harness(url, webhooks_enabled=False)  # a fresh process: the link comes from storage
    try:
        _, headers = h.tenant("p")
        assert h.post(headers, conversation_events("p", "c1", GROOMING_LIKE)).status_code == 200
        assert [n["target_account"] for n in _notices(h, tenant_id)] == ["parent1"]
    finally:
        h.close()


def test_guardian_who_is_the_suspected_offender_is_not_told(harness: Harness) -> None:
    tenant_id, headers = harness.tenant("p", **HOOK)
    events = [*account_events("p"), _link("p-link", guardian="adult1")]
    events += conversation_events("p", "c1", GROOMING_LIKE)
    assert harness.post(headers, events).status_code == 200
    kinds = {r["event_type"] for r in harness.repo.outbox_rows(tenant_id)}
    assert "action.escalate_review" in kinds and NOTIFY not in kinds


def test_link_of_a_failed_batch_is_forgotten(harness: Harness, monkeypatch) -> None:
    tenant_id, headers = harness.tenant("p", **HOOK)
    assert harness.post(headers, account_events("p")).status_code == 200
    real_write = harness.repo.write_batch

    def failing(batch: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(harness.repo, "write_batch", failing)
    assert harness.post(headers, [_link("p-link")]).status_code == 500
    monkeypatch.setattr(harness.repo, "write_batch", real_write)

    events = conversation_events("p", "c1", GROOMING_LIKE)
    assert harness.post(headers, events).status_code == 200
    assert harness.repo.get_accounts(tenant_id, ["kid1"])["kid1"].guardian_id is None
    assert _notices(harness, tenant_id) == []


def test_guardian_equal_to_the_account_is_a_problem(harness: Harness) -> None:
    tenant_id, headers = harness.tenant("p", **HOOK)
    answer = harness.post(headers, [_link("p-self", child="kid1", guardian="kid1")])
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == 422 and "guardian_id" in problem["detail"]
    assert harness.repo.get_accounts(tenant_id, ["kid1"]) == {}


def test_account_event_digest_is_unchanged_without_guardian_fields() -> None:
    """Events stored before guardian links existed keep their digest (no false 409)."""
    import hashlib

    event = {"type": "account", "id": "a1", "account_id": "u", "age_band": "13_15"}
    (parsed,) = EventBatch.model_validate({"events": [event]}).events
    assert isinstance(parsed, AccountEvent)
    before = {
        k: v
        for k, v in parsed.model_dump(mode="json").items()
        if k not in AccountEvent.digest_optional
    }
    canonical = json.dumps(before, sort_keys=True, separators=(",", ":"))
    assert event_digest(parsed) == hashlib.sha256(canonical.encode()).hexdigest()
    linked = EventBatch.model_validate({"events": [event | {"guardian_id": "g"}]}).events[0]
    unlinked = EventBatch.model_validate({"events": [event | {"unlink_guardian": True}]}).events[0]
    assert len({event_digest(parsed), event_digest(linked), event_digest(unlinked)}) == 3
