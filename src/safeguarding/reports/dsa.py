"""EU Digital Services Act statements of reasons (Art. 17, 24(5)) for the DSA Transparency
Database: one per action against content or an account, submitted 100 a call.

Which actions: ``hold_message`` (content: its visibility is disabled pending review),
``restrict_contact_with_minors`` (a feature of the service is withheld from the account:
partial suspension of the provision of the service) and ``suspend`` (the account is
suspended). Shadow actions are never reported (nothing was done). The statement holds no
message text: the facts name the indicators and the rule, not what was said.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx

from safeguarding.reports.config import TenantReporting
from safeguarding.reports.errors import AuthorityError, MissingFields
from safeguarding.storage import Repository
from safeguarding.storage.records import ActionRecord, AuthorityReportRecord

AUTHORITY = "dsa"
CATEGORY = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
GROOMING = "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS"
CSAM = "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"
REPORTED_ACTIONS = ("hold_message", "restrict_contact_with_minors", "suspend")

# The published field rules (API documentation of the Transparency Database), as checked here.
DECISION_VISIBILITY = {
    "DECISION_VISIBILITY_CONTENT_REMOVED",
    "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED",
    "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_OTHER",
}
DECISION_MONETARY = {
    "DECISION_MONETARY_SUSPENSION",
    "DECISION_MONETARY_TERMINATION",
    "DECISION_MONETARY_OTHER",
}
DECISION_PROVISION = {
    "DECISION_PROVISION_PARTIAL_SUSPENSION",
    "DECISION_PROVISION_TOTAL_SUSPENSION",
    "DECISION_PROVISION_PARTIAL_TERMINATION",
    "DECISION_PROVISION_TOTAL_TERMINATION",
}
DECISION_ACCOUNT = {"DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"}
DECISION_GROUNDS = {"DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"}
CONTENT_TYPES = {
    "CONTENT_TYPE_APP",
    "CONTENT_TYPE_AUDIO",
    "CONTENT_TYPE_IMAGE",
    "CONTENT_TYPE_PRODUCT",
    "CONTENT_TYPE_SYNTHETIC_MEDIA",
    "CONTENT_TYPE_TEXT",
    "CONTENT_TYPE_VIDEO",
    "CONTENT_TYPE_OTHER",
}
SOURCE_TYPES = {
    "SOURCE_ARTICLE_16",
    "SOURCE_TRUSTED_FLAGGER",
    "SOURCE_TYPE_OTHER_NOTIFICATION",
    "SOURCE_VOLUNTARY",
}
AUTOMATED_DECISION = {
    "AUTOMATED_DECISION_FULLY",
    "AUTOMATED_DECISION_PARTIALLY",
    "AUTOMATED_DECISION_NOT_AUTOMATED",
}
PROTECTION_OF_MINORS_KEYWORDS = {
    "KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS",
    CSAM,
    "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE",
    GROOMING,
    "KEYWORD_UNSAFE_CHALLENGES",
    "KEYWORD_OTHER",
}
# EU member states and the EEA's Iceland, Liechtenstein and Norway
EEA = {
    *("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"),
    *("IE", "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE"),
    *("SI", "SK"),
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LEGAL_GROUND = (
    "Solicitation of children for sexual purposes (Directive 2011/93/EU, Art. 6) and the "
    "national laws implementing it"
)


@dataclass(frozen=True, slots=True)
class ContentFacts:
    """What a statement says about the content acted on (names and dates, never text)."""

    posted_at: datetime | None = None
    media: bool = False
    tactics: tuple[str, ...] = ()
    notified: bool = False  # a user reported the conversation before the action (Art. 16)


def statement_for(
    action: ActionRecord, config: TenantReporting, facts: ContentFacts
) -> dict[str, Any]:
    """The statement of reasons of one recorded action."""
    event = action.event
    at = action.created_at or datetime.now(UTC)
    keywords = [GROOMING] + ([CSAM] if facts.media else [])
    statement: dict[str, Any] = {
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
        "illegal_content_legal_ground": LEGAL_GROUND,
        "illegal_content_explanation": (
            "Automated detection found indicators of grooming or sexual extortion of a child "
            "in a conversation; the action was taken under the platform's child-safety policy."
        ),
        "category": CATEGORY,
        "category_specification": keywords,
        "content_type": ["CONTENT_TYPE_TEXT"] + (["CONTENT_TYPE_IMAGE"] if facts.media else []),
        "content_date": (facts.posted_at or at).date().isoformat(),
        "application_date": at.date().isoformat(),
        "decision_facts": _facts(action, facts.tactics),
        "source_type": "SOURCE_ARTICLE_16" if facts.notified else "SOURCE_VOLUNTARY",
        "automated_detection": "Yes",
        "automated_decision": "AUTOMATED_DECISION_FULLY"
        if not event.get("payload", {}).get("pending_review", True)
        else "AUTOMATED_DECISION_PARTIALLY",
        "territorial_scope": list(config.dsa.territorial_scope),
        "puid": f"{action.action_type}-{action.public_id}",
    }
    if action.action_type == "hold_message":
        statement["decision_visibility"] = ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    elif action.action_type == "restrict_contact_with_minors":
        statement["decision_provision"] = "DECISION_PROVISION_PARTIAL_SUSPENSION"
    elif action.action_type == "suspend":
        statement["decision_account"] = "DECISION_ACCOUNT_SUSPENDED"
    return statement


def _facts(action: ActionRecord, tactics: Sequence[str]) -> str:
    what = {
        "hold_message": "A message was held from delivery pending human review.",
        "restrict_contact_with_minors": (
            "The account was restricted from contacting minors pending review."
        ),
        "suspend": "The account was suspended pending review.",
    }[action.action_type]
    named = ", ".join(t.replace("_", " ") for t in tactics) or "grooming indicators"
    rules = ", ".join(action.rule_ids) or "the child-safety policy"
    level = action.event.get("level", "unknown")
    return f"{what} Indicators found: {named}. Rule(s): {rules}. Level: {level}."


def validate_statement(statement: dict[str, Any]) -> list[str]:
    """Problems with a statement against the database's published field rules."""
    problems: list[str] = []
    s = statement

    def need(name: str) -> Any:
        value = s.get(name)
        if value in (None, "", []):
            problems.append(f"{name}: required")
        return value

    ground = need("decision_ground")
    if ground and ground not in DECISION_GROUNDS:
        problems.append(f"decision_ground: {ground!r} is not allowed")
    if ground == "DECISION_GROUND_ILLEGAL_CONTENT":
        need("illegal_content_legal_ground")
        need("illegal_content_explanation")
    if ground == "DECISION_GROUND_INCOMPATIBLE_CONTENT":
        need("incompatible_content_ground")
        need("incompatible_content_explanation")
    decisions = [
        s.get(k)
        for k in (
            "decision_visibility",
            "decision_monetary",
            "decision_provision",
            "decision_account",
        )
    ]
    if not any(decisions):
        problems.append("decision_visibility/monetary/provision/account: at least one is required")
    for name, allowed in (
        ("decision_visibility", DECISION_VISIBILITY),
        ("content_type", CONTENT_TYPES),
    ):
        values = s.get(name) or []
        if not isinstance(values, list):
            problems.append(f"{name}: must be a list")
            continue
        problems += [f"{name}: {v!r} is not allowed" for v in values if v not in allowed]
    for name, allowed in (
        ("decision_monetary", DECISION_MONETARY),
        ("decision_provision", DECISION_PROVISION),
        ("decision_account", DECISION_ACCOUNT),
        ("source_type", SOURCE_TYPES),
        ("automated_decision", AUTOMATED_DECISION),
    ):
        value = s.get(name)
        if value is not None and value not in allowed:
            problems.append(f"{name}: {value!r} is not allowed")
    need("content_type")
    need("source_type")
    need("automated_decision")
    category = need("category")
    if category and not str(category).startswith("STATEMENT_CATEGORY_"):
        problems.append(f"category: {category!r} is not a statement category")
    if category == CATEGORY:
        problems += [
            f"category_specification: {k!r} is not a Protection of minors keyword"
            for k in s.get("category_specification") or []
            if k not in PROTECTION_OF_MINORS_KEYWORDS
        ]
    if s.get("automated_detection") not in ("Yes", "No"):
        problems.append("automated_detection: 'Yes' or 'No'")
    facts = need("decision_facts")
    if isinstance(facts, str) and len(facts) > 5000:
        problems.append("decision_facts: at most 5000 characters")
    for name in ("content_date", "application_date"):
        value = need(name)
        if not isinstance(value, str):
            continue
        try:
            day = date.fromisoformat(value) if _DATE.match(value) else None
        except ValueError:
            day = None
        if day is None:
            problems.append(f"{name}: a date, YYYY-MM-DD")
        elif day < date(2020, 1, 1):
            problems.append(f"{name}: on or after 2020-01-01")
    if (
        s.get("content_date")
        and s.get("application_date")
        and s["content_date"] > s["application_date"]
    ):
        problems.append("content_date: not after application_date")
    scope = s.get("territorial_scope") or []
    problems += [f"territorial_scope: {c!r} is not an EEA country" for c in scope if c not in EEA]
    if not scope:
        problems.append("territorial_scope: required (dsa.territorial_scope in the configuration)")
    puid = need("puid")
    if isinstance(puid, str) and len(puid) > 500:
        problems.append("puid: at most 500 characters")
    return problems


