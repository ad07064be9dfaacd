"""``safeguarding insight rollup|trends|export|bench``: the platform's own trends."""

from __future__ import annotations

import csv
import json
import time
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from safeguarding.benchmarks.insight import run_insight_bench
from safeguarding.cli.corpus import err, progress_bar
from safeguarding.cli.insight import insight_app
from safeguarding.insight.export import export_parquet
from safeguarding.insight.periods import Grain
from safeguarding.insight.report import report_steps, trends_report
from safeguarding.insight.trends import METRICS, default_range
from safeguarding.service.settings import Settings
from safeguarding.storage import Repository
from safeguarding.storage.records import TenantRecord
from safeguarding.storage.repository.insight_rollup import DIMENSIONS

DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: $SAFEGUARDING_DB_URL).")
]
TenantOption = Annotated[str, typer.Option("--tenant", help="Tenant id or name.")]


class ExportFormat(StrEnum):
    PARQUET = "parquet"


def _open(db: str | None, tenant: str) -> tuple[Repository, TenantRecord]:
    settings = Settings.from_env(db_url=db)
    repo = Repository.from_url(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous)
    repo.migrate()
    record = repo.find_tenant(tenant)
    if record is None:
        err.print(f"[red]No tenant {tenant!r}.[/red]")
        raise typer.Exit(2)
    return repo, record


def _rollup(repo: Repository, tenant_id: str, rebuild: bool = False) -> dict[str, int]:
    with progress_bar() as bar:
        task = bar.add_task("rolling up", total=None)

        def tick(source: str, n: int) -> None:
            bar.update(task, advance=n, description=f"rolling up {source}")

        run = repo.rebuild_rollup if rebuild else repo.rollup
        return run(tenant_id, tick)


@insight_app.command("rollup")
def rollup_command(
    tenant: TenantOption = "demo",
    db: DbOption = None,
    rebuild: Annotated[bool, typer.Option(help="forget the roll-up and build it again")] = False,
    all_tenants: Annotated[
        bool, typer.Option("--all-tenants", help="every tenant in the database (not --tenant)")
    ] = False,
    every: Annotated[
        float | None,
        typer.Option(min=1.0, help="run again every this many seconds until stopped"),
    ] = None,
) -> None:
    """Roll up alerts, case events, actions and reports added since the last roll-up into
    the daily tables (incremental, safe to run again at any time; e.g. every 15 minutes).
    One JSON line per tenant and run."""
    one: TenantRecord | None = None
    if all_tenants:
        settings = Settings.from_env(db_url=db)
        repo = Repository.from_url(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous)
        repo.migrate()
    else:
        repo, one = _open(db, tenant)
    try:
        while True:
            # Tenants created since the last run are taken up at the next one.
            for target in [one] if one is not None else repo.list_tenants():
                done = _rollup(repo, target.id, rebuild)
                typer.echo(json.dumps({"tenant": target.id, "rolled_up": done}))
            if every is None:
                break
            rebuild = False  # a rebuild once, then incremental
            time.sleep(every)
    except KeyboardInterrupt:
        pass
    finally:
        repo.close()


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        if not rows:
            return
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in row.items()}
            )


