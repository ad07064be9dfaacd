"""Policy versions per tenant: append-only, newest in force, tenants apart (both backends)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from safeguarding.storage import Repository
from safeguarding.storage.migrate import alembic_config, current_revision, head_revision
from safeguarding.storage.repository import SERVICE_POLICY


def _add(repo: Repository, tenant: str, text: str | None, by: str = "k1") -> int:
    record = repo.add_policy_version(
        tenant,
        text,
        name=None if text is None else "p",
        declared_version=None if text is None else "1",
        content_hash=None if text is None else "h" * 64,
        source="api",
        created_by=by,
    )
    return record.version


def test_versions_count_up_per_tenant_and_the_latest_is_in_force(repo: Repository) -> None:
    assert repo.policy_version("t_a") is None
    assert [_add(repo, "t_a", f"policy {i}") for i in range(3)] == [1, 2, 3]
    assert _add(repo, "t_b", "other") == 1
    assert _add(repo, SERVICE_POLICY, "service", by="operator") == 1
    latest = repo.policy_version("t_a")
    assert latest is not None and latest.version == 3 and latest.text == "policy 2"
    first = repo.policy_version("t_a", 1)
    assert first is not None and first.text == "policy 0" and first.created_by == "k1"
    assert first.created_at.tzinfo is not None
    assert repo.latest_policy_versions() == {"t_a": 3, "t_b": 1, SERVICE_POLICY: 1}


def test_history_is_paged_newest_first_and_kept_apart(repo: Repository) -> None:
    for i in range(5):
        _add(repo, "t_a", f"policy {i}")
    _add(repo, "t_a", None)  # back to the service-wide policy
    page = repo.policy_versions("t_a", limit=4)
    assert [r.version for r in page] == [6, 5, 4, 3] and page[0].text is None
    assert page[0].content_hash is None and page[1].name == "p"
    assert [r.version for r in repo.policy_versions("t_a", before=3)] == [2, 1]
    assert repo.policy_versions("t_b") == [] and repo.policy_version("t_b", 1) is None


def test_the_table_carries_its_tenant_in_the_key(repo: Repository) -> None:
    pk = inspect(repo.engine).get_pk_constraint("policy_versions")
    assert pk["constrained_columns"] == ["tenant_id", "version"]


def test_migration_0005_adds_and_drops_only_its_table(repo: Repository) -> None:
    _add(repo, "t_a", "dropped with its table")
    cfg = alembic_config()
    try:
        with repo.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0003")
        assert "policy_versions" not in inspect(repo.engine).get_table_names()
        assert "accounts" in inspect(repo.engine).get_table_names()
    finally:
        repo.migrate()
    assert current_revision(repo.engine) == head_revision()
    assert repo.latest_policy_versions() == {}
