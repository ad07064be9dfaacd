"""``safeguarding reports ...``: CyberTips, NCA reports and DSA statements of reasons.

``CASE`` is a conversation id of the tenant (the console's cases call the same functions).
Reporting configuration (reporter, endpoints, credentials through environment variables):
``--config`` or ``$SAFEGUARDING_REPORTS_CONFIG`` (docs/reports.md).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from safeguarding.cli import app
from safeguarding.reports.case import CaseNotFound, Identity, ReportCase, case_from_conversation
from safeguarding.reports.config import ReportConfigError, TenantReporting, load_config
from safeguarding.reports.dsa import submit_statements
from safeguarding.reports.errors import ReportError
from safeguarding.reports.nca import report_to_nca
from safeguarding.reports.ncmec.submit import (
    media_from_directory,
    prepare_cybertip,
    retract_cybertip,
    submit_cybertip,
)
from safeguarding.service.settings import Settings
from safeguarding.storage import Repository
from safeguarding.storage.records import TenantRecord

reports_app = typer.Typer(
    help="Reports to NCMEC, the NCA and the DSA database.", no_args_is_help=True
)
app.add_typer(reports_app, name="reports")
out = Console()
err = Console(stderr=True)

DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: $SAFEGUARDING_DB_URL).")
]
TenantOption = Annotated[str, typer.Option("--tenant", help="Tenant id or name.")]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Reports configuration (default: $SAFEGUARDING_REPORTS_CONFIG)."),
]
ApproverOption = Annotated[
    str, typer.Option("--approved-by", help="Who approved the report (recorded).")
]
IdentityOption = Annotated[
    Path | None,
    typer.Option(
        "--identity",
        help="JSON: account id -> identity the platform holds (screen name, IP events...).",
    ),
]


def _open(
    db: str | None, tenant: str, config: Path | None
) -> tuple[Repository, TenantRecord, TenantReporting]:
    settings = Settings.from_env(db_url=db)
    repo = Repository.from_url(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous)
    repo.migrate()
    record = repo.find_tenant(tenant)
    if record is None:
        err.print(f"[red]No tenant {tenant!r}.[/red]")
        raise typer.Exit(2)
    path = config or os.environ.get("SAFEGUARDING_REPORTS_CONFIG") or None
    try:
        return repo, record, load_config(path, (record.id, record.name))
    except ReportConfigError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def _case(
    repo: Repository, tenant: TenantRecord, conversation: str, identity: Path | None
) -> ReportCase:
    identities: dict[str, Identity] = {}
    if identity is not None:
        try:
            data = json.loads(identity.read_text(encoding="utf-8"))
            identities = {str(k): Identity.from_dict(v) for k, v in data.items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            err.print(f"[red]--identity: {type(exc).__name__}: {exc}[/red]")
            raise typer.Exit(2) from None
    try:
        return case_from_conversation(repo, tenant.id, conversation, identities=identities)
    except CaseNotFound:
        err.print(f"[red]No conversation {conversation!r} for tenant {tenant.name!r}.[/red]")
        raise typer.Exit(2) from None


def _fail(exc: ReportError) -> None:
    err.print(f"[red]{exc.code}[/red]: {exc.message}")
    for item in getattr(exc, "missing", []):
        err.print(f"  missing: {item}")
    raise typer.Exit(1)


@reports_app.command("ncmec")
def ncmec(
    case: Annotated[str, typer.Argument(help="Conversation id.")],
    tenant: TenantOption = "demo",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the XML; send nothing.")
    ] = False,
    approved_by: ApproverOption = "operator",
    identity: IdentityOption = None,
    media_dir: Annotated[
        Path | None, typer.Option(help="Folder of the case's media files, named by SHA-256.")
    ] = None,
    classify: Annotated[
        list[str] | None,
        typer.Option(help="SHA256=A1|A2|B1|B2, the reviewer's classification; repeat."),
    ] = None,
    viewed: Annotated[bool, typer.Option(help="The reviewer viewed the media files.")] = False,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """File a CyberTip for a conversation (or resume one a crash interrupted)."""
    repo, record, settings = _open(db, tenant, config)
    report_case = _case(repo, record, case, identity)
    try:
        if dry_run:
            sys.stdout.write(
                prepare_cybertip(report_case, settings, approved_by=approved_by).decode() + "\n"
            )
            return
        pairs = [item.split("=", 1) for item in classify or []]
        if any(len(p) != 2 for p in pairs):
            err.print("[red]--classify takes SHA256=A1|A2|B1|B2[/red]")
            raise typer.Exit(2)
        classifications = {sha: grade for sha, grade in pairs}
        media = (
            media_from_directory(
                report_case, media_dir, classifications=classifications, viewed=viewed
            )
            if media_dir
            else []
        )
        result = submit_cybertip(repo, report_case, settings, approved_by=approved_by, media=media)
    except ReportError as exc:
        _fail(exc)
        return
    assert result.record is not None
    how = "resumed and filed" if result.resumed else "filed"
    out.print(f"{how}: CyberTip {result.record.external_id} (record {result.record.id})")
    for missing in result.record.sent.get("media_not_attached") or []:
        err.print(f"[yellow]media not attached (no file supplied): {missing}[/yellow]")


@reports_app.command("nca")
def nca(
    case: Annotated[str, typer.Argument(help="Conversation id.")],
    tenant: TenantOption = "demo",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the JSON; record and send nothing.")
    ] = False,
    approved_by: ApproverOption = "operator",
    identity: IdentityOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Write and send the NCA report (Schedule 1) through the configured sender."""
    repo, record, settings = _open(db, tenant, config)
    report_case = _case(repo, record, case, identity)
    try:
        result = report_to_nca(
            repo, report_case, settings, approved_by=approved_by, dry_run=dry_run
        )
    except ReportError as exc:
        _fail(exc)
        return
    if dry_run:
        sys.stdout.write(json.dumps(result.document, indent=2) + "\n")
        return
    assert result.record is not None
    out.print(
        f"sent ({settings.nca.sender}): record {result.record.id}, "
        f"priority {result.document['priority']['level']}"
    )


