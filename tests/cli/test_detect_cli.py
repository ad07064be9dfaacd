"""``safeguarding scan`` and ``demo`` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from safeguarding.cli import app
from safeguarding.cli.detect import example_corpus

runner = CliRunner()


def test_scan_jsonl_has_one_object_per_conversation_with_the_contract_keys() -> None:
    result = runner.invoke(app, ["scan", str(example_corpus()), "--jsonl"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(records) == 6
    for r in records:
        assert {"id", "alert", "alert_at", "risk", "offender", "tactics"} <= set(r)
        assert 0.0 <= r["risk"] <= 1.0
        assert (r["alert_at"] is None) == (not r["alert"])
    by_id = {r["id"]: r for r in records}
    assert by_id["ex-01"]["alert"] and by_id["ex-01"]["offender"] == "kai"
    assert by_id["ex-04"]["alert"]  # sextortion
    assert by_id["ex-06"]["alert"]  # Spanish
    assert not by_id["ex-02"]["alert"]  # peers planning a surprise
    assert not by_id["ex-03"]["alert"]  # parent checking on her child
    assert not by_id["ex-05"]["alert"]  # two adults


def test_scan_reports_a_bad_line_and_keeps_the_rest(tmp_path: Path) -> None:
    good = example_corpus().read_text().splitlines()[0]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(good + "\n{oops\n")
    result = runner.invoke(app, ["scan", str(corpus), "--jsonl"])
    assert result.exit_code == 0
    assert len([line for line in result.stdout.splitlines() if line.startswith("{")]) == 1
    assert "c.jsonl:2" in result.stderr


def test_scan_of_nothing_readable_fails_clearly(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scan", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_demo_prints_the_table() -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0
    assert "ex-01" in result.stdout and "Conversation risk" in result.stdout
