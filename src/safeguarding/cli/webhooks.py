"""``safeguarding webhooks``: the outbox sender as a role of its own."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from safeguarding.cli import app
from safeguarding.cli.service import DbOption, err, open_repo
from safeguarding.service.logs import configure_logging
from safeguarding.service.senders import SenderConfigError, WebhookSenders
from safeguarding.service.settings import Settings
from safeguarding.storage.db import normalise_url


@app.command()
def webhooks(
    db: DbOption = None,
    threads: Annotated[
        int,
        typer.Option(
            help="Senders in this process (PostgreSQL only for more than one).",
            envvar="SAFEGUARDING_WEBHOOK_THREADS",
        ),
    ] = 1,
    json_logs: Annotated[
        bool | None,
        typer.Option(
            "--json-logs/--text-logs", help="Log format (default: JSON unless on a terminal)."
        ),
    ] = None,
) -> None:
    """Deliver queued webhooks (the outbox) until SIGTERM or Ctrl+C; on PostgreSQL several
    may run beside each other and beside the API's own sender."""
    settings = Settings.from_env(db_url=db)
    configure_logging(
        settings.log_level,
        settings.log_text,
        json_lines=not sys.stderr.isatty() if json_logs is None else json_logs,
    )
    repo = open_repo(settings.db_url)
    try:
        senders = WebhookSenders(repo, settings, threads)
    except SenderConfigError as exc:
        err.print(f"[red]{exc}.[/red]")
        repo.close()
        raise typer.Exit(2) from exc
    done = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    shown = make_url(normalise_url(settings.db_url)).render_as_string(hide_password=True)
    err.print(f"Delivering webhooks with {threads} sender(s) (database: {shown})")
    try:
        senders.run_until(done)
    finally:
        repo.close()
