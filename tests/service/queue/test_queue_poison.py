"""A poison event goes to the dead-letter stream with its reason, its partition keeps
going, and ``safeguarding dlq list|replay`` shows and republishes it."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest
from cluster import Cluster, Sender, assert_exactly_once, check_exactly_once, wait_processed

from safeguarding.service.queue.link import JetStreamLink
from safeguarding.service.queue.names import QueueNames, partition_of

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _cli(cluster: Cluster, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from safeguarding.cli import app; app()", *args],
        env=cluster.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


async def _publish_garbage(cluster: Cluster, tenant: str, cid: str) -> None:
    names = QueueNames(cluster.stream, 4)
    link = await JetStreamLink.connect(cluster.nats_url, names)
    subject = names.subject(partition_of(tenant, cid, 4))
    await link.publish(
        subject, b'{"t": "x", "a": 1, "e": {"type": "nope"}}', "garbage-1", timeout=5
    )
    await link.close()


def test_poison_goes_to_the_dlq_and_its_partition_continues(cluster: Cluster, tenant) -> None:
    repo, tenant_id, token = tenant
    cluster.start_api()
    cluster.start_worker("eeee05")
    sender = Sender(cluster.base_url, token, conversations=3, prefix="p")
    for _ in range(3):
        sender.send(sender.batch(9))
    wait_processed(repo, tenant_id, sender.acked, timeout=90)
    # Poison 1: a new event reusing a stored message id of c0 (the worker's pipeline
    # refuses it with 409). Poison 2: bytes that are no event at all, on c0's partition.
    reused = {**sender.batch(1)[0], "id": "p-reused", "conversation_id": "c0"}
    reused["message_id"] = "m00000"
    answer = sender.http.post("/v1/events", json={"events": [reused]}, headers=sender.headers)
    assert answer.status_code == 202
    asyncio.run(_publish_garbage(cluster, tenant_id, "c0"))
    for _ in range(3):  # c0's partition keeps going after both
        sender.send(sender.batch(9))
    wait_processed(repo, tenant_id, sender.acked, timeout=90)
    sender.close()
    assert "p-reused" not in sender.acked
    assert_exactly_once(check_exactly_once(repo, tenant_id, sender.acked))

    listed = _cli(cluster, "dlq", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    letters = [json.loads(line) for line in listed.stdout.splitlines()]
    reasons = {d["event_id"] or "undecodable": d["reason"] for d in letters}
    assert "Message id reused" in reasons["p-reused"]
    assert "invalid event" in reasons["undecodable"]
    assert all(d["tenant"] in (tenant_id, "") for d in letters)

    seq = next(d["seq"] for d in letters if d["event_id"] == "p-reused")
    replayed = _cli(cluster, "dlq", "replay", str(seq))
    assert replayed.returncode == 0, replayed.stderr
    assert "replayed 1" in replayed.stdout
    # Still poison: the worker dead-letters it again, under a new sequence.
    for _ in range(60):
        again = [
            json.loads(x) for x in _cli(cluster, "dlq", "list", "--json").stdout.split("\n") if x
        ]
        if any(d["event_id"] == "p-reused" and d["seq"] != seq for d in again):
            break
    else:
        raise AssertionError("the replayed event did not come back to the dead-letter stream")
    assert not any(d["seq"] == seq for d in again)
