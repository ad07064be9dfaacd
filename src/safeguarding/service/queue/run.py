"""Running a worker process: its pipeline (as the API builds one), signals, drain."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys

from safeguarding.service.actions import ActionStage
from safeguarding.service.metrics import ServiceMetrics
from safeguarding.service.pipeline import IngestPipeline
from safeguarding.service.queue.worker import QueueWorker, WorkerStats
from safeguarding.service.settings import Settings
from safeguarding.storage.repository import Repository

log = logging.getLogger("safeguarding.worker")


def build_pipeline(settings: Settings) -> IngestPipeline:
    """The pipeline ``serve`` builds, with account state read afresh per batch (other
    workers write the same accounts)."""
    from safeguarding.risk.engine import Engine

    repo = Repository.from_url(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous)
    repo.migrate()
    actions = ActionStage.for_settings(repo, settings)
    actions.shared_accounts = True
    pipeline = IngestPipeline(repo, Engine.default(), settings, ServiceMetrics(), actions=actions)
    # As in ``serve``: the loaded model out of the collector's reach (see api.server).
    gc.collect()
    gc.freeze()
    gc.set_threshold(2_000, 10, 1_000)
    if not pipeline.inline:
        # As in ``serve`` on PostgreSQL: the writer thread wins the GIL back from the event
        # loop after each database round trip within this interval, not Python's 5 ms.
        sys.setswitchinterval(settings.switch_interval_ms / 1000)
    return pipeline


def run_worker(settings: Settings, worker_id: str | None = None) -> WorkerStats:
    """Run until SIGTERM or SIGINT, then drain (finish and acknowledge what was fetched)."""
    if not settings.queue_url:
        raise ValueError("no queue URL (--queue or SAFEGUARDING_QUEUE_URL)")
    if not settings.db_url.startswith("postgresql"):
        log.warning("workers share their database: use PostgreSQL for more than one")
    pipeline = build_pipeline(settings)
    worker = QueueWorker(pipeline, settings, worker_id)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await worker.run(stop)

    try:
        asyncio.run(main())
    finally:
        pipeline.close()
        pipeline.repo.close()
    return worker.stats
