"""Review console commands: ``users``, ``audit verify``, ``cases export``, ``bundles``."""

from __future__ import annotations

import json
import secrets
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from safeguarding.cases.audit import verify_audit
from safeguarding.cases.auth import Accounts
from safeguarding.cases.bundles import KeyRing, rewrap
from safeguarding.cases.export import decided_lines
from safeguarding.cases.roles import Role
from safeguarding.cases.settings import ConsoleSettings
from safeguarding.cli import app
from safeguarding.cli.service import DbOption, err, open_repo, out
from safeguarding.storage.repository import Repository

users_app = typer.Typer(help="People who use the review console.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
cases_app = typer.Typer(help="Review cases.", no_args_is_help=True)
bundles_app = typer.Typer(help="Encrypted evidence bundles.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(cases_app, name="cases")
app.add_typer(bundles_app, name="bundles")

TenantArg = Annotated[str, typer.Argument(help="Tenant id or name.")]


def _tenant(repo: Repository, tenant: str) -> str:
    record = repo.find_tenant(tenant)
    if record is None:
        err.print(f"[red]No tenant {tenant!r}.[/red]")
        raise typer.Exit(2)
    return record.id


def _password(given: str | None) -> tuple[str, bool]:
    if given:
        return given, False
    return secrets.token_urlsafe(12), True


@users_app.command("create")
def users_create(
    tenant: TenantArg,
    username: str,
    role: Annotated[str, typer.Option(help="moderator, specialist, lead, admin or auditor.")],
    password: Annotated[
        str | None, typer.Option(help="At least 12 characters; generated and printed if left out.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Add a person to a tenant's console."""
    repo = open_repo(db)
    secret, generated = _password(password)
    try:
        Role(role)
        Accounts(repo, ConsoleSettings.from_env()).create(
            _tenant(repo, tenant), username, role, secret, "cli"
        )
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    out.print(f"created {username} ({role})" + (f"; password: {secret}" if generated else ""))


@users_app.command("disable")
def users_disable(
    tenant: TenantArg,
    username: str,
    enable: Annotated[bool, typer.Option("--enable", help="Enable again instead.")] = False,
    db: DbOption = None,
) -> None:
    """Disable a person (their sessions end at once), or enable them again."""
    repo = open_repo(db)
    if not Accounts(repo, ConsoleSettings.from_env()).disable(
        _tenant(repo, tenant), username, "cli", not enable
    ):
        err.print(f"[red]No user {username!r}.[/red]")
        raise typer.Exit(1)
    out.print(f"{'enabled' if enable else 'disabled'} {username}")


@users_app.command("reset")
def users_reset(
    tenant: TenantArg,
    username: str,
    password: Annotated[str | None, typer.Option(help="Generated and printed if left out.")] = None,
    db: DbOption = None,
) -> None:
    """Set a new password; unlocks the account and ends its sessions."""
    repo = open_repo(db)
    secret, generated = _password(password)
    try:
        found = Accounts(repo, ConsoleSettings.from_env()).reset(
            _tenant(repo, tenant), username, secret, "cli"
        )
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    if not found:
        err.print(f"[red]No user {username!r}.[/red]")
        raise typer.Exit(1)
    out.print(f"reset {username}" + (f"; password: {secret}" if generated else ""))


@users_app.command("list")
def users_list(tenant: TenantArg, db: DbOption = None) -> None:
    repo = open_repo(db)
    for user in repo.list_users(_tenant(repo, tenant)):
        state = "disabled" if user.disabled else "active"
        out.print(f"{user.username}\t{user.role}\t{state}")


@audit_app.command("verify")
def audit_verify(
    tenant: Annotated[str | None, typer.Argument(help="One tenant; all when left out.")] = None,
    db: DbOption = None,
) -> None:
    """Recompute each tenant's audit chain; exit 1 if an entry was changed, removed or moved."""
    repo = open_repo(db)
    tenants = [_tenant(repo, tenant)] if tenant else repo.audit_tenants()
    broken = False
    for tenant_id in tenants:
        verdict = verify_audit(repo, tenant_id)
        if verdict.ok:
            out.print(f"{tenant_id}: ok, {verdict.entries} entries")
        else:
            broken = True
            out.print(
                f"{tenant_id}: BROKEN after {verdict.entries} good entries: {verdict.problem}"
            )
    if broken:
        raise typer.Exit(1)


@cases_app.command("export")
def cases_export(
    tenant: TenantArg,
    output: Annotated[Path | None, typer.Option("--out", help="File (default: stdout).")] = None,
    include_text: Annotated[
        bool, typer.Option("--include-text", help="Include message text (off by default).")
    ] = False,
    since: Annotated[
        str | None, typer.Option(help="Only cases decided on or after (ISO date).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Decided cases as DATASPEC JSON Lines: the platform's own labels, to measure and retrain."""
    repo = open_repo(db)
    tenant_id = _tenant(repo, tenant)
    start = datetime.fromisoformat(since).replace(tzinfo=UTC) if since else None
    handle = output.open("w", encoding="utf-8") if output else sys.stdout
    count = 0
    try:
        for line in decided_lines(repo, tenant_id, include_text=include_text, since=start):
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
            count += 1
    finally:
        if output:
            handle.close()
    from safeguarding.storage.repository.audit import AuditEntry

    repo.append_audit(
        tenant_id,
        AuditEntry("cases_exported", "cli", detail={"cases": count, "text": include_text}),
    )
    err.print(
        f"exported {count} decided cases" + (" with text" if include_text else " without text")
    )


@bundles_app.command("rotate")
def bundles_rotate(db: DbOption = None) -> None:
    """Re-encrypt every bundle not under the active key (the first of
    SAFEGUARDING_CONSOLE_BUNDLE_KEYS); keep the old keys configured until this finished."""
    settings = ConsoleSettings.from_env()
    keys = KeyRing.load(settings.bundle_keys, settings.bundle_key_file)
    repo = open_repo(db)
    moved = 0
    for bundle in repo.bundles():
        if bundle.key_id == keys.active[0]:
            continue
        kid, nonce, ciphertext = rewrap(keys, bundle)
        moved += repo.rewrap_bundle(
            bundle.tenant_id, bundle.id, bundle.key_id, kid, nonce, ciphertext
        )
    out.print(f"re-encrypted {moved} bundles under key {keys.active[0]}")


@bundles_app.command("purge")
def bundles_purge(
    older_than: Annotated[int, typer.Option(help="Days to keep bundles.")],
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
    db: DbOption = None,
) -> None:
    """Delete bundles older than this, except those under legal hold."""
    repo = open_repo(db)
    cutoff = datetime.now(UTC) - timedelta(days=older_than)
    deleted, held = repo.purge_bundles(cutoff, dry_run=dry_run)
    out.print(
        f"{'would delete' if dry_run else 'deleted'} {deleted} bundles; kept {held} on legal hold"
    )


@app.command("console-bench")
def console_bench(
    cases: Annotated[int, typer.Option(help="Open cases to create.")] = 10_000,
    requests: Annotated[int, typer.Option(help="Requests per operation.")] = 200,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL (default: a fresh SQLite file in a temp folder)."),
    ] = None,
) -> None:
    """Server time of the queue page, case view, claim and decide with many open cases.

    Use an empty database: it creates a tenant, people and ``--cases`` alerted conversations.
    """
    from safeguarding.benchmarks.console import run_console_bench

    err.print(f"seeding {cases} cases and measuring {requests} requests per operation…")
    out.print_json(json.dumps(run_console_bench(db, cases, requests)))
