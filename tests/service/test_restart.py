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


def _replayed_restart_equals_uninterrupted(url_a: str, url_b: str) -> None:
    """One message a batch, an engine snapshot every 4 messages, a stop two messages after
    the last snapshot: the restarted service restores the snapshot, replays the messages after it,
    and ends exactly where a service that never stopped ends."""
    every, stop = 4, 11  # tenant "r": the PostgreSQL database is shared by this module
    events = account_events("r") + conversation_events("r", "c1", GROOMING)
    accounts, messages = events[:2], events[2:]
    first = Harness(url_a, webhooks_enabled=False, engine_snapshot_every=every)
    tenant_id, headers = first.tenant("r")
    answer = first.post(headers, accounts)
    assert answer.status_code == 200, answer.text
    for m in messages[:stop]:
        assert first.post(headers, [m]).status_code == 200
    record = first.repo.get_conversation(tenant_id, "c1")
    assert record is not None and record.message_count == stop
    assert record.engine_state is not None
    # Snapshots after messages 1 (new), 5 and 9: two messages to replay.
    assert record.engine_state["n_messages"] == 9
    first.close()

    second = Harness(url_a, webhooks_enabled=False, engine_snapshot_every=every)
    _, headers2 = second.tenant("r")
    for m in messages[stop:]:
        assert second.post(headers2, [m]).status_code == 200
    resumed = _final(second, headers2, "c1")
    second.close()

    reference = Harness(url_b, webhooks_enabled=False)
    _, ref_headers = reference.tenant("r")
    reference.post(ref_headers, events)
    uninterrupted = _final(reference, ref_headers, "c1")
    reference.close()

    assert resumed["message_count"] == len(GROOMING)
    assert resumed["assessment"] == uninterrupted["assessment"]


def test_sqlite_restart_replays_the_messages_after_the_last_snapshot(tmp_path) -> None:
    _replayed_restart_equals_uninterrupted(
        sqlite_url(tmp_path, "a.db"), sqlite_url(tmp_path, "b.db")
    )


@pytest.mark.postgres
def test_postgres_restart_replays_the_messages_after_the_last_snapshot(
    postgres_url, tmp_path
) -> None:
    _replayed_restart_equals_uninterrupted(postgres_url, sqlite_url(tmp_path, "b.db"))


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
