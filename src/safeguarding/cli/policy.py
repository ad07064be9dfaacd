"""``safeguarding policy ...``: validate, show and backtest policies; try the safety defaults.

``POLICY`` arguments accept a file path or the word ``default`` for the bundled policy. With
``--json`` a command writes exactly one JSON object to stdout; problems go to stderr.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from safeguarding.actions import ActionDispatcher, InMemorySink, helplines_for
from safeguarding.cli import app
from safeguarding.cli.service import DbOption
from safeguarding.domain import Conversation, Message
from safeguarding.ingest import CorpusError, read_corpus
from safeguarding.policy import (
    AccountView,
    Decision,
    Policy,
    PolicyError,
    PolicyInput,
    SafetySettings,
    can_contact,
    can_suggest,
    load_default_policy,
    load_policy,
)
from safeguarding.policy import backtest as backtest_module
from safeguarding.policy.schema import Condition

policy_app = typer.Typer(
    name="policy",
    help="Validate, show and backtest safeguarding policies; try the child safety defaults.",
    no_args_is_help=True,
)
app.add_typer(policy_app, name="policy")

stdout = Console()
stderr = Console(stderr=True)

PolicyArg = Annotated[
    str,
    typer.Argument(
        help="policy file, 'default' (the bundled one), 'service' (the stored service-wide "
        "policy) or 'tenant:<id or name>' (that tenant's policy in force; with --db)"
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="one JSON object on stdout")]


def _load(spec: str, db: str | None = None) -> Policy:
    if spec == "service" or spec.startswith("tenant:"):
        return _stored(spec, db)
    try:
        return load_default_policy() if spec == "default" else load_policy(spec)
    except PolicyError as exc:
        stderr.print(f"[red]policy refused[/red] ({len(exc.issues)} problem(s)):", highlight=False)
        for issue in exc.issues:
            stderr.print(f"  {issue.format(exc.source)}", highlight=False, markup=False)
        raise typer.Exit(1) from None


def _stored(spec: str, db: str | None) -> Policy:
    from safeguarding.cli.service import find_tenant_or_exit, open_repo
    from safeguarding.service.policies import stored_in_force

    repo = open_repo(db)
    try:
        tenant = find_tenant_or_exit(repo, spec.split(":", 1)[1]) if ":" in spec else None
        policy, where = stored_in_force(repo, tenant)
    finally:
        repo.close()
    stderr.print(f"{spec}: {policy.label} ({where})", highlight=False, markup=False)
    return policy


@policy_app.command()
def validate(policy: PolicyArg, as_json: JsonOpt = False, db: DbOption = None) -> None:
    """Check a policy file; every problem is printed with its line. Exit 1 if refused."""
    loaded = _load(policy, db)
    if as_json:
        print(json.dumps(_summary(loaded)))
    else:
        stdout.print(f"ok: {loaded.label} ({len(loaded.rules)} rules, shadow={loaded.shadow})")


@policy_app.command()
def show(policy: PolicyArg = "default", as_json: JsonOpt = False, db: DbOption = None) -> None:
    """List a policy's rules: when each fires and what it does."""
    loaded = _load(policy, db)
    if as_json:
        print(json.dumps(_summary(loaded) | {"policy": loaded.model_dump(mode="json")}))
        return
    table = Table(title=f"{loaded.label}  shadow={loaded.shadow}")
    for col in ("rule", "when", "actions", "why"):
        table.add_column(col, overflow="fold")
    for rule in loaded.rules:
        table.add_row(
            rule.id + ("" if rule.enabled else " (off)"),
            describe_condition(rule.when),
            ", ".join(a.value for a in rule.actions) + (" [stop]" if rule.stop else ""),
            rule.description,
        )
    stdout.print(table)


def describe_condition(cond: Condition) -> str:
    parts = []
    for name, value in cond.model_dump(mode="json", exclude_none=True).items():
        if name in ("any_of", "none_of"):
            subs = [describe_condition(Condition.model_validate(v)) for v in value]
            parts.append(f"{name}({' | '.join(subs)})")
        else:
            parts.append(f"{name}={value}")
    return ", ".join(parts) or "always"