@reports_app.command("dsa")
def dsa(
    tenant: TenantOption = "demo",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the statements; send nothing.")
    ] = False,
    actor: Annotated[str, typer.Option(help="Who runs the submission (recorded).")] = "operator",
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Statements of reasons for every action without one, in batches of up to 100."""
    repo, record, settings = _open(db, tenant, config)
    try:
        run = submit_statements(repo, record.id, settings, actor=actor, dry_run=dry_run)
    except ReportError as exc:
        _fail(exc)
        return
    if dry_run:
        sys.stdout.write(json.dumps({"statements": run.statements}, indent=2) + "\n")
    for puid, problem in run.errors:
        err.print(f"[yellow]{puid}[/yellow]: {problem}")
    out.print(
        f"statements: {run.prepared} valid, {run.submitted} submitted, {run.failed} failed, "
        f"{len(run.errors)} problems"
    )
    if run.failed or run.errors:
        raise typer.Exit(1)


@reports_app.command("list")
def list_reports(
    tenant: TenantOption = "demo",
    authority: Annotated[str | None, typer.Option(help="ncmec, nca or dsa.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    db: DbOption = None,
) -> None:
    """Report records: status, external id, who approved, when."""
    repo, record, _ = _open(db, tenant, None)
    rows = repo.authority_reports(record.id, authority=authority, limit=1000)
    if as_json:
        for r in rows:
            typer.echo(json.dumps(_record_dict(r), default=str))
        return
    table = Table(
        "id", "authority", "subject", "status", "external id", "approved by", "updated", "error"
    )
    for r in rows:
        table.add_row(
            r.id,
            r.authority,
            f"{r.subject_kind}:{r.subject_id}",
            r.status,
            r.external_id or "",
            r.approved_by or "",
            r.updated_at.isoformat(timespec="seconds"),
            r.error_code or "",
        )
    out.print(table)


@reports_app.command("show")
def show(report_id: str, tenant: TenantOption = "demo", db: DbOption = None) -> None:
    """One report record with its audit trail, as JSON."""
    repo, record, _ = _open(db, tenant, None)
    found = repo.get_authority_report(record.id, report_id)
    if found is None:
        err.print(f"[red]No report {report_id!r}.[/red]")
        raise typer.Exit(2)
    body = _record_dict(found)
    body["events"] = [
        {
            "at": e.at.isoformat(),
            "step": e.step,
            "outcome": e.outcome,
            "actor": e.actor,
            "detail": e.detail,
        }
        for e in repo.authority_report_events(record.id, report_id)
    ]
    typer.echo(json.dumps(body, indent=2, default=str))


@reports_app.command("retract")
def retract(
    report_id: str,
    tenant: TenantOption = "demo",
    actor: Annotated[str, typer.Option(help="Who retracts (recorded).")] = "operator",
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Retract an opened, unfinished CyberTip."""
    repo, record, settings = _open(db, tenant, config)
    try:
        retract_cybertip(repo, record.id, report_id, settings, actor=actor)
    except ReportError as exc:
        _fail(exc)
    out.print(f"retracted: {report_id}")


@reports_app.command("load-demo")
def load_demo(db: DbOption = None) -> None:
    """Ingest the bundled example conversations for tenant 'demo' (no server needed)."""
    from safeguarding.api.app import build_services
    from safeguarding.api.demo import ingest_examples

    services = build_services(Settings.from_env(db_url=db, webhooks_enabled=False))
    try:
        summary = ingest_examples(services)
    finally:
        services.pipeline.close()
        services.repo.close()
    out.print(
        f"demo data: {summary['conversations']} conversations, {summary['events']} events, "
        f"{summary['alerts']} alerts"
    )


def _record_dict(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "authority": r.authority,
        "subject": {"kind": r.subject_kind, "id": r.subject_id},
        "conversation_id": r.conversation_id,
        "status": r.status,
        "external_id": r.external_id,
        "approved_by": r.approved_by,
        "sent": r.sent,
        "error": {"code": r.error_code, "message": r.error_message} if r.error_code else None,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "submitted_at": r.submitted_at,
        "retain_until": r.retain_until,
    }


@reports_app.command("referral")
def referral(
    conversation: str,
    tenant: Annotated[str, typer.Option(help="tenant id or name that owns the conversation")],
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="write FILE (JSON) and the readable page beside it (.html) with the file "
            "sender; without it the JSON goes to stdout",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Build the police referral of one conversation (criminal exploitation goes to the
    platform's law enforcement route, not to NCMEC)."""
    from safeguarding.cli.service import find_tenant_or_exit, open_repo
    from safeguarding.reports.referral import build_police_referral
    from safeguarding.reports.referral_source import referral_case
    from safeguarding.reports.senders import get_sender

    repo = open_repo(db)
    tenant_id = find_tenant_or_exit(repo, tenant)
    case = referral_case(repo, tenant_id, conversation)
    if case is None:
        err.print(f"[red]No assessed conversation {conversation!r} for tenant {tenant_id}.[/red]")
        raise typer.Exit(1)
    document = build_police_referral(case)
    if out_file is None:
        sys.stdout.write(document.json_bytes().decode())
        return
    receipt = get_sender("file", directory=out_file.parent, stem=out_file.stem).send(document)
    out.print(
        f"referral {document.reference} written to {receipt.location} and {receipt.detail['html']}"
    )
