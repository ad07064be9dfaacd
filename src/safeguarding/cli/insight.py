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
from safeguarding.cli.corpus import err
from safeguarding.insight import crime_stats
from safeguarding.insight.charts import crime_chart

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
