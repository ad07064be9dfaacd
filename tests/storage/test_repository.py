"""The repository on SQLite and PostgreSQL: schema, keys, atomic batches, outbox, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text

from safeguarding.storage import DuplicateEventError, Repository
from safeguarding.storage.models import Base, Event, StoredMessage
from safeguarding.storage.records import (
    ConversationUpdate,
    MessageRow,
    OutboxMessage,
    WriteBatch,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _batch(tenant: str, cid: str, event_ids: list[str], at: datetime = NOW) -> WriteBatch:
    batch = WriteBatch(tenant_id=tenant, received_at=at)
    for i, eid in enumerate(event_ids):
        batch.events.append((eid, "message", "d" * 64, cid, {"id": eid}))
        batch.messages.append(
            MessageRow(cid, i, f"m-{eid}", eid, "a", ["b"], at - timedelta(minutes=10 - i), f"t{i}")
        )
    batch.conversations.append(
        ConversationUpdate(cid, True, len(event_ids), 0.1, 0, 0, None, None, {"k": 1}, {"s": 1})
    )
    return batch


def _count(repo: Repository, model) -> int:
    with repo.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_migrations_create_exactly_the_models(repo: Repository) -> None:
    repo.migrate()  # applying twice is a no-op
    assert repo.is_migrated()
    with repo.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:
    repo = Repository.from_url(f"sqlite:///{tmp_path}/wal.db")
    repo.migrate()
    with repo.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    repo.close()


def test_api_keys_are_hashed_scoped_and_revocable(repo: Repository) -> None:
    tenant = repo.create_tenant("platform-a")
    key, token = repo.create_api_key(tenant.id, ["read"])
    assert repo.authenticate(token) == key
    assert repo.authenticate(token[:-1] + ("x" if token[-1] != "x" else "y")) is None
    assert repo.authenticate("not-a-key") is None
    with repo.engine.connect() as conn:
        dump = " ".join(str(r) for r in conn.execute(text("SELECT * FROM api_keys")))
    assert token.split("_", 2)[2] not in dump  # only the hash is stored
    assert repo.revoke_api_key(key.id)
    assert repo.authenticate(token) is None
    assert not repo.revoke_api_key(key.id)
    with pytest.raises(ValueError, match="unknown scopes"):
        repo.create_api_key(tenant.id, ["everything"])


def test_write_batch_is_atomic_and_idempotent_by_event_id(repo: Repository) -> None:
    tenant = repo.create_tenant("p").id
    repo.write_batch(_batch(tenant, "c1", ["e1", "e2"]))
    assert set(repo.stored_events(tenant, ["e1", "e2", "e3"])) == {"e1", "e2"}
    # e3 is new but e2 repeats: the whole batch is refused and nothing of it is written.
    with pytest.raises(DuplicateEventError):
        repo.write_batch(_batch(tenant, "c2", ["e3", "e2"]))
    assert _count(repo, Event) == 2
    assert _count(repo, StoredMessage) == 2
    assert repo.get_conversation(tenant, "c2") is None


def test_tenants_never_see_each_other(repo: Repository) -> None:
    a = repo.create_tenant("a").id
    b = repo.create_tenant("b").id
    repo.write_batch(_batch(a, "shared-id", ["e1"]))
    repo.write_batch(_batch(b, "shared-id", ["e1"]))  # same ids, other tenant: allowed
    assert repo.get_conversation(a, "shared-id") is not None
    assert repo.stored_events(b, ["e1"])["e1"].result == {"id": "e1"}
    assert repo.get_conversation(b, "other") is None
    assert repo.alerts(b) == []


def test_outbox_delivers_each_conversation_in_order(repo: Repository) -> None:
    tenant = repo.create_tenant("p").id
    repo.enqueue_webhooks(
        tenant,
        [
            OutboxMessage("c1", "alert.raised", {"n": 1}),
            OutboxMessage("c1", "alert.raised", {"n": 2}),
            OutboxMessage("c2", "alert.raised", {"n": 3}),
        ],
    )
    later = datetime.now(UTC) + timedelta(seconds=1)
    heads = repo.due_webhooks(later)
    assert [m.payload["n"] for m in heads] == [1, 3]  # only the head of each conversation
    first = heads[0]
    assert first.id is not None
    repo.mark_failed(first.id, "HTTP 503", later + timedelta(minutes=5))
    assert [m.payload["n"] for m in repo.due_webhooks(later)] == [3]  # c1 waits, never skips
    repo.mark_delivered(first.id, later)
    assert [m.payload["n"] for m in repo.due_webhooks(later)] == [2, 3]
    assert repo.outbox_depth() == 2


def test_purge_keeps_evidence_and_reports_what_it_removed(repo: Repository) -> None:
    tenant = repo.create_tenant("p").id
    repo.write_batch(_batch(tenant, "old-plain", ["e1", "e2"]))
    repo.write_batch(_batch(tenant, "old-evidence", ["e3"]))
    repo.hold_evidence(tenant, "old-evidence")
    cutoff = NOW + timedelta(days=1)
    dry = repo.purge_text(cutoff, dry_run=True)
    assert (dry.messages_purged, dry.messages_kept_as_evidence) == (2, 1)
    assert all(m["text"] for m in repo.messages(tenant, "old-plain"))
    done = repo.purge_text(cutoff)
    assert done.messages_purged == 2 and done.by_tenant == {tenant: 2}
    assert [m["text"] for m in repo.messages(tenant, "old-plain")] == [None, None]
    assert [m["text"] for m in repo.messages(tenant, "old-evidence")] == ["t0"]
    assert repo.purge_text(cutoff).messages_purged == 0
