"""Real processes for the queue tests: the API (``serve --queue``), workers, a private
nats-server, and the checks every test ends with.

Each test gets its own PostgreSQL database and its own stream name, so tests and other
sessions can share the NATS server on 127.0.0.1:4222.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from safeguarding.benchmarks.loadtest import free_port, verify
from safeguarding.storage.models import AlertRow, Event, OutboxRow, StoredMessage
from safeguarding.storage.repository import Repository

SHARED_NATS = "nats://127.0.0.1:4222"


def queue_env(db_url: str, nats_url: str, stream: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "SAFEGUARDING_DB_URL": db_url,
        "SAFEGUARDING_QUEUE_URL": nats_url,
        "SAFEGUARDING_QUEUE_STREAM": stream,
        "SAFEGUARDING_QUEUE_PARTITIONS": "4",
        "SAFEGUARDING_QUEUE_LEASE_S": "3",
        "SAFEGUARDING_WEBHOOKS_ENABLED": "0",  # outbox rows stay, to be counted
        "SAFEGUARDING_LOG_LEVEL": "INFO",
        **extra,
    }


@dataclass
class Proc:
    cmd: list[str]
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Proc:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.cmd, stdout=out, stderr=out, env=self.env)
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def term(self, timeout: float = 30.0) -> int:
        assert self.proc is not None
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.alive():
            try:
                self.term(15)
            except subprocess.TimeoutExpired:
                self.kill9()


@dataclass
class Cluster:
    db_url: str
    nats_url: str
    workdir: Path
    stream: str = field(default_factory=lambda: "T" + uuid.uuid4().hex[:10].upper())
    procs: list[Proc] = field(default_factory=list)
    api_port: int = 0
    api: Proc | None = None

    def env(self) -> dict[str, str]:
        return queue_env(self.db_url, self.nats_url, self.stream)

    def start_api(self, wait: bool = True) -> Proc:
        self.api_port = self.api_port or free_port()
        cmd = [sys.executable, "-m", "safeguarding.api.server"]
        cmd += ["--db", self.db_url, "--port", str(self.api_port)]
        self.api = Proc(cmd, self.env(), self.workdir / "api.log").start()
        self.procs.append(self.api)
        if wait:
            self.wait_ready()
        return self.api

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.api is not None and self.api.alive(), self.read_log("api.log")
            try:
                if httpx.get(self.base_url + "/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError("API not ready")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def start_worker(self, name: str) -> Proc:
        cmd = [sys.executable, "-c", "from safeguarding.cli import app; app()"]
        cmd += ["worker", "--id", name, "--json-logs"]
        proc = Proc(cmd, self.env(), self.workdir / f"worker-{name}.log").start()
        self.procs.append(proc)
        return proc

    def wait_log(self, name: str, needle: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.read_log(name, tail=None):
                return
            time.sleep(0.2)
        raise TimeoutError(f"{needle!r} not in {name}: {self.read_log(name)}")

    def read_log(self, name: str, tail: int | None = 4000) -> str:
        path = self.workdir / name
        if not path.exists():
            return ""
        text = path.read_text(errors="replace")
        return text if tail is None else text[-tail:]

    def close(self) -> None:
        for p in reversed(self.procs):
            p.stop()
        subprocess.run(
            [sys.executable, "-c", _DELETE_STREAMS, self.nats_url, self.stream],
            check=False,
            timeout=30,
            capture_output=True,
        )


_DELETE_STREAMS = """
import asyncio, sys
from safeguarding.service.queue.link import JetStreamLink
from safeguarding.service.queue.names import QueueNames
async def main():
    link = await JetStreamLink.connect(sys.argv[1], QueueNames(sys.argv[2], 4))
    await link.delete_streams()
    await link.close()
