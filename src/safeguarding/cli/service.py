"""Service commands: ``serve``, ``tenants``, ``keys``, ``purge`` and ``loadtest``."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from safeguarding.cli import app
from safeguarding.service.settings import Settings
from safeguarding.storage.repository import DEFAULT_SCOPES, KNOWN_SCOPES, Repository

out = Console()
err = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: $SAFEGUARDING_DB_URL or SQLite in ./var)."),
]

tenants_app = typer.Typer(help="Create and list tenants (platforms).", no_args_is_help=True)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
app.add_typer(tenants_app, name="tenants")
app.add_typer(keys_app, name="keys")


def open_repo(db: str | None) -> Repository:
    """The service's database (migrated), for the operator's commands."""
    settings = Settings.from_env(db_url=db)
    repo = Repository.from_url(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous)
    repo.migrate()
    return repo


def find_tenant_or_exit(repo: Repository, id_or_name: str) -> str:
    """A tenant's id from its id or name; exit 1 with one line when there is none."""
    record = repo.find_tenant(id_or_name)
    if record is None:
        err.print(f"[red]No tenant {id_or_name!r}.[/red]")
        raise typer.Exit(1)
    return record.id


@app.command()
def serve(
    db: DbOption = None,
    host: Annotated[
        str, typer.Option(help="Interface to bind.", envvar="SAFEGUARDING_HOST")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", envvar="SAFEGUARDING_PORT")] = 8000,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo", help="Replay the bundled example conversations; create demo people."
        ),
    ] = False,
    json_logs: Annotated[
        bool | None,
        typer.Option(
            "--json-logs/--text-logs", help="Log format (default: JSON unless on a terminal)."
        ),
    ] = None,
    queue: Annotated[
        str | None,
        typer.Option(
            "--queue",
            help="NATS URL: publish events to JetStream for `safeguarding worker` "
            "(default: $SAFEGUARDING_QUEUE_URL; none: process them here).",
        ),
    ] = None,
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs) and the review console (/console)."""
    from safeguarding.api.server import serve as run

    run(Settings.from_env(db_url=db, queue_url=queue), host, port, demo, json_logs)


@tenants_app.command("create")
def tenants_create(
    name: str,
    webhook_url: Annotated[str | None, typer.Option(help="Where alerts are POSTed.")] = None,
    webhook_secret: Annotated[
        str | None, typer.Option(help="HMAC secret (generated when a URL is given).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Create a tenant; prints its id (and the webhook secret, once)."""
    repo = open_repo(db)
    if repo.find_tenant(name) is not None:
        err.print(f"[red]A tenant named {name!r} already exists.[/red]")
        raise typer.Exit(1)
    if webhook_url and not webhook_secret:
        webhook_secret = "whsec_" + secrets.token_urlsafe(24)
    tenant = repo.create_tenant(name, webhook_url=webhook_url, webhook_secret=webhook_secret)
    out.print(f"tenant {tenant.id} ({name})")
    if webhook_secret:
        out.print(f"webhook secret: {webhook_secret}")


@tenants_app.command("set-webhook")
def tenants_set_webhook(
    tenant: str,
    url: Annotated[str | None, typer.Option(help="Webhook URL; omit to disable.")] = None,
    secret: Annotated[str | None, typer.Option(help="HMAC secret (generated if absent).")] = None,
    db: DbOption = None,
) -> None:
    """Set or clear a tenant's webhook."""
    repo = open_repo(db)
    record = repo.find_tenant(tenant)
    if record is None:
        err.print(f"[red]No tenant {tenant!r}.[/red]")
        raise typer.Exit(1)
    if url and not secret:
        secret = "whsec_" + secrets.token_urlsafe(24)
    repo.set_webhook(record.id, url, secret if url else None)
    out.print(f"webhook of {record.id}: {url or 'disabled'}")
    if url:
        out.print(f"webhook secret: {secret}")


@tenants_app.command("list")
def tenants_list(db: DbOption = None) -> None:
    """List tenants."""
    table = Table("id", "name", "created", "webhook")
    for t in open_repo(db).list_tenants():
        table.add_row(t.id, t.name, t.created_at.isoformat(timespec="seconds"), t.webhook_url or "")
    out.print(table)


