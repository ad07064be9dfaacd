"""Several webhook senders on one PostgreSQL database (``safeguarding webhooks``): every
outbox row delivered, each conversation's in order, and a sender killed with SIGKILL costs
at most a re-delivery of what it had sent but not committed (de-duplicated on the event id)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from service_helpers import postgres_database, sqlite_url
from typer.testing import CliRunner
from webhook_receiver import Delivery, SlowReceiver, first_seen

import safeguarding
from safeguarding.cli import app
from safeguarding.client import SignatureError, verify_signature
from safeguarding.service.senders import MAX_THREADS, SenderConfigError, WebhookSenders
from safeguarding.service.settings import Settings
from safeguarding.storage.records import OutboxMessage
from safeguarding.storage.repository import Repository

SRC = str(Path(safeguarding.__file__).resolve().parents[1])


@pytest.fixture
def pg_url(require_service) -> Iterator[str]:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    yield from postgres_database(prefix="sg_senders_")


@pytest.fixture
def receiver() -> Iterator[SlowReceiver]:
    r = SlowReceiver(delay_s=0.01)
    yield r
    r.close()


def _queue(repo: Repository, tenant: str, conversations: int, per: int, tag: str) -> list[str]:
    """Rows interleaved across conversations, as ingest writes them; returns their keys."""
    keys = [f"{tag}-c{c}" for c in range(conversations)]
    for n in range(per):
        repo.enqueue_webhooks(
            tenant, [OutboxMessage(k, "alert.raised", {"key": k, "n": n}) for k in keys]
        )
    return keys


def _settings(url: str) -> Settings:
    return Settings(
        db_url=url, webhook_poll_s=0.05, webhook_backoff_base_s=0.05, webhook_claim_batch=4
    )


def _wait_drained(repo: Repository, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while repo.outbox_depth() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert repo.outbox_depth() == 0, "the outbox was not drained"


def _assert_in_order(deliveries: list[Delivery], keys: list[str], per: int) -> None:
    by_key: dict[str, list[int]] = {}
    for d in first_seen(deliveries):
        by_key.setdefault(d.data["key"], []).append(d.data["n"])
    assert by_key == {k: list(range(per)) for k in keys}


def test_three_senders_deliver_each_row_once_in_order(pg_url: str, receiver) -> None:
    repo = Repository.from_url(pg_url)
    repo.migrate()
    a = repo.create_tenant("a", webhook_url=receiver.url + "/a", webhook_secret="whsec_a")
    b = repo.create_tenant("b", webhook_url=receiver.url + "/b", webhook_secret="whsec_b")
    # The same conversation ids in both tenants: ordering is per (tenant, conversation).
    keys_a = _queue(repo, a.id, 12, 8, "same")
    keys_b = _queue(repo, b.id, 12, 8, "same")
    senders = WebhookSenders(repo, _settings(pg_url), threads=3)
    senders.start()
    try:
        _wait_drained(repo)
    finally:
        senders.stop()
    got_a, got_b = receiver.to("/a"), receiver.to("/b")
    # Exactly once: no sender took a row another held, none was sent twice.
    assert len(got_a) == len({d.event_id for d in got_a}) == 12 * 8
    assert len(got_b) == len({d.event_id for d in got_b}) == 12 * 8
    _assert_in_order(got_a, keys_a, 8)
    _assert_in_order(got_b, keys_b, 8)
    assert receiver.max_in_flight >= 2, "the senders never overlapped"
    # Each tenant's deliveries carry its own events, signed with its own secret only.
    a_ids = {r["public_id"] for r in repo.outbox_rows(a.id)}
    assert {d.event_id for d in got_a} == a_ids
    for d in got_a[:5]:
        verify_signature("whsec_a", d.signature, d.body)
        with pytest.raises(SignatureError):
            verify_signature("whsec_b", d.signature, d.body)
    repo.close()


def _sender_process(url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": SRC,
        "SAFEGUARDING_WEBHOOK_POLL_S": "0.05",
        "SAFEGUARDING_WEBHOOK_CLAIM_BATCH": "4",
        "SAFEGUARDING_LOG_LEVEL": "WARNING",
    }
    cmd = [sys.executable, "-c", "from safeguarding.cli import app; app()", "webhooks"]
    with log.open("ab") as out:
        return subprocess.Popen(cmd + ["--db", url, "--json-logs"], env=env, stdout=out, stderr=out)


def test_a_sender_killed_mid_round_loses_nothing_and_keeps_order(
    pg_url: str, tmp_path: Path
) -> None:
    receiver = SlowReceiver(delay_s=0.02)
    repo = Repository.from_url(pg_url)
    repo.migrate()
    t = repo.create_tenant("t", webhook_url=receiver.url + "/t", webhook_secret="whsec_t")
    keys = _queue(repo, t.id, 20, 10, "conv")
    procs = [_sender_process(pg_url, tmp_path / f"sender{n}.log") for n in range(3)]
    try:
        deadline = time.monotonic() + 60
        while len(receiver.deliveries) < 40 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(receiver.deliveries) >= 40, "the senders did not start delivering"
        procs[0].kill()  # SIGKILL: no drain, no commit of its round
        killed_at = time.monotonic()
        procs[0].wait(10)
        _wait_drained(repo)
        for p in procs[1:]:
            p.send_signal(signal.SIGTERM)
        for p in procs[1:]:
            assert p.wait(20) == 0  # SIGTERM drains and exits cleanly
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        receiver.close()
    got = receiver.deliveries
    ids = {r["public_id"] for r in repo.outbox_rows(t.id)}
    # At least once: every row arrived; after de-duplication on the event id, exactly once,
    # in order within each conversation.
    assert {d.event_id for d in got} == ids
    assert len(first_seen(got)) == len(ids) == 200
    _assert_in_order(got, keys, 10)
    # A second copy only of what the killed sender had sent before its round was committed.
    seen: set[str] = set()
    for d in got:
        if d.event_id in seen:
            assert d.at >= killed_at, "a row was sent twice without a sender dying"
        seen.add(d.event_id)
    assert all(r["delivered_at"] is not None for r in repo.outbox_rows(t.id))
    repo.close()


def test_sqlite_runs_one_sender_only(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    repo = Repository.from_url(url)
    repo.migrate()
    with pytest.raises(SenderConfigError):
        WebhookSenders(repo, Settings(db_url=url), threads=2)
    for threads in (0, -1, MAX_THREADS + 1):
        with pytest.raises(SenderConfigError):
            WebhookSenders(repo, Settings(db_url=url), threads=threads)
    assert len(WebhookSenders(repo, Settings(db_url=url), threads=1).workers) == 1
    repo.close()
    result = CliRunner().invoke(app, ["webhooks", "--db", url, "--threads", "2"])
    assert result.exit_code == 2
    assert "PostgreSQL" in result.output


def test_one_sender_on_sqlite_delivers_in_order(tmp_path: Path, receiver) -> None:
    url = sqlite_url(tmp_path)
    repo = Repository.from_url(url)
    repo.migrate()
    t = repo.create_tenant("t", webhook_url=receiver.url + "/t", webhook_secret="whsec_t")
    keys = _queue(repo, t.id, 4, 5, "c")
    senders = WebhookSenders(repo, _settings(url), threads=1)
    senders.start()
    try:
        _wait_drained(repo, 30)
    finally:
        senders.stop()
    got = receiver.to("/t")
    assert len(got) == len({d.event_id for d in got}) == 20
    _assert_in_order(got, keys, 5)
    repo.close()
