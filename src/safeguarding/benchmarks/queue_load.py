"""``safeguarding loadtest --queue URL --workers N``: the scale-out roles under load.

Processes: the API (``serve --queue``) and N workers (``safeguarding worker``), on
PostgreSQL and NATS JetStream; the generator is the load test's own (open loop, same
traffic mixes). Workers announce each committed batch with the acceptance times of its
events (``sg.<stream>.committed``); the generator listens, so end-to-end latency is exact
per event: from the API accepting it to its transaction committed (assessment stored).

Two measurements:

- **Load**: ``rate`` messages/s for ``seconds`` after ``warmup``: the API's answer latency,
  end-to-end p50/p99/max, and the messages/s the workers committed of what was accepted
  in the measured window.
- **Capacity** (``drain`` messages): the workers are paused (SIGSTOP) once every one of
  them has committed something, ``drain`` messages are queued, the workers resumed; the
  messages/s from resuming to the last commit is what N workers sustain, with their CPU
  time per message (the sizing model's per-core cost).

Afterwards the database is checked as in the load test (every acknowledged event stored
once, conversations contiguous, assessments current).
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import psutil

from safeguarding.benchmarks.loadtest import (
    LoadReport,
    ServerProcess,
    _drive,
    _Generator,
    free_port,
    verify,
)
from safeguarding.measure import percentile
from safeguarding.storage.repository import Repository

_WORKER = (
    "from safeguarding.service.queue.run import run_worker;"
    "from safeguarding.service.settings import Settings;"
    "run_worker(Settings.from_env())"
)


@dataclass(slots=True)
class QueueLoadReport:
    db: str
    queue: str
    workers: int
    target_rate: float
    seconds: float
    batch_size: int
    mix: str
    messages_acknowledged: int = 0
    api_p50_ms: float = 0.0
    api_p99_ms: float = 0.0
    accepted_msgs_per_s: float = 0.0
    committed_msgs_per_s: float = 0.0
    e2e_p50_ms: float = 0.0
    e2e_p99_ms: float = 0.0
    e2e_max_ms: float = 0.0
    api_cpu_ms_per_msg: float | None = None
    drain_messages: int = 0
    drain_s: float = 0.0
    drain_msgs_per_s: float = 0.0
    worker_cpu_ms_per_msg: float | None = None
    postgres_cpu_ms_per_msg: float | None = None
    load_average: list[float] = field(default_factory=list)
    verification: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Commits:
    """What the workers announced: (accepted, committed) per event, and who committed."""

    def __init__(self) -> None:
        self.pairs: list[tuple[float, float]] = []
        self.workers: set[str] = set()

    async def on_message(self, msg: Any) -> None:
        note = orjson.loads(msg.data)
        self.workers.add(note["worker"])
        committed = float(note["committed"])
        self.pairs.extend((float(a), committed) for a in note["accepted"])


def _postgres_cpu() -> float:
    total = 0.0
    for p in psutil.process_iter(["name"]):
        if p.info["name"] and p.info["name"].startswith("postgres"):
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                continue
    return total


def _cpu(procs: list[subprocess.Popen[bytes]]) -> float:
    total = 0.0
    for p in procs:
        t = psutil.Process(p.pid).cpu_times()
        total += t.user + t.system
    return total


async def _wait_committed(commits: _Commits, n: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(commits.pairs) < n and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


async def _run(
    report: QueueLoadReport,
    gen: _Generator,
    server: ServerProcess,
    workers: list[subprocess.Popen[bytes]],
    stream: str,
    warmup: float,
    drain: int,
) -> None:
    import nats

    nc = await nats.connect(report.queue)
    commits = _Commits()
    await nc.subscribe(f"sg.{stream}.committed", cb=commits.on_message)
    offset = time.time() - time.perf_counter()
    # Warm-up until every worker has committed something (engine loaded, partitions held).
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30.0, limits=limits) as http:
        deadline = time.monotonic() + 120
        while len(commits.workers) < len(workers) and time.monotonic() < deadline:
            await gen.send(http, gen.batch(report.batch_size), time.perf_counter() + 30)
            await asyncio.sleep(0.05)
    await _wait_committed(commits, len(gen.acked), 60)
    gen.latencies.clear()
    gen.measured_messages, gen.measured_done = 0, 0.0

    # Load: open loop at the target rate.
    load = LoadReport(report.db, report.target_rate, report.seconds, report.batch_size)
    api_cpu = server.cpu_seconds()
    before = len(gen.acked)
    await _drive(
        gen, server, report.target_rate, report.seconds, report.batch_size, False, load, warmup
    )
    measured_api = (server.cpu_seconds() - api_cpu) / max(1, len(gen.acked) - before)
    await _wait_committed(commits, len(gen.acked), 120)
    start = gen.measure_from + offset
    end = start + report.seconds
    window = [(a, c) for a, c in commits.pairs if start <= a < end]
    e2e = [c - a for a, c in window]
    report.e2e_p50_ms = round(percentile(e2e, 50) * 1000, 1)
    report.e2e_p99_ms = round(percentile(e2e, 99) * 1000, 1)
    report.e2e_max_ms = round(max(e2e, default=0.0) * 1000, 1)
    if window:
        report.committed_msgs_per_s = round(len(window) / (max(c for _, c in window) - start), 1)
    report.accepted_msgs_per_s = load.sustained_msgs_per_s
    report.api_p50_ms = round(percentile(gen.latencies, 50) * 1000, 1)
    report.api_p99_ms = round(percentile(gen.latencies, 99) * 1000, 1)
    report.api_cpu_ms_per_msg = round(measured_api * 1000, 3)

    # Capacity: queue ``drain`` messages with the workers paused, then let them drain.
    if drain > 0:
        for w in workers:
            os.kill(w.pid, signal.SIGSTOP)
        try:
            queued = len(gen.acked)
            async with httpx.AsyncClient(
                base_url=server.base_url, timeout=30.0, limits=limits
            ) as http:
                sem = asyncio.Semaphore(16)

                async def one() -> None:
                    async with sem:
                        await gen.send(
                            http, gen.batch(report.batch_size), time.perf_counter() + 120
                        )

                await asyncio.gather(*(one() for _ in range(drain // report.batch_size)))
            report.drain_messages = len(gen.acked) - queued
            done_before = len(commits.pairs)
        finally:
            cpu0, pg0 = _cpu(workers), _postgres_cpu()
            resumed = time.time()
            for w in workers:
                os.kill(w.pid, signal.SIGCONT)
        await _wait_committed(commits, done_before + report.drain_messages, 600)
        last = max(c for _, c in commits.pairs[done_before:])
        report.drain_s = round(last - resumed, 2)
        n = max(1, report.drain_messages)
        report.drain_msgs_per_s = round(n / max(1e-9, last - resumed), 1)
        report.worker_cpu_ms_per_msg = round((_cpu(workers) - cpu0) / n * 1000, 3)
        report.postgres_cpu_ms_per_msg = round((_postgres_cpu() - pg0) / n * 1000, 3)
    await nc.close()


def run_queue_loadtest(
    db_url: str,
    queue_url: str,
    workers: int = 1,
    rate: float = 1000.0,
    seconds: float = 20.0,
    batch_size: int = 20,
    conversations: int = 200,
    workdir: Path | None = None,
    warmup: float = 3.0,
    mix: str = "realistic",
    drain: int = 0,
    seed: int = 7,
) -> QueueLoadReport:
    if not db_url.startswith("postgresql"):
        raise ValueError("the queue load test needs PostgreSQL (--db postgresql+psycopg://...)")
    workdir = workdir or Path("var")
    workdir.mkdir(parents=True, exist_ok=True)
    repo = Repository.from_url(db_url)
    repo.migrate()
    run_id = "lq" + os.urandom(4).hex()
    stream = "LOAD" + run_id.upper()
    tenant = repo.create_tenant(f"loadtest-{run_id}")
    _, token = repo.create_api_key(tenant.id, ["events:write", "read"])
    env = {
        "SAFEGUARDING_QUEUE_URL": queue_url,
        "SAFEGUARDING_QUEUE_STREAM": stream,
        "SAFEGUARDING_QUEUE_LEASE_S": "60",  # the capacity run pauses workers (SIGSTOP)
        "SAFEGUARDING_DB_URL": db_url,
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    report = QueueLoadReport(db_url, queue_url, workers, rate, seconds, batch_size, mix)
    server = ServerProcess(db_url, free_port(), workdir / f"loadtest-{run_id}-api.log")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        server.start()
        for i in range(workers):
            with (workdir / f"loadtest-{run_id}-worker{i}.log").open("ab") as log:
                worker_env = {**os.environ, "SAFEGUARDING_LOG_LEVEL": "WARNING"}
                procs.append(
                    subprocess.Popen(
                        [sys.executable, "-c", _WORKER], stdout=log, stderr=log, env=worker_env
                    )
                )
        gen = _Generator(server.base_url, token, run_id, conversations, seed, mix)
        gc.collect()
        gc.freeze()
        try:
            asyncio.run(_run(report, gen, server, procs, stream, warmup, drain))
        finally:
            gc.unfreeze()
        report.messages_acknowledged = len(gen.acked)
        report.load_average = [round(x, 2) for x in os.getloadavg()]
        report.verification = verify(repo, tenant.id, gen.acked)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGCONT)
                p.terminate()
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        asyncio.run(_delete_stream(queue_url, stream))
        repo.close()
    return report


async def _delete_stream(url: str, stream: str) -> None:
    from safeguarding.service.queue.link import JetStreamLink
    from safeguarding.service.queue.names import QueueNames

    link = await JetStreamLink.connect(url, QueueNames(stream, 1))
    try:
        await link.delete_streams()
    finally:
        await link.close()