@dataclass(frozen=True, slots=True)
class DsaRun:
    prepared: int
    submitted: int
    failed: int
    statements: list[dict[str, Any]]
    errors: list[tuple[str, str]]  # (puid, problem)


def pending_actions(repo: Repository, tenant_id: str, limit: int = 10_000) -> list[ActionRecord]:
    """Non-shadow actions of the kinds that need a statement and have none submitted."""
    found: list[ActionRecord] = []
    for kind in REPORTED_ACTIONS:
        after: str | None = None
        while len(found) < limit:
            page = repo.actions(tenant_id, action_type=kind, after=after, limit=500)
            found += [a for a in page if not a.shadow]
            if len(page) < 500:
                break
            after = page[-1].public_id
    done = {
        r.subject_id
        for r in repo.authority_reports(
            tenant_id, authority=AUTHORITY, status="submitted", limit=1_000_000
        )
    }
    return sorted((a for a in found if a.public_id not in done), key=lambda a: a.id or 0)[:limit]


def content_facts(repo: Repository, tenant_id: str, action: ActionRecord) -> ContentFacts:
    """When the content acted on was posted, whether the conversation had media, the tactics
    its assessment names, and whether a user had reported it before the action."""
    if not action.conversation_id:
        return ContentFacts()
    rows = repo.messages(tenant_id, action.conversation_id)
    index = action.event.get("message_index")
    chosen = next((r for r in rows if r["idx"] == index), rows[-1] if rows else None)
    record = repo.get_conversation(tenant_id, action.conversation_id)
    acted_at = action.created_at or datetime.now(UTC)
    notices = repo.reports(tenant_id, conversation_id=action.conversation_id)
    return ContentFacts(
        posted_at=chosen["ts"] if chosen else None,
        media=any(r.get("media") for r in rows),
        tactics=tuple(sorted(((record.assessment or {}).get("tactics") or {}) if record else {})),
        notified=any(n.ts <= acted_at for n in notices),
    )


