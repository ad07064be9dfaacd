from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pytest
from report_helpers import load_demo
from service_helpers import Harness, sqlite_url


@pytest.fixture
def demo(tmp_path) -> Iterator[tuple[Harness, str, dict[str, str]]]:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    tenant_id, headers = load_demo(h)
    yield h, tenant_id, headers
    h.close()
