"""Engine state survives a restart: a conversation continues exactly where it was."""

from __future__ import annotations

import pytest
from service_helpers import GROOMING, Harness, account_events, conversation_events, sqlite_url


def _final(h: Harness, headers: dict[str, str], cid: str) -> dict:
    return h.client.get(f"/v1/conversations/{cid}/assessment", headers=headers).json()


def _interrupted_equals_uninterrupted(url_a: str, url_b: str) -> None:
    split = len(GROOMING) // 2
    first = Harness(url_a, webhooks_enabled=False)
    tenant_id, headers = first.tenant("p")
    assert (
        first.post(
            headers, account_events("p") + conversation_events("p", "c1", GROOMING[:split])
        ).status_code
        == 200
    )
    first.close()  # the service stops mid-conversation

    second = Harness(url_a, webhooks_enabled=False)  # new process: empty engine, same database
    _, headers2 = second.tenant("p")
    answer = second.post(headers2, conversation_events("p", "c1", GROOMING, start=split)).json()
    assert answer["results"][0]["message_index"] == split
    resumed = _final(second, headers2, "c1")
    second.close()

    reference = Harness(url_b, webhooks_enabled=False)
    _, ref_headers = reference.tenant("p")
    reference.post(ref_headers, account_events("p") + conversation_events("p", "c1", GROOMING))
    uninterrupted = _final(reference, ref_headers, "c1")
    reference.close()

    assert resumed["message_count"] == len(GROOMING)
    assert resumed["assessment"] == uninterrupted["assessment"]
    assert resumed["assessment"]["level"] in ("alert", "urgent")


def test_sqlite_restart_continues_every_conversation(tmp_path) -> None:
    _interrupted_equals_uninterrupted(sqlite_url(tmp_path, "a.db"), sqlite_url(tmp_path, "b.db"))


@pytest.mark.postgres
def test_postgres_restart_continues_every_conversation(postgres_url, tmp_path) -> None:
    _interrupted_equals_uninterrupted(postgres_url, sqlite_url(tmp_path, "b.db"))


def test_a_failed_write_leaves_no_trace_in_memory(tmp_path) -> None:
    """If the commit fails, the engine forgets the batch: a retry is processed afresh."""
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    try:
        _, headers = h.tenant("p")
        events = conversation_events("p", "c1", GROOMING[:4])
        original = h.repo.write_batch

        def failing(batch):
            raise RuntimeError("disk full")

        h.repo.write_batch = failing
        assert h.post(headers, events).status_code == 500
        h.repo.write_batch = original
        answer = h.post(headers, events).json()
        assert [r["message_index"] for r in answer["results"]] == [0, 1, 2, 3]
        assert _final(h, headers, "c1")["message_count"] == 4
    finally:
        h.close()
