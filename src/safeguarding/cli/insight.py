"""``safeguarding insight ...``: figures for safeguarding leads and police."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from safeguarding.cli import app
from safeguarding.cli.corpus import err, progress_bar
from safeguarding.cli.service import DbOption, find_tenant_or_exit, open_repo
from safeguarding.insight import crime_stats
from safeguarding.insight import patterns_access as access
from safeguarding.insight.charts import crime_chart
from safeguarding.insight.patterns import PatternSettings
from safeguarding.insight.patterns_access import RealIdsRefused, check_real_ids
from safeguarding.insight.pseudonyms import load_key

insight_app = typer.Typer(help="Trends, patterns and crime statistics.", no_args_is_help=True)
app.add_typer(insight_app, name="insight")


@insight_app.command("crime-stats")
def crime_stats_command(
    table: Annotated[
        Path | None,
        typer.Argument(help="CSV: area, year, offence_group, online, count (default: example)"),
    ] = None,
    offence_group: Annotated[str, typer.Option(help="offence group to read")] = (
        "child_sexual_offences"
    ),
    out: Annotated[
        Path | None, typer.Option(help="folder for crime-stats.csv and crime-stats.png")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per area-year")] = False,
) -> None:
    """Online share of police-recorded offences and the change on the year before, nationally
    and per force. Without TABLE, the NSPCC FOI figures for 2019-20 shipped as an example."""
    path = table or crime_stats.example_table()
    try:
        rows = crime_stats.summarise(crime_stats.read_table(path), offence_group)
    except crime_stats.CrimeTableError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2) from None
    if not rows:
        err.print(f"error: {path}: no online offences of group {offence_group!r}")
        raise typer.Exit(2)
    records = [
        {
            "area": r.area,
            "year": r.year,
            "online": r.online,
            "total": r.total,
            "online_share": r.online_share,
            "online_change": r.online_change,
        }
        for r in rows
    ]
    if as_json:
        for record in records:
            typer.echo(json.dumps(record))
    else:
        shown = Table("area", "year", "online", "all", "share online", "change on year before")
        for r in rows:
            shown.add_row(
                r.area,
                r.year,
                f"{r.online:,}",
                f"{r.total:,}" if r.total is not None else "-",
                crime_stats.percent(r.online_share),
                crime_stats.percent(r.online_change, signed=True),
            )
        Console().print(shown)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        with (out / "crime-stats.csv").open("w", encoding="utf-8", newline="") as f:
            # csv quotes an area name with a comma in it ("Avon and Somerset, North").
            writer = csv.DictWriter(f, fieldnames=list(records[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(records)
        crime_chart(rows, out / "crime-stats.png")
        err.print(f"wrote {out / 'crime-stats.csv'} and {out / 'crime-stats.png'}")


@insight_app.command("patterns")
def patterns_command(
    tenant: Annotated[str, typer.Argument(help="Tenant id or name.")],
    out: Annotated[Path, typer.Option(help="folder for GraphML and CSV files")],
    db: DbOption = None,
    window_hours: Annotated[float, typer.Option(help="contact-burst window, hours")] = 24.0,
    min_children: Annotated[int, typer.Option(help="children within the window")] = 5,
    opener_min_children: Annotated[
        int, typer.Option(help="children one near-duplicate opener reached")
    ] = 3,
    max_sharing: Annotated[
        int, typer.Option(help="identifiers shared by more accounts are public, not links")
    ] = 20,
    real_ids: Annotated[
        bool, typer.Option("--real-ids", help="real account ids (lead role; audit-logged)")
    ] = False,
    as_user: Annotated[
        str | None, typer.Option("--as", help="the console user asking for real ids")
    ] = None,
    top: Annotated[int, typer.Option(help="clusters shown")] = 10,
) -> None:
    """Contact bursts, repeated openers, linked accounts and repeat offenders of one tenant,
    as a network of clusters (GraphML, CSV). Account ids are pseudonymised (a keyed HMAC per
    tenant, stable across exports) unless a lead asks for real ids with --real-ids --as."""
    try:
        settings = PatternSettings(window_hours, min_children, opener_min_children, max_sharing)
    except ValueError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2) from None
    repo = open_repo(db)
    try:
        tenant_id = find_tenant_or_exit(repo, tenant)
        actor = None
        if real_ids:
            try:
                actor = check_real_ids(repo, tenant_id, as_user)
            except RealIdsRefused as exc:
                err.print(f"error: {exc} (--as USERNAME)")
                raise typer.Exit(2) from None
        with progress_bar() as bar:
            task = bar.add_task("patterns", total=access.STEPS)

            def step(label: str) -> None:
                bar.update(task, description=label, advance=1)

            patterns, graph, ranked = access.compute(repo, tenant_id, settings, step)
        name = access.namer(load_key(), tenant_id, real_ids)
        paths = access.write_files(patterns, graph, ranked, out, name)
        if actor is not None:
            access.record_real_ids(repo, tenant_id, actor, "cli", patterns)
    finally:
        repo.close()
    shown = Table("rank", "accounts", "children reached", "risk", "score", "repeat offending")
    for c in ranked[:top]:
        shown.add_row(
            str(c.rank),
            str(len(c.accounts)),
            str(c.children_reached),
            f"{c.risk:.2f}",
            f"{c.score:.2f}",
            "yes" if c.repeat_offending else "",
        )
    Console().print(shown)
    err.print(
        f"{len(patterns.bursts)} contact bursts, {len(patterns.repeated_openers)} repeated "
        f"openers, {len(patterns.links)} links, {len(patterns.repeat_offenders)} repeat "
        f"offenders, {len(ranked)} clusters; wrote {len(paths)} files to {out}"
    )


@insight_app.command("bench-patterns")
def bench_patterns_command(
    accounts: Annotated[int, typer.Option(help="accounts generated")] = 1_000_000,
    db: Annotated[
        str | None,
        typer.Option("--db", help="database URL (default: a fresh SQLite file in a temp folder)"),
    ] = None,
    budget_s: Annotated[float, typer.Option(help="target for the timed part, seconds")] = 60.0,
) -> None:
    """Patterns over generated accounts (default 1,000,000): generation is not timed; the
    patterns, network, clusters and export are. Prints one JSON object; exit 1 when over the
    budget or a planted offender network or ban-evasion pair was missed."""
    import tempfile

    from safeguarding.benchmarks.insight_patterns import PatternsBenchConfig, run_patterns_bench
    from safeguarding.storage.repository import Repository

    config = PatternsBenchConfig(accounts=accounts, budget_s=budget_s)
    with tempfile.TemporaryDirectory() as folder:
        url = db or f"sqlite:///{Path(folder) / 'bench.db'}"
        repo = Repository.from_url(url)
        repo.migrate()
        try:
            with err.status("patterns benchmark") as status:
                result = run_patterns_bench(repo, config, lambda m: status.update(m))
        finally:
            repo.close()
    typer.echo(json.dumps(result))
    ok = result["within_budget"] and result["planted_network_found"]
    if not (ok and result["planted_evasion_found"]):
        raise typer.Exit(1)


@insight_app.command("backfill-patterns")
def backfill_patterns_command(
    tenant: Annotated[str, typer.Argument(help="Tenant id or name.")],
    db: DbOption = None,
) -> None:
    """Derive the pattern rows (fingerprints, openers) from a tenant's stored messages: for
    history ingested before migration 0010. Rows already there are kept; purged text gives
    openers and media hashes only."""
    from safeguarding.service.pattern_rows import backfill_patterns

    repo = open_repo(db)
    try:
        tenant_id = find_tenant_or_exit(repo, tenant)
        with progress_bar() as bar:
            task = bar.add_task("messages", total=None)
            read, found, openers = backfill_patterns(
                repo, tenant_id, lambda n: bar.update(task, advance=n)
            )
    finally:
        repo.close()
    err.print(f"{read:,} messages read: {found:,} fingerprints and {openers:,} openers derived")
