"""A request that fails inside the service: a 500 problem, one request log line and a 5xx
series in /metrics, and no message text anywhere in the logs (neither the database's bound
parameters nor an exception's message)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from service_helpers import Harness, message, sqlite_url
from sqlalchemy import text

from safeguarding.service.logs import JsonFormatter, scrubbed_traceback
from safeguarding.storage.db import make_engine

TEXT = "dont tell ur parents, planted 7f3a"


@pytest.fixture
def service_log() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter(log_text=False))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield out
    root.removeHandler(handler)
    root.setLevel(level)


def _lines(log: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.getvalue().splitlines()]


def _fail_in_the_database(h: Harness) -> None:
    """Make the batch's write run a statement the database refuses, binding the texts."""
    repo = h.repo

    def write_batch(batch: Any) -> None:
        with repo.engine.begin() as conn:
            for row in batch.messages:
                conn.execute(text("INSERT INTO no_such_table VALUES (:t)"), {"t": row.text})

    repo.write_batch = write_batch


@pytest.mark.parametrize("failure", ["database", "exception message"])
def test_a_500_is_logged_and_counted_without_text(
    tmp_path, service_log: io.StringIO, failure: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    try:
        _, headers = h.tenant()
        if failure == "database":
            _fail_in_the_database(h)
        else:
            engine = h.app.state.services.pipeline.engine

            def process(m: Any) -> Any:
                raise ValueError(f"cannot read {m.text!r}")

            monkeypatch.setattr(engine, "process", process)
        response = h.post(headers, [message("e1", "c1", 0, TEXT)])
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
        assert TEXT not in response.text
        metrics = h.client.get("/metrics").text
    finally:
        h.close()
    assert (
        'safeguarding_http_requests_total{method="POST",route="/v1/events",status="500"} 1.0'
        in (metrics)
    )
    assert "safeguarding_http_server_errors_total{" in metrics
    lines = _lines(service_log)
    requests = [r for r in lines if r["msg"] == "request" and r.get("path") == "/v1/events"]
    assert [r["status"] for r in requests] == [500]
    assert requests[0]["level"] == "error" and requests[0]["error"]
    errors = [r for r in lines if r["msg"] == "unhandled error"]
    assert errors and "Traceback" in errors[0]["exc"]  # where it failed is still logged
    assert TEXT not in service_log.getvalue()
    assert "planted" not in service_log.getvalue()


def test_database_errors_never_carry_bound_values(tmp_path) -> None:
    engine = make_engine(sqlite_url(tmp_path, "p.db"))
    try:
        with pytest.raises(Exception) as caught, engine.begin() as conn:
            conn.execute(text("INSERT INTO no_such_table VALUES (:t)"), {"t": TEXT})
    finally:
        engine.dispose()
    assert "no_such_table" in str(caught.value)  # the statement is still named
    assert TEXT not in str(caught.value) and TEXT not in repr(caught.value)


def test_scrubbed_traceback_keeps_types_and_places_not_messages() -> None:
    try:
        try:
            raise KeyError(TEXT)
        except KeyError as inner:
            raise ValueError(f"while reading {TEXT}") from inner
    except ValueError as exc:
        out = scrubbed_traceback(exc)
    assert "KeyError" in out and "ValueError" in out and "test_server_errors.py" in out
    assert TEXT not in out and "planted" not in out