class TransparencyClient:
    """POSTs batches to ``<endpoint>/statements`` with the platform's bearer token."""

    def __init__(
        self,
        endpoint: str,
        token: str,
        *,
        timeout_s: float = 30.0,
        attempts: int = 4,
        backoff_s: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = httpx.Client(
            base_url=endpoint.rstrip("/"),
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout_s,
        )
        self.attempts = max(1, attempts)
        self.backoff_s = backoff_s
        self._sleep = sleep

    def close(self) -> None:
        self._http.close()

    def submit(self, statements: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """The created statements (with their ``uuid``), in order; :class:`AuthorityError`
        with the database's message when it refuses the batch."""
        last: AuthorityError | None = None
        for attempt in range(self.attempts):
            if attempt:
                self._sleep(self.backoff_s * 2 ** (attempt - 1) * (0.5 + random.random() / 2))
            try:
                response = self._http.post("/statements", json={"statements": list(statements)})
            except httpx.TransportError as exc:
                last = AuthorityError("transport", type(exc).__name__)
                continue
            if response.status_code == 429 or response.status_code >= 500:
                last = AuthorityError(
                    f"http_{response.status_code}", "the Transparency Database is unavailable"
                )
                continue
            body = response.json() if response.content else {}
            if response.status_code >= 400:
                message = str(body.get("message") or "refused")
                errors = body.get("errors") or {}
                detail = "; ".join(
                    f"{k}: {', '.join(map(str, v))}" for k, v in list(errors.items())[:10]
                )
                raise AuthorityError(
                    f"http_{response.status_code}",
                    f"{message} {detail}".strip()[:500],
                    tuple(str(k) for k in errors),
                )
            created = body.get("statements")
            if not isinstance(created, list) or len(created) != len(statements):
                raise AuthorityError("bad_answer", "the answer does not list every statement")
            return created
        assert last is not None
        raise last


def submit_statements(
    repo: Repository,
    tenant_id: str,
    config: TenantReporting,
    *,
    actor: str,
    dry_run: bool = False,
    client: TransparencyClient | None = None,
    actions: Iterable[ActionRecord] | None = None,
) -> DsaRun:
    """Statements for every pending action; invalid ones are recorded as failed with their
    problems and never sent; valid ones go in batches of ``dsa.batch_size`` (≤ 100)."""
    pending = list(actions if actions is not None else pending_actions(repo, tenant_id))
    statements: list[tuple[ActionRecord, dict[str, Any]]] = []
    errors: list[tuple[str, str]] = []
    for action in pending:
        statement = statement_for(action, config, content_facts(repo, tenant_id, action))
        problems = validate_statement(statement)
        if problems:
            errors += [(statement["puid"], p) for p in problems]
            if not dry_run:
                record, _ = _record(repo, tenant_id, action, statement, actor)
                repo.fail_authority_report(
                    tenant_id,
                    record.id,
                    "invalid",
                    "; ".join(problems),
                    actor=actor,
                    detail={"problems": problems[:20]},
                )
            continue
        statements.append((action, statement))
    if dry_run:
        return DsaRun(len(statements), 0, 0, [s for _, s in statements], errors)
    if statements and not config.dsa.token:
        raise MissingFields(AUTHORITY, ["dsa.token_env (configuration)"])
    own = client is None
    client = client or TransparencyClient(
        config.dsa.endpoint,
        config.dsa.token,
        timeout_s=config.dsa.timeout_s,
        attempts=config.dsa.attempts,
        backoff_s=config.dsa.backoff_s,
    )
    submitted = failed = 0
    try:
        for batch in _batches(repo, tenant_id, statements, config.dsa.batch_size):
            records = [_record(repo, tenant_id, a, s, actor)[0] for a, s in batch]
            for record in records:
                repo.update_authority_report(
                    tenant_id, record.id, step="send", actor=actor, status="sending"
                )
            try:
                created = client.submit([s for _, s in batch])
            except AuthorityError as exc:
                if len(batch) == 1 and _only_puid_taken(exc):
                    # An in-doubt statement the database already holds: it was accepted
                    # before a crash or a lost answer, so it is submitted, not failed.
                    repo.update_authority_report(
                        tenant_id,
                        records[0].id,
                        step="sent",
                        actor=actor,
                        status="submitted",
                        detail={"confirmed": "puid already in the database"},
                        submitted_at=datetime.now(UTC),
                        error_code=None,
                        error_message=None,
                    )
                    submitted += 1
                    continue
                failed += len(batch)
                errors.append(("batch", f"{exc.code}: {exc.message}"))
                for record in records:
                    repo.fail_authority_report(
                        tenant_id, record.id, exc.code, exc.message, actor=actor
                    )
                continue
            now = datetime.now(UTC)
            for record, answer in zip(records, created, strict=True):
                repo.update_authority_report(
                    tenant_id,
                    record.id,
                    step="sent",
                    detail={"uuid": answer.get("uuid")},
                    actor=actor,
                    status="submitted",
                    external_id=str(answer.get("uuid") or "") or None,
                    submitted_at=now,
                    error_code=None,
                    error_message=None,
                )
                submitted += 1
    finally:
        if own:
            client.close()
    return DsaRun(len(statements), submitted, failed, [s for _, s in statements], errors)


def _batches(
    repo: Repository,
    tenant_id: str,
    statements: list[tuple[ActionRecord, dict[str, Any]]],
    size: int,
) -> list[list[tuple[ActionRecord, dict[str, Any]]]]:
    """Statements whose earlier send is in doubt (``sending`` when a run stopped, or failed
    without an answer) go one a call first, so a ``puid`` the database already holds refuses
    only itself; the rest in batches of ``size``."""
    doubt = {
        r.subject_id
        for r in repo.authority_reports(tenant_id, authority=AUTHORITY, limit=1_000_000)
        if r.status == "sending" or (r.status == "failed" and r.error_code != "invalid")
    }
    first = [[item] for item in statements if item[0].public_id in doubt]
    rest = [item for item in statements if item[0].public_id not in doubt]
    return first + [rest[i : i + size] for i in range(0, len(rest), size)]


def _only_puid_taken(exc: AuthorityError) -> bool:
    return (
        exc.code == "http_422" and bool(exc.fields) and all(f.endswith(".puid") for f in exc.fields)
    )


def _record(
    repo: Repository, tenant_id: str, action: ActionRecord, statement: dict[str, Any], actor: str
) -> tuple[AuthorityReportRecord, bool]:
    sent = {k: statement[k] for k in statement if k != "decision_facts"}
    sent["decision_facts_chars"] = len(statement.get("decision_facts", ""))
    return repo.create_authority_report(
        tenant_id,
        authority=AUTHORITY,
        subject_kind="action",
        subject_id=str(action.public_id),
        conversation_id=action.conversation_id,
        status="prepared",
        sent=sent,
        approved_by=None,
        actor=actor,
    )
