from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from safeguarding.cli.policy import policy_app

runner = CliRunner()


def test_validate_default_and_bad_file(tmp_path: Path) -> None:
    ok = runner.invoke(policy_app, ["validate", "default", "--json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["version"] == "1"
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "policy: x\nversion: 1\nrules:\n  - id: r1\n    description: every alert reviewed\n"
        "    when: {level_at_least: alert, tactics_any: [sext]}\n    actions: [escalate_review]\n"
    )
    refused = runner.invoke(policy_app, ["validate", str(bad)])
    assert refused.exit_code == 1
    assert f"{bad}:6" in refused.output and "sext" in refused.output


def test_show_lists_every_rule() -> None:
    result = runner.invoke(policy_app, ["show", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["rules"] == [r["id"] for r in data["policy"]["rules"]]
    table = runner.invoke(policy_app, ["show"], env={"COLUMNS": "200"})
    assert "urgent-review" in table.stdout


def test_safety_commands() -> None:
    refused = runner.invoke(
        policy_app, ["can-contact", "--sender-age", "34", "--recipient-age", "12", "--json"]
    )
    assert json.loads(refused.stdout)["code"] == "not_connected_to_minor"
    allowed = runner.invoke(policy_app, ["can-suggest", "--a-age", "30", "--b-age", "41"])
    assert allowed.stdout.startswith("allowed")
    peers = ["can-suggest", "--a-age", "8", "--b-age", "17", "--peer-suggestions", "--json"]
    assert json.loads(runner.invoke(policy_app, peers).stdout)["code"] == "age_gap"
