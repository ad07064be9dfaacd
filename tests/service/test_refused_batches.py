"""A refused batch leaves nothing behind, in storage or in memory, and says what is wrong."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from service_helpers import (
    GROOMING_LIKE,
    Harness,
    account_events,
    conversation_events,
    message,
    postgres_database,
)
from service_helpers import sqlite_url as url

from safeguarding.service.namespace import scoped


def _grown_up_kid(prefix: str) -> dict[str, Any]:
    """Account facts that would change the child's risk context if they were applied."""
    return {
        "type": "account",
        "id": f"{prefix}-kid1-adult",
        "account_id": "kid1",
        "declared_age": 40,
    }


def _run(tmp_path: Any, name: str, refused_batch: bool) -> tuple[list[Any], Any]:
    h = Harness(url(tmp_path, f"{name}.db"), webhooks_enabled=False)
    try:
        tenant, headers = h.tenant("p")
        events = conversation_events("p", "c1", GROOMING_LIKE)
        assert h.post(headers, account_events("p")).status_code == 200
        assert h.post(headers, events[:6]).status_code == 200  # c1 is held in memory
        assert (
            h.post(headers, [message("p-c2-0", "c2", 0, "hi", "kid2", "kid3")]).status_code == 200
        )
        if refused_batch:
            # The account fact comes first, then a message id c2 already has: refused (409)
            # at the write, after the fact went through the engine.
            reused = message("p-c2-again", "c2", 0, "hello again", "kid2", "kid3")
            response = h.post(headers, [_grown_up_kid("p"), reused])
            assert response.status_code == 409, response.text
        later = [h.post(headers, [e]).json() for e in events[6:]]
        engine = h.app.state.services.pipeline.engine
        kid = engine._accounts.get(scoped(tenant, "kid1"))  # what new conversations would get
        return [(r["results"][0]["risk"], r["results"][0]["level"]) for r in later], kid
    finally:
        h.close()


def test_a_refused_batch_changes_no_engine_memory(tmp_path) -> None:
    with_refusal, kid_after_refusal = _run(tmp_path, "refused", refused_batch=True)
    without, kid = _run(tmp_path, "plain", refused_batch=False)
    assert with_refusal == without
    assert kid_after_refusal is not None and kid is not None
    assert kid_after_refusal.declared_age == kid.declared_age == 12


def test_a_refused_account_fact_is_not_applied_to_loaded_conversations(tmp_path) -> None:
    h = Harness(url(tmp_path), webhooks_enabled=False)
    try:
        tenant, headers = h.tenant("p")
        assert h.post(headers, account_events("p")).status_code == 200
        assert h.post(headers, conversation_events("p", "c1", GROOMING_LIKE)[:4]).status_code == 200
        assert (
            h.post(headers, [message("p-c2-0", "c2", 0, "hi", "kid2", "kid3")]).status_code == 200
        )
        pipeline = h.app.state.services.pipeline
        before = pipeline.engine.export_state(scoped(tenant, "c1"))["participants"]
        reused = message("p-c2-again", "c2", 0, "hello again", "kid2", "kid3")
        assert h.post(headers, [_grown_up_kid("p"), reused]).status_code == 409
        loaded = pipeline.conversations.loaded.get((tenant, "c1"))
        if loaded is not None:  # still in memory: exactly as before the refused batch
            assert pipeline.engine.export_state(scoped(tenant, "c1"))["participants"] == before
            assert loaded.participants is None or loaded.participants["kid1"].declared_age == 12
    finally:
        h.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield url(tmp_path)
    else:  # the write is pipelined there: the refusal surfaces at the pipeline's end
        request.getfixturevalue("require_service")("PostgreSQL", "127.0.0.1", 5432)
        yield from postgres_database(prefix="sg_refused_")


def test_a_reused_message_id_says_what_is_wrong(db_url: str) -> None:
    harness = Harness(db_url, webhooks_enabled=False)
    tenant, headers = harness.tenant()
    assert harness.post(headers, [message("e1", "c1", 0, "hi")]).status_code == 200
    for _ in range(2):  # the same answer every time: retrying cannot help
        response = harness.post(headers, [message("e2", "c1", 0, "hi again")])
        assert response.status_code == 409
        problem = response.json()
        assert problem["title"] == "Message id reused"
        assert "'m0'" in problem["detail"] and "'c1'" in problem["detail"]
        assert "retry" not in problem["detail"]
        assert "hi again" not in response.text
    # The original event, resent, is a duplicate as always.
    again = harness.post(headers, [message("e1", "c1", 0, "hi")])
    assert again.status_code == 200 and again.json()["duplicates"] == 1
    # The refused writes left no trace and the connections they used still work.
    after = harness.post(headers, [message("e3", "c1", 1, "ok")])
    assert after.status_code == 200 and after.json()["created"] == 1
    assert [m["message_id"] for m in harness.repo.messages(tenant, "c1")] == ["m0", "m1"]
    harness.close()
