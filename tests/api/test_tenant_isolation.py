"""Every route of the OpenAPI schema (generated from the app, so new routes are walked
without changing this test), called with a second tenant's admin key and the first tenant's
ids, in paths, queries and bodies: nothing of the first tenant comes back and nothing of it
changes.

How "nothing comes back" is checked: each request is sent twice by the second tenant, once
with the first tenant's ids and once with fresh ids nobody used, in the same order. With the
tenants apart both answers are the same (after swapping the ids back); any difference is
something the first tenant's data decided. The answers are also searched for the first
tenant's own values (its message texts, public ids, tenant id). "Nothing changes": every row
of every table that belongs to the first tenant is read before and after the walk.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from service_helpers import GROOMING, Harness, account_events, conversation_events, sqlite_url
from sqlalchemy import select

from safeguarding.policy.loader import default_policy_text
from safeguarding.storage.models import Base

SECRET_TEXT = "sg-isolation-marker"
POLICY = "tenant-a-own-policy"  # the name of A's policy
BANK_HASH = "5f1d3a9c0b7e2d4f6a8c1e3b5d7f9a0c"  # an md5 in tenant A's media bank
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
VOLATILE = re.compile(r'"(duration_ms|created_at|updated_at|raised_at|received_at)": ?[^,}]+')


def _tenant_rows(h: Harness, tenant: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table that carries ``tenant_id`` (or is the tenant), sorted."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with h.repo.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            column = table.c.get("tenant_id")
            if column is None and table.name == "tenants":
                column = table.c.id
            if column is None:
                continue
            rows = conn.execute(select(table).where(column == tenant)).all()
            out[table.name] = sorted((tuple(map(repr, r)) for r in rows), key=repr)
    return out


class FirstTenant:
    """Tenant A with a grooming conversation, accounts, a report, alerts and actions."""

    def __init__(self, h: Harness) -> None:
        self.id, self.headers = h.tenant("tenant-a", webhook_url="https://a.invalid/hook")
        events = account_events("a") + [
            {
                "type": "connection",
                "id": "a-conn",
                "account_id": "adult1",
                "other_account_id": "kid1",
                "change": "added",
                "ts": "2026-01-01T09:00:00Z",
            }
        ]
        chat = conversation_events("a", "c1", GROOMING)
        for i, e in enumerate(chat):
            e["text"] = f"{e['text']} {SECRET_TEXT}-{i}"
        report = {
            "type": "report",
            "id": "a-report",
            "reporter_id": "kid1",
            "reported_id": "adult1",
            "conversation_id": "c1",
            "comment": f"{SECRET_TEXT} comment",
            "ts": "2026-01-01T10:30:00Z",
        }
        assert h.post(self.headers, events + chat + [report]).status_code == 200
        alerts = h.client.get("/v1/alerts", params={"status": "all"}, headers=self.headers)
        actions = h.client.get("/v1/actions", headers=self.headers)
        reports = h.client.get("/v1/reports", headers=self.headers)
        self.public_ids = [a["id"] for a in alerts.json()["items"]]
        self.public_ids += [a["id"] for a in actions.json()["items"]]
        self.public_ids += [r["id"] for r in reports.json()]
        assert len(self.public_ids) >= 3
        self.media(h)
        # ids a caller could name: conversations, accounts, events, public ids (``ids`` are
        # tried in every path and query; ``all_ids`` are renamed in the comparison request)
        self.ids = ["c1", "adult1", "kid1", "a-report", chat[0]["id"], *self.public_ids]
        self.all_ids = self.ids + [e["id"] for e in events + chat]
        self.secrets = [SECRET_TEXT, self.id, *self.public_ids, BANK_HASH]
        if self.has_media:
            self.ids.append("a-bank")
            self.all_ids.append("a-bank")
            self.secrets.append("a-bank")
        self.policy(h)

    def policy(self, h: Harness) -> None:
        """A policy of A's own (where tenants have one), named so that it can be found."""
        if "put" not in h.app.openapi()["paths"].get("/v1/policy", {}):
            return
        _, key = h.tenant("tenant-a", scopes=("admin",))
        text = default_policy_text().replace("policy: safeguarding-default", f"policy: {POLICY}")
        answer = h.client.put("/v1/policy", json={"text": text}, headers=key)
        assert answer.status_code == 200 and answer.json()["policy"] == POLICY, answer.text
        self.secrets.append(POLICY)

    def media(self, h: Harness) -> None:
        """A media bank with one hash, and a match against it, where the API has them."""
        paths = h.app.openapi()["paths"]
        self.has_media = "/v1/media/banks/{name}/import" in paths
        if not self.has_media:
            return
        _, key = h.tenant("tenant-a", scopes=("admin",))
        imported = h.client.post(
            "/v1/media/banks/a-bank/import",
            params={"format": "hma-csv"},
            files={"file": ("bank.txt", f"signal_type,signal\nmd5,{BANK_HASH}\n", "text/plain")},
            headers=key,
        )
        assert imported.status_code == 200 and imported.json()["added"] == 1, imported.text
        matched = h.client.post(
            "/v1/media/match",
            json={"hashes": [{"hash_type": "md5", "value": BANK_HASH}]},
            headers=key,
        )
        assert matched.status_code == 200 and matched.json()["matched"], matched.text


