"""``safeguarding users``, ``audit verify``, ``cases export`` and ``bundles`` on a database."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from case_helpers import World  # noqa: E402
from service_helpers import sqlite_url  # noqa: E402
from sqlalchemy import update  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from safeguarding.cli import app  # noqa: E402
from safeguarding.storage.models_cases import AuditEntryRow  # noqa: E402


def test_users_audit_export_and_bundles(tmp_path, monkeypatch) -> None:
    url = sqlite_url(tmp_path)
    w = World(url, tmp_path)
    try:
        moderator = w.who("moderator")
        case = w.cases.queue(moderator, "general")[0]
        w.cases.claim(moderator, case.id)
        w.cases.decide(moderator, case.id, "no_violation", "friends")
        specialist = w.who("specialist")
        severe = w.cases.queue(specialist, "child_safety")[0]
        w.cases.claim(specialist, severe.id)
        w.cases.decide(specialist, severe.id, "report", "meeting")
    finally:
        w.close()
    monkeypatch.setenv("SAFEGUARDING_CONSOLE_BUNDLE_KEYS", w.settings.bundle_keys)
    monkeypatch.setenv("SAFEGUARDING_CONSOLE_PASSWORD_MEMORY_KIB", "8192")
    monkeypatch.setenv("SAFEGUARDING_CONSOLE_PASSWORD_TIME_COST", "1")
    run = CliRunner().invoke
    db = ["--db", url]
    result = run(app, ["users", "create", "acme", "newlead", "--role", "lead", *db])
    assert result.exit_code == 0 and "password:" in result.output
    assert run(app, ["users", "create", "acme", "x", "--role", "king", *db]).exit_code == 2
    assert run(app, ["users", "disable", "acme", "newlead", *db]).exit_code == 0
    assert (
        run(
            app, ["users", "reset", "acme", "newlead", "--password", "another long one", *db]
        ).exit_code
        == 0
    )
    assert run(app, ["users", "disable", "acme", "ghost", *db]).exit_code == 1
    listed = run(app, ["users", "list", "acme", *db]).output.splitlines()
    assert ["newlead", "lead", "disabled"] in [line.split() for line in listed]

    out = tmp_path / "labels.jsonl"
    result = run(app, ["cases", "export", "acme", "--out", str(out), *db])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert {x["label"] for x in lines} == {"benign", "grooming"}
    assert all("text" not in m for x in lines for m in x["messages"])
    result = run(app, ["cases", "export", "acme", "--include-text", *db])
    assert "we could meet at the park" in result.output

    new_key = "k2:" + __import__("base64").b64encode(b"\x01" * 32).decode()
    monkeypatch.setenv("SAFEGUARDING_CONSOLE_BUNDLE_KEYS", new_key + "," + w.settings.bundle_keys)
    assert "re-encrypted 1 bundles under key k2" in run(app, ["bundles", "rotate", *db]).output
    assert (
        "would delete 1"
        in run(app, ["bundles", "purge", "--older-than", "-1", "--dry-run", *db]).output
    )

    result = run(app, ["audit", "verify", *db])
    assert result.exit_code == 0 and "ok" in result.output
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            update(AuditEntryRow).where(AuditEntryRow.action == "case_decided").values(actor="lead")
        )
    engine.dispose()
    result = run(app, ["audit", "verify", *db])
    assert result.exit_code == 1 and "BROKEN" in result.output and "changed" in result.output
