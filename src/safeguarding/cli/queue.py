"""Scale-out commands: ``worker`` and ``dlq list|replay`` (docs/scale-out.md)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from safeguarding.cli import app
from safeguarding.service.settings import Settings

if TYPE_CHECKING:
    from safeguarding.service.queue.link import JetStreamLink

T = TypeVar("T")
out = Console()
err = Console(stderr=True)

dlq_app = typer.Typer(help="Dead-lettered (poison) events: list and replay.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")

QueueOption = Annotated[
    str | None,
    typer.Option("--queue", help="NATS URL (default: $SAFEGUARDING_QUEUE_URL)."),
]
StreamOption = Annotated[
    str | None,
    typer.Option("--stream", help="JetStream stream name (default: $SAFEGUARDING_QUEUE_STREAM)."),
]


def _settings(db: str | None, queue: str | None, stream: str | None) -> Settings:
    settings = Settings.from_env(db_url=db, queue_url=queue, queue_stream=stream)
    if not settings.queue_url:
        err.print("[red]No queue: give --queue nats://HOST:PORT or SAFEGUARDING_QUEUE_URL.[/red]")
        raise typer.Exit(2)
    return settings


@app.command()
def worker(
    db: Annotated[
        str | None, typer.Option("--db", help="PostgreSQL URL (default: $SAFEGUARDING_DB_URL).")
    ] = None,
    queue: QueueOption = None,
    stream: StreamOption = None,
    worker_id: Annotated[
        str | None, typer.Option("--id", help="Worker id (default: random).")
    ] = None,
    json_logs: Annotated[
        bool | None,
        typer.Option(
            "--json-logs/--text-logs", help="Log format (default: JSON unless on a terminal)."
        ),
    ] = None,
) -> None:
    """Consume the event stream and run engine, policy and actions (SIGTERM drains)."""
    from safeguarding.service.logs import configure_logging
    from safeguarding.service.queue.run import run_worker

    settings = _settings(db, queue, stream)
    if json_logs is None:
        json_logs = not sys.stderr.isatty()
    configure_logging(settings.log_level, settings.log_text, json_lines=json_logs)
    stats = run_worker(settings, worker_id)
    err.print(
        f"worker stopped: {stats.applied} events applied, {stats.duplicates} duplicates, "
        f"{stats.dead} dead-lettered"
    )


async def _with_link(settings: Settings, job: Callable[[JetStreamLink], Awaitable[T]]) -> T:
    from safeguarding.service.queue.link import JetStreamLink
    from safeguarding.service.queue.names import QueueNames

    names = QueueNames(settings.queue_stream, settings.queue_partitions)
    link = await JetStreamLink.connect(settings.queue_url, names, name="dlq")
    try:
        await link.ensure_streams(settings.queue_max_messages)
        return await job(link)
    finally:
        await link.close()


@dlq_app.command("list")
def dlq_list(
    queue: QueueOption = None,
    stream: StreamOption = None,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines.")] = False,
) -> None:
    """Dead-lettered events: sequence, time, tenant, event id, source and reason."""
    from safeguarding.service.queue.dlq import list_dead

    settings = _settings(None, queue, stream)
    letters = asyncio.run(_with_link(settings, lambda link: list_dead(link, limit)))
    if as_json:
        for d in letters:
            row = {
                "seq": d.seq,
                "at": d.at.isoformat() if d.at else None,
                "tenant": d.tenant,
                "event_id": d.event_id,
                "source": d.source,
                "reason": d.reason,
            }
            print(json.dumps(row))
        return
    table = Table("seq", "at", "tenant", "event id", "reason")
    for d in letters:
        at = d.at.isoformat(timespec="seconds") if d.at else ""
        table.add_row(str(d.seq), at, d.tenant, d.event_id, d.reason)
    out.print(table)
    out.print(f"{len(letters)} dead-lettered events")


@dlq_app.command("replay")
def dlq_replay(
    seqs: Annotated[list[int] | None, typer.Argument(help="DLQ sequences (from dlq list).")] = None,
    replay_all: Annotated[bool, typer.Option("--all", help="Every dead-lettered event.")] = False,
    queue: QueueOption = None,
    stream: StreamOption = None,
) -> None:
    """Publish dead-lettered events to their partition again (after fixing the cause)."""
    from safeguarding.service.queue.codec import PoisonMessage
    from safeguarding.service.queue.dlq import list_dead, replay

    if not seqs and not replay_all:
        err.print("[red]Name sequences to replay, or --all.[/red]")
        raise typer.Exit(2)
    settings = _settings(None, queue, stream)
    wanted = set(seqs or ())

    async def job(link: JetStreamLink) -> tuple[int, int, int]:
        letters = [d for d in await list_dead(link, 10**9) if replay_all or d.seq in wanted]
        done, skipped = 0, 0
        with Progress(console=err, transient=True) as progress:
            task = progress.add_task("replaying", total=len(letters))
            for d in letters:
                try:
                    await replay(link, d)
                    done += 1
                except PoisonMessage:
                    skipped += 1
                progress.advance(task)
        return done, skipped, len(wanted - {d.seq for d in letters}) if not replay_all else 0

    done, skipped, unknown = asyncio.run(_with_link(settings, job))
    out.print(f"replayed {done}; {skipped} undecodable left in place; {unknown} not found")
    if unknown:
        raise typer.Exit(1)
