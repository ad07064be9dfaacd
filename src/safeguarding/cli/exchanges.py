"""``safeguarding exchanges sync``: keep banks in sync with hash exchanges (NCMEC hash
sharing, Meta ThreatExchange, plain HTTPS lists), once or on a schedule."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
import yaml

from safeguarding.cli import app
from safeguarding.service.settings import Settings
from safeguarding.signals.media.errors import MediaError
from safeguarding.signals.media.exchanges import (
    BankStoreWriter,
    EventCheckpoints,
    ExchangeSync,
    exchanges_from_config,
)
from safeguarding.storage import Repository

exchanges_app = typer.Typer(help="Sync banks from hash exchanges.", no_args_is_help=True)
app.add_typer(exchanges_app, name="exchanges")


@exchanges_app.command("sync")
def sync(
    config: Annotated[
        Path, typer.Option("--config", help="YAML: an 'exchanges' list (docs/reports.md).")
    ],
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant id or name whose banks to sync.")],
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (default: $SAFEGUARDING_DB_URL).")
    ] = None,
    every: Annotated[
        float | None, typer.Option(help="Run every this many seconds until stopped.")
    ] = None,
) -> None:
    """Fetch what changed since the last run, add and retract hashes; one JSON line a run."""
    try:
        sections = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("exchanges") or []
        exchanges = exchanges_from_config(sections)
    except (OSError, yaml.YAMLError, MediaError, KeyError, ValueError) as exc:
        typer.echo(f"error: {config}: {exc}", err=True)
        raise typer.Exit(2) from None
    settings = Settings.from_env(db_url=db)
    repo = Repository.from_url(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous)
    repo.migrate()
    found = repo.find_tenant(tenant)
    if found is None:
        repo.close()
        typer.echo(f"error: no tenant {tenant!r}", err=True)
        raise typer.Exit(2)
    store = repo.media(found.id)
    syncer = ExchangeSync(exchanges, BankStoreWriter(store), EventCheckpoints(store))
    try:
        while True:
            reports = syncer.run_once()
            sys.stdout.write(json.dumps([r.to_dict() for r in reports]) + "\n")
            sys.stdout.flush()
            if every is None:
                break
            time.sleep(every)
    finally:
        repo.close()
    if any(r.error for r in reports):
        raise typer.Exit(1)
