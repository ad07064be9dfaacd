"""NATS unreachable during a run (a private nats-server this test stops and starts; the
shared one on 4222 is never touched): the API refuses with 503 problem+json and
Retry-After, nothing it acknowledged is lost, and the worker resumes."""

from __future__ import annotations

import threading
import time

import pytest
from cluster import (
    Cluster,
    PrivateNats,
    Sender,
    assert_exactly_once,
    check_exactly_once,
    nats_server_available,
    stored_count,
    wait_processed,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_nats_outage_refuses_then_resumes(require_service, queue_db, tenant, tmp_path) -> None:
    require_service("NATS", "127.0.0.1", 4222)  # the CI job provides nats-server
    if not nats_server_available():
        pytest.fail("nats-server is not installed; the outage test needs its own server")
    repo, tenant_id, token = tenant
    nats = PrivateNats(tmp_path)
    nats.start()
    cluster = Cluster(queue_db, nats.url, tmp_path)
    try:
        cluster.start_api()
        cluster.start_worker("dddd04")
        cluster.wait_log("worker-dddd04.log", "partition taken")
        sender = Sender(cluster.base_url, token, conversations=6, prefix="o")
        for _ in range(5):
            sender.send(sender.batch(10))
        wait_processed(repo, tenant_id, sender.acked, timeout=60)

        nats.stop()
        answer = sender.http.post(
            "/v1/events", json={"events": sender.batch(10)}, headers=sender.headers
        )
        assert answer.status_code == 503
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert int(answer.headers["retry-after"]) > 0
        assert answer.json()["status"] == 503

        def keep_sending() -> None:
            for _ in range(10):
                sender.send(sender.batch(10), deadline_s=90)

        thread = threading.Thread(target=keep_sending)
        thread.start()
        time.sleep(3)  # the sender meets 503s meanwhile
        before = stored_count(repo, tenant_id)
        nats.start()  # same store: what JetStream acknowledged is still there
        thread.join(120)
        assert not thread.is_alive()
        wait_processed(repo, tenant_id, sender.acked, timeout=120)
        sender.close()
    finally:
        cluster.close()
        nats.stop()
    assert 503 in sender.refused
    assert before < len(sender.acked)
    # the batch refused above was never acknowledged; its events are not in the count
    assert len(sender.acked) == 150
    assert_exactly_once(check_exactly_once(repo, tenant_id, sender.acked))
