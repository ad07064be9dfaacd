from __future__ import annotations

import sys
from pathlib import Path

# The shared builders live in tests/service_helpers.py (tests/ is not a package).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collections.abc import Iterator

import pytest
from service_helpers import Harness, sqlite_url


@pytest.fixture
def harness(tmp_path) -> Iterator[Harness]:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    yield h
    h.close()
