from __future__ import annotations

from collections.abc import Iterator

import pytest
from service_helpers import Harness, sqlite_url


@pytest.fixture
def harness(tmp_path) -> Iterator[Harness]:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    yield h
    h.close()