@insight_app.command("trends")
def trends_command(
    tenant: TenantOption = "demo",
    db: DbOption = None,
    grain: Annotated[Grain, typer.Option(help="period")] = Grain.WEEK,
    first: Annotated[
        str | None, typer.Option("--from", help="first day (default: 90 days to the last)")
    ] = None,
    last: Annotated[
        str | None, typer.Option("--to", help="last day (default: newest rolled-up day)")
    ] = None,
    metric: Annotated[list[str] | None, typer.Option(help=f"one of {', '.join(METRICS)}")] = None,
    dimension: Annotated[
        list[str] | None, typer.Option(help=f"one of {', '.join(DIMENSIONS)}")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="folder for trends.csv, time-to-act.csv, spikes.json, trends.json"),
    ] = None,
    rollup: Annotated[
        bool, typer.Option("--rollup/--no-rollup", help="roll up new rows first")
    ] = True,
) -> None:
    """Alerts, cases, decisions, appeals, actions and reports per period by harm, tactic,
    platform area, locale, age band and type, with the change on the period before and on
    the year before; time to act (median, 90th percentile); spikes and what drives them."""
    repo, record = _open(db, tenant)
    metrics, dimensions = metric or list(METRICS), dimension or list(DIMENSIONS)
    unknown = (set(metrics) - set(METRICS)) | (set(dimensions) - set(DIMENSIONS))
    if unknown:
        err.print(f"[red]Unknown metric or dimension: {', '.join(sorted(unknown))}[/red]")
        raise typer.Exit(2)
    if rollup:
        _rollup(repo, record.id)
    try:
        lo, hi = default_range(repo, record.id, datetime.now(UTC).date())
        hi = date.fromisoformat(last) if last else hi
        lo = date.fromisoformat(first) if first else lo
        with progress_bar() as bar:
            task = bar.add_task("trends", total=report_steps(metrics, dimensions))
            report = trends_report(
                repo,
                record.id,
                grain,
                lo,
                hi,
                metrics=metrics,
                dimensions=dimensions,
                step=lambda what: bar.update(task, advance=1, description=what),
            )
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    shown = Table("period", *metrics, title=f"{record.name}: totals per {grain.value}")
    totals: dict[str, dict[str, int]] = {}
    for p in report["trends"]:
        if p["dimension"] == "all":
            totals.setdefault(p["period"], {})[p["metric"]] = p["count"]
    for period in sorted(totals):
        shown.add_row(period, *(f"{totals[period].get(m, 0):,}" for m in metrics))
    Console(stderr=out is not None).print(shown)
    for spike in report["spikes"]:
        err.print(f"spike: {spike['explanation']}")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        _write_csv(out / "trends.csv", report["trends"])
        _write_csv(out / "time-to-act.csv", report["time_to_act"])
        (out / "spikes.json").write_text(json.dumps(report["spikes"], indent=2), "utf-8")
        (out / "trends.json").write_text(json.dumps(report, indent=2), "utf-8")
        err.print(f"wrote trends.csv, time-to-act.csv, spikes.json and trends.json to {out}")


@insight_app.command("export")
def export_command(
    out: Annotated[Path, typer.Option(help="folder for one file per table")],
    tenant: TenantOption = "demo",
    db: DbOption = None,
    format: Annotated[ExportFormat, typer.Option(help="file format")] = ExportFormat.PARQUET,
) -> None:
    """Export the roll-ups and the event tables (alerts, actions, cases, case events,
    reports; no message text, notes or payloads) for offline analysis, e.g. with DuckDB."""
    repo, record = _open(db, tenant)
    with progress_bar() as bar:
        task = bar.add_task("exporting", total=None)
        written = export_parquet(
            repo,
            record.id,
            out,
            lambda name, n: bar.update(task, advance=n, description=f"exporting {name}"),
        )
    typer.echo(json.dumps({"format": format.value, "out": str(out), "rows": written}))


@insight_app.command("bench")
def bench_command(
    db: Annotated[str, typer.Option("--db", help="Database URL to fill (a scratch database).")],
    messages: Annotated[int, typer.Option(help="messages of history")] = 10_000_000,
    actions: Annotated[int, typer.Option(help="actions of history")] = 1_000_000,
    days: Annotated[int, typer.Option(help="days of history")] = 730,
    tenant: Annotated[
        str | None,
        typer.Option(help="reuse this tenant's history from an earlier run today (no generation)"),
    ] = None,
) -> None:
    """Generate a large history in a new tenant, roll it up, and time the reports over it
    (target: ≤ 30 s together). Exit code 1 when the reports miss the target."""
    repo = Repository.from_url(db)
    with progress_bar() as bar:
        task = bar.add_task("generating", total=messages)

        def tick(kind: str, n: int) -> None:
            if kind == "messages":
                bar.update(task, advance=n)
            bar.update(task, description=kind)

        result = run_insight_bench(
            repo, messages=messages, actions=actions, days=days, progress=tick, tenant_id=tenant
        )
    typer.echo(json.dumps(result.as_dict()))
    repo.close()
    if not result.passed:
        raise typer.Exit(1)
