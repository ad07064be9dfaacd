"""Tables of the review console and the cases stage (migration 0007).

Cases, their timeline and appeals; console users and sessions; the per-tenant hash-chained
audit log with its head; encrypted evidence bundles; per-person time in queue. Every row
carries its tenant and every query filters on it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from safeguarding.storage.models import Base, BigId, UTCDateTime


class ConsoleUser(Base):
    """A person who uses the console, in one tenant; ``password_hash`` is argon2id."""

    __tablename__ = "console_users"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    username: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    identity_provider: Mapped[str] = mapped_column(String(40), default="password")
    subject: Mapped[str | None] = mapped_column(String(200), nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    preferences: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (UniqueConstraint("tenant_id", "username", name="uq_console_users_name"),)


class ConsoleSession(Base):
    """A signed-in browser; ``id`` is a SHA-256 of the cookie's token, never the token."""

    __tablename__ = "console_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[str] = mapped_column(String(40), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class CaseRow(Base):
    """A case: one conversation, or one suspected account across its conversations."""

    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(12))  # conversation | account
    subject: Mapped[str] = mapped_column(String(200))  # conversation id or account id
    parent_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    state: Mapped[str] = mapped_column(String(12))
    queue: Mapped[str] = mapped_column(String(40))
    urgency: Mapped[int] = mapped_column(Integer)
    age_rank: Mapped[int] = mapped_column(Integer)
    risk: Mapped[float] = mapped_column(Float)
    level: Mapped[int] = mapped_column(Integer)
    tactics: Mapped[list[Any]] = mapped_column(JSON)
    offender: Mapped[str | None] = mapped_column(String(200), nullable=True)
    child: Mapped[str | None] = mapped_column(String(200), nullable=True)
    age_band: Mapped[str | None] = mapped_column(String(20), nullable=True)
    platform: Mapped[str | None] = mapped_column(String(100), nullable=True)
    locale: Mapped[str | None] = mapped_column(String(20), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    claim_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    decision: Mapped[str | None] = mapped_column(String(30), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    label: Mapped[str | None] = mapped_column(String(30), nullable=True)
    last_alert_id: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "subject", name="uq_cases_subject"),
        Index(
            "ix_cases_queue",
            "tenant_id",
            "queue",
            "state",
            "urgency",
            "age_rank",
            "risk",
            "opened_at",
        ),
        Index("ix_cases_parent", "tenant_id", "parent_id"),
        Index("ix_cases_offender", "tenant_id", "offender"),
    )


class CaseEventRow(Base):
    """One step in a case's life (claim, decision, escalation, appeal outcome), with its note."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    kind: Mapped[str] = mapped_column(String(30))
    decision: Mapped[str | None] = mapped_column(String(30), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (Index("ix_case_events_case", "tenant_id", "case_id"),)


class AppealRow(Base):
    """A platform's appeal against a decision (Ofcom ICU D11); decided by another person."""

    __tablename__ = "case_appeals"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    state: Mapped[str] = mapped_column(String(12))
    original_decider: Mapped[str | None] = mapped_column(String(40), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_id", name="uq_case_appeals_external"),
        Index("ix_case_appeals_case", "tenant_id", "case_id"),
    )


class AuditEntryRow(Base):
    """An audit entry; ``hash`` covers the entry and the previous hash (a per-tenant chain)."""

    __tablename__ = "audit_log"
    tenant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str | None] = mapped_column(String(100), nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(200), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    """The last entry of each tenant's chain, so removing entries from the end is detected."""

    __tablename__ = "audit_heads"
    tenant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class EvidenceBundleRow(Base):
    """A frozen evidence bundle, AES-GCM encrypted under the key ``key_id``."""

    __tablename__ = "evidence_bundles"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    key_id: Mapped[str] = mapped_column(String(40))
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    content_sha256: Mapped[str] = mapped_column(String(64))
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (Index("ix_evidence_bundles_case", "tenant_id", "case_id"),)


class CaseCursor(Base):
    """How far the cases stage has read a tenant's alerts and account alerts."""

    __tablename__ = "case_cursors"
    tenant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_alert_id: Mapped[int] = mapped_column(BigInteger, default=0)
    last_action_id: Mapped[int] = mapped_column(BigInteger, default=0)


class QueueTimeRow(Base):
    """Seconds a person spent in a queue per day: what leads see, never content counts."""

    __tablename__ = "queue_time"
    tenant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    queue: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    seconds: Mapped[int] = mapped_column(Integer, default=0)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
