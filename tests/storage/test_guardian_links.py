"""Guardian links in ``accounts.guardian_id`` on SQLite and PostgreSQL: written with the
batch, read back with the account, and migration 0003 keeps the accounts already stored."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import insert, inspect, select

from safeguarding.storage import Repository
from safeguarding.storage.migrate import alembic_config, current_revision, head_revision
from safeguarding.storage.models import Account
from safeguarding.storage.records import AccountRecord, WriteBatch

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _accounts(repo: Repository, tenant: str, *records: AccountRecord) -> None:
    batch = WriteBatch(tenant_id=tenant, received_at=NOW)
    batch.accounts.extend(records)
    for i, r in enumerate(records):
        batch.events.append((f"acct-{r.id}-{r.guardian_id}-{i}", "account", "d" * 64, None, {}))
    repo.write_batch(batch)


def test_guardian_link_is_written_replaced_and_removed(repo: Repository) -> None:
    a = repo.create_tenant("a").id
    b = repo.create_tenant("b").id
    _accounts(repo, a, AccountRecord("kid1", None, "under_13", None, NOW, "parent1"))
    _accounts(repo, b, AccountRecord("kid1", 12, None, None, None))
    got = repo.get_accounts(a, ["kid1"])["kid1"]
    assert got == AccountRecord("kid1", None, "under_13", None, NOW, "parent1")
    assert repo.get_accounts(b, ["kid1"])["kid1"].guardian_id is None  # other tenant

    _accounts(repo, a, AccountRecord("kid1", None, "under_13", None, NOW, "parent2"))
    assert repo.get_accounts(a, ["kid1"])["kid1"].guardian_id == "parent2"
    _accounts(repo, a, AccountRecord("kid1", None, "under_13", None, NOW, None))
    unlinked = repo.get_accounts(a, ["kid1"])["kid1"]
    assert unlinked.guardian_id is None and unlinked.age_band == "under_13"
    assert repo.account_summary(a, "kid1").facts == unlinked


def test_migration_0003_adds_the_column_and_keeps_accounts(repo: Repository) -> None:
    cfg = alembic_config()
    try:
        with repo.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002")
        assert current_revision(repo.engine) == "0002"
        columns = {c["name"] for c in inspect(repo.engine).get_columns("accounts")}
        assert "guardian_id" not in columns
        with repo.engine.begin() as conn:  # an account stored before guardian links
            conn.execute(
                insert(Account.__table__).values(
                    tenant_id="t", id="kid1", age_band="13_15", updated_at=NOW
                )
            )
    finally:
        repo.migrate()
    assert current_revision(repo.engine) == head_revision()
    kept = repo.get_accounts("t", ["kid1"])["kid1"]
    assert (kept.age_band, kept.guardian_id) == ("13_15", None)
    with repo.engine.connect() as conn:
        assert conn.execute(select(Account.guardian_id)).scalars().all() == [None]
