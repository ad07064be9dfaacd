"""Schemathesis against the app's own OpenAPI spec: no request it can generate gets a 500, and
no message text it sent reaches a log line or an error body.

Cases come from schemathesis' strategies for each operation (valid and invalid ones), with
date-times drawn from the calendar's edges as well as ordinary ones, and are then mutated:
integers made huge, and every ``text`` / ``comment`` field replaced by a planted text that is
looked for afterwards in every log line the run produced (through the service's own JSON
formatter) and in every error body. Deeply nested JSON goes to every route. All in-process
over ASGI with an admin key, bounded to a few dozen examples per operation.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from service_helpers import Harness, sqlite_url

from safeguarding.service.logs import JsonFormatter

MAX_EXAMPLES = 25
PLANTED = "planted-text"
EXTREME_DATETIMES = (
    "0001-01-01T00:30:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999+00:00",
    "1899-12-31T23:59:59Z",
    "2026-01-01T00:00:00+23:59",
    "2026-01-01T00:00:00-23:59",
)
HUGE_NUMBERS = (10**40, -(10**40), 2**63, -(2**63) - 1, 2**64, 1e308, -1e308, 10**400)
DEEP = 100_000


def _datetimes() -> st.SearchStrategy[str]:
    ordinary = st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())
    return st.one_of(st.sampled_from(EXTREME_DATETIMES), ordinary)


@contextlib.contextmanager
def service_log() -> Iterator[io.StringIO]:
    """Every log record of the run, as the service writes it (JSON lines, text hidden)."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter(log_text=False))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _mutate(value: Any, huge: int | float | None) -> Any:
    """Plant a findable text in every ``text`` / ``comment`` field; make integers huge."""
    if isinstance(value, dict):
        return {
            k: f"{PLANTED}-{uuid.uuid4().hex} dont tell ur parents"
            if k in {"text", "comment"} and isinstance(v, str | None)
            else _mutate(v, huge)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mutate(v, huge) for v in value]
    if huge is not None and isinstance(value, int) and not isinstance(value, bool):
        return huge
    return value


def _content_type(response: Any) -> str:
    value = response.headers.get("content-type", "")
    return value[0] if isinstance(value, list) else value


class Run:
    """What the fuzzing sent and got back."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.server_errors: list[str] = []
        self.echoed: list[str] = []

    def check(self, label: str, response: Any) -> None:
        self.statuses.append(response.status_code)
        if response.status_code >= 500:
            self.server_errors.append(f"{label}: {response.status_code} {response.text[:200]}")
        elif response.status_code >= 400:
            assert _content_type(response).startswith("application/problem+json"), label
            if PLANTED in response.text:
                self.echoed.append(f"{label}: {response.text[:200]}")


@pytest.mark.slow
def test_fuzz_every_route_no_server_errors_no_text_in_logs_or_errors(tmp_path) -> None:
    schemathesis.openapi.format("date-time", _datetimes())
    with service_log() as log:
        h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
        run = Run()
        try:
            _, auth = h.tenant("fuzzer", scopes=("admin",))
            schema = schemathesis.openapi.from_asgi("/openapi.json", h.app)
            operations = [result.ok() for result in schema.get_all_operations()]
            assert {op.path for op in operations} >= {"/v1/events", "/v1/alerts"}
            for operation in operations:
                for mode in GenerationMode:

                    @settings(
                        max_examples=MAX_EXAMPLES,
                        deadline=None,
                        suppress_health_check=list(HealthCheck),
                        database=None,
                    )
                    @given(
                        case=operation.as_strategy(generation_mode=mode),
                        huge=st.none() | st.sampled_from(HUGE_NUMBERS),
                    )
                    def check(case: Any, huge: int | float | None) -> None:
                        if isinstance(case.body, dict | list):
                            case.body = _mutate(case.body, huge)
                        if huge is not None and case.query:
                            case.query = _mutate(case.query, huge)
                        response = case.call(headers=auth)
                        run.check(f"{case.method} {case.formatted_path}", response)

                    try:
                        check()
                    except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
                        assert mode is GenerationMode.NEGATIVE, operation.path
                deep_nesting(h, auth, operation, run)
        finally:
            h.close()
    logged = log.getvalue()
    assert not run.server_errors, "\n".join(run.server_errors[:20])
    assert not run.echoed, "\n".join(run.echoed[:20])
    assert any(code >= 400 for code in run.statuses)  # the fuzzer did reach the error paths
    assert any(200 <= code < 300 for code in run.statuses)  # ... and the working paths
    assert '"status": 4' in logged  # request lines were captured
    leaked = [line[:300] for line in logged.splitlines() if PLANTED in line]
    assert not leaked, "\n".join(leaked[:10])


def deep_nesting(h: Harness, auth: dict[str, str], operation: Any, run: Run) -> None:
    """Deeply nested JSON arrays and objects to one route: a 4xx problem, never a 500."""
    path = operation.path.replace("{", "").replace("}", "")  # any value fills a parameter
    bodies = (
        "[" * DEEP + "]" * DEEP,
        '{"a":' * DEEP + "1" + "}" * DEEP,
        '{"events": [{"type": "message", "text": ' + "[" * DEEP + "]" * DEEP + "}]}",
    )
    for raw in bodies:
        response = h.client.request(
            operation.method.upper(),
            path,
            content=raw.encode(),
            headers=auth | {"Content-Type": "application/json"},
        )
        label = f"{operation.method.upper()} {operation.path} (deep JSON)"
        run.check(label, response)
        if operation.method.lower() in {"post", "put", "patch"} and response.status_code < 300:
            # A route that reads no body may answer; one that reads it must refuse it.
            assert "requestBody" not in (operation.definition.raw or {}), label


def test_planting_reaches_text_fields() -> None:
    body = {"events": [{"type": "message", "text": "hello", "ts": 1, "comment": None}]}
    mutated = _mutate(body, 10**40)
    event = mutated["events"][0]
    assert event["text"].startswith(PLANTED) and event["comment"].startswith(PLANTED)
    assert event["ts"] == 10**40 and event["type"] == "message"
    assert json.dumps(mutated)
