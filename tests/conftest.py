"""Shared test helpers (kept minimal and generic)."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

import pytest


def check_service(name: str, host: str, port: int, timeout: float = 1.0) -> None:
    """Skip when a needed local service is down, except in CI (``CI=true``), where it fails.

    CI must start every service its tests need, so a missing one there is a real failure and
    never a silent skip.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except OSError as exc:
        message = f"{name} is not reachable on {host}:{port} ({exc})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; CI must provide it", pytrace=False)
        pytest.skip(f"{message}; start it to run these tests")


@pytest.fixture(scope="session")
def require_service() -> Callable[[str, str, int], None]:
    """``require_service("PostgreSQL", "127.0.0.1", 5432)`` inside a test or fixture."""
    return check_service
