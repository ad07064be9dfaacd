from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from safeguarding.actions import freeze_conversation, verify_snapshot
from safeguarding.domain import Message

T0 = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)


def messages() -> list[Message]:
    texts = ["hi", "hey", "keep this between us ok", "ok", "send me a pic"]
    return [
        Message("c9", "a" if i % 2 == 0 else "b", t, ts=T0 + timedelta(minutes=i), index=i)
        for i, t in enumerate(texts)
    ]


def test_snapshot_is_chained_and_verifies() -> None:
    snap = freeze_conversation("c9", messages(), now=T0)
    assert snap["message_count"] == 5 and snap["algorithm"] == "sha256-chain-v1"
    assert snap["head_sha256"] == snap["messages"][-1]["chain_sha256"]
    assert len({m["chain_sha256"] for m in snap["messages"]}) == 5
    assert verify_snapshot(snap)
    # deterministic: the same conversation gives the same head hash
    assert freeze_conversation("c9", messages(), now=T0)["head_sha256"] == snap["head_sha256"]


def test_upto_freezes_only_messages_seen_so_far() -> None:
    snap = freeze_conversation("c9", messages(), upto=2)
    assert [m["index"] for m in snap["messages"]] == [0, 1, 2]
    assert verify_snapshot(snap)


def test_any_tampering_breaks_verification() -> None:
    snap = freeze_conversation("c9", messages())
    edited = copy.deepcopy(snap)
    edited["messages"][2]["text"] = "nothing to see"
    dropped = copy.deepcopy(snap)
    del dropped["messages"][1]
    dropped["message_count"] = 4
    reordered = copy.deepcopy(snap)
    reordered["messages"][0], reordered["messages"][1] = (
        reordered["messages"][1],
        reordered["messages"][0],
    )
    truncated = copy.deepcopy(snap)
    truncated["messages"].pop()
    truncated["message_count"] = 4
    for bad in (edited, dropped, reordered, truncated):
        assert not verify_snapshot(bad)
