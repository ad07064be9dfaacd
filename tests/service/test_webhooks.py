"""Signed webhooks from the outbox reach a receiver that was down, every one, in order."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from service_helpers import GROOMING, Harness, conversation_events, sqlite_url

from safeguarding.client import HEADER, verify_signature
from safeguarding.service.outbox import OutboxWorker, backoff_delay
from safeguarding.storage.records import OutboxMessage

SECRET = "whsec_test"


class Receiver:
    """A real HTTP endpoint on 127.0.0.1 that records what it is sent."""

    def __init__(self, port: int) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    import random

    rng = random.Random(1)
    delays = [backoff_delay(n, 1.0, 60.0, rng) for n in range(1, 10)]
    assert 0.5 <= delays[0] <= 1.0
    assert 4.0 <= delays[3] <= 8.0
    assert all(30.0 <= d <= 60.0 for d in delays[6:])


def test_receiver_down_then_up_gets_every_event_in_order(tmp_path) -> None:
    port = _free_port()
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)  # the worker is stepped by hand
    try:
        tenant_id, headers = h.tenant(
            "p", webhook_url=f"http://127.0.0.1:{port}/hook", webhook_secret=SECRET
        )
        for n in range(3):
            assert h.post(headers, conversation_events("p", f"c{n}", GROOMING)).status_code == 200
        h.repo.enqueue_webhooks(tenant_id, [OutboxMessage("c0", "action.taken", {"seq": "last"})])
        expected = len(h.repo.outbox_rows(tenant_id))
        assert expected >= 4

        # conversations, plus the suspected account's alerts (``account:<id>``)
        keys = {r["ordering_key"] for r in h.repo.outbox_rows(tenant_id)}
        worker = OutboxWorker(h.repo, h.settings)
        clock = datetime.now(UTC)
        for _ in range(3):  # the platform is down: connection refused, backoff, retry
            clock += timedelta(minutes=10)
            assert worker.run_once(clock) == len(keys)  # one head per ordering key, never more
        assert all(r["delivered_at"] is None for r in h.repo.outbox_rows(tenant_id))

        receiver = Receiver(port)  # the platform comes back
        try:
            for _ in range(expected + 2):
                clock += timedelta(minutes=10)
                if worker.run_once(clock) == 0:
                    break
        finally:
            receiver.close()
            worker.stop()

        assert len(receiver.received) == expected
        assert h.repo.outbox_depth() == 0
        per_conversation: dict[str, list[int]] = {}
        for received_headers, body in receiver.received:
            verify_signature(SECRET, received_headers[HEADER], body)
            envelope = json.loads(body)
            data = envelope["data"]
            key = data.get("conversation_id") or f"account:{data.get('target_account', 'c0')}"
            per_conversation.setdefault(key, []).append(envelope["id"])
        for ids in per_conversation.values():
            assert ids == sorted(ids)  # in order within each conversation
        alert_ids = {a.public_id for a in h.repo.alerts(tenant_id, status=None, limit=500)}
        delivered_alerts = {
            json.loads(b)["data"]["alert_id"]
            for _, b in receiver.received
            if json.loads(b)["type"] == "alert.raised"
        }
        assert delivered_alerts == alert_ids
        assert json.loads(receiver.received[-1][1])["data"] == {"seq": "last"} or any(
            json.loads(b)["data"] == {"seq": "last"} for _, b in receiver.received
        )
    finally:
        h.close()


def test_old_undeliverable_webhooks_are_dead_lettered(tmp_path) -> None:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False, webhook_max_age_s=3600)
    try:
        tenant_id, _ = h.tenant(
            "p", webhook_url=f"http://127.0.0.1:{_free_port()}/", webhook_secret=SECRET
        )
        h.repo.enqueue_webhooks(tenant_id, [OutboxMessage("c1", "alert.raised", {"n": 1})])
        worker = OutboxWorker(h.repo, h.settings)
        worker.run_once(datetime.now(UTC) + timedelta(hours=2))
        worker.stop()
        (row,) = h.repo.outbox_rows(tenant_id)
        assert row["dead_at"] is not None and row["delivered_at"] is None
        assert "ConnectError" in row["last_error"]
        assert h.repo.outbox_depth() == 0
    finally:
        h.close()
