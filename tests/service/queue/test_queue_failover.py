"""Real processes on the real services: an API publishing to JetStream, workers applying
into PostgreSQL; kill -9 a worker, then the API, mid-stream. Every acknowledged event is
processed exactly once, in order per conversation, with its alerts and outbox rows once."""

from __future__ import annotations

import threading
import time

import pytest
from cluster import (
    Cluster,
    Sender,
    assert_exactly_once,
    check_exactly_once,
    stored_count,
    wait_processed,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_kill_a_worker_mid_stream(cluster: Cluster, tenant) -> None:
    repo, tenant_id, token = tenant
    cluster.start_api()
    a, b = cluster.start_worker("aaaa01"), cluster.start_worker("bbbb02")
    cluster.wait_log("worker-aaaa01.log", "partition taken")
    cluster.wait_log("worker-bbbb02.log", "partition taken")
    sender = Sender(cluster.base_url, token, conversations=12, prefix="k")

    def send() -> None:
        for _ in range(40):
            sender.send(sender.batch(15))
            time.sleep(0.05)

    thread = threading.Thread(target=send)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while stored_count(repo, tenant_id) < 150 and time.monotonic() < deadline:
            time.sleep(0.1)
        a.kill9()  # mid-stream: it holds half the partitions and a batch in flight
        killed_at = stored_count(repo, tenant_id)
        thread.join(120)
        wait_processed(repo, tenant_id, sender.acked, timeout=120)
    finally:
        sender.close()
    assert 0 < killed_at < 600
    assert "partition taken" in cluster.read_log("worker-bbbb02.log", tail=None)
    assert len(sender.acked) == 600
    assert_exactly_once(check_exactly_once(repo, tenant_id, sender.acked))
    assert b.term() == 0  # SIGTERM drains and exits cleanly
    assert "worker stopped" in cluster.read_log("worker-bbbb02.log")


def test_kill_the_api_mid_stream(cluster: Cluster, tenant) -> None:
    repo, tenant_id, token = tenant
    api = cluster.start_api()
    cluster.start_worker("cccc03")
    sender = Sender(cluster.base_url, token, conversations=8, prefix="a")
    try:
        for k in range(20):
            if k == 8:
                api.kill9()
                cluster.start_api(wait=False)  # the sender retries until it answers
            sender.send(sender.batch(15), deadline_s=120)
        wait_processed(repo, tenant_id, sender.acked, timeout=120)
    finally:
        sender.close()
    assert len(sender.acked) == 300
    assert_exactly_once(check_exactly_once(repo, tenant_id, sender.acked))


def test_sigterm_drains_and_hands_partitions_over(cluster: Cluster, tenant) -> None:
    repo, tenant_id, token = tenant
    cluster.start_api()
    a, b = cluster.start_worker("ffff06"), cluster.start_worker("abcd07")
    cluster.wait_log("worker-ffff06.log", "partition taken")
    cluster.wait_log("worker-abcd07.log", "partition taken")
    sender = Sender(cluster.base_url, token, conversations=10, prefix="t")

    def send() -> None:
        for _ in range(30):
            sender.send(sender.batch(10))
            time.sleep(0.05)

    thread = threading.Thread(target=send)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while stored_count(repo, tenant_id) < 80 and time.monotonic() < deadline:
            time.sleep(0.1)
        started = time.monotonic()
        assert a.term(timeout=30) == 0  # finishes and acknowledges what it fetched
        drained_in = time.monotonic() - started
        thread.join(120)
        wait_processed(repo, tenant_id, sender.acked, timeout=120)
    finally:
        sender.close()
    assert drained_in < 15
    assert "worker stopped" in cluster.read_log("worker-ffff06.log")
    assert len(sender.acked) == 300
    assert_exactly_once(check_exactly_once(repo, tenant_id, sender.acked))
    assert b.alive()