asyncio.run(main())
"""


class PrivateNats:
    """A nats-server of the test's own on a free port (the shared one is never stopped)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.store = workdir / "nats-store"
        self.log = workdir / "nats.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        exe = shutil.which("nats-server") or "/usr/sbin/nats-server"
        cmd = [exe, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=out)
        deadline = time.monotonic() + 10
        import socket

        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("private nats-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def nats_server_available() -> bool:
    return shutil.which("nats-server") is not None or Path("/usr/sbin/nats-server").exists()


class Sender:
    """Sends batches of messages over numbered conversations, remembering what the API
    acknowledged (202) and retrying what it refused (503, connection errors)."""

    def __init__(self, base_url: str, token: str, conversations: int, prefix: str) -> None:
        self.base_url = base_url
        self.headers = {"Authorization": f"Bearer {token}"}
        self.conversations = conversations
        self.prefix = prefix
        self.next_index = [0] * conversations
        self.acked: set[str] = set()
        self.refused: list[int] = []  # status codes of refused attempts
        self.retry_after: list[str] = []
        self.problem_types: list[str] = []
        self.http = httpx.Client(base_url=base_url, timeout=10.0)

    def batch(self, size: int) -> list[dict[str, Any]]:
        from service_helpers import GROOMING_LIKE

        events = []
        for k in range(size):
            c = (sum(self.next_index) + k) % self.conversations
            i = self.next_index[c]
            self.next_index[c] += 1
            sender, text = GROOMING_LIKE[i % len(GROOMING_LIKE)]
            events.append(
                {
                    "type": "message",
                    "id": f"{self.prefix}-c{c}-{i}",
                    "conversation_id": f"c{c}",
                    "message_id": f"m{i:05d}",
                    "sender": sender if sender != "kid1" else "kid1",
                    "recipients": ["kid1" if sender != "kid1" else "adult1"],
                    "ts": f"2026-01-01T10:{i // 60 % 60:02d}:{i % 60:02d}+00:00",
                    "text": text,
                }
            )
        return events

    def send(self, events: list[dict[str, Any]], deadline_s: float = 60.0) -> None:
        """Until acknowledged (the retry is idempotent)."""
        deadline = time.monotonic() + deadline_s
        while True:
            try:
                r = self.http.post("/v1/events", json={"events": events}, headers=self.headers)
            except httpx.HTTPError:
                r = None
            if r is not None and r.status_code == 202:
                self.acked.update(e["id"] for e in events)
                return
            if r is not None:
                self.refused.append(r.status_code)
                assert r.status_code in (503, 500, 502) or r.status_code >= 500, r.text
                if r.status_code == 503:
                    self.retry_after.append(r.headers.get("retry-after", ""))
                    self.problem_types.append(r.headers.get("content-type", ""))
            if time.monotonic() > deadline:
                raise TimeoutError("batch not acknowledged")
            time.sleep(0.3)

    def close(self) -> None:
        self.http.close()


def stored_count(repo: Repository, tenant: str) -> int:
    with repo.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(Event).where(Event.tenant_id == tenant)
            ).scalar_one()
        )


def wait_processed(repo: Repository, tenant: str, acked: set[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    stored: set[str] = set()
    while time.monotonic() < deadline:
        with repo.engine.connect() as conn:
            stored = {
                r[0] for r in conn.execute(select(Event.event_id).where(Event.tenant_id == tenant))
            }
        if acked <= stored:
            return
        time.sleep(0.5)
    raise AssertionError(f"{len(acked - stored)} acknowledged events not processed")


def check_exactly_once(repo: Repository, tenant: str, acked: set[str]) -> dict[str, Any]:
    """The load test's checks (stored once, contiguous, assessments current) plus order
    (message ids ascend with the index), alerts raised once per level and one
    ``alert.raised`` outbox row per alert."""
    result = verify(repo, tenant, acked)
    with repo.engine.connect() as conn:
        rows = conn.execute(
            select(StoredMessage.conversation_id, StoredMessage.message_id)
            .where(StoredMessage.tenant_id == tenant)
            .order_by(StoredMessage.conversation_id, StoredMessage.idx)
        ).all()
        alerts = conn.execute(
            select(AlertRow.conversation_id, AlertRow.level).where(AlertRow.tenant_id == tenant)
        ).all()
        outbox = conn.execute(
            select(OutboxRow.ordering_key, func.count())
            .where(OutboxRow.tenant_id == tenant, OutboxRow.event_type == "alert.raised")
            .group_by(OutboxRow.ordering_key)
        ).all()
    by_conv: dict[str, list[str]] = {}
    for cid, mid in rows:
        by_conv.setdefault(cid, []).append(mid)
    result["out_of_order"] = sum(1 for mids in by_conv.values() if mids != sorted(mids))
    levels: dict[str, list[int]] = {}
    for cid, level in alerts:
        levels.setdefault(cid, []).append(level)
    result["alerts"] = len(alerts)
    result["repeated_alert_levels"] = sum(1 for v in levels.values() if len(v) != len(set(v)))
    rows_per_conv = dict(outbox)
    result["outbox_mismatch"] = sum(
        1
        for cid in set(levels) | set(rows_per_conv)
        if len(levels.get(cid, [])) != rows_per_conv.get(cid, 0)
    )
    return result


def assert_exactly_once(result: dict[str, Any]) -> None:
    assert result["ok"], result
    assert result["out_of_order"] == 0, result
    assert result["repeated_alert_levels"] == 0, result
    assert result["outbox_mismatch"] == 0, result
    assert result["alerts"] > 0, result  # the traffic alerts: the outbox check means something
