"""The ingest path's shortcuts give exactly what the straightforward code gave."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
from service_helpers import GROOMING_LIKE, Harness, account_events, fresh_engine, sqlite_url

from safeguarding.domain import Message, Participant
from safeguarding.service.actions import LazyMessages
from safeguarding.service.events import EventBatch, event_digest
from safeguarding.service.namespace import unscope_assessment, unscoped_assessment_dict
from safeguarding.storage.db import json_dumps

PLUS_TWO = timezone(timedelta(hours=2))


def _message(i: int, sender: str, text: str) -> dict[str, Any]:
    at = datetime(2026, 1, 1, 10, 0, tzinfo=UTC) + timedelta(seconds=i, microseconds=123)
    return {
        "type": "message",
        "id": f"e{i}",
        "conversation_id": "c1",
        "message_id": f"m{i}",
        "sender": sender,
        "recipients": ["kid1" if sender == "adult1" else "adult1"],
        "ts": at.astimezone(PLUS_TWO).isoformat(),  # not UTC: storage hands back UTC
        "text": text,
    }


def _stored(h: Harness, tenant: str) -> list[Message]:
    """What the pipeline read from storage for evidence before it kept a cache."""
    return [
        Message(
            "c1",
            r["sender"],
            r["text"] or "",
            r["ts"],
            r["message_id"],
            r["idx"],
            tuple(r["recipients"]),
        )
        for r in h.repo.messages(tenant, "c1")
    ]


def test_evidence_history_cache_equals_storage(tmp_path) -> None:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    try:
        tenant, headers = h.tenant("p")
        assert h.post(headers, account_events("p")).status_code == 200
        pipe = h.app.state.services.pipeline
        for i, (sender, text) in enumerate(GROOMING_LIKE):
            assert h.post(headers, [_message(i, sender, text)]).status_code == 200
            state = pipe.conversations[(tenant, "c1")]
            if i == 1:  # read once from storage, then extended after every commit
                pipe.conversations.history(tenant, "c1", state)
            if i >= 1:
                stored = _stored(h, tenant)
                assert state.history == stored
                # aware datetimes compare equal across zones; the evidence hash does not
                assert [m.ts.isoformat() for m in state.history if m.ts] == [
                    m.ts.isoformat() for m in stored if m.ts
                ]
            assert not state.pending
        assert len(state.history or []) == len(GROOMING_LIKE)
    finally:
        h.close()


def test_lazy_messages_reverse_walks_the_batch_first() -> None:
    loads = []
    head = [Message("c", "a", "x", None, "m0", 0)]
    tail = (Message("c", "b", "y", None, "m1", 1),)

    def load() -> list[Message]:
        loads.append(1)
        return head

    lazy = LazyMessages(load, tail)
    assert next(reversed(lazy)) is tail[0] and not loads
    assert list(reversed(lazy)) == [tail[0], head[0]] and loads == [1]
    assert list(lazy) == [head[0], tail[0]] and len(lazy) == 2 and loads == [1]


def test_assessment_dict_equals_unscoped_to_dict() -> None:
    engine = fresh_engine()
    engine.open_conversation("t:c1", [Participant("t:adult1"), Participant("t:kid1")])
    assessment = None
    for i, (sender, text) in enumerate(GROOMING_LIKE):
        assessment = engine.process(
            Message("t:c1", f"t:{sender}", text, datetime(2026, 1, 1, tzinfo=UTC), f"m{i}")
        )
    assert assessment is not None and assessment.evidence
    assert unscoped_assessment_dict(assessment) == unscope_assessment(assessment.to_dict())


def test_event_digest_is_unchanged() -> None:
    def reference(ev: Any) -> str:
        canonical = json.dumps(ev.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    for text in ("plain", 'tab\tquote" back\\slash', "del\x7f", "café ☕", "ctl\x01\x1f"):
        batch = EventBatch.model_validate(
            {"events": [_message(0, "adult1", text) | {"media": [{"kind": "link", "ref": text}]}]}
        )
        assert event_digest(batch.events[0]) == reference(batch.events[0])


def test_json_columns_take_what_json_dumps_took() -> None:
    value = {"a": np.float64(0.5), "b": np.int64(3), 1: [1.5, None, "é"]}
    assert json.loads(json_dumps(value)) == {"a": 0.5, "b": 3, "1": [1.5, None, "é"]}


def test_assessment_dict_with_evidence_memo_equals_without() -> None:
    engine = fresh_engine()
    engine.open_conversation("t:c1", [Participant("t:adult1"), Participant("t:kid1")])
    memo: dict[int, Any] = {}
    for i, (sender, text) in enumerate(GROOMING_LIKE):
        assessment = engine.process(
            Message("t:c1", f"t:{sender}", text, datetime(2026, 1, 1, tzinfo=UTC), f"m{i}")
        )
        assert unscoped_assessment_dict(assessment, memo) == unscope_assessment(
            assessment.to_dict()
        )
    assert memo  # evidence was seen and kept for the next batch
    assert len(memo) <= 2 * len(assessment.evidence) + 32


def test_evidence_memo_is_pruned_when_the_evidence_changes() -> None:
    """Signals that left the evidence (another offender named) do not pile up in the memo,
    and the dicts built from it still equal a fresh build."""
    engine = fresh_engine()
    engine.open_conversation("t:c2", [Participant("t:a"), Participant("t:b")])
    memo: dict[int, Any] = {}
    ts = datetime(2026, 1, 1, tzinfo=UTC)
    assessment = None
    for i in range(40):
        assessment = engine.process(Message("t:c2", "t:a", "send me a pic", ts, f"m{i}"))
        unscoped_assessment_dict(assessment, memo)
    assert assessment is not None
    other = replace(assessment, evidence=assessment.evidence[-2:])
    assert unscoped_assessment_dict(other, memo) == unscope_assessment(other.to_dict())
    assert len(memo) <= 2 * len(other.evidence) + 32


def test_idempotency_without_lookup_falls_back_after_restart(tmp_path) -> None:
    """A new process has no recent ids: a retried batch hits the unique key and is then
    answered from storage, exactly as the first call answered it."""
    url = sqlite_url(tmp_path)
    events = [_message(i, s, t) for i, (s, t) in enumerate(GROOMING_LIKE[:4])]
    first = Harness(url, webhooks_enabled=False)
    _, headers = first.tenant("p")
    answer = first.post(headers, events).json()
    assert answer["created"] == 4
    assert first.post(headers, events).json()["duplicates"] == 4  # recent ids: lookup path
    first.close()

    second = Harness(url, webhooks_enabled=False)
    _, headers2 = second.tenant("p")
    retried = second.post(headers2, events)
    assert retried.status_code == 200
    body = retried.json()
    assert body["created"] == 0 and body["duplicates"] == 4
    assert [r["message_index"] for r in body["results"]] == [0, 1, 2, 3]
    more = second.post(headers2, [_message(4, *GROOMING_LIKE[4])]).json()
    assert more["created"] == 1 and more["results"][0]["message_index"] == 4
    changed = dict(events[0], text="something else")
    assert second.post(headers2, [changed]).status_code == 409
    second.close()


def test_revoked_key_is_refused_at_once_despite_the_cache(tmp_path) -> None:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    try:
        _, headers = h.tenant("p")
        assert h.client.get("/v1/alerts", headers=headers).status_code == 200
        token = headers["Authorization"].split(" ", 1)[1]
        key = h.repo.peek_cached_key(token)
        assert key is not None  # the first request cached it
        assert h.repo.revoke_api_key(key.id)
        assert h.client.get("/v1/alerts", headers=headers).status_code == 401
    finally:
        h.close()


def _openers(prefix: str, n: int) -> list[dict[str, Any]]:
    """``n`` new conversations in one batch: an account event, a connection and a first
    message each (some of them grooming-like), so facts and connections matter."""
    events: list[dict[str, Any]] = []
    at = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    for i in range(n):
        adult, kid = f"{prefix}a{i}", f"{prefix}k{i}"
        events.append(
            {"type": "account", "id": f"{prefix}acc{i}", "account_id": kid, "age_band": "under_13"}
        )
        if i % 2:
            events.append(
                {
                    "type": "connection",
                    "id": f"{prefix}con{i}",
                    "account_id": adult,
                    "other_account_id": kid,
                    "change": "added",
                    "ts": at.isoformat(),
                }
            )
        text = GROOMING_LIKE[i % len(GROOMING_LIKE)][1]
        events.append(
            _message(i, adult, text)
            | {"id": f"{prefix}m{i}", "conversation_id": f"{prefix}c{i}", "recipients": [kid]}
        )
    return events


def _counting(h: Harness, names: list[str]) -> dict[str, int]:
    calls = dict.fromkeys(names, 0)
    for name in names:
        original = getattr(h.repo, name)

        def counted(*args: Any, _name: str = name, _f: Any = original, **kw: Any) -> Any:
            calls[_name] += 1
            return _f(*args, **kw)

        setattr(h.repo, name, counted)
    return calls


def test_new_conversations_of_a_batch_are_read_in_one_query_each_kind(
    tmp_path, monkeypatch
) -> None:
    """Twenty new conversations in one batch: one read of conversations, accounts and
    connections for all of them; the answers equal processing them one batch each, and
    equal the per-conversation reads used for rooms too wide to prefetch."""
    events = _openers("x", 20)
    h = Harness(sqlite_url(tmp_path, "one.db"), webhooks_enabled=False)
    _, headers = h.tenant("p")
    calls = _counting(
        h, ["get_conversation", "get_conversations", "get_accounts", "connected_pairs"]
    )
    together = h.post(headers, events).json()
    h.close()
    assert calls == {
        "get_conversation": 0,
        "get_conversations": 1,
        "get_accounts": 1,
        "connected_pairs": 1,
    }

    apart = Harness(sqlite_url(tmp_path, "two.db"), webhooks_enabled=False)
    _, headers = apart.tenant("p")
    # Accounts and connections first, then each conversation in a batch of its own.
    setup = [e for e in events if e["type"] != "message"]
    assert apart.post(headers, setup).status_code == 200
    one_by_one = [apart.post(headers, [e]).json() for e in events if e["type"] == "message"]
    apart.close()

    import safeguarding.service.conversations as conversations

    monkeypatch.setattr(conversations, "PREFETCH_MAX_ACCOUNTS", 3)
    wide = Harness(sqlite_url(tmp_path, "three.db"), webhooks_enabled=False)
    _, headers = wide.tenant("p")
    unfetched = wide.post(headers, events).json()
    wide.close()

    def levels(answer: dict[str, Any]) -> list[tuple[str, str, float]]:
        return [
            (r["conversation_id"], r["level"], r["risk"])
            for r in answer["results"]
            if r["type"] == "message"
        ]

    assert levels(together) == [row for a in one_by_one for row in levels(a)]
    assert levels(together) == levels(unfetched)
    assert together["assessments"] == unfetched["assessments"]
