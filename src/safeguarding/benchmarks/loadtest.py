"""Load generator: starts the service as a second process on loopback and drives it.

Open loop: requests are launched on a fixed schedule whether or not earlier ones finished, so
a slow server shows up as latency rather than being hidden by a slower generator. With
``kill_restart`` the server is killed with SIGKILL half way, restarted, and the generator
keeps retrying (ingest is idempotent); afterwards the database is checked: every
acknowledged event is stored exactly once and every conversation's messages are contiguous.

CPU pinning: on a machine with two or more CPUs the server process is pinned to one CPU and
the generator to another (``os.sched_setaffinity``), so the two do not take each other's time
slices and runs repeat. ``pin=False`` (environment ``SAFEGUARDING_LOADTEST_PIN=0``) leaves
both to the scheduler.
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import func, select

from safeguarding.measure import percentile
from safeguarding.storage.models import Conversation, Event, StoredMessage
from safeguarding.storage.repository import Repository

# Indicator-level lines only. GROOMING_TEXTS is the "grooming" mix: every conversation
# escalates, the costliest case (evidence, alerts, actions on every conversation).
GROOMING_TEXTS = (
    "hey, did you finish the level?",
    "lol that was so funny",
    "what time is practice tomorrow",
    "gg, want to play again",
    "how old are you btw",
    "you're really mature for your age",
    "don't tell your parents we talk",
    "do you have snap? this chat is laggy",
    "send me a pic so i know it's you",
    "ok see you later",
)
BENIGN_TEXTS = (
    "hey, did you finish the level?",
    "lol that was so funny",
    "what time is practice tomorrow",
    "gg, want to play again",
    "ok see you later",
    "did you see the new map",
    "my brother took the console again",
    "brb dinner",
    "that boss fight took forever",
    "are you doing the science homework",
    "nice build, how long did that take",
    "i'm so tired today",
    "wanna join our team for the next round",
    "my mum says i have to log off at 9",
    "haha same",
)
MIXES = ("realistic", "grooming")
# The "realistic" mix: conversations end and new ones start (lengths geometric, mean 20), and
# one in twenty is grooming-like; the rest is everyday chat between peers.
MEAN_LENGTH = 20
GROOMING_SHARE = 0.05


@dataclass(slots=True)
class LoadReport:
    db: str
    target_rate: float
    seconds: float
    batch_size: int
    mix: str = "realistic"
    conversations_opened: int = 0
    messages_sent: int = 0
    messages_acknowledged: int = 0
    requests_ok: int = 0
    requests_failed: int = 0
    retries: int = 0
    wall_s: float = 0.0
    sustained_msgs_per_s: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    warmup_s: float = 0.0
    kill_restart: bool = False
    pinned: bool = False
    restart_s: float | None = None
    # Server CPU (user + system, all its threads) over the measured part, per request and as
    # a share of one CPU: how close to saturation the run was. None with --kill-restart.
    server_cpu_ms_per_request: float | None = None
    server_cpu_share: float | None = None
    verification: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_split() -> tuple[set[int] | None, set[int] | None]:
    """(server CPUs, generator CPUs): the last allowed CPU for the server, the first for the
    generator; (None, None) with fewer than two CPUs."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, None
    return {cpus[-1]}, {cpus[0]}


class ServerProcess:
    """The service in its own process, so the generator never shares its CPU time slice."""

    def __init__(
        self, db_url: str, port: int, log_path: Path, cpus: set[int] | None = None
    ) -> None:
        self.db_url = db_url
        self.port = port
        self.log_path = log_path
        self.cpus = cpus  # pin the server (and every thread it starts) to these CPUs
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> float:
        env = {**os.environ, "SAFEGUARDING_LOG_LEVEL": "WARNING"}
        cmd = [sys.executable, "-m", "safeguarding.api.server"]
        cmd += ["--db", self.db_url, "--port", str(self.port)]
        started = time.perf_counter()
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=env)
            if self.cpus:  # before it imports anything: its threads inherit the mask
                os.sched_setaffinity(self.proc.pid, self.cpus)
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.proc.returncode}; see {self.log_path}"
                )
            try:
                if httpx.get(self.base_url + "/readyz", timeout=1.0).status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"server not ready after {timeout} s; see {self.log_path}")

    def cpu_seconds(self) -> float:
        """User and system CPU time of the server so far, all threads."""
        if self.proc is None:
            return 0.0
        times = psutil.Process(self.proc.pid).cpu_times()
        return float(times.user + times.system)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


class _Slot:
    """One of the concurrent conversations: its id, texts and how long it will last."""

    def __init__(self, cid: str, people: tuple[str, str], texts: tuple[str, ...], length: int):
        self.cid = cid
        self.people = people
        self.texts = texts
        self.length = length  # messages before it ends and another starts (0: never)
        self.sent = 0


