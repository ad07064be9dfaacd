"""Plain records the repository takes and returns, so callers never hold ORM sessions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True, frozen=True)
class TenantRecord:
    id: str
    name: str
    created_at: datetime
    webhook_url: str | None = None
    webhook_secret: str | None = None


@dataclass(slots=True, frozen=True)
class ApiKeyRecord:
    id: str
    tenant_id: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(slots=True, frozen=True)
class StoredEvent:
    """An event id already accepted: its payload digest and the result first answered."""

    event_id: str
    digest: str
    result: dict[str, Any]


@dataclass(slots=True, frozen=True)
class ConversationRecord:
    id: str
    message_count: int
    level: int
    risk: float
    assessment: dict[str, Any] | None
    engine_state: dict[str, Any] | None
    updated_at: datetime
    evidence_hold: bool = False
    alerted_level: int = 0
    action_state: dict[str, Any] | None = None


@dataclass(slots=True, frozen=True)
class AccountRecord:
    id: str
    declared_age: int | None
    age_band: str | None
    verified_age: int | None
    created_at: datetime | None
    guardian_id: str | None = None  # linked guardian account, if any


@dataclass(slots=True)
class MessageRow:
    conversation_id: str
    idx: int
    message_id: str
    event_id: str
    sender: str
    recipients: list[str]
    ts: datetime
    text: str
    media: list[dict[str, Any]] | None = None


@dataclass(slots=True)
class ConversationUpdate:
    """New state of one conversation after a batch; ``is_new`` picks insert over update.

    ``engine_state`` ``None`` on an update keeps the stored snapshot: the service writes the
    engine state every few messages and replays the messages after it on restore."""

    id: str
    is_new: bool
    message_count: int
    risk: float
    level: int
    alerted_level: int
    offender: str | None
    at_risk: str | None
    assessment: dict[str, Any] | None
    engine_state: dict[str, Any] | None
    evidence_hold: bool = False
    members: set[str] = field(default_factory=set)
    action_state: dict[str, Any] | None = None


@dataclass(slots=True)
class AlertRecord:
    conversation_id: str
    level: int
    risk: float
    message_index: int
    offender: str | None
    at_risk: str | None
    tactics: list[str]
    raised_at: datetime
    id: int | None = None  # internal key, shared by all tenants: never shown to one
    status: str = "open"
    harm: str | None = None
    public_id: str | None = None  # what a tenant sees (``storage.public_ids``)


@dataclass(slots=True)
class ReportRecord:
    event_id: str
    reporter_id: str
    reported_id: str
    conversation_id: str | None
    reason: str
    comment: str | None
    ts: datetime
    id: int | None = None  # internal key, shared by all tenants: never shown to one
    public_id: str | None = None
    reporter_type: str = "user"  # or "trusted_flagger" (a notice the platform forwards)


@dataclass(slots=True)
class ConnectionRecord:
    account_id: str
    other_account_id: str
    change: str  # "added" | "removed"
    ts: datetime


@dataclass(slots=True)
class OutboxMessage:
    """A webhook to deliver. ``ordering_key`` (a conversation id) orders delivery."""

    ordering_key: str
    event_type: str
    payload: dict[str, Any]
    id: int | None = None
    tenant_id: str | None = None
    attempts: int = 0
    created_at: datetime | None = None
    alert_index: int | None = None
    """Index into ``WriteBatch.alerts``: the stored alert's public id is added to the
    payload (``alert_id``)."""
    public_id: str | None = None  # the webhook event's id as the tenant sees it


@dataclass(slots=True)
class ActionRecord:
    """One action event (or account alert) as recorded; ``event`` is the full JSON event."""

    conversation_id: str | None
    account_id: str | None
    action_type: str
    rule_ids: list[str]
    event: dict[str, Any]
    shadow: bool
    created_at: datetime | None = None
    id: int | None = None  # internal key, shared by all tenants: never shown to one
    public_id: str | None = None


@dataclass(slots=True, frozen=True)
class IdentifierRecord:
    """A fingerprint of a contact detail or media hash an account sent (never the value)."""

    account_id: str
    kind: str  # phone | handle | email | url | media
    digest: str
    seen_at: datetime


@dataclass(slots=True, frozen=True)
class OpenerRecord:
    """A conversation's first message: who to whom, when, and its MinHash bands."""

    conversation_id: str
    sender: str
    recipient: str | None
    ts: datetime
    bands: tuple[int, ...] | None


@dataclass(slots=True)
class WriteBatch:
    """Everything one ingest call writes, committed in one transaction."""

    tenant_id: str
    received_at: datetime
    events: list[tuple[str, str, str, str | None, dict[str, Any]]] = field(default_factory=list)
    """(event_id, kind, digest, conversation_id, result)"""
    messages: list[MessageRow] = field(default_factory=list)
    conversations: list[ConversationUpdate] = field(default_factory=list)
    accounts: list[AccountRecord] = field(default_factory=list)
    connections: list[ConnectionRecord] = field(default_factory=list)
    reports: list[ReportRecord] = field(default_factory=list)
    alerts: list[AlertRecord] = field(default_factory=list)
    outbox: list[OutboxMessage] = field(default_factory=list)
    actions: list[ActionRecord] = field(default_factory=list)
    account_states: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Account id -> exported ``AccountTracker`` state, upserted."""
    identifiers: list[IdentifierRecord] = field(default_factory=list)
    openers: list[OpenerRecord] = field(default_factory=list)
    """Derived rows for the insight patterns (fingerprints, never text)."""


@dataclass(slots=True, frozen=True)
class AccountSummary:
    """An account's risk across all its conversations."""

    account_id: str
    known: bool
    conversations: int
    alerted_conversations: int
    max_risk_as_offender: float
    max_level_as_offender: int
    conversations_at_risk: int
    max_risk_at_risk: float
    reports_received: int
    reports_made: int
    facts: AccountRecord | None


@dataclass(slots=True, frozen=True)
class PurgeReport:
    cutoff: datetime
    dry_run: bool
    messages_purged: int
    messages_kept_as_evidence: int
    by_tenant: dict[str, int]
    # Conversations whose stored assessment / engine state still quoted text (excerpts
    # written before storage left them out) and were scrubbed (or would be, on a dry run).
    conversations_scrubbed: int = 0
    # Recorded media matches older than the cutoff (content references, conversation ids).
    media_matches_purged: int = 0


@dataclass(slots=True, frozen=True)
class PolicyVersionRecord:
    """One stored policy version; ``text`` ``None``: back to the service-wide policy."""

    tenant_id: str
    version: int
    text: str | None
    name: str | None
    declared_version: str | None
    content_hash: str | None
    source: str
    created_by: str
    created_at: datetime


@dataclass(slots=True)
class AuthorityReportRecord:
    """A report to an authority about one subject; see ``models.AuthorityReportRow``."""

    id: str
    authority: str
    subject_kind: str
    subject_id: str
    conversation_id: str | None
    status: str
    sent: dict[str, Any]
    progress: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    external_id: str | None = None
    approved_by: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    submitted_at: datetime | None = None
    retain_until: datetime | None = None
    tenant_id: str = ""


@dataclass(slots=True, frozen=True)
class AuthorityReportEventRecord:
    """One step in a report's audit trail (ids, codes and hashes only)."""

    report_id: str
    step: str
    outcome: str
    detail: dict[str, Any]
    at: datetime
    actor: str | None = None
    id: int | None = None
