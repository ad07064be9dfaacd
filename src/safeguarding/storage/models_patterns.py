"""Derived rows for the investigators' patterns (migration 0010): never message text.

``account_identifiers``: a fingerprint (SHA-256, see ``signals.fingerprints``) of each
contact detail (phone number, handle, e-mail, URL) and media hash an account sent, so accounts
sharing one are linked. ``conversation_openers``: who opened a conversation with whom, when,
and a MinHash band signature of the opening message, so near-duplicate openers can be
grouped without keeping their text. Every row carries its tenant.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from safeguarding.storage.models import Base, UTCDateTime


class AccountIdentifierRow(Base):
    """One contact detail or media hash an account sent, as a fingerprint (first sighting)."""

    __tablename__ = "account_identifiers"
    tenant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (Index("ix_account_identifiers_digest", "tenant_id", "kind", "digest"),)


class OpenerRow(Base):
    """The first message of a conversation: sender, recipient, time and MinHash bands."""

    __tablename__ = "conversation_openers"
    tenant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    sender: Mapped[str] = mapped_column(String(200))
    recipient: Mapped[str | None] = mapped_column(String(200), nullable=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime())
    band0: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    band1: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    band2: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    band3: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    band4: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    band5: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # One covering index per band: grouping a band's values walks the index, no sort.
    __table_args__ = (
        Index("ix_conversation_openers_sender", "tenant_id", "sender", "recipient", "ts"),
        *(
            Index(f"ix_conversation_openers_band{i}", "tenant_id", f"band{i}", "sender", "ts")
            for i in range(6)
        ),
    )