def _summary(policy: Policy) -> dict[str, Any]:
    return {
        "ok": True,
        "name": policy.policy,
        "version": policy.version,
        "hash": policy.content_hash,
        "shadow": policy.shadow,
        "rules": [r.id for r in policy.rules],
    }


def _read(paths: Sequence[Path]) -> list[Conversation]:
    conversations: list[Conversation] = []
    for path in paths:
        errors: list[CorpusError] = []
        try:
            conversations.extend(read_corpus(path, errors))
        except CorpusError as exc:
            errors.append(exc)
        for err in errors:
            stderr.print(f"skipped: {err}", highlight=False, markup=False)
    return conversations


@policy_app.command()
def backtest(
    policy: PolicyArg,
    corpus: Annotated[list[Path], typer.Argument(help="corpus files or folders (.jsonl, .xml)")],
    as_json: JsonOpt = False,
    shadow: Annotated[bool, typer.Option(help="decide and log only (same numbers)")] = False,
    global_accounts: Annotated[
        bool, typer.Option(help="participant ids are real account ids across conversations")
    ] = False,
    model: Annotated[
        Path | None, typer.Option(help="risk model file (default: the bundled model)")
    ] = None,
    db: DbOption = None,
) -> None:
    """What would this policy have done on these conversations, and how early?"""
    loaded = _load(policy, db)
    conversations = _read(corpus)
    dispatcher = ActionDispatcher(
        InMemorySink(), settings=loaded.settings, helplines=helplines_for(loaded)
    )

    def dispatch(decision: Decision, facts: PolicyInput, messages: Sequence[Message]) -> list[str]:
        return [e["action"] for e in dispatcher.dispatch(decision, facts, messages=messages).events]

    try:
        engine = backtest_module.default_engine(model)
    except (OSError, ValueError, ImportError) as exc:
        stderr.print(f"cannot load the risk engine: {exc}", highlight=False, markup=False)
        raise typer.Exit(2) from None
    report = backtest_module.backtest(
        loaded,
        conversations,
        engine=engine,
        shadow=shadow,
        dispatch=dispatch,
        global_accounts=global_accounts,
    )
    if as_json:
        print(json.dumps(report.to_dict()))
        return
    _print_report(report)


def _print_report(report: backtest_module.BacktestReport) -> None:
    stdout.print(
        f"policy {report.policy}  shadow={report.shadow}  conversations={len(report.conversations)}"
    )
    table = Table(title="actions")
    for col in ("action", "events", "conversations", "median index - moderator's"):
        table.add_column(col)
    for name, row in report.action_counts().items():
        delta = row["median_index_minus_moderator"]
        table.add_row(
            name,
            str(row["events"]),
            str(row["conversations"]),
            "-" if delta is None else f"{delta:+g}",
        )
    stdout.print(table)
    m = report.measures()
    if m["grooming"] or m["benign"] or m["criminal_exploitation"]:
        exploitation = ""
        if m["criminal_exploitation"]:
            exploitation = (
                f"criminal exploitation escalated: {m['criminal_exploitation_escalated']}/"
                f"{m['criminal_exploitation']}"
                f"  (not: {', '.join(m['criminal_exploitation_not_escalated']) or '-'})\n"
            )
        stdout.print(
            f"grooming escalated: {m['grooming_escalated']}/{m['grooming']}"
            f"  (not: {', '.join(m['grooming_not_escalated']) or '-'})\n{exploitation}"
            f"severe (meeting/threat) escalated by the moderator's message: "
            f"{m['severe_truth_on_time']}/{m['severe_truth']}"
            f"  late: {m['severe_truth_late'] or '-'}\n"
            f"median escalation index - moderator's: {m['median_escalation_minus_moderator']}\n"
            f"benign escalated for review: {m['benign_escalated']}/{m['benign']}\n"
            f"benign with an action against an account: "
            f"{m['benign_with_actions_against_account']}/{m['benign']}"
            f"  {m['benign_actions_against_account'] or ''}\n"
            f"safety prompts: {m['safety_prompts']}, of which within "
            f"{backtest_module.PROMPT_BURST_MESSAGES} messages of the previous one: "
            f"{m['safety_prompt_bursts']}",
            highlight=False,
        )


