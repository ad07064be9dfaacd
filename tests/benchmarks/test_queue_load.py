"""The scale-out load test end to end, small: API and a worker on PostgreSQL and NATS."""

from __future__ import annotations

import pytest
from service_helpers import postgres_database

from safeguarding.benchmarks.queue_load import run_queue_loadtest

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_a_short_queue_run_measures_latency_capacity_and_verifies(
    require_service, tmp_path
) -> None:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    require_service("NATS", "127.0.0.1", 4222)
    for url in postgres_database(prefix="sg_qload_"):
        r = run_queue_loadtest(
            url,
            "nats://127.0.0.1:4222",
            workers=1,
            rate=100,
            seconds=2,
            batch_size=10,
            conversations=20,
            workdir=tmp_path,
            warmup=0.5,
            drain=200,
        )
        assert r.verification["ok"], r.verification
        assert r.messages_acknowledged == r.verification["acknowledged"] > 400
        assert r.committed_msgs_per_s > 0 and r.e2e_p99_ms >= r.e2e_p50_ms > 0
        assert r.drain_messages == 200 and r.drain_msgs_per_s > 0
        assert r.worker_cpu_ms_per_msg is not None and r.worker_cpu_ms_per_msg > 0
