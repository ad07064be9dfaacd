"""The queue's pure parts: partitions, message ids, the envelope, grouping and poison."""

from __future__ import annotations

import asyncio
from collections import Counter

import orjson
import pytest
from pydantic import TypeAdapter
from service_helpers import message

from safeguarding.service.events import AnyEvent, event_digest
from safeguarding.service.ingest_state import IngestResult
from safeguarding.service.problems import ProblemError
from safeguarding.service.queue.apply import Item, Transient, apply_items, groups, prepare
from safeguarding.service.queue.codec import PoisonMessage, QueuedEvent, decode, encode
from safeguarding.service.queue.names import QueueNames, msg_id, ordering_key, partition_of

EVENT: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)


def _ev(event_id: str, cid: str, i: int, **extra: object) -> AnyEvent:
    return EVENT.validate_python(message(event_id, cid, i, "hello there", **extra))


def test_partitions_are_stable_spread_and_per_tenant() -> None:
    keys = [f"c{i}" for i in range(2000)]
    first = [partition_of("t_a", k, 16) for k in keys]
    assert first == [partition_of("t_a", k, 16) for k in keys]  # same in every call
    counts = Counter(first)
    assert set(counts) == set(range(16))
    assert max(counts.values()) < 2 * min(counts.values())
    # the tenant is part of the key: another tenant's "c1" is spread independently
    assert first != [partition_of("t_b", k, 16) for k in keys]


def test_ordering_keys_and_message_ids() -> None:
    assert ordering_key(_ev("e1", "c9", 0)) == "c9"
    account = EVENT.validate_python({"type": "account", "id": "a1", "account_id": "u1"})
    assert ordering_key(account) == "account:u1"
    assert msg_id("t_a", "e1") != msg_id("t_b", "e1")
    names = QueueNames("S", 4)
    assert names.partition_subject("t_a", _ev("e1", "c9", 0)).startswith("sg.S.p.")


def test_envelope_round_trip_keeps_the_digest() -> None:
    ev = _ev("e1", "c1", 0, ts="2026-01-01T12:00:00+02:00")
    back = decode(encode("t_a", ev, 12.5))
    assert back == QueuedEvent("t_a", ev, 12.5)
    assert event_digest(back.event) == event_digest(ev)


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        orjson.dumps({"t": "t_a", "a": 1}),
        orjson.dumps({"t": 5, "a": 1, "e": {}}),
        orjson.dumps({"t": "t_a", "a": 1, "e": {"type": "message", "text": "secret words"}}),
    ],
)
def test_undecodable_is_poison_without_quoting_it(data: bytes) -> None:
    with pytest.raises(PoisonMessage) as info:
        decode(data)
    assert "secret" not in str(info.value)


def _items(*events: tuple[str, AnyEvent]) -> list[Item]:
    items = [Item(encode(t, ev, 1.0), n) for n, (t, ev) in enumerate(events)]
    prepare(items)
    return items


def test_groups_split_by_tenant_and_repeated_ids() -> None:
    items = _items(
        ("t_a", _ev("e1", "c1", 0)),
        ("t_a", _ev("e2", "c1", 1)),
        ("t_b", _ev("e1", "c1", 0)),
        ("t_b", _ev("e1", "c1", 0)),  # a redelivery in the same fetch
        ("t_a", _ev("e3", "c2", 0)),
    )
    assert [[i.key for i in g] for g in groups(items)] == [[0, 1], [2], [3], [4]]


def test_a_refused_group_dead_letters_only_the_poison_event() -> None:
    calls: list[list[str]] = []

    async def apply(tenant: str, queued: list[QueuedEvent]) -> IngestResult:
        ids = [q.event.id for q in queued]
        calls.append(ids)
        if "bad" in ids:
            raise ProblemError(409, "Message id reused", "event 'bad': message m0 reused")
        return IngestResult([{"status": "created"} for _ in ids], [], len(ids), 0)

    items = _items(("t_a", _ev("ok1", "c1", 0)), ("t_a", _ev("bad", "c1", 1)))
    items.append(Item(b"garbage", 99))
    items.append(_items(("t_a", _ev("ok2", "c1", 2)))[0])
    outcome = asyncio.run(apply_items(items, apply))
    assert sorted(i.queued.event.id for i in outcome.done if i.queued) == ["ok1", "ok2"]
    reasons = {i.key: r for i, r in outcome.dead}
    assert "Message id reused" in reasons[1] and "undecodable" in reasons[99]
    assert calls[0] == ["ok1", "bad", "ok2"]  # together first, then one by one


def test_a_race_is_retried_not_dead_lettered() -> None:
    async def apply(tenant: str, queued: list[QueuedEvent]) -> IngestResult:
        raise ProblemError(409, "Concurrent duplicate", "retry")

    with pytest.raises(Transient):
        asyncio.run(apply_items(_items(("t_a", _ev("e1", "c1", 0))), apply))