_ROTATE = str.maketrans(
    "abcdefghijklmnopqrstuvwxyz0123456789", "bcdefghijklmnopqrstuvwxyza1234567890"
)


def _fresh(value: str) -> str:
    """The same id, renamed to one nobody used, of the same shape (same length and kinds of
    characters, UUIDs stay UUIDs), so validation answers the same."""
    if UUID.fullmatch(value):
        return value[:-12] + "000000000000"
    return value.translate(_ROTATE)


def _swap(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, list):
        return [_swap(v, mapping) for v in value]
    if isinstance(value, dict):
        return {k: _swap(v, mapping) for k, v in value.items()}
    return value


def _normalised(text: str, back: dict[str, str]) -> str:
    if back:  # one pass, longest first, whole ids only (not inside a hash or another id)
        names = "|".join(re.escape(k) for k in sorted(back, key=len, reverse=True))
        pattern = rf"(?<![0-9A-Za-z_-])(?:{names})(?![0-9A-Za-z_-])"
        text = re.sub(pattern, lambda m: back[m.group(0)], text)
    text = VOLATILE.sub("", text)
    return TIMESTAMP.sub("<ts>", UUID.sub("<uuid>", text))


class Walk:
    def __init__(self, h: Harness, a: FirstTenant, b_headers: dict[str, str]) -> None:
        self.h, self.a, self.b = h, a, b_headers
        self.mapping = {i: _fresh(i) for i in a.all_ids}
        self.back = {v: k for k, v in self.mapping.items()}
        self.requests = 0
        self.compared = 0  # requests whose two answers were compared
        self.problems: list[str] = []

    def send(self, method: str, path: str, *, tenant_route: bool = True, **kw: Any) -> None:
        """The request with A's ids, then with fresh ids; compare and look for A's data."""
        label = f"{method} {path} {json.dumps(kw, default=str)[:200]}"
        first = self.h.client.request(method, path, headers=self.b, **kw)
        fresh_path = "/".join(self.mapping.get(part, part) for part in path.split("/"))
        fresh_kw = {k: _swap(v, self.mapping) for k, v in kw.items()}
        second = self.h.client.request(method, fresh_path, headers=self.b, **fresh_kw)
        self.requests += 2
        if first.status_code >= 500 or second.status_code >= 500:
            self.problems.append(f"server error: {label}: {first.status_code}")
        sent = path + json.dumps(kw, default=str)
        for secret in self.a.secrets:
            if secret in first.text and secret not in sent:  # an id B sent may come back
                self.problems.append(f"A's {secret!r} in the answer to {label}")
        if not tenant_route:
            return  # service-wide (health, metrics): no tenant's view to compare
        self.compared += 1
        same_status = first.status_code == second.status_code
        one, two = _normalised(first.text, {}), _normalised(second.text, self.back)
        if not same_status or one != two:
            at = next((i for i, (x, y) in enumerate(zip(one, two, strict=False)) if x != y), 0)
            self.problems.append(
                f"answer depends on A's data: {label}: {first.status_code} vs "
                f"{second.status_code}, from character {at}: {one[max(0, at - 80) : at + 80]!r} vs "
                f"{two[max(0, at - 80) : at + 80]!r}"
            )


