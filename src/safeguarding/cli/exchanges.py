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
from safeguarding.signals.media.errors import MediaError
from safeguarding.signals.media.exchanges import (
    BankStoreWriter,
    CheckpointFile,
    ExchangeSync,
    exchanges_from_config,
)
from safeguarding.signals.media.matcher import DB_FILE, default_data_dir
from safeguarding.signals.media.store import SqliteBankStore

exchanges_app = typer.Typer(help="Sync banks from hash exchanges.", no_args_is_help=True)
app.add_typer(exchanges_app, name="exchanges")


@exchanges_app.command("sync")
def sync(
    config: Annotated[
        Path, typer.Option("--config", help="YAML: an 'exchanges' list (docs/reports.md).")
    ],
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help="Bank store folder.")] = None,
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
    directory = data_dir or default_data_dir()
    store = SqliteBankStore(directory / DB_FILE)
    syncer = ExchangeSync(
        exchanges, BankStoreWriter(store), CheckpointFile(directory / "exchanges.json")
    )
    try:
        while True:
            reports = syncer.run_once()
            sys.stdout.write(json.dumps([r.to_dict() for r in reports]) + "\n")
            sys.stdout.flush()
            if every is None:
                break
            time.sleep(every)
    finally:
        store.close()
    if any(r.error for r in reports):
        raise typer.Exit(1)
