"""``POST /v1/events`` with a queue (``serve --queue``): checked as without one, answered
202 once JetStream acknowledged, 503 problem+json with Retry-After when it cannot; each
tenant's event ids are its own in the queue too; no input makes it answer 500."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from service_helpers import Harness, message, sqlite_url

from safeguarding.benchmarks.loadtest import free_port
from safeguarding.service.queue.link import JetStreamLink
from safeguarding.service.queue.names import QueueNames

NATS = "nats://127.0.0.1:4222"


@pytest.fixture
def queued(require_service, tmp_path) -> Iterator[Harness]:
    require_service("NATS", "127.0.0.1", 4222)
    stream = "API" + uuid.uuid4().hex[:10].upper()
    h = Harness(sqlite_url(tmp_path), queue_url=NATS, queue_stream=stream, queue_partitions=4)
    try:
        yield h
    finally:
        h.close()
        asyncio.run(_delete(stream))


async def _delete(stream: str) -> None:
    link = await JetStreamLink.connect(NATS, QueueNames(stream, 4))
    await link.delete_streams()
    await link.close()


async def _pending(stream: str) -> int:
    link = await JetStreamLink.connect(NATS, QueueNames(stream, 4))
    try:
        return await link.pending()
    finally:
        await link.close()


def test_accepted_once_queued_and_tenants_keep_their_own_ids(queued: Harness) -> None:
    stream = queued.settings.queue_stream
    _, alice = queued.tenant("alice")
    _, bob = queued.tenant("bob")
    batch = [message("e1", "c1", 0, "hi"), message("e2", "c1", 1, "how r u")]
    first = queued.post(alice, batch)
    assert first.status_code == 202, first.text
    body = first.json()
    assert body["accepted"] == 2 and body["created"] == 0 and body["assessments"] == []
    assert [r["status"] for r in body["results"]] == ["accepted", "accepted"]
    # The same ids from another tenant are other events: queued, not de-duplicated.
    assert queued.post(bob, batch).status_code == 202
    # A retry is absorbed by JetStream's de-duplication window, and answered as such.
    retry = queued.post(alice, batch)
    assert retry.status_code == 202
    assert [r["status"] for r in retry.json()["results"]] == ["duplicate", "duplicate"]
    assert retry.json()["duplicates"] == 2 and "accepted" not in retry.json()
    assert asyncio.run(_pending(stream)) == 4
    # Reads stay per tenant (nothing is applied without a worker: 404 for both).
    assert queued.client.get("/v1/conversations/c1/assessment", headers=bob).status_code == 404


def test_checked_before_queueing(queued: Harness) -> None:
    _, headers = queued.tenant("carol")
    stream = queued.settings.queue_stream
    bad = message("x1", "c1", 0, "hi") | {"ts": "2099-01-01T00:00:00Z"}
    answer = queued.post(headers, [bad])
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert queued.client.post("/v1/events", json={"events": [bad]}).status_code == 401
    assert asyncio.run(_pending(stream)) == 0


def test_unreachable_queue_is_a_503_with_retry_after(tmp_path) -> None:
    url = f"nats://127.0.0.1:{free_port()}"  # nothing listens there
    h = Harness(sqlite_url(tmp_path), queue_url=url, queue_retry_after_s=3)
    try:
        _, headers = h.tenant("dave")
        answer = h.post(headers, [message("u1", "c1", 0, "hi")])
        assert answer.status_code == 503
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.headers["retry-after"] == "3"
        assert answer.json()["title"] == "Queue unavailable"
        assert "hi" not in answer.text
    finally:
        h.close()


EVENT = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["message", "account", "report", "connection", "x"]),
        "id": st.text(min_size=0, max_size=5),
        "conversation_id": st.text(max_size=5),
        "message_id": st.text(max_size=5),
        "sender": st.text(max_size=5),
        "recipients": st.lists(st.text(max_size=3), max_size=2),
        "ts": st.sampled_from(
            ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00", "9999-12-31T23:59:59+14:00", "x"]
        ),
        "text": st.text(max_size=20),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(events=st.lists(EVENT, min_size=0, max_size=4))
def test_fuzz_never_500(queued: Harness, events: list[dict[str, object]]) -> None:
    _, headers = queued.tenant("fuzz")
    answer = queued.client.post(
        "/v1/events", content=json.dumps({"events": events}), headers=headers
    )
    assert answer.status_code in (202, 400, 409, 413, 422), answer.text
    if answer.status_code != 202:
        assert answer.headers["content-type"].startswith("application/problem+json")
