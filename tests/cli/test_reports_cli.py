"""``safeguarding reports referral``: the police referral of a stored conversation."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service_helpers import EXPLOITATION, Harness, account_events, conversation_events, sqlite_url
from typer.testing import CliRunner

from safeguarding.cli import app

runner = CliRunner()


def test_referral_to_stdout_and_to_files(tmp_path: Path) -> None:
    db = sqlite_url(tmp_path)
    h = Harness(db, webhooks_enabled=False)
    try:
        tenant, headers = h.tenant("platform-a")
        events = account_events("p") + conversation_events("p", "c1", EXPLOITATION)
        assert h.post(headers, events).status_code == 200
        h.tenant("platform-b")
    finally:
        h.close()
    shown = runner.invoke(app, ["reports", "referral", "c1", "--tenant", "platform-a", "--db", db])
    assert shown.exit_code == 0, shown.output
    doc = json.loads(shown.stdout)
    assert doc["harm"] == "criminal_exploitation" and doc["reporter"]["tenant"] == tenant
    out = tmp_path / "referrals" / "case-c1.json"
    written = runner.invoke(
        app, ["reports", "referral", "c1", "--tenant", tenant, "--out", str(out), "--db", db]
    )
    assert written.exit_code == 0, written.output
    assert json.loads(out.read_text())["conversation"]["id"] == "c1"
    assert out.with_suffix(".html").read_text().startswith("<!doctype html>")
    # another tenant, an unknown tenant and an unknown conversation are refused
    for args in (
        ["c1", "--tenant", "platform-b"],
        ["c1", "--tenant", "nobody"],
        ["c9", "--tenant", "platform-a"],
    ):
        refused = runner.invoke(app, ["reports", "referral", *args, "--db", db])
        assert refused.exit_code == 1 and "bag" not in refused.output