def _paths(a: FirstTenant, template: str) -> list[str]:
    names = re.findall(r"{(\w+)(?::\w+)?}", template)
    if not names:
        return [template]
    return [re.sub(r"{\w+(?::\w+)?}", value, template) for value in a.ids]


def _query_variants(a: FirstTenant, operation: dict[str, Any]) -> list[dict[str, str]]:
    params = [p for p in operation.get("parameters", []) if p["in"] == "query"]
    variants: list[dict[str, str]] = [{}]
    for p in params:
        schema = json.dumps(p.get("schema", {}))
        if '"string"' in schema and "enum" not in schema:
            variants += [{p["name"]: value} for value in a.ids]
    return variants


def _bodies(walk: Walk, operation: dict[str, Any], path: str, method: str) -> list[Any]:
    """Bodies naming A's ids: a hand-made batch for ingest, generated ones elsewhere."""
    if path == "/v1/events":
        return [
            {
                "events": [
                    {
                        "type": "account",
                        "id": "a-acct-kid1",  # A's event id, reused by B
                        "account_id": "kid1",
                        "declared_age": 30,
                    },
                    {
                        "type": "message",
                        "id": "a-report",
                        "conversation_id": "c1",
                        "message_id": "m0",
                        "sender": "kid1",
                        "recipients": ["adult1"],
                        "ts": "2026-01-01T11:00:00Z",
                        "text": "hello",
                    },
                    {
                        "type": "report",
                        "id": "a-conn",
                        "reporter_id": "adult1",
                        "reported_id": "kid1",
                        "conversation_id": "c1",
                        "ts": "2026-01-01T11:01:00Z",
                    },
                ]
            }
        ]
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return []
    import schemathesis  # only for routes this test does not know

    schema = schemathesis.openapi.from_dict(walk.h.app.openapi())
    found: list[Any] = []
    op = schema[path][method.upper()]

    @settings(
        max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=op.as_strategy(), pick=st.randoms(use_true_random=False))
    def collect(case: Any, pick: Any) -> None:
        found.append(_with_ids(case.body, walk.a.ids, pick))

    collect()
    return found


def _with_ids(value: Any, ids: list[str], pick: Any) -> Any:
    """Every string under a key that names an id replaced by one of A's ids."""
    if isinstance(value, dict):
        return {
            k: pick.choice(ids)
            if k.endswith("id") and isinstance(v, str)
            else _with_ids(v, ids, pick)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_with_ids(v, ids, pick) for v in value]
    return value


@pytest.mark.slow
def test_second_tenant_finds_and_changes_nothing_of_the_first_on_any_route(tmp_path) -> None:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    try:
        a = FirstTenant(h)
        _, b_headers = h.tenant("tenant-b", scopes=("admin",))
        before = _tenant_rows(h, a.id)
        walk = Walk(h, a, b_headers)
        spec = h.app.openapi()
        walked = set()
        # reads first (B has written nothing yet), then writes
        order = sorted(
            ((p, m, op) for p, ops in spec["paths"].items() for m, op in ops.items()),
            key=lambda item: (item[1] != "get", item[0], item[1]),
        )
        for template, method, operation in order:
            walked.add(f"{method.upper()} {template}")
            keyed = bool(operation.get("security"))  # /healthz, /readyz, /metrics take none
            for path in _paths(a, template):
                for query in _query_variants(a, operation):
                    walk.send(method.upper(), path, tenant_route=keyed, params=query)
                for body in _bodies(walk, operation, template, method):
                    walk.send(method.upper(), path, tenant_route=keyed, json=body)
        assert not walk.problems, "\n".join(walk.problems[:20])
        assert _tenant_rows(h, a.id) == before
        assert len(walked) == sum(len(ops) for ops in spec["paths"].values())
        assert {"GET /v1/alerts", "POST /v1/events"} <= walked and walk.compared > 50
        if a.has_media:  # A's bank matches nothing of B's
            match = {"hashes": [{"hash_type": "md5", "value": BANK_HASH}]}
            answer = h.client.post("/v1/media/match", json=match, headers=b_headers)
            assert answer.status_code == 200 and not answer.json()["matched"], answer.text
        # A still reads exactly what it had
        mine = h.client.get("/v1/conversations/c1/assessment", headers=a.headers)
        assert mine.status_code == 200 and mine.json()["message_count"] == len(GROOMING)
    finally:
        h.close()
