"""``safeguarding insight transparency``: a tenant's transparency report for one period, as
the DSA template CSV files, a readable HTML page or a PDF."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from safeguarding.cli.corpus import err, progress_bar
from safeguarding.cli.insight import insight_app
from safeguarding.insight.transparency import (
    DEFAULT_THRESHOLD,
    Period,
    PeriodError,
    build_report,
)
from safeguarding.insight.transparency_dsa import write_dsa
from safeguarding.insight.transparency_render import render_html, render_pdf
from safeguarding.service.settings import Settings
from safeguarding.storage import Repository


class Format(StrEnum):
    CSV = "csv"
    HTML = "html"
    PDF = "pdf"


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@insight_app.command("transparency")
def transparency_command(
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant id or name.")],
    start: Annotated[str, typer.Option("--from", help="First day of the period (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day of the period (YYYY-MM-DD).")],
    out: Annotated[Path, typer.Option("--out", help="Folder (csv) or file (html, pdf) to write.")],
    fmt: Annotated[Format, typer.Option("--format", help="csv, html or pdf.")] = Format.HTML,
    threshold: Annotated[
        int, typer.Option(min=1, help="Counts from 1 to THRESHOLD-1 are shown as <THRESHOLD.")
    ] = DEFAULT_THRESHOLD,
    provider: Annotated[
        str | None, typer.Option(help="Provider name in the report (default: the tenant's).")
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (default: $SAFEGUARDING_DB_URL).")
    ] = None,
) -> None:
    """Content and accounts actioned per harm, detection source, action type, automated or
    human, time to action, appeals and reversals, reports to NCMEC and the NCA. Small counts
    are suppressed; no identifier or message text is written."""
    try:
        period = Period(_day(start), _day(end))
    except PeriodError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(2) from None
    settings = Settings.from_env(db_url=db)
    repo = Repository.from_url(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        repo.migrate()
        record = repo.find_tenant(tenant)
        if record is None:
            err.print(f"error: no tenant {tenant!r}")
            raise typer.Exit(2)
        with progress_bar() as bar:
            task = bar.add_task("transparency report", total=2)
            report = build_report(
                repo, record.id, period, provider=provider or record.name, threshold=threshold
            )
            bar.advance(task)
            if fmt is Format.CSV:
                written = write_dsa(report, out)
            else:
                out.parent.mkdir(parents=True, exist_ok=True)
                if fmt is Format.HTML:
                    out.write_text(render_html(report), encoding="utf-8")
                else:
                    out.write_bytes(render_pdf(report))
                written = [out]
            bar.advance(task)
    finally:
        repo.close()
    err.print(f"wrote {', '.join(str(p) for p in written)}")
