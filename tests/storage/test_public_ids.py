"""Migration 0006 gives every existing alert, action, report and webhook row an opaque
public id; new rows get one on insert."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import create_engine, text

from safeguarding.storage.migrate import alembic_config
from safeguarding.storage.public_ids import PUBLIC_ID_PATTERN, new_public_id

TABLES = ("alerts", "actions", "user_reports", "outbox")


def _upgrade(conn, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)


def test_uuid7_ids_sort_by_creation_and_look_alike() -> None:
    ids = [new_public_id() for _ in range(5000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(re.match(PUBLIC_ID_PATTERN, i) for i in ids)


def test_migration_0006_backfills_existing_rows(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/old.db")
    at = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        _upgrade(conn, "0008")
        for tenant in ("t1", "t2"):
            conn.execute(
                text(
                    "INSERT INTO alerts (tenant_id, conversation_id, level, risk, "
                    "message_index, tactics, raised_at, status) "
                    "VALUES (:t, 'c', 2, 0.9, 3, '[]', :at, 'open')"
                ),
                {"t": tenant, "at": at},
            )
            conn.execute(
                text(
                    "INSERT INTO actions (tenant_id, action_type, rule_ids, payload, shadow, "
                    "created_at) VALUES (:t, 'warn', '[]', '{}', 0, :at)"
                ),
                {"t": tenant, "at": at},
            )
            conn.execute(
                text(
                    "INSERT INTO user_reports (tenant_id, event_id, reporter_id, reported_id, "
                    "reason, ts) VALUES (:t, 'e', 'a', 'b', 'other', :at)"
                ),
                {"t": tenant, "at": at},
            )
            conn.execute(
                text(
                    "INSERT INTO outbox (tenant_id, ordering_key, event_type, payload, "
                    "created_at, attempts, next_attempt_at) "
                    "VALUES (:t, 'c', 'alert.raised', '{}', :at, 0, :at)"
                ),
                {"t": tenant, "at": at},
            )
    with engine.begin() as conn:
        _upgrade(conn, "head")
    with engine.connect() as conn:
        for table in TABLES:
            ids = [r[0] for r in conn.execute(text(f"SELECT public_id FROM {table}"))]
            assert len(ids) == 2 and len(set(ids)) == 2
            assert all(re.match(PUBLIC_ID_PATTERN, i) for i in ids), table
    engine.dispose()
