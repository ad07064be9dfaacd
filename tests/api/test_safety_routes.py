"""The contact gate (Ofcom ICU F1) over HTTP: stored facts win, strict types, tenants apart."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from service_helpers import Harness, message

from safeguarding.storage.records import WriteBatch

CONTACT = "/v1/safety/can-contact"
SUGGEST = "/v1/safety/can-suggest"
VISIBILITY = "/v1/safety/visibility"


def _account(event_id: str, account: str, **facts: Any) -> dict[str, Any]:
    return {"type": "account", "id": event_id, "account_id": account, **facts}


def _connection(event_id: str, a: str, b: str, change: str, second: int) -> dict[str, Any]:
    return {
        "type": "connection",
        "id": event_id,
        "account_id": a,
        "other_account_id": b,
        "change": change,
        "ts": f"2026-01-01T09:00:{second:02d}+00:00",
    }


def _flags(h: Harness, tenant: str, account: str, **state: Any) -> None:
    batch = WriteBatch(tenant, datetime.now(UTC))
    batch.account_states[account] = {"tracker": {}, **state}
    h.repo.write_batch(batch)


@pytest.fixture
def tenants(harness: Harness) -> tuple[str, dict[str, str], dict[str, str]]:
    tenant_a, a = harness.tenant("a")
    _, b = harness.tenant("b")
    facts = [
        _account("a-1", "kid1", age_band="under_13"),
        _account("a-2", "man1", declared_age=34),
        _account("a-3", "teen14", declared_age=14),
        _account("a-4", "teen15", verified_age=15),
    ]
    assert harness.post(a, facts).status_code == 200
    return tenant_a, a, b


def test_stored_age_wins_and_a_contradicting_request_is_refused(harness, tenants) -> None:
    _, a, b = tenants
    lie = {"sender": {"id": "man1"}, "recipient": {"id": "kid1", "age": 30}, "connected": False}
    out = harness.client.post(CONTACT, json=lie, headers=a).json()
    assert out["allowed"] is False and out["code"] == "conflicts_with_stored_facts"
    assert "recipient age" in out["reason"] and out["stored"] == {"sender": True, "recipient": True}
    # Without an age the stored band is used: a child, not connected.
    quiet = {"sender": {"id": "man1"}, "recipient": {"id": "kid1"}}
    out = harness.client.post(CONTACT, json=quiet, headers=a).json()
    assert out["code"] == "not_connected_to_minor" and out["bands"]["recipient"] == "child"
    # The second tenant has no such accounts: its request's own facts are all there is.
    other = harness.client.post(CONTACT, json=lie, headers=b).json()
    assert other["allowed"] is True and other["code"] == "recipient_adult"
    assert other["stored"] == {"sender": False, "recipient": False}


def test_stored_connections_are_used_and_a_contradiction_refused(harness, tenants) -> None:
    _, a, b = tenants
    body = {"sender": {"id": "man1"}, "recipient": {"id": "kid1"}, "connected": True}
    assert harness.client.post(CONTACT, json=body, headers=a).json()["code"] == "connected"
    events = [
        _connection("c-1", "man1", "kid1", "added", 1),
        _connection("c-2", "kid1", "man1", "removed", 2),
    ]
    assert harness.post(a, events).status_code == 200
    refused = harness.client.post(CONTACT, json=body, headers=a).json()
    assert refused["allowed"] is False and "connected" in refused["reason"]
    omitted = {"sender": {"id": "man1"}, "recipient": {"id": "kid1"}}
    assert harness.client.post(CONTACT, json=omitted, headers=a).json()["allowed"] is False
    assert harness.post(a, [_connection("c-3", "man1", "kid1", "added", 3)]).status_code == 200
    assert harness.client.post(CONTACT, json=omitted, headers=a).json()["code"] == "connected"
    # The second tenant's removal of the same pair changes nothing for the first.
    assert harness.post(b, [_connection("c-4", "man1", "kid1", "removed", 4)]).status_code == 200
    assert harness.client.post(CONTACT, json=omitted, headers=a).json()["code"] == "connected"


def test_stored_restrictions_and_suspensions_cannot_be_lifted(harness, tenants) -> None:
    tenant_a, a, b = tenants
    _flags(harness, tenant_a, "man1", restricted=True)
    _flags(harness, tenant_a, "teen14", suspended=True)
    body = {
        "sender": {"id": "man1", "restricted_from_minors": False},
        "recipient": {"id": "kid1"},
        "connected": True,
    }
    out = harness.client.post(CONTACT, json=body, headers=a).json()
    assert out["code"] == "sender_restricted_from_minors"
    suspended = {"sender": {"id": "teen14"}, "recipient": {"id": "man1"}, "connected": True}
    assert harness.client.post(CONTACT, json=suspended, headers=a).json()["code"] == (
        "sender_suspended"
    )
    other = {**body, "recipient": {"id": "kid1", "age": 10}}
    assert harness.client.post(CONTACT, json=other, headers=b).json()["allowed"] is True


def test_an_account_declaring_14_that_writes_like_an_adult_is_kept_from_minors(
    harness, tenants
) -> None:
    _, a, b = tenants
    peers = {"a": {"id": "teen14"}, "b": {"id": "teen15"}, "peer_suggestions_between_minors": True}
    assert harness.client.post(SUGGEST, json=peers, headers=a).json()["allowed"] is True
    line = "my wife thinks im at work lol, my mortgage is killing me"
    events = [message("w-1", "cw", 0, line, sender="teen14", recipient="teen15")]
    assert harness.post(a, events).status_code == 200
    out = harness.client.post(SUGGEST, json=peers, headers=a).json()
    assert out["allowed"] is False and out["code"] == "suspected_adult"
    # A verified age outweighs the language mark; the other tenant never saw the message.
    assert harness.post(a, [_account("a-5", "teen14", verified_age=14)]).status_code == 200
    assert harness.client.post(SUGGEST, json=peers, headers=a).json()["allowed"] is True
    assert harness.post(b, events).status_code == 200
    assert harness.client.post(SUGGEST, json=peers, headers=b).json()["code"] == (
        "minor_network_expansion"  # no stored ages in b: the request gave none
    )


def test_peer_suggestions_respect_the_age_gap(harness, tenants) -> None:
    _, a, _ = tenants

    def suggest(x: dict[str, Any], y: dict[str, Any], **extra: Any) -> dict[str, Any]:
        body = {"a": x, "b": y, "peer_suggestions_between_minors": True, **extra}
        res = harness.client.post(SUGGEST, json=body, headers=a)
        assert res.status_code == 200, res.text
        return dict(res.json())

    assert suggest({"age": 8}, {"age": 17})["code"] == "age_gap"
    assert suggest({"age": 14}, {"age": 16})["allowed"] is True
    assert suggest({"age": 14}, {"age": 16}, max_peer_age_gap=1)["code"] == "age_gap"
    assert suggest({"age_band": "teen"}, {"age_band": "teen"})["code"] == "age_gap"
    assert suggest({"id": "teen15"}, {"age": 14})["allowed"] is True
    assert suggest({"id": "kid1"}, {"age": 12})["code"] == "age_gap"  # stored under_13: 0-12


def test_stateless_answers_without_ids(harness, tenants) -> None:
    _, a, _ = tenants
    body = {"sender": {"age": 34}, "recipient": {"age": 12}, "connected": False}
    out = harness.client.post(CONTACT, json=body, headers=a).json()
    assert out["code"] == "not_connected_to_minor" and "Ofcom" in out["reason"]
    assert out["bands"] == {"sender": "adult", "recipient": "child"}
    out = harness.client.post(SUGGEST, json={"a": {"age": 30}, "b": {"age": 13}}, headers=a)
    assert out.json()["code"] == "adult_and_possible_minor"
    vis = harness.client.post(VISIBILITY, json={"account": {"age": 9}}, headers=a).json()
    assert vis["location_visible"] is False and vis["band"] == "child"
    lie = harness.client.post(VISIBILITY, json={"account": {"id": "kid1", "age": 40}}, headers=a)
    assert lie.json()["location_visible"] is False  # conflicting facts: protected


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (CONTACT, {"sender": {"age": True}, "recipient": {}, "connected": False}),
        (CONTACT, {"sender": {}, "recipient": {}, "connected": "false"}),
        (CONTACT, {"sender": {"age": "12"}, "recipient": {}}),
        (CONTACT, {"sender": {"age": 12.0}, "recipient": {}}),
        (CONTACT, {"sender": {"age_verified": True}, "recipient": {}}),
        (CONTACT, {"sender": {"suspended": 0}, "recipient": {}}),
        (CONTACT, {"sender": {"id": ""}, "recipient": {}}),
        (CONTACT, {"sender": {"id": 7}, "recipient": {}}),
        (CONTACT, {"sender": {"age": 34, "age_band": "child"}, "recipient": {}}),
        (CONTACT, {"sender": {"agee": 3}, "recipient": {}}),
        (SUGGEST, {"a": {}, "b": {}, "peer_suggestions_between_minors": "yes"}),
        (SUGGEST, {"a": {}, "b": {}, "max_peer_age_gap": 40}),
        (VISIBILITY, {"account": {"age": -1}}),
    ],
)
def test_bad_input_is_a_problem_and_writes_nothing(harness, tenants, path, body) -> None:
    tenant_a, a, _ = tenants
    before = harness.repo.get_accounts(tenant_a, ["kid1", "man1", "teen14", "teen15"])
    res = harness.client.post(path, json=body, headers=a)
    assert res.status_code == 422, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    assert harness.repo.get_accounts(tenant_a, ["kid1", "man1", "teen14", "teen15"]) == before


def test_the_gate_needs_a_key(harness, tenants) -> None:
    body = {"sender": {}, "recipient": {}, "connected": False}
    assert harness.client.post(CONTACT, json=body).status_code == 401
    bad = {"Authorization": "Bearer sg_nope"}
    res = harness.client.post(CONTACT, json=body, headers=bad)
    assert res.status_code == 401 and "allowed" not in res.json()
