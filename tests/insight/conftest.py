from __future__ import annotations

import sys
from pathlib import Path

# The shared builders live in tests/service_helpers.py (tests/ is not a package).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collections.abc import Iterator

import pytest
from service_helpers import postgres_database, sqlite_url

from safeguarding.storage import Repository


@pytest.fixture(scope="session")
def postgres_url(require_service) -> Iterator[str]:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    yield from postgres_database()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def repo(request: pytest.FixtureRequest, tmp_path) -> Iterator[Repository]:
    """A migrated repository on each backend; PostgreSQL data is wiped between tests."""
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
