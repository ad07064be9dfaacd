"""Ids a tenant sees (alerts, actions, reports, webhook events) are opaque UUIDv7 strings:
nothing global, so no tenant can count another's alerts; another tenant's cursor is refused
like a made-up one."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from service_helpers import GROOMING, Harness, account_events, conversation_events, sqlite_url

from safeguarding.service.outbox import webhook_body
from safeguarding.storage.public_ids import PUBLIC_ID_PATTERN

UUID7 = re.compile(PUBLIC_ID_PATTERN)


def _report(prefix: str) -> dict[str, Any]:
    return {
        "type": "report",
        "id": f"{prefix}-report",
        "reporter_id": "kid1",
        "reported_id": "adult1",
        "conversation_id": "c1",
        "ts": "2026-01-01T10:30:00Z",
    }


def _fill(h: Harness, name: str, conversations: int) -> tuple[str, dict[str, str]]:
    tenant, headers = h.tenant(name, webhook_url="https://example.invalid/hook")
    assert h.post(headers, account_events(name)).status_code == 200
    for i in range(conversations):
        events = conversation_events(name, f"c{i}", GROOMING)
        assert (
            h.post(
                headers, [*events, _report(f"{name}-{i}") | {"conversation_id": f"c{i}"}]
            ).status_code
            == 200
        )
    return tenant, headers


def test_every_id_a_tenant_sees_is_opaque(tmp_path) -> None:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    try:
        _fill(h, "busy", 5)  # another tenant's volume must not show in these ids
        tenant, headers = _fill(h, "quiet", 1)
        alerts = h.client.get("/v1/alerts", params={"status": "all"}, headers=headers).json()
        actions = h.client.get("/v1/actions", headers=headers).json()
        reports = h.client.get("/v1/reports", headers=headers).json()
        ids = [a["id"] for a in alerts["items"]] + [a["id"] for a in actions["items"]]
        ids += [r["id"] for r in reports]
        assert alerts["items"] and actions["items"] and reports
        assert all(isinstance(i, str) and UUID7.match(i) for i in ids), ids
        webhooks = h.repo.due_webhooks(datetime.now(UTC), limit=1000)
        mine = [m for m in webhooks if m.tenant_id == tenant]
        assert mine
        for message in mine:
            envelope = json.loads(webhook_body(message))
            assert UUID7.match(envelope["id"])
            if envelope["type"] == "alert.raised":
                assert envelope["data"]["alert_id"] in {a["id"] for a in alerts["items"]}
        # nothing integer-valued named like an id anywhere in what the tenant reads
        for body in (alerts, actions, reports):
            assert not re.search(r'"(alert_)?id": ?\d', json.dumps(body))
    finally:
        h.close()


def test_paging_with_opaque_cursors_and_foreign_cursors_refused(tmp_path) -> None:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    try:
        _, busy = _fill(h, "busy", 3)
        _, quiet = _fill(h, "quiet", 3)
        seen: list[str] = []
        cursor = None
        while True:
            params = {"status": "all", "limit": 1} | ({"cursor": cursor} if cursor else {})
            page = h.client.get("/v1/alerts", params=params, headers=quiet).json()
            seen += [a["id"] for a in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        everything = h.client.get("/v1/alerts", params={"status": "all"}, headers=quiet).json()
        assert seen == [a["id"] for a in everything["items"]] and len(seen) >= 3
        foreign = h.client.get("/v1/alerts", params={"status": "all", "limit": 1}, headers=busy)
        their_cursor = foreign.json()["next_cursor"]
        for path in ("/v1/alerts", "/v1/actions"):
            for made_up in (their_cursor, "01a25333-6b3f-758a-849c-fb604b2f851e", "12"):
                response = h.client.get(path, params={"cursor": made_up}, headers=quiet)
                assert response.status_code == 422, (path, made_up, response.text)
    finally:
        h.close()
