"""The webhook sender role (``safeguarding webhooks``): outbox workers outside the API.

Each sender is an :class:`OutboxWorker` thread with its own database connection per round.
On PostgreSQL any number may run, in this process and in others, beside the API's own
in-process sender or instead of it (``SAFEGUARDING_WEBHOOKS_ENABLED=0`` on the API): the row
locks of :meth:`Repository.claim_webhooks` keep them apart. SQLite has no row locks: one
sender in all, so the role refuses more than one thread there.
"""

from __future__ import annotations

import logging
import threading

from safeguarding.service.metrics import ServiceMetrics
from safeguarding.service.outbox import OutboxWorker
from safeguarding.service.settings import Settings
from safeguarding.storage.repository import Repository

log = logging.getLogger("safeguarding.webhooks")


# Each sender holds up to two pooled connections (its claim, a tenant lookup); the pool of a
# process has 20. More senders: more processes.
MAX_THREADS = 8


class SenderConfigError(ValueError):
    """The role cannot run as asked (a message for the operator)."""


class WebhookSenders:
    """``threads`` outbox workers on one repository, started and stopped together."""

    def __init__(
        self,
        repo: Repository,
        settings: Settings,
        threads: int = 1,
        metrics: ServiceMetrics | None = None,
    ) -> None:
        if not 1 <= threads <= MAX_THREADS:
            raise SenderConfigError(
                f"--threads must be 1 to {MAX_THREADS}; run more processes for more senders"
            )
        if threads > 1 and repo.dialect != "postgresql":
            raise SenderConfigError(
                "several senders need PostgreSQL (row locks); on SQLite run one sender"
            )
        self.repo = repo
        self.workers = [
            OutboxWorker(repo, settings, metrics, name=f"webhooks-{n}") for n in range(threads)
        ]

    def start(self) -> None:
        for worker in self.workers:
            worker.start()
        log.info("webhook senders started", extra={"senders": len(self.workers)})

    def stop(self, timeout: float = 10.0) -> None:
        """Finish each sender's delivery in flight, commit what was sent, and stop."""
        for worker in self.workers:
            worker.request_stop()
        for worker in self.workers:
            worker.stop(timeout)
        log.info("webhook senders stopped")

    def run_until(self, done: threading.Event) -> None:
        """Start, wait for ``done`` (set by a signal handler), stop."""
        self.start()
        try:
            while not done.wait(1.0):
                pass
        finally:
            self.stop()
