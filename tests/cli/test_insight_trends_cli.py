"""``safeguarding insight rollup|trends|export``: on what the real pipeline stored."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb
import pyarrow.parquet as pq
from service_helpers import GROOMING, Harness, account_events, conversation_events, sqlite_url
from typer.testing import CliRunner

from safeguarding.cli import app
from safeguarding.storage import Repository

runner = CliRunner()


def test_trends_and_parquet_export_of_ingested_history(tmp_path: Path) -> None:
    db = sqlite_url(tmp_path)
    h = Harness(db, webhooks_enabled=False)
    try:
        tenant, headers = h.tenant("platform-a")
        events = account_events("p") + conversation_events("p", "c1", GROOMING)
        assert h.post(headers, events).status_code == 200
        other, other_headers = h.tenant("platform-b")
        more = account_events("q") + conversation_events("q", "c1", GROOMING)
        assert h.post(other_headers, more).status_code == 200
    finally:
        h.close()
    repo = Repository.from_url(db)
    alerts = repo.alerts(tenant, status=None, limit=100)
    repo.close()
    assert alerts, "the grooming conversation raised no alert"

    rolled = runner.invoke(app, ["insight", "rollup", "--tenant", "platform-a", "--db", db])
    assert rolled.exit_code == 0, rolled.output
    assert json.loads(rolled.stdout)["rolled_up"]["alerts"] == len(alerts)

    out = tmp_path / "trends"
    shown = runner.invoke(
        app,
        ["insight", "trends", "--tenant", tenant, "--db", db, "--grain", "day", "--out", str(out)],
    )
    assert shown.exit_code == 0, shown.output
    with (out / "trends.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    total = sum(
        int(r["count"]) for r in rows if r["metric"] == "alerts" and r["dimension"] == "all"
    )
    assert total == len(alerts)
    report = json.loads((out / "trends.json").read_text())
    assert report["tenant_id"] == tenant and report["rolled_up"]["alerts"] > 0
    timing = [t for t in report["time_to_act"] if t["step"] == "alert" and t["conversations"]]
    assert timing and timing[0]["median_s"] >= 0
    assert json.loads((out / "spikes.json").read_text()) == []  # one day: nothing to compare

    bad = runner.invoke(app, ["insight", "trends", "--tenant", tenant, "--db", db, "--metric", "x"])
    assert bad.exit_code == 2
    missing = runner.invoke(app, ["insight", "trends", "--tenant", "nobody", "--db", db])
    assert missing.exit_code == 2

    export = tmp_path / "parquet"
    done = runner.invoke(
        app, ["insight", "export", "--tenant", tenant, "--db", db, "--out", str(export)]
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["rows"]["alerts"] == len(alerts)
    con = duckdb.connect()
    n, tenants = con.execute(
        "select sum(count), count(distinct tenant_id) from read_parquet(?) "
        "where metric = 'alerts' and dimension = 'all'",
        [str(export / "insight_daily.parquet")],
    ).fetchone()
    assert (n, tenants) == (len(alerts), 1)  # only this tenant's rows
    levels = con.execute(
        "select count(*) from read_parquet(?)", [str(export / "alerts.parquet")]
    ).fetchone()
    assert levels == (len(alerts),)
    columns = set(pq.read_schema(export / "actions.parquet").names)
    assert "payload" not in columns and "created_at" in columns


def test_rollup_of_every_tenant_in_one_run(tmp_path: Path) -> None:
    db = sqlite_url(tmp_path)
    h = Harness(db, webhooks_enabled=False)
    try:
        first, first_headers = h.tenant("platform-a")
        assert h.post(first_headers, conversation_events("p", "c1", GROOMING)).status_code == 200
        second, second_headers = h.tenant("platform-b")
        assert h.post(second_headers, conversation_events("q", "c1", GROOMING)).status_code == 200
    finally:
        h.close()
    repo = Repository.from_url(db)
    expected = {t: len(repo.alerts(t, status=None, limit=100)) for t in (first, second)}
    repo.close()
    assert all(expected.values()), expected

    rolled = runner.invoke(app, ["insight", "rollup", "--all-tenants", "--db", db])
    assert rolled.exit_code == 0, rolled.output
    lines = [json.loads(line) for line in rolled.stdout.splitlines()]
    assert {line["tenant"]: line["rolled_up"]["alerts"] for line in lines} == expected
    again = runner.invoke(app, ["insight", "rollup", "--all-tenants", "--db", db])
    assert [json.loads(line)["rolled_up"]["alerts"] for line in again.stdout.splitlines()] == [0, 0]
    too_often = runner.invoke(app, ["insight", "rollup", "--all-tenants", "--every", "0"])
    assert too_often.exit_code == 2
