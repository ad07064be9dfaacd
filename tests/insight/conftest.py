from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Shared builders: tests/service_helpers.py and this folder's planted history.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from service_helpers import postgres_database, sqlite_url  # noqa: E402

from safeguarding.storage import Repository  # noqa: E402


@pytest.fixture(scope="session")
def postgres_url(require_service) -> Iterator[str]:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    yield from postgres_database()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Repository]:
    """A migrated repository on each backend; PostgreSQL data is wiped after the test."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path)
    else:
        url = request.getfixturevalue("postgres_url")
    repository = Repository.from_url(url)
    repository.migrate()
    yield repository
    if request.param == "postgres":
        from safeguarding.storage.models import Base

        with repository.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    repository.close()


@pytest.fixture
def sqlite_repo(tmp_path: Path) -> Iterator[Repository]:
    """A migrated SQLite repository, for tests whose code path does not depend on the backend."""
    repository = Repository.from_url(sqlite_url(tmp_path))
    repository.migrate()
    yield repository
    repository.close()