@policy_app.command()
def publish(
    path: Annotated[Path, typer.Argument(help="the service-wide policy file")],
    db: DbOption = None,
) -> None:
    """Operator: make a file the service-wide policy (tenants without their own follow it).

    Stored as a new service-wide version; running services take it up within
    SAFEGUARDING_POLICY_REFRESH_S seconds. A refused file changes nothing (exit 1)."""
    from safeguarding.cli.service import open_repo
    from safeguarding.service.policies import record
    from safeguarding.storage.repository import SERVICE_POLICY

    loaded = _load(str(path))
    repo = open_repo(db)
    try:
        latest = repo.policy_version(SERVICE_POLICY)
        if latest is not None and latest.content_hash == loaded.content_hash:
            stdout.print(f"unchanged: {loaded.label} is service-wide version {latest.version}")
            return
        text = path.read_text(encoding="utf-8")
        stored = record(repo, SERVICE_POLICY, loaded, text, f"cli:{path}", "operator")
    finally:
        repo.close()
    stdout.print(f"published: {loaded.label} is service-wide version {stored.version}")


@policy_app.command()
def history(
    tenant: Annotated[
        str | None, typer.Option(help="tenant id or name (default: the service-wide policy)")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    as_json: JsonOpt = False,
    db: DbOption = None,
) -> None:
    """Stored policy versions, newest first: the service-wide ones or a tenant's."""
    from safeguarding.cli.service import find_tenant_or_exit, open_repo
    from safeguarding.storage.repository import SERVICE_POLICY

    repo = open_repo(db)
    try:
        owner = find_tenant_or_exit(repo, tenant) if tenant else SERVICE_POLICY
        rows = repo.policy_versions(owner, limit=limit)
    finally:
        repo.close()
    items = [
        {
            "version": r.version,
            "policy": r.name,
            "declared_version": r.declared_version,
            "hash": r.content_hash,
            "follows_service": r.text is None,
            "source": r.source,
            "created_by": r.created_by,
            "created_at": r.created_at.isoformat(),
        }
        for r in rows
    ]
    if as_json:
        print(json.dumps({"owner": owner, "versions": items}))
        return
    table = Table("version", "policy", "hash", "source", "by", "at", title=f"policies of {owner}")
    for i in items:
        name = (
            "(service-wide)" if i["follows_service"] else f"{i['policy']}@{i['declared_version']}"
        )
        table.add_row(
            str(i["version"]),
            name,
            str(i["hash"] or "")[:12],
            str(i["source"]),
            str(i["created_by"]),
            str(i["created_at"])[:19],
        )
    stdout.print(table)


AgeOpt = Annotated[int | None, typer.Option(help="age in years (omit if unknown)")]


@policy_app.command("can-contact")
def can_contact_cmd(
    sender_age: AgeOpt = None,
    recipient_age: AgeOpt = None,
    connected: Annotated[bool, typer.Option(help="already connected")] = False,
    sender_restricted: bool = False,
    as_json: JsonOpt = False,
) -> None:
    """May a sender direct-message a recipient under the child safety defaults?"""
    decision = can_contact(
        AccountView(age=sender_age, restricted_from_minors=sender_restricted),
        AccountView(age=recipient_age),
        connected=connected,
    )
    _print_safety(decision.to_dict(), as_json)


@policy_app.command("can-suggest")
def can_suggest_cmd(
    a_age: AgeOpt = None,
    b_age: AgeOpt = None,
    peer_suggestions: Annotated[
        bool, typer.Option(help="the platform allows suggestions between two minors")
    ] = False,
    max_age_gap: Annotated[
        int, typer.Option(min=0, max=5, help="with peer suggestions: most years apart")
    ] = SafetySettings().max_peer_age_gap,
    as_json: JsonOpt = False,
) -> None:
    """May two accounts be suggested to each other as friends?"""
    settings = SafetySettings(
        peer_suggestions_between_minors=peer_suggestions, max_peer_age_gap=max_age_gap
    )
    decision = can_suggest(AccountView(age=a_age), AccountView(age=b_age), settings=settings)
    _print_safety(decision.to_dict(), as_json)


def _print_safety(result: dict[str, object], as_json: bool) -> None:
    if as_json:
        print(json.dumps(result))
    else:
        verdict = "allowed" if result["allowed"] else "refused"
        stdout.print(f"{verdict} ({result['code']}): {result['reason']}", highlight=False)
