"""The policy and actions stages inside the service: outbox, actions table, shadow, policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from service_helpers import (
    BENIGN,
    GROOMING_LIKE,
    Harness,
    account_events,
    conversation_events,
    sqlite_url,
    ts,
)

from safeguarding.actions.evidence import verify_snapshot
from safeguarding.policy.loader import default_policy_text
from safeguarding.policy.registry import ACTIONS_AGAINST_ACCOUNT

HOOK = {"webhook_url": "http://127.0.0.1:9/hook", "webhook_secret": "whsec_test"}
AGAINST_ACCOUNT = {a.value for a in ACTIONS_AGAINST_ACCOUNT}


def _actions(h: Harness, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    answer = h.client.get("/v1/actions", params={"limit": 500, **params}, headers=headers)
    assert answer.status_code == 200, answer.text
    return list(reversed(answer.json()["items"]))  # oldest first


def _outbox_actions(h: Harness, tenant_id: str) -> list[dict[str, Any]]:
    return [r for r in h.repo.outbox_rows(tenant_id) if r["event_type"].startswith("action.")]


def _summary(items: list[dict[str, Any]]) -> list[tuple[str, int | None]]:
    return [(i["type"], i["event"].get("message_index")) for i in items]


def test_grooming_conversation_gets_review_evidence_and_prompt(tmp_path) -> None:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    try:
        tenant_id, headers = h.tenant("p", **HOOK)
        events = account_events("p") + conversation_events("p", "c1", GROOMING_LIKE)
        assert h.post(headers, events).status_code == 200

        outbox = _outbox_actions(h, tenant_id)
        kinds = {r["event_type"] for r in outbox}
        assert {
            "action.escalate_review",
            "action.preserve_evidence",
            "action.safety_prompt",
        } <= kinds
        assert not kinds & {f"action.{a}" for a in AGAINST_ACCOUNT}  # no corroboration yet
        for row in outbox:
            assert row["ordering_key"] == "c1"
            data = row["payload"]
            assert data["conversation_id"] == "c1" and not data["shadow"]
            assert data["rule_ids"]
        # Order per conversation: each message's alert comes before the actions it caused.
        rows = [r for r in h.repo.outbox_rows(tenant_id) if r["ordering_key"] == "c1"]
        assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
        first_alert = next(r for r in rows if r["event_type"] == "alert.raised")
        assert rows[0] is first_alert

        recorded = _actions(h, headers, conversation_id="c1")
        assert [i["event"]["event_id"] for i in recorded] == [
            r["payload"]["event_id"] for r in outbox
        ]
        review = next(i for i in recorded if i["type"] == "escalate_review")
        assert review["account_id"] == "adult1"
        assert review["event"]["payload"]["at_risk"] == "kid1"
        assert f"{tenant_id}:" not in str(recorded)  # no engine-internal tenant prefixes
        prompt = next(i for i in recorded if i["type"] == "safety_prompt")
        assert prompt["account_id"] == "kid1"
        assert prompt["event"]["payload"]["helplines"]
        evidence = next(i for i in recorded if i["type"] == "preserve_evidence")
        assert verify_snapshot(evidence["event"]["payload"])
        snapshot = evidence["event"]["payload"]["messages"]
        assert len(snapshot) == evidence["event"]["message_index"] + 1

        case = h.client.get("/v1/conversations/c1/assessment", headers=headers).json()
        assert case["evidence_hold"]
        assert _actions(h, headers, type="safety_prompt") == [
            i for i in recorded if i["type"] == "safety_prompt"
        ]
        assert {i["type"] for i in _actions(h, headers, account_id="kid1")} == {"safety_prompt"}
    finally:
        h.close()


def test_no_safety_prompt_to_an_account_whose_messages_say_adult(tmp_path) -> None:
    """The "child" writes about their mortgage and their boss: the roles may be misread, so no
    prompt goes to that account (the tracker counts its adult language after the engine drops
    its evidence), and the conversation is still reviewed."""
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    try:
        _, headers = h.tenant("p", **HOOK)
        # The adult language comes before the first question: a model may reach ``watch`` on
        # the question as soon as the "child" reads as an adult, and one adult message is not
        # yet enough for the tracker.
        lines = [
            *GROOMING_LIKE[:2],
            ("kid1", "lol no im paying my mortgage"),
            ("kid1", "and my boss wants me in early"),
            GROOMING_LIKE[2],
            *GROOMING_LIKE[4:],
        ]
        events = account_events("p") + conversation_events("p", "c1", lines)
        assert h.post(headers, events).status_code == 200
        kinds = {i["type"] for i in _actions(h, headers, conversation_id="c1")}
        assert "escalate_review" in kinds and "safety_prompt" not in kinds
    finally:
        h.close()


def test_benign_peer_chat_gets_no_action(tmp_path) -> None:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    try:
        tenant_id, headers = h.tenant("p", **HOOK)
        kids = [
            {"type": "account", "id": f"acct-{k}", "account_id": k, "age_band": "under_13"}
            for k in ("kid2", "kid3")
        ]
        assert h.post(headers, kids + conversation_events("p", "b1", BENIGN)).status_code == 200
        assert _actions(h, headers) == []
        assert _outbox_actions(h, tenant_id) == []
    finally:
        h.close()


def test_shadow_mode_records_but_emits_nothing(tmp_path) -> None:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False, shadow=True)
    try:
        tenant_id, headers = h.tenant("p", **HOOK)
        events = account_events("p") + conversation_events("p", "c1", GROOMING_LIKE)
        assert h.post(headers, events).status_code == 200
        recorded = _actions(h, headers)
        assert {"escalate_review", "preserve_evidence", "safety_prompt"} <= {
            i["type"] for i in recorded
        }
        assert all(i["shadow"] and i["event"]["shadow"] for i in recorded)
        assert not [r for r in h.repo.outbox_rows(tenant_id) if r["event_type"] != "alert.raised"]
    finally:
        h.close()


def _policy_text(version: int) -> str:
    return default_policy_text().replace("version: 1\n", f"version: {version}\n", 1)


def test_a_refused_policy_leaves_the_last_good_one_in_force(tmp_path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(_policy_text(7), encoding="utf-8")
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False, policy=str(path))
    try:
        _, admin = h.tenant("p", scopes=("admin",), **HOOK)
        _, reader = h.tenant("p", scopes=("read",))
        assert h.client.get("/v1/policy", headers=reader).json()["version"] == "7"
        body = {"text": _policy_text(8)}
        assert h.client.put("/v1/policy", json=body, headers=reader).status_code == 403

        good = h.client.put("/v1/policy", json=body, headers=admin)
        assert good.status_code == 200 and good.json()["version"] == "8"

        lines = _policy_text(9).splitlines()
        bad_line = next(i for i, line in enumerate(lines) if "tactics_any: [meeting" in line)
        lines[bad_line] = lines[bad_line].replace("meeting,", "meetup,")
        refused = h.client.put("/v1/policy", json={"text": "\n".join(lines)}, headers=admin)
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")
        problem = refused.json()
        assert problem["active"].startswith("safeguarding-default@8#")
        assert any(
            e["line"] == bad_line + 1 and "meetup" in e["reason"] for e in problem["errors"]
        ), problem

        events = account_events("p") + conversation_events("p", "c1", GROOMING_LIKE)
        assert h.post(admin, events).status_code == 200
        recorded = _actions(h, admin)
        assert recorded and all(i["event"]["policy"]["version"] == "8" for i in recorded)
    finally:
        h.close()


def test_actions_are_tenant_isolated_and_paged(tmp_path) -> None:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    try:
        _, a = h.tenant("a", **HOOK)
        _, b = h.tenant("b")
        events = account_events("a") + conversation_events("a", "c1", GROOMING_LIKE)
        assert h.post(a, events).status_code == 200
        mine = _actions(h, a)
        assert len(mine) >= 3
        assert _actions(h, b) == []
        assert _actions(h, b, conversation_id="c1") == []
        assert _actions(h, b, account_id="kid1") == []

        first = h.client.get("/v1/actions", params={"limit": 2}, headers=a).json()
        assert len(first["items"]) == 2 and first["next_cursor"]
        rest = h.client.get(
            "/v1/actions", params={"limit": 500, "cursor": first["next_cursor"]}, headers=a
        ).json()
        ids = [i["id"] for i in first["items"] + rest["items"]]
        assert len(ids) == len(mine) == len(set(ids))
        assert h.client.get("/v1/actions", params={"type": "nope"}, headers=a).status_code == 422
    finally:
        h.close()


def test_restart_keeps_cooldowns_and_account_signals(tmp_path) -> None:
    """After a restart the child is not prompted again, nor the team re-escalated."""
    split = 7  # after the alert: prompt, review and evidence already sent
    url = sqlite_url(tmp_path, "a.db")
    first = Harness(url, webhooks_enabled=False)
    _, headers = first.tenant("p", **HOOK)
    head = account_events("p") + conversation_events("p", "c1", GROOMING_LIKE[:split])
    assert first.post(headers, head).status_code == 200
    before = _summary(_actions(first, headers))
    first.close()

    second = Harness(url, webhooks_enabled=False)  # empty engine and stages, same database
    _, headers = second.tenant("p")
    tail = conversation_events("p", "c1", GROOMING_LIKE, start=split)
    assert second.post(headers, tail).status_code == 200
    resumed = _summary(_actions(second, headers))
    second.close()

    reference = Harness(sqlite_url(tmp_path, "b.db"), webhooks_enabled=False)
    _, ref = reference.tenant("p", **HOOK)
    events = account_events("p") + conversation_events("p", "c1", GROOMING_LIKE)
    assert reference.post(ref, events).status_code == 200
    uninterrupted = _summary(_actions(reference, ref))
    reference.close()

    assert "safety_prompt" in {t for t, _ in before}
    assert resumed == uninterrupted
    after_restart = [t for t, i in resumed if i is not None and i >= split]
    assert "safety_prompt" not in after_restart


def _opener(prefix: str, cid: str, kid: str) -> list[dict[str, Any]]:
    return [
        {"type": "account", "id": f"{prefix}-acct-{kid}", "account_id": kid, "age_band": "13_15"},
        {
            "type": "message",
            "id": f"{prefix}-{cid}-0",
            "conversation_id": cid,
            "message_id": "m0",
            "sender": "man1",
            "recipients": [kid],
            "ts": "2026-01-01T10:00:00+00:00",
            "text": "hey saw ur stream, ur really talented, wanna chat",
        },
    ]


def test_account_signals_are_fed_from_ingest_and_survive_restart(tmp_path) -> None:
    url = sqlite_url(tmp_path)
    adult = {"type": "account", "id": "acct-man1", "account_id": "man1", "declared_age": 34}
    first = Harness(url, webhooks_enabled=False)
    tenant_id, headers = first.tenant("p", **HOOK)
    events = [adult, *_opener("x", "o1", "k1"), *_opener("x", "o2", "k2")]
    assert first.post(headers, events).status_code == 200
    assert not [r for r in first.repo.outbox_rows(tenant_id) if r["event_type"] == "account.alert"]
    first.close()

    second = Harness(url, webhooks_enabled=False)
    _, headers = second.tenant("p")
    assert second.post(headers, _opener("x", "o3", "k3")).status_code == 200
    report = {
        "type": "report",
        "id": "r1",
        "reporter_id": "k3",
        "reported_id": "man1",
        "conversation_id": "o3",
        "reason": "uncomfortable",
        "ts": "2026-01-01T10:05:00+00:00",
    }
    assert second.post(headers, [report]).status_code == 200
    alerts = [r for r in second.repo.outbox_rows(tenant_id) if r["event_type"] == "account.alert"]
    assert {a["payload"]["signal"] for a in alerts} == {"repeated_openers", "reported"}
    assert {a["ordering_key"] for a in alerts} == {"account:man1"}
    recorded = _actions(second, headers, account_id="man1", type="account_alert")
    assert len(recorded) == 2
    second.close()


def _custom_policy(tmp_path: Path, openers: int, prompt_contact: str) -> Path:
    """The default policy with another repeated-opener threshold, a default locale (en-GB)
    for conversations without one, and its own services there: what a platform would change
    in its own file."""
    text = default_policy_text()
    old = "  repeated_opener_children: 3 "
    assert old in text
    text = text.replace(old, f"  repeated_opener_children: {openers} ", 1)
    text = text.replace("settings:\n", "settings:\n  default_locale: en-GB\n", 1)
    text += (
        "helplines:\n"
        "  locales:\n"
        "    en-GB:\n"
        "      services:\n"
        f'        - {{id: platform-line, name: Our help team, contact: "{prompt_contact}"}}\n'
    )
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _account_alerts(h: Harness, tenant_id: str) -> list[dict[str, Any]]:
    return [r for r in h.repo.outbox_rows(tenant_id) if r["event_type"] == "account.alert"]


def test_policy_file_thresholds_and_helplines_reach_the_service(tmp_path) -> None:
    path = _custom_policy(tmp_path, openers=2, prompt_contact="555 0100")
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False, policy=str(path))
    try:
        tenant_id, headers = h.tenant("p", scopes=("events:write", "read", "admin"), **HOOK)
        adult = {"type": "account", "id": "acct-man1", "account_id": "man1", "declared_age": 34}
        events = [adult, *_opener("x", "o1", "k1"), *_opener("x", "o2", "k2")]
        assert h.post(headers, events).status_code == 200
        # Two children with the same opener: the file's threshold (2), not the default (3).
        alerts = _account_alerts(h, tenant_id)
        assert [a["payload"]["signal"] for a in alerts] == ["repeated_openers"]

        events = account_events("p") + conversation_events("p", "c1", GROOMING_LIKE)
        assert h.post(headers, events).status_code == 200
        prompt = next(i for i in _actions(h, headers) if i["type"] == "safety_prompt")
        contacts = [s.get("contact") for s in prompt["event"]["payload"]["helplines"]]
        assert contacts == ["555 0100"]

        # A new policy of the tenant's own reaches the running tracker and dispatcher.
        text = _custom_policy(tmp_path, openers=3, prompt_contact="555 0199").read_text()
        assert h.client.put("/v1/policy", json={"text": text}, headers=headers).status_code == 200
        events = [
            {**adult, "id": "acct-man2", "account_id": "man2"},
            *[
                {**e, "sender": "man2"} if e["type"] == "message" else e
                for e in _opener("y", "o3", "k3") + _opener("y", "o4", "k4")
            ],
        ]
        assert h.post(headers, events).status_code == 200
        assert len(_account_alerts(h, tenant_id)) == 1  # two children are below 3 now
        events = account_events("q") + conversation_events("q", "c2", GROOMING_LIKE)
        events = [{**e, "id": "q2-" + e["id"]} for e in events]
        assert h.post(headers, events).status_code == 200
        prompts = [
            i for i in _actions(h, headers, conversation_id="c2") if i["type"] == "safety_prompt"
        ]
        assert prompts
        assert [s.get("contact") for s in prompts[0]["event"]["payload"]["helplines"]] == [
            "555 0199"
        ]
    finally:
        h.close()


def test_below_watch_the_evidence_writer_is_the_suspect_in_the_service(tmp_path) -> None:
    """Below ``watch`` the engine names no offender; the policy takes the participant whose
    messages carry the tactic evidence. In the service that evidence is written under the
    engine's tenant-scoped ids, and must still point at the platform's account."""
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    try:
        _, headers = h.tenant("p", **HOOK)
        accounts = [
            {"type": "account", "id": "a-new", "account_id": "new1", "created_at": ts(5 * 86400)},
            {"type": "account", "id": "a-old", "account_id": "old1", "created_at": ts(9e7)},
        ]
        # Connected accounts keep the engine below watch, so no roles are named.
        linked = {
            "type": "connection",
            "id": "cx1",
            "account_id": "new1",
            "other_account_id": "old1",
            "change": "added",
            "ts": ts(60),
        }
        lines = [
            ("new1", "hey whats up"),
            ("old1", "not much, just got home"),
            ("new1", "cool, did you finish the maths homework"),
            ("old1", "yeah it was easy"),
            ("new1", "i need another pic"),
        ]
        answer = h.post(headers, [*accounts, linked, *conversation_events("p", "c1", lines)])
        assert answer.status_code == 200
        assert answer.json()["results"][-1]["level"] == "none"
        reviews = [i for i in _actions(h, headers) if i["type"] == "escalate_review"]
        assert reviews, "an image request from a 5-day-old account should be reviewed"
        assert {i["account_id"] for i in reviews} == {"new1"}
        assert "new-account-image-request-review" in reviews[0]["event"]["rule_ids"]
    finally:
        h.close()