class _Generator:
    def __init__(
        self,
        base_url: str,
        token: str,
        run_id: str,
        conversations: int,
        seed: int,
        mix: str = "realistic",
    ) -> None:
        if mix not in MIXES:
            raise ValueError(f"mix must be one of {', '.join(MIXES)}, not {mix!r}")
        self.base_url = base_url
        self.headers = {"Authorization": f"Bearer {token}"}
        self.run_id = run_id
        self.mix = mix
        self.rng = random.Random(seed)
        self.opened = 0
        self.slots = [self._open(c) for c in range(conversations)]
        self.seq = 0
        self.latencies: list[float] = []
        self.timeline: list[tuple[float, float]] = []  # (sent at, latency) for diagnosis
        self.measure_from = 0.0  # requests sent before this are warm-up: not measured
        self.measured_messages = 0
        self.measured_done = 0.0
        self.acked: set[str] = set()
        self.ok = 0
        self.failed = 0
        self.retries = 0
        self.sent = 0

    def _open(self, c: int) -> _Slot:
        """A new conversation in slot ``c``, between two accounts of its own."""
        n = self.opened
        self.opened += 1
        people = (f"u{n}a", f"u{n}b")
        cid = f"{self.run_id}-c{n}"
        if self.mix == "grooming":
            return _Slot(cid, people, GROOMING_TEXTS, 0)
        grooming = self.rng.random() < GROOMING_SHARE
        length = 2 + int(self.rng.expovariate(1 / (MEAN_LENGTH - 2)))
        return _Slot(cid, people, GROOMING_TEXTS if grooming else BENIGN_TEXTS, length)

    def batch(self, size: int) -> list[dict[str, Any]]:
        events = []
        now = datetime.now(UTC) - timedelta(seconds=1)
        for _ in range(size):
            c = self.rng.randrange(len(self.slots))
            slot = self.slots[c]
            if slot.length and slot.sent >= slot.length:
                slot = self.slots[c] = self._open(c)
            n = slot.sent
            slot.sent += 1
            self.seq += 1
            sender, recipient = slot.people if n % 2 == 0 else slot.people[::-1]
            events.append(
                {
                    "type": "message",
                    "id": f"{self.run_id}-{self.seq}",
                    "conversation_id": slot.cid,
                    "message_id": f"m{n}",
                    "sender": sender,
                    "recipients": [recipient],
                    "ts": now.isoformat(),
                    "text": self.rng.choice(slot.texts),
                }
            )
        return events

    async def send(
        self, http: httpx.AsyncClient, events: list[dict[str, Any]], deadline: float
    ) -> None:
        body = {"events": events}
        self.sent += len(events)
        first = True
        sent_at = time.perf_counter()
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                response = await http.post("/v1/events", json=body, headers=self.headers)
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code in (200, 202):  # 202: queued
                done = time.perf_counter()
                if first:  # latency of undisturbed requests; retries after a kill excluded
                    self.timeline.append((start, done - start))
                    if sent_at >= self.measure_from:
                        self.latencies.append(done - start)
                if sent_at >= self.measure_from:
                    self.measured_messages += len(events)
                    self.measured_done = max(self.measured_done, done)
                self.ok += 1
                self.acked.update(e["id"] for e in events)
                return
            if response is not None and response.status_code < 500 and response.status_code != 429:
                self.failed += 1  # a client error: retrying cannot help
                return
            first = False
            self.retries += 1
            await asyncio.sleep(0.2)
        self.failed += 1


async def _drive(
    gen: _Generator,
    server: ServerProcess,
    rate: float,
    seconds: float,
    batch_size: int,
    kill_restart: bool,
    report: LoadReport,
    warmup: float,
) -> None:
    interval = batch_size / rate
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10.0, limits=limits) as http:
        tasks: set[asyncio.Task[None]] = set()
        start = time.perf_counter()
        gen.measure_from = start + warmup
        end = gen.measure_from + seconds
        killed = False
        restart: asyncio.Future[float] | None = None
        cpu_from: tuple[float, float, int] | None = None  # (server CPU s, wall, requests)
        k = 0
        while True:
            at = start + k * interval
            if at >= end:
                break
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if cpu_from is None and not kill_restart and time.perf_counter() >= gen.measure_from:
                cpu_from = (server.cpu_seconds(), time.perf_counter(), k)
            if (
                kill_restart
                and not killed
                and time.perf_counter() - gen.measure_from >= seconds / 2
            ):
                killed = True
                server.kill()
                # Keep the schedule going while it restarts: those requests retry.
                restart = asyncio.get_running_loop().run_in_executor(None, server.start)
            task = asyncio.create_task(gen.send(http, gen.batch(batch_size), end + 60))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            k += 1
        if restart is not None:
            report.restart_s = round(await restart, 2)
        if tasks:
            await asyncio.gather(*tasks)
        if cpu_from is not None:
            cpu, wall, first = cpu_from
            used = server.cpu_seconds() - cpu
            report.server_cpu_ms_per_request = round(used / max(1, k - first) * 1000, 2)
            report.server_cpu_share = round(used / (time.perf_counter() - wall), 3)
        report.wall_s = round(time.perf_counter() - start, 2)
        measured = gen.measured_done - gen.measure_from
        report.sustained_msgs_per_s = round(gen.measured_messages / measured, 1) if measured else 0


