from __future__ import annotations

import sys
from pathlib import Path

# The shared builders live in tests/service_helpers.py (tests/ is not a package).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collections.abc import Iterator

import pytest
from service_helpers import postgres_database


@pytest.fixture(scope="session")
def postgres_url(require_service) -> Iterator[str]:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    yield from postgres_database()
