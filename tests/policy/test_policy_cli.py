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


def test_operator_publishes_the_service_policy_and_reads_histories(tmp_path: Path) -> None:
    from safeguarding.policy.loader import default_policy_text
    from safeguarding.service.policies import TenantPolicies
    from safeguarding.storage import Repository

    db = f"sqlite:///{tmp_path / 'sg.db'}"
    repo = Repository.from_url(db)
    repo.migrate()
    tenant = repo.create_tenant("acme").id
    path = tmp_path / "p.yaml"
    path.write_text(default_policy_text().replace("version: 1\n", "version: 5\n", 1))
    published = runner.invoke(policy_app, ["publish", str(path), "--db", db])
    assert published.exit_code == 0 and "service-wide version 1" in published.stdout
    again = runner.invoke(policy_app, ["publish", str(path), "--db", db])
    assert again.stdout.startswith("unchanged")
    path.write_text(path.read_text().replace("tactics_any: [meeting,", "tactics_any: [meetup,"))
    refused = runner.invoke(policy_app, ["publish", str(path), "--db", db])
    assert refused.exit_code == 1 and "meetup" in refused.output
    assert repo.policy_versions("*")[0].version == 1  # nothing stored

    # The tenant follows the service-wide policy until it sets its own.
    shown = runner.invoke(policy_app, ["show", "tenant:acme", "--json", "--db", db])
    assert json.loads(shown.stdout)["version"] == "5"
    policies = TenantPolicies.start(repo, "")
    policies.set(tenant, default_policy_text().replace("version: 1\n", "version: 9\n", 1),
                 created_by="k1")  # fmt: skip
    shown = runner.invoke(policy_app, ["show", "tenant:acme", "--json", "--db", db])
    assert json.loads(shown.stdout)["version"] == "9"
    assert (
        json.loads(runner.invoke(policy_app, ["show", "service", "--json", "--db", db]).stdout)[
            "version"
        ]
        == "5"
    )
    mine = json.loads(
        runner.invoke(policy_app, ["history", "--tenant", "acme", "--json", "--db", db]).stdout
    )
    assert [v["declared_version"] for v in mine["versions"]] == ["9"]
    service = json.loads(runner.invoke(policy_app, ["history", "--json", "--db", db]).stdout)
    assert [v["declared_version"] for v in service["versions"]] == ["5"]
    missing = runner.invoke(policy_app, ["history", "--tenant", "nobody", "--db", db])
    assert missing.exit_code == 1
    examples = Path(__file__).resolve().parents[2] / "src/safeguarding/data/examples"
    backtest = runner.invoke(
        policy_app,
        ["backtest", "tenant:acme", str(examples / "examples.jsonl"), "--json", "--db", db],
    )
    assert backtest.exit_code == 0 and "@9#" in json.loads(backtest.stdout)["policy"]
    repo.close()
