"""Where action events go. The service plugs its webhook outbox in; tests use memory."""

from __future__ import annotations

from collections import deque
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class ActionSink(Protocol):
    def emit(self, event: dict[str, Any]) -> None:
        """Deliver one action event (a JSON-serialisable dict). Must not mutate it."""
        ...


class InMemorySink:
    """Keeps the latest events in memory (bounded)."""

    def __init__(self, maxlen: int = 10_000):
        self.events: deque[dict[str, Any]] = deque(maxlen=maxlen)

    def emit(self, event: dict[str, Any]) -> None:
        self.events.append(event)

    def of_type(self, action: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["action"] == action]


class NullSink:
    def emit(self, event: dict[str, Any]) -> None:
        return None
