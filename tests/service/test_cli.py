"""CLI: tenants, keys (created, listed, revoked) and the retention purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service_helpers import sqlite_url
from typer.testing import CliRunner

from safeguarding.cli import app
from safeguarding.storage import Repository
from safeguarding.storage.records import ConversationUpdate, MessageRow, WriteBatch

runner = CliRunner()


def test_tenants_and_keys_lifecycle(tmp_path) -> None:
    db = sqlite_url(tmp_path)
    created = runner.invoke(app, ["tenants", "create", "acme", "--db", db])
    assert created.exit_code == 0, created.output
    assert runner.invoke(app, ["tenants", "create", "acme", "--db", db]).exit_code == 1
    key = runner.invoke(app, ["keys", "create", "acme", "--scope", "read", "--db", db])
    assert key.exit_code == 0, key.output
    token = key.stdout.strip().splitlines()[-1]
    repo = Repository.from_url(db)
    record = repo.authenticate(token)
    assert record is not None and record.scopes == ("read",)
    listed = runner.invoke(app, ["keys", "list", "--db", db])
    assert record.id in listed.output and token.split("_", 2)[2] not in listed.output
    assert runner.invoke(app, ["keys", "revoke", record.id, "--db", db]).exit_code == 0
    assert repo.authenticate(token) is None
    assert runner.invoke(app, ["keys", "revoke", record.id, "--db", db]).exit_code == 1
    assert runner.invoke(app, ["keys", "create", "nobody", "--db", db]).exit_code == 1
    bad_scope = runner.invoke(app, ["keys", "create", "acme", "--scope", "root", "--db", db])
    assert bad_scope.exit_code == 2
    repo.close()


def test_purge_reports_and_removes_old_text(tmp_path) -> None:
    db = sqlite_url(tmp_path)
    repo = Repository.from_url(db)
    repo.migrate()
    tenant = repo.create_tenant("acme").id
    now = datetime.now(UTC)
    batch = WriteBatch(tenant_id=tenant, received_at=now)
    for i, age_days in enumerate((200, 100, 1)):
        batch.events.append((f"e{i}", "message", "0" * 64, "c1", {}))
        batch.messages.append(
            MessageRow("c1", i, f"m{i}", f"e{i}", "a", ["b"], now - timedelta(days=age_days), "hi")
        )
    batch.conversations.append(ConversationUpdate("c1", True, 3, 0.0, 0, 0, None, None, None, None))
    repo.write_batch(batch)

    dry = runner.invoke(app, ["purge", "--older-than", "30", "--dry-run", "--db", db])
    assert dry.exit_code == 0 and "would purge the text of 2 messages" in dry.output
    assert [m["text"] for m in repo.messages(tenant, "c1")] == ["hi", "hi", "hi"]
    done = runner.invoke(app, ["purge", "--older-than", "150", "--db", db])
    assert "purged the text of 1 messages" in done.output
    assert "scrubbed stored excerpts from 0 conversations" in done.output
    assert [m["text"] for m in repo.messages(tenant, "c1")] == [None, "hi", "hi"]
    repo.close()
