"""Relational schema of the service (SQLAlchemy 2 declarative models).

Every row that belongs to a platform carries ``tenant_id`` and every query filters on it, so
one tenant can never see or touch another's data. Alembic migrations in
``storage/migrations`` create exactly these tables; a test checks that the two agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from safeguarding.storage.public_ids import new_public_id

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to storage; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# BIGINT autoincrement is not a rowid alias on SQLite; INTEGER is, and it is 64-bit there.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Tenant(Base):
    """A platform using the service; owns keys, webhooks and all its data."""

    __tablename__ = "tenants"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    webhook_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    webhook_secret: Mapped[str | None] = mapped_column(String(200), nullable=True)


class ApiKey(Base):
    """An API key; only a SHA-256 of its secret part is stored."""

    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Event(Base):
    """Every accepted event id, for idempotency; ``result`` is what the first call answered."""

    __tablename__ = "events"
    tenant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    digest: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    result: Mapped[dict[str, Any]] = mapped_column(JSON)


class Conversation(Base):
    """Current engine state and assessment of one conversation."""

    __tablename__ = "conversations"
    tenant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    risk: Mapped[float] = mapped_column(Float, default=0.0)
    level: Mapped[int] = mapped_column(Integer, default=0)
    alerted_level: Mapped[int] = mapped_column(Integer, default=0)
    offender: Mapped[str | None] = mapped_column(String(200), nullable=True)
    at_risk: Mapped[str | None] = mapped_column(String(200), nullable=True)
    assessment: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    engine_state: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    evidence_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    action_state: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """The actions stage's pacing state (cool-downs, once-per-level), restored with the engine."""


class ConversationMember(Base):
    """Which accounts took part in a conversation (for account-level assessments)."""

    __tablename__ = "conversation_members"
    tenant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    __table_args__ = (Index("ix_members_account", "tenant_id", "account_id"),)


class StoredMessage(Base):
    """A message; ``text`` is set to NULL by the retention purge unless held as evidence."""

    __tablename__ = "messages"
    tenant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200))
    event_id: Mapped[str] = mapped_column(String(200))
    sender: Mapped[str] = mapped_column(String(200))
    recipients: Mapped[list[Any]] = mapped_column(JSON)
    ts: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    media: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    text_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    __table_args__ = (UniqueConstraint("tenant_id", "conversation_id", "message_id"),)


class Account(Base):
    """Facts a platform told us about one of its accounts."""

    __tablename__ = "accounts"
    tenant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    declared_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    age_band: Mapped[str | None] = mapped_column(String(20), nullable=True)
    verified_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    guardian_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """The guardian account the platform linked to this one (``notify_guardian``'s target)."""


class Connection(Base):
    """A connection (contact list) change between two accounts."""

    __tablename__ = "connections"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(40))
    account_id: Mapped[str] = mapped_column(String(200))
    other_account_id: Mapped[str] = mapped_column(String(200))
    change: Mapped[str] = mapped_column(String(10))
    ts: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (Index("ix_connections_pair", "tenant_id", "account_id", "other_account_id"),)


class UserReport(Base):
    """A user's report ("this person made me uncomfortable"); read by the policy stage."""

    __tablename__ = "user_reports"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    tenant_id: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(200))
    reporter_id: Mapped[str] = mapped_column(String(200))
    reported_id: Mapped[str] = mapped_column(String(200))
    conversation_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reason: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime())
    reporter_type: Mapped[str] = mapped_column(String(20), server_default="user")
    """``user``, or ``trusted_flagger`` when the platform forwards a trusted flagger's notice."""
    __table_args__ = (
        Index("ix_reports_reported", "tenant_id", "reported_id"),
        Index("ix_reports_conversation", "tenant_id", "conversation_id", "ts", "reporter_type"),
    )


class AlertRow(Base):
    """An alert: a conversation reached a level for the first time (or escalated)."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    tenant_id: Mapped[str] = mapped_column(String(40))
    conversation_id: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    risk: Mapped[float] = mapped_column(Float)
    message_index: Mapped[int] = mapped_column(Integer)
    offender: Mapped[str | None] = mapped_column(String(200), nullable=True)
    at_risk: Mapped[str | None] = mapped_column(String(200), nullable=True)
    tactics: Mapped[list[Any]] = mapped_column(JSON)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(10), default="open")
    harm: Mapped[str | None] = mapped_column(String(40), nullable=True)
    """Which harm the alert is about (``domain.Harm``), for trend and transparency counts."""
    __table_args__ = (
        Index("ix_alerts_open", "tenant_id", "status", "raised_at"),
        Index("ix_alerts_conversation", "tenant_id", "conversation_id", "raised_at"),
    )


class OutboxRow(Base):
    """A webhook to deliver; delivered in ``id`` order within (tenant, ordering_key)."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    tenant_id: Mapped[str] = mapped_column(String(40))
    ordering_key: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    __table_args__ = (
        Index("ix_outbox_pending", "delivered_at", "dead_at", "tenant_id", "ordering_key", "id"),
    )


