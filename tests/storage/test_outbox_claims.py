"""Claims of due webhooks on PostgreSQL (``FOR UPDATE SKIP LOCKED``): two senders never hold
the same row, only a conversation's oldest pending row is ever claimed, and its next row is
claimable only once the first is committed. Fuzzed over keys, tenants and row states."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from safeguarding.storage import Repository
from safeguarding.storage.models import OutboxRow
from safeguarding.storage.records import OutboxMessage

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
KEYS = st.sampled_from(["c1", "c2", "C1", "c 1", "ü/%?#", "x" * 200, "account:u1", ""])
STATES = st.sampled_from(["pending", "pending", "delivered", "dead", "later"])
ROWS = st.lists(st.tuples(st.integers(0, 1), KEYS, STATES), min_size=1, max_size=25)


@pytest.fixture(scope="module")
def pg(require_service) -> Iterator[Repository]:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    from service_helpers import postgres_database

    for url in postgres_database(prefix="sg_claims_"):
        repo = Repository.from_url(url)
        repo.migrate()
        yield repo
        repo.close()


def _load(repo: Repository, tenants: list[str], rows: list[tuple[int, str, str]]) -> None:
    with repo.engine.begin() as conn:
        conn.execute(OutboxRow.__table__.delete())
    for n, (t, key, _state) in enumerate(rows):
        repo.enqueue_webhooks(tenants[t], [OutboxMessage(key, "alert.raised", {"n": n})])
    with repo.engine.begin() as conn:
        for row, (_, _, state) in zip(repo_rows(repo), rows, strict=True):
            values = {
                "delivered": {"delivered_at": NOW},
                "dead": {"dead_at": NOW},
                "later": {"next_attempt_at": NOW + timedelta(hours=1)},
                "pending": {"next_attempt_at": NOW - timedelta(seconds=1)},
            }[state]
            conn.execute(update(OutboxRow).where(OutboxRow.id == row["id"]).values(**values))


def repo_rows(repo: Repository) -> list[dict]:
    with repo.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(OutboxRow.__table__.select().order_by("id"))]


def _due_heads(repo: Repository) -> set[int]:
    heads: dict[tuple[str, str], dict] = {}
    for r in repo_rows(repo):
        if r["delivered_at"] is None and r["dead_at"] is None:
            heads.setdefault((r["tenant_id"], r["ordering_key"]), r)
    return {r["id"] for r in heads.values() if r["next_attempt_at"] <= NOW}


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=ROWS, limit_a=st.integers(1, 6), limit_b=st.integers(1, 6))
def test_two_claims_take_disjoint_heads_and_keep_order(
    pg: Repository, rows: list[tuple[int, str, str]], limit_a: int, limit_b: int
) -> None:
    tenants = [pg.find_tenant(n) or pg.create_tenant(n) for n in ("claims-a", "claims-b")]
    ids = [t.id for t in tenants]
    _load(pg, ids, rows)
    heads = _due_heads(pg)
    with pg.claim_webhooks(NOW, limit_a) as a, pg.claim_webhooks(NOW, limit_b) as b:
        got_a = {m.id for m in a.messages}
        got_b = {m.id for m in b.messages}
        assert not got_a & got_b  # never the same row twice
        assert got_a | got_b <= heads  # only each conversation's oldest pending, due row
        assert len(got_a) <= limit_a and len(got_b) <= limit_b
        assert len(got_a | got_b) == min(len(heads), len(got_a) + len(got_b))
        if limit_a >= len(heads):
            assert got_a == heads and not got_b
        keys_b = {(m.tenant_id, m.ordering_key) for m in b.messages}
        for m in a.messages:
            assert m.id is not None
            a.delivered(m.id, NOW)
    # A committed: its conversations' next rows are due now; B's were released unchanged.
    after = _due_heads(pg)
    with pg.claim_webhooks(NOW, 100) as c:
        got_c = {m.id for m in c.messages}
    assert got_c == after
    assert not got_c & got_a
    assert got_b <= got_c
    assert all(m.tenant_id in ids for m in c.messages)
    assert keys_b == {(m.tenant_id, m.ordering_key) for m in c.messages if m.id in got_b}


def test_a_held_head_blocks_its_conversation_not_others(pg: Repository) -> None:
    tenants = [pg.find_tenant(n) or pg.create_tenant(n) for n in ("claims-a", "claims-b")]
    ids = [t.id for t in tenants]
    # The same key in both tenants: each tenant's conversation is its own queue.
    _load(pg, ids, [(0, "c1", "pending"), (0, "c1", "pending"), (1, "c1", "pending")])
    first, second, other = (r["id"] for r in repo_rows(pg))
    with pg.claim_webhooks(NOW, 1) as a:
        assert [m.id for m in a.messages] == [first]
        with pg.claim_webhooks(NOW, 10) as b:
            assert [m.id for m in b.messages] == [other]  # not ``second``: c1 is held
        a.failed(first, "HTTP 503", NOW + timedelta(minutes=1))
    with pg.claim_webhooks(NOW, 10) as c:
        assert [m.id for m in c.messages] == [other]  # c1 waits for its retry, never skips
    with pg.claim_webhooks(NOW + timedelta(minutes=2), 10) as d:
        assert [m.id for m in d.messages] == [first, other]
        d.delivered(first, NOW)
    with pg.claim_webhooks(NOW + timedelta(minutes=2), 10) as e:
        assert [m.id for m in e.messages] == [second, other]
