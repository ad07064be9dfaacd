"""Each tenant's own policy over HTTP: set, reload, read and history, tenants kept apart."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from service_helpers import (
    GROOMING_LIKE,
    Harness,
    account_events,
    conversation_events,
    sqlite_url,
)

from safeguarding.policy.loader import MAX_POLICY_BYTES, default_policy_text
from safeguarding.service.policies import record
from safeguarding.storage.repository import SERVICE_POLICY

ADMIN = ("events:write", "read", "admin")
SRC = Path(__file__).resolve().parents[2] / "src"


def policy_text(version: int, *, shadow: bool = False, openers: int = 3) -> str:
    text = default_policy_text().replace("version: 1\n", f"version: {version}\n", 1)
    text = text.replace("  repeated_opener_children: 3 ", f"  repeated_opener_children: {openers} ")
    return text.replace("shadow: false", f"shadow: {'true' if shadow else 'false'}", 1)


def refused_text(version: int) -> str:
    """The default policy with an unknown tactic in a rule."""
    return policy_text(version).replace("tactics_any: [meeting,", "tactics_any: [meetup,", 1)


def _ingest(h: Harness, headers: dict[str, str], prefix: str) -> list[dict[str, Any]]:
    events = account_events(prefix) + conversation_events(prefix, "c1", GROOMING_LIKE)
    assert h.post(headers, events).status_code == 200
    answer = h.client.get("/v1/actions", params={"limit": 500}, headers=headers)
    return list(answer.json()["items"])


@pytest.fixture
def two(harness: Harness) -> tuple[dict[str, str], dict[str, str]]:
    _, a = harness.tenant("a", scopes=ADMIN)
    _, b = harness.tenant("b", scopes=ADMIN)
    return a, b


def test_a_tenant_sets_its_own_policy_and_the_other_keeps_the_default(harness, two) -> None:
    a, b = two
    res = harness.client.put("/v1/policy", json={"text": policy_text(9)}, headers=a)
    assert res.status_code == 200, res.text
    assert res.json() | {"hash": "-", "label": "-", "service_version": 1} == {
        "policy": "safeguarding-default",
        "version": "9",
        "hash": "-",
        "label": "-",
        "shadow": False,
        "follows_service": False,
        "tenant_version": 1,
        "service_version": 1,
    }
    mine = harness.client.get("/v1/policy", headers=a).json()
    theirs = harness.client.get("/v1/policy", headers=b).json()
    assert mine["version"] == "9" and mine["document"]["version"] == "9"
    assert theirs["version"] == "1" and theirs["follows_service"] is True
    assert theirs["tenant_version"] is None
    assert {i["event"]["policy"]["version"] for i in _ingest(harness, a, "a")} == {"9"}
    assert {i["event"]["policy"]["version"] for i in _ingest(harness, b, "b")} == {"1"}


def test_one_tenant_cannot_see_or_change_anothers_policy(harness, two) -> None:
    a, b = two
    assert harness.client.put("/v1/policy", json={"text": policy_text(4)}, headers=a).is_success
    assert harness.client.put("/v1/policy", json={"text": policy_text(5)}, headers=a).is_success
    # b with a's version numbers: nothing of a's shows through.
    assert harness.client.get("/v1/policy/versions/1", headers=b).status_code == 404
    assert harness.client.get("/v1/policy/versions", headers=b).json()["items"] == []
    # b's own changes never touch a's.
    assert harness.client.put("/v1/policy", json={"text": policy_text(6)}, headers=b).is_success
    assert harness.client.delete("/v1/policy", headers=b).json()["follows_service"] is True
    assert harness.client.post("/v1/policy/reload", headers=b).json()["version"] == "1"
    assert harness.client.get("/v1/policy", headers=a).json()["version"] == "5"
    history = harness.client.get("/v1/policy/versions", headers=a).json()["items"]
    assert [(v["version"], v["declared_version"]) for v in history] == [(2, "5"), (1, "4")]
    assert [
        v["version"] for v in harness.client.get("/v1/policy/versions", headers=b).json()["items"]
    ] == [2, 1]


def test_history_is_readable_and_paged(harness, two) -> None:
    a, _ = two
    texts = [policy_text(v) for v in (2, 3, 4)]
    for text in texts:
        assert harness.client.put("/v1/policy", json={"text": text}, headers=a).is_success
    back = harness.client.delete("/v1/policy", headers=a).json()
    assert back["follows_service"] is True and back["version"] == "1"
    first = harness.client.get("/v1/policy/versions", params={"limit": 2}, headers=a).json()
    assert [v["version"] for v in first["items"]] == [4, 3] and first["next_cursor"] == "3"
    assert first["items"][0]["follows_service"] and first["items"][0]["text"] is None
    rest = harness.client.get(
        "/v1/policy/versions", params={"cursor": first["next_cursor"]}, headers=a
    ).json()
    assert [v["version"] for v in rest["items"]] == [2, 1] and rest["next_cursor"] is None
    one = harness.client.get("/v1/policy/versions/2", headers=a).json()
    assert one["text"] == texts[1] and one["declared_version"] == "3" and one["source"] == "api"
    keys = {k.id for k in harness.repo.list_api_keys(harness.repo.find_tenant("a").id)}
    assert one["created_by"] in keys


def test_reload_takes_up_a_version_stored_by_another_process(harness, two) -> None:
    a, b = two
    tenant_a = harness.repo.find_tenant("a").id
    reader = harness.tenant("a", scopes=("read",))[1]
    assert harness.client.post("/v1/policy/reload", headers=reader).status_code == 403
    policies = harness.app.state.services.pipeline.actions.policies
    from safeguarding.policy.loader import parse_policy

    assert harness.client.get("/v1/policy", headers=a).json()["version"] == "1"
    text = policy_text(12)
    record(harness.repo, tenant_a, parse_policy(text), text, "api", "other-process")
    assert harness.client.get("/v1/policy", headers=a).json()["version"] == "1"  # not yet
    assert harness.client.post("/v1/policy/reload", headers=a).json()["version"] == "12"
    assert harness.client.post("/v1/policy/reload", headers=b).json()["version"] == "1"
    assert policies.in_force(tenant_a).version == 1


def test_shadow_and_account_thresholds_follow_each_tenants_policy(harness, two) -> None:
    a, b = two
    text = policy_text(3, shadow=True, openers=2)
    assert harness.client.put("/v1/policy", json={"text": text}, headers=a).is_success
    assert all(i["shadow"] for i in _ingest(harness, a, "a"))
    assert not any(i["shadow"] for i in _ingest(harness, b, "b"))

    def opener(prefix: str, cid: str, kid: str) -> list[dict[str, Any]]:
        return [
            {"type": "account", "id": f"{prefix}-{kid}", "account_id": kid, "declared_age": 12},
            *conversation_events(
                prefix, cid, [("man1", "hey ur so good at this game wanna be friends")]
            ),
        ]

    for headers in (a, b):
        adult = {"type": "account", "id": "m", "account_id": "man1", "declared_age": 34}
        events = [adult, *opener("x", "o1", "k1"), *opener("y", "o2", "k2")]
        for e in events:
            if e["type"] == "message":
                e["recipients"] = ["k1" if e["conversation_id"] == "o1" else "k2"]
        assert harness.post(headers, events).status_code == 200
    alerts = {
        name: [
            r
            for r in harness.repo.outbox_rows(harness.repo.find_tenant(name).id)
            if r["event_type"] == "account.alert"
        ]
        for name in ("a", "b")
    }
    recorded = harness.client.get(
        "/v1/actions", params={"type": "account_alert"}, headers=a
    ).json()["items"]
    assert [i["event"]["payload"]["signal"] for i in recorded] == ["repeated_openers"]
    assert alerts["a"] == []  # shadow: recorded, not sent
    assert (
        harness.client.get("/v1/actions", params={"type": "account_alert"}, headers=b).json()[
            "items"
        ]
        == []
    )  # b keeps the default threshold of 3


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("put", "/v1/policy", {"text": refused_text(2)}),
        ("put", "/v1/policy", {"text": "rules: [&a x, *a]"}),
        ("put", "/v1/policy", {"text": 5}),
        ("put", "/v1/policy", {"text": ""}),
        ("put", "/v1/policy", {"text": policy_text(2), "tenant_id": "t_other"}),
        ("put", "/v1/policy", {"text": "#" * (MAX_POLICY_BYTES + 1)}),
        (
            "put",
            "/v1/policy",
            {
                "text": policy_text(2).replace(
                    "rules:\n",
                    "rules:\n  - id: hush\n    description: a mild first rule that stops\n"
                    "    when: {guardian_linked: true}\n    actions: [safety_prompt]\n"
                    "    stop: true\n",
                    1,
                )
            },
        ),
        ("get", "/v1/policy/versions?cursor=abc", None),
        ("get", "/v1/policy/versions?limit=0", None),
        ("get", "/v1/policy/versions/0", None),
        ("get", "/v1/policy/versions/x", None),
    ],
)
def test_bad_input_is_a_problem_and_writes_nothing(harness, two, method, path, body) -> None:
    a, _ = two
    before = harness.repo.latest_policy_versions()
    res = harness.client.request(method.upper(), path, json=body, headers=a)
    assert res.status_code == 422, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    assert harness.repo.latest_policy_versions() == before
    assert harness.client.get("/v1/policy", headers=a).json()["version"] == "1"


def test_policy_routes_need_a_key(harness) -> None:
    for method, path in (("GET", "/v1/policy"), ("PUT", "/v1/policy"), ("DELETE", "/v1/policy")):
        assert harness.client.request(method, path).status_code == 401
    assert harness.client.post("/v1/policy/reload").status_code == 401


# --- the service-wide policy is the operator's --------------------------------------------------


def test_a_refused_file_at_start_keeps_the_last_good_policy(tmp_path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(policy_text(7), encoding="utf-8")
    url = sqlite_url(tmp_path)
    first = Harness(url, webhooks_enabled=False, policy=str(path))
    first.close()
    path.write_text(refused_text(8), encoding="utf-8")
    second = Harness(url, webhooks_enabled=False, policy=str(path))
    try:
        _, headers = second.tenant("p", scopes=ADMIN)
        out = second.client.get("/v1/policy", headers=headers).json()
        assert out["version"] == "7" and out["service_version"] == 1
    finally:
        second.close()


def test_a_bad_policy_file_with_nothing_to_fall_back_on_is_one_line(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(refused_text(2), encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "SAFEGUARDING_POLICY": str(bad),
        "SAFEGUARDING_LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(
        [sys.executable, "-m", "safeguarding.api.server", "--db", sqlite_url(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert "Traceback" not in done.stderr and len(lines) == 1, done.stderr
    assert lines[0].startswith("safeguarding: cannot start: policy refused: ")
    assert f"{bad}:" in lines[0] and "meetup" in lines[0]


def test_operator_versions_are_taken_up_by_a_running_service(tmp_path) -> None:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False, policy_refresh_s=0.0)
    try:
        _, a = h.tenant("a", scopes=ADMIN)
        _, b = h.tenant("b", scopes=ADMIN)
        assert h.client.put("/v1/policy", json={"text": policy_text(3)}, headers=b).is_success
        from safeguarding.policy.loader import parse_policy

        text = policy_text(20)
        record(h.repo, SERVICE_POLICY, parse_policy(text), text, "cli", "operator")
        versions = {i["event"]["policy"]["version"] for i in _ingest(h, a, "a")}
        assert versions == {"20"}  # taken up at the next batch
        assert h.client.get("/v1/policy", headers=b).json()["version"] == "3"  # b's own
    finally:
        h.close()
