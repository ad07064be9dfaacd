"""The pattern backfill derives, from stored messages, the rows ingest would have written."""

from __future__ import annotations

from pathlib import Path

from service_helpers import Harness, message, sqlite_url
from sqlalchemy import text
from typer.testing import CliRunner

from safeguarding.cli import app
from safeguarding.service.pattern_rows import backfill_patterns

TABLES = ("account_identifiers", "conversation_openers")


def _rows(h: Harness) -> dict[str, set[tuple[object, ...]]]:
    with h.repo.engine.connect() as conn:
        return {t: {tuple(r) for r in conn.execute(text(f"SELECT * FROM {t}"))} for t in TABLES}  # noqa: S608


def test_backfill_rebuilds_what_ingest_wrote_for_this_tenant_only(tmp_path: Path) -> None:
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    try:
        tenant, headers = h.tenant("p")
        other, other_headers = h.tenant("q")
        image = [{"kind": "image", "ref": "img-9", "sha256": "cd" * 32}]
        events = [
            message("e0", "c1", 0, "hey how was school today then", "adult1", "kid1"),
            message("e1", "c1", 1, "add me on snap: sk8r_99", "adult1", "kid1", media=image),
            message("e2", "c2", 0, "my number is 07700 900777 ok", "adult2", "kid2"),
        ]
        assert h.post(headers, events).status_code == 200
        assert h.post(other_headers, events).status_code == 200
        written = _rows(h)
        assert all(written.values())
        with h.repo.engine.begin() as conn:
            for table in TABLES:
                conn.execute(text(f"DELETE FROM {table} WHERE tenant_id = :t"), {"t": tenant})  # noqa: S608
        seen: list[int] = []
        counts = backfill_patterns(h.repo, tenant, seen.append)
        assert counts == (3, 3, 2) and sum(seen) == 3
        assert _rows(h) == written  # the same rows, and the other tenant's untouched
        assert backfill_patterns(h.repo, tenant) == (3, 3, 2)  # again: nothing doubles
        assert _rows(h) == written
        # The same through the CLI.
        with h.repo.engine.begin() as conn:
            for table in TABLES:
                conn.execute(text(f"DELETE FROM {table} WHERE tenant_id = :t"), {"t": tenant})  # noqa: S608
        result = CliRunner().invoke(
            app, ["insight", "backfill-patterns", "p", "--db", h.settings.db_url]
        )
        assert result.exit_code == 0, result.output
        assert "3 messages read" in result.output
        assert _rows(h) == written
    finally:
        h.close()