class ActionRow(Base):
    """An action the policy stage took, or would have taken in shadow mode (``shadow``)."""

    __tablename__ = "actions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    tenant_id: Mapped[str] = mapped_column(String(40))
    conversation_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    account_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    action_type: Mapped[str] = mapped_column(String(40))
    rule_ids: Mapped[list[Any]] = mapped_column(JSON)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    shadow: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    harm: Mapped[str | None] = mapped_column(String(40), nullable=True)
    """The harm the action was taken for (``domain.Harm``), for transparency counts."""
    automated: Mapped[bool] = mapped_column(Boolean, server_default=true())
    """False when a person decided it (a reviewer's decision), true for the policy's own."""
    __table_args__ = (
        Index("ix_actions_conversation", "tenant_id", "conversation_id"),
        Index("ix_actions_account", "tenant_id", "account_id"),
        # covering: a transparency report reads a period's actions from the index alone
        Index(
            "ix_actions_created",
            "tenant_id",
            "created_at",
            "action_type",
            "shadow",
            "harm",
            "automated",
            "account_id",
            "conversation_id",
        ),
    )


class AccountState(Base):
    """Cross-conversation signal state of one account (``AccountTracker``), kept over restarts."""

    __tablename__ = "account_states"
    tenant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MediaBankRow(Base):
    """A tenant's known-abuse hash or URL list and its matching settings."""

    __tablename__ = "media_banks"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(64))
    threshold: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    negative: Mapped[bool] = mapped_column(Boolean, default=False)
    dihedral: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)


class MediaEntryRow(Base):
    """One hash (PDQ, MD5, SHA-1, SHA-256) or canonical URL of a bank."""

    __tablename__ = "media_entries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(40))
    bank_id: Mapped[int] = mapped_column(ForeignKey("media_banks.id", ondelete="CASCADE"))
    hash_type: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(2000))
    quality: Mapped[int | None] = mapped_column(Integer, nullable=True)
    wildcard: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    quarantined: Mapped[bool] = mapped_column(Boolean, default=False)
    quarantine_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (
        UniqueConstraint("bank_id", "hash_type", "value", "wildcard"),
        Index("ix_media_entries_value", "tenant_id", "hash_type", "value"),
    )


class MediaMatchRow(Base):
    """A recorded match: bank, distance, query hash and the caller's reference, never media."""

    __tablename__ = "media_matches"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    bank: Mapped[str] = mapped_column(String(64))
    entry_id: Mapped[int] = mapped_column(BigInteger)
    hash_type: Mapped[str] = mapped_column(String(10))
    query_hash: Mapped[str] = mapped_column(String(2000))
    distance: Mapped[int] = mapped_column(Integer)
    content_ref: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    negative: Mapped[bool] = mapped_column(Boolean, default=False)
    suppressed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    variant: Mapped[str | None] = mapped_column(String(20), nullable=True)
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    __table_args__ = (
        Index("ix_media_matches_tenant", "tenant_id", "id"),
        Index("ix_media_matches_at", "at"),
    )


class MediaEventRow(Base):
    """Bank imports, hash disable/enable, quarantine and release: the audit trail of banks."""

    __tablename__ = "media_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    __table_args__ = (Index("ix_media_events_tenant", "tenant_id", "kind", "id"),)


class MediaMatchCount(Base):
    """Matches of one bank entry in one time window: the quarantine monitor's counters, in
    the database so that every process counts together."""

    __tablename__ = "media_match_counts"
    tenant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    entry_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    window_index: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    matches: Mapped[int] = mapped_column(Integer)


class MediaState(Base):
    """A tenant's bank version, raised by every change to its banks or entries, so each
    process knows when its in-memory index is stale."""

    __tablename__ = "media_state"
    tenant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class PolicyVersion(Base):
    """One version of a tenant's policy (``tenant_id`` ``*``: the operator's service-wide
    policy, which tenants follow until they set their own). Versions count up per tenant
    and are never changed; the highest is in force. ``text`` is the YAML as validated;
    ``NULL`` means "follow the service-wide policy again"."""

    __tablename__ = "policy_versions"
    tenant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    declared_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    source: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuthorityReportRow(Base):
    """A report to an authority (NCMEC CyberTip, NCA, DSA statement of reasons) about one
    subject (a conversation, a case or an action). One per (tenant, authority, subject): a
    subject is reported once. ``sent`` keeps what was sent as hashes and field names, never
    copies of the content; ``progress`` the step reached, so a crashed submission resumes."""

    __tablename__ = "authority_reports"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(40))
    authority: Mapped[str] = mapped_column(String(20))
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(200))
    conversation_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sent: Mapped[dict[str, Any]] = mapped_column(JSON)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON)
    error_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    error_message: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    retain_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    __table_args__ = (
        UniqueConstraint("tenant_id", "authority", "subject_kind", "subject_id"),
        Index("ix_authority_reports_conversation", "tenant_id", "conversation_id"),
    )


class AuthorityReportEvent(Base):
    """One step of a report (built, validated, sent, answered, failed, resumed, retracted):
    the report's audit trail. Never message text or personal data: ids, codes, hashes."""

    __tablename__ = "authority_report_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(40))
    report_id: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    step: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str | None] = mapped_column(String(200), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    __table_args__ = (Index("ix_authority_report_events_report", "tenant_id", "report_id"),)


# The console and cases tables live in their own module; importing it here registers them
# on ``Base.metadata`` wherever the models are used (migrations, tests).
from safeguarding.storage import models_cases as _models_cases  # noqa: E402,F401
from safeguarding.storage import models_insight as _models_insight  # noqa: E402,F401
from safeguarding.storage import models_patterns as _models_patterns  # noqa: E402,F401