def verify(repo: Repository, tenant_id: str, acked: set[str]) -> dict[str, Any]:
    """Every acknowledged event stored exactly once; each conversation's messages contiguous."""
    with repo.engine.connect() as conn:
        stored_ids = [
            r[0] for r in conn.execute(select(Event.event_id).where(Event.tenant_id == tenant_id))
        ]
        message_events = [
            r[0]
            for r in conn.execute(
                select(StoredMessage.event_id).where(StoredMessage.tenant_id == tenant_id)
            )
        ]
        per_conv = conn.execute(
            select(
                StoredMessage.conversation_id,
                func.count(),
                func.max(StoredMessage.idx),
            )
            .where(StoredMessage.tenant_id == tenant_id)
            .group_by(StoredMessage.conversation_id)
        ).all()
        counts = {
            r.id: r.message_count
            for r in conn.execute(
                select(Conversation.id, Conversation.message_count).where(
                    Conversation.tenant_id == tenant_id
                )
            )
        }
        assessed = {
            r.id: (r.assessment or {}).get("message_index")
            for r in conn.execute(
                select(Conversation.id, Conversation.assessment).where(
                    Conversation.tenant_id == tenant_id
                )
            )
        }
    stored = set(stored_ids)
    missing = acked - stored
    gaps = [cid for cid, n, top in per_conv if n != top + 1 or counts.get(cid) != n]
    stale = [cid for cid, n, _ in per_conv if assessed.get(cid) != n - 1]
    return {
        "acknowledged": len(acked),
        "stored": len(stored),
        "missing_acknowledged": len(missing),
        "duplicate_event_rows": len(stored_ids) - len(stored),
        "duplicate_message_rows": len(message_events) - len(set(message_events)),
        "conversations": len(per_conv),
        "conversations_with_gaps": len(gaps),
        "assessments_behind": len(stale),
        "ok": not missing
        and len(stored_ids) == len(stored)
        and len(message_events) == len(set(message_events))
        and not gaps
        and not stale,
    }


def run_loadtest(
    db_url: str,
    rate: float = 1000.0,
    seconds: float = 20.0,
    batch_size: int = 20,
    conversations: int = 200,
    kill_restart: bool = False,
    workdir: Path | None = None,
    seed: int = 7,
    warmup: float = 3.0,
    pin: bool | None = None,
    mix: str = "realistic",
) -> LoadReport:
    """``pin``: server on one CPU, generator on another (default: on, unless the environment
    says ``SAFEGUARDING_LOADTEST_PIN=0``; ignored with fewer than two CPUs)."""
    if pin is None:
        pin = os.environ.get("SAFEGUARDING_LOADTEST_PIN", "1").lower() not in ("0", "false", "no")
    server_cpus, generator_cpus = _cpu_split() if pin else (None, None)
    workdir = workdir or Path("var")
    workdir.mkdir(parents=True, exist_ok=True)
    repo = Repository.from_url(db_url)
    repo.migrate()
    run_id = "lt" + os.urandom(4).hex()
    tenant = repo.create_tenant(f"loadtest-{run_id}")
    _, token = repo.create_api_key(tenant.id, ["events:write", "read"])
    server = ServerProcess(
        db_url, free_port(), workdir / f"loadtest-{run_id}.log", cpus=server_cpus
    )
    if mix not in MIXES:
        raise ValueError(f"mix must be one of {', '.join(MIXES)}, not {mix!r}")
    report = LoadReport(
        db_url,
        rate,
        seconds,
        batch_size,
        mix=mix,
        warmup_s=warmup,
        kill_restart=kill_restart,
        pinned=server_cpus is not None,
    )
    previous = os.sched_getaffinity(0)
    server.start()
    gen = _Generator(server.base_url, token, run_id, conversations, seed, mix)
    # The generator's own collector must not pause it: the CLI process holds everything it
    # imported (about 130,000 objects); a full collection of them stalls the event loop, and
    # the report would count the stall as server latency.
    gc.collect()
    gc.freeze()
    try:
        if generator_cpus:
            os.sched_setaffinity(0, generator_cpus)
        asyncio.run(_drive(gen, server, rate, seconds, batch_size, kill_restart, report, warmup))
    finally:
        os.sched_setaffinity(0, previous)
        gc.unfreeze()
        server.stop()
    report.conversations_opened = gen.opened
    report.messages_sent = gen.sent
    report.messages_acknowledged = len(gen.acked)
    report.requests_ok = gen.ok
    report.requests_failed = gen.failed
    report.retries = gen.retries
    report.p50_ms = round(percentile(gen.latencies, 50) * 1000, 2)
    report.p99_ms = round(percentile(gen.latencies, 99) * 1000, 2)
    report.max_ms = round(max(gen.latencies, default=0.0) * 1000, 2)
    report.verification = verify(repo, tenant.id, gen.acked)
    repo.close()
    return report
