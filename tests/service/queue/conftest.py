from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cluster import SHARED_NATS, Cluster  # noqa: E402
from service_helpers import postgres_database  # noqa: E402

from safeguarding.storage.repository import Repository  # noqa: E402


@pytest.fixture
def queue_db(require_service) -> Iterator[str]:
    """A database of the test's own (workers and API share it, as in production)."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    yield from postgres_database(prefix="sg_queue_")


@pytest.fixture
def cluster(require_service, queue_db: str, tmp_path: Path) -> Iterator[Cluster]:
    require_service("NATS", "127.0.0.1", 4222)
    c = Cluster(queue_db, SHARED_NATS, tmp_path)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def tenant(queue_db: str) -> Iterator[tuple[Repository, str, str]]:
    """(repository, tenant id, API key) with a webhook URL, so outbox rows are written."""
    repo = Repository.from_url(queue_db)
    repo.migrate()
    record = repo.create_tenant("q", webhook_url="http://127.0.0.1:9/hook", webhook_secret="s")
    _, token = repo.create_api_key(record.id, ["events:write", "read"])
    try:
        yield repo, record.id, token
    finally:
        repo.close()