@keys_app.command("create")
def keys_create(
    tenant: Annotated[str, typer.Argument(help="Tenant id or name.")],
    scope: Annotated[
        list[str] | None,
        typer.Option(
            "--scope", help=f"Repeat for several; known: {', '.join(sorted(KNOWN_SCOPES))}."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Create an API key; the key is printed once and only its hash is stored."""
    repo = open_repo(db)
    record = repo.find_tenant(tenant)
    if record is None:
        err.print(f"[red]No tenant {tenant!r}; create it with `safeguarding tenants create`.[/red]")
        raise typer.Exit(1)
    try:
        key, token = repo.create_api_key(record.id, scope or DEFAULT_SCOPES)
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    err.print(f"key {key.id} for {record.id} with scopes {', '.join(key.scopes)}; store it now:")
    print(token)


@keys_app.command("revoke")
def keys_revoke(key_id: str, db: DbOption = None) -> None:
    """Revoke a key: refused from now on; a running service may accept it for up to 1 s
    more (its key cache)."""
    if not open_repo(db).revoke_api_key(key_id):
        err.print(f"[red]No active key {key_id!r}.[/red]")
        raise typer.Exit(1)
    out.print(f"revoked {key_id}; running services refuse it within 1 s")


@keys_app.command("list")
def keys_list(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's keys.")] = None,
    db: DbOption = None,
) -> None:
    """List keys (ids and scopes; secrets are never shown again)."""
    repo = open_repo(db)
    tenant_id = None
    if tenant:
        record = repo.find_tenant(tenant)
        tenant_id = record.id if record else tenant
    table = Table("key id", "tenant", "scopes", "created", "revoked")
    for k in repo.list_api_keys(tenant_id):
        table.add_row(
            k.id,
            k.tenant_id,
            " ".join(k.scopes),
            k.created_at.isoformat(timespec="seconds"),
            k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else "",
        )
    out.print(table)


@app.command()
def purge(
    older_than: Annotated[
        int | None, typer.Option(help="Days of message text to keep (default: retention_days).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report only; delete nothing.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Delete message text (and recorded media matches) older than the retention period,
    except evidence in a case."""
    settings = Settings.from_env(db_url=db)
    days = settings.retention_days if older_than is None else older_than
    if days < 0:
        err.print("[red]--older-than must be 0 or more days.[/red]")
        raise typer.Exit(2)
    report = open_repo(db).purge_text(datetime.now(UTC) - timedelta(days=days), dry_run=dry_run)
    verb = "would purge" if dry_run else "purged"
    out.print(
        f"{verb} the text of {report.messages_purged} messages older than {days} days "
        f"(before {report.cutoff.isoformat(timespec='seconds')}); "
        f"kept {report.messages_kept_as_evidence} held as evidence."
    )
    out.print(
        f"{'would scrub' if dry_run else 'scrubbed'} stored excerpts from "
        f"{report.conversations_scrubbed} conversations."
    )
    out.print(
        f"{'would delete' if dry_run else 'deleted'} {report.media_matches_purged} recorded "
        "media matches (content references) older than the cutoff."
    )
    for tenant_id, n in sorted(report.by_tenant.items()):
        out.print(f"  {tenant_id}: {n}")


@app.command()
def loadtest(
    db: DbOption = None,
    rate: Annotated[float, typer.Option(help="Target messages per second.")] = 1000.0,
    seconds: Annotated[float, typer.Option(help="Duration of the load.")] = 20.0,
    batch_size: Annotated[int, typer.Option(help="Messages per request.")] = 20,
    conversations: Annotated[int, typer.Option(help="Concurrent conversations.")] = 200,
    mix: Annotated[
        str,
        typer.Option(
            help="Traffic: 'realistic' (conversations start and end, mean 20 messages, 1 in 20 "
            "grooming-like) or 'grooming' (every conversation escalates: the costliest case)."
        ),
    ] = "realistic",
    kill_restart: Annotated[
        bool,
        typer.Option("--kill-restart", help="kill -9 the server half way, restart, verify."),
    ] = False,
    warmup: Annotated[
        float, typer.Option(help="Seconds of load before measuring (caches, first connections).")
    ] = 3.0,
    no_pin: Annotated[
        bool, typer.Option("--no-pin", help="Do not pin server and generator to separate CPUs.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    queue: Annotated[
        str | None,
        typer.Option(
            "--queue",
            help="NATS URL: load the scale-out roles (serve --queue and workers) instead.",
        ),
    ] = None,
    workers: Annotated[int, typer.Option(help="With --queue: worker processes.")] = 1,
    drain: Annotated[
        int,
        typer.Option(
            help="With --queue: then queue this many with the workers paused, and "
            "time how fast they drain them (capacity)."
        ),
    ] = 0,
) -> None:
    """Benchmark: the service in a second process on loopback, driven by an async generator."""
    from safeguarding.benchmarks.loadtest import MIXES, run_loadtest

    if rate <= 0 or seconds <= 0 or batch_size <= 0 or conversations <= 0:
        err.print("[red]rate, seconds, batch size and conversations must be positive.[/red]")
        raise typer.Exit(2)
    if mix not in MIXES:
        err.print(f"[red]--mix must be one of: {', '.join(MIXES)}.[/red]")
        raise typer.Exit(2)
    url = Settings.from_env(db_url=db).db_url
    if queue:
        _queue_loadtest(
            url,
            queue,
            workers,
            rate,
            seconds,
            batch_size,
            conversations,
            warmup,
            mix,
            drain,
            as_json,
        )
        return
    report = run_loadtest(
        url,
        rate,
        seconds,
        batch_size,
        conversations,
        kill_restart,
        Path("var"),
        warmup=warmup,
        pin=False if no_pin else None,
        mix=mix,
    )
    if as_json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        v = report.verification
        out.print(
            f"{report.db} ({report.mix} mix, {report.conversations_opened} conversations): "
            f"{report.sustained_msgs_per_s} msgs/s sustained "
            f"(target {report.target_rate:g}, {report.seconds:g} s after {report.warmup_s:g} s "
            f"warm-up), ingest latency p50 {report.p50_ms} ms, "
            f"p99 {report.p99_ms} ms, max {report.max_ms} ms; "
            f"{report.requests_ok} requests ok, {report.requests_failed} failed, "
            f"{report.retries} retries"
        )
        if report.server_cpu_share is not None:
            out.print(
                f"server CPU {report.server_cpu_ms_per_request} ms a request, "
                f"{report.server_cpu_share:.0%} of one CPU"
            )
        if report.kill_restart:
            out.print(f"killed with SIGKILL half way; restart took {report.restart_s} s")
        out.print(
            f"verification: {v['acknowledged']} acknowledged, {v['missing_acknowledged']} missing, "
            f"{v['duplicate_message_rows']} duplicated, {v['conversations_with_gaps']} "
            f"conversations with gaps, {v['assessments_behind']} assessments behind -> "
            + ("OK" if v["ok"] else "FAILED")
        )
    if not report.verification.get("ok"):
        raise typer.Exit(1)


def _queue_loadtest(
    url: str,
    queue: str,
    workers: int,
    rate: float,
    seconds: float,
    batch_size: int,
    conversations: int,
    warmup: float,
    mix: str,
    drain: int,
    as_json: bool,
) -> None:
    from safeguarding.benchmarks.queue_load import run_queue_loadtest

    if workers < 1 or drain < 0:
        err.print("[red]--workers must be 1 or more and --drain 0 or more.[/red]")
        raise typer.Exit(2)
    with err.status(f"load test: API and {workers} worker(s) on {queue}"):
        r = run_queue_loadtest(
            url,
            queue,
            workers,
            rate,
            seconds,
            batch_size,
            conversations,
            Path("var"),
            warmup=warmup,
            mix=mix,
            drain=drain,
        )
    if as_json:
        print(json.dumps(r.to_dict(), indent=2))
    else:
        v = r.verification
        out.print(
            f"{r.workers} worker(s), {r.mix} mix at {r.target_rate:g} msgs/s: accepted "
            f"{r.accepted_msgs_per_s}/s (API p50 {r.api_p50_ms} ms, p99 {r.api_p99_ms} ms), "
            f"committed {r.committed_msgs_per_s}/s; accepted to stored p50 {r.e2e_p50_ms} ms, "
            f"p99 {r.e2e_p99_ms} ms, max {r.e2e_max_ms} ms"
        )
        if r.drain_messages:
            out.print(
                f"capacity: {r.drain_messages} queued messages drained in {r.drain_s} s = "
                f"{r.drain_msgs_per_s} msgs/s; worker CPU {r.worker_cpu_ms_per_msg} ms/msg, "
                f"PostgreSQL CPU {r.postgres_cpu_ms_per_msg} ms/msg"
            )
        out.print(
            f"verification: {v['acknowledged']} acknowledged, {v['missing_acknowledged']} "
            f"missing, {v['conversations_with_gaps']} conversations with gaps, "
            f"{v['assessments_behind']} assessments behind -> " + ("OK" if v["ok"] else "FAILED")
        )
    if not r.verification.get("ok"):
        raise typer.Exit(1)
