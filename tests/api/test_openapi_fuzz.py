"""Schemathesis against the app's own OpenAPI spec: no request it can generate gets a 500.

Cases are drawn from schemathesis' strategy for each operation and sent in-process over
ASGI with an authorised key, bounded to a few dozen examples per operation (under a minute).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from service_helpers import Harness, sqlite_url

MAX_EXAMPLES = 30


@pytest.mark.slow
def test_no_server_errors_and_problems_for_client_errors(tmp_path) -> None:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    try:
        _, auth = h.tenant("fuzzer")
        schema = schemathesis.openapi.from_asgi("/openapi.json", h.app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert {op.path for op in operations} >= {"/v1/events", "/v1/alerts"}
        seen: set[int] = set()
        for operation in operations:

            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            @given(case=operation.as_strategy())
            def check(case) -> None:
                response = case.call(headers=auth)
                seen.add(response.status_code)
                label = f"{case.method} {case.formatted_path}"
                assert response.status_code < 500, f"{label}: {response.text[:300]}"
                if response.status_code >= 400:
                    content_type = response.headers["content-type"]
                    content_type = (
                        content_type[0] if isinstance(content_type, list) else content_type
                    )
                    assert content_type.startswith("application/problem+json"), label

            check()
        assert any(code >= 400 for code in seen)  # the fuzzer did reach the error paths
    finally:
        h.close()
