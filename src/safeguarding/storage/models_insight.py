"""Insight roll-ups (migration 0011): daily counts, one fact row per alerted conversation,
and how far each source has been rolled up.

``insight_daily`` holds, per tenant and UTC day, how many alerts, cases, decisions, actions
and reports there were under each value of each dimension (harm, tactic, platform area,
locale, child age band, type). ``insight_conversations`` keeps, per alerted conversation,
its dimensions and the times of its first risky message, first alert, first decision, first
action and first report (time to act). ``insight_cursors`` records the last source row id
rolled up, so a roll-up reads only rows added since the one before. Every row carries its
tenant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from safeguarding.storage.models import Base, UTCDateTime


class InsightDaily(Base):
    """Count of one metric on one day under one value of one dimension (``all``: total)."""

    __tablename__ = "insight_daily"
    tenant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    metric: Mapped[str] = mapped_column(String(20), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(100), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (Index("ix_insight_daily_metric", "tenant_id", "metric", "dimension", "day"),)


class InsightConversation(Base):
    """One alerted conversation: its dimensions and the times of each step taken on it."""

    __tablename__ = "insight_conversations"
    tenant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[str] = mapped_column(String(10))
    harm: Mapped[str] = mapped_column(String(40))
    area: Mapped[str] = mapped_column(String(100))
    locale: Mapped[str] = mapped_column(String(20))
    age_band: Mapped[str] = mapped_column(String(20))
    offender: Mapped[str | None] = mapped_column(String(200), nullable=True)
    tactics: Mapped[list[Any]] = mapped_column(JSON)
    first_risky_at: Mapped[datetime] = mapped_column(UTCDateTime())
    alerted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    actioned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    __table_args__ = (Index("ix_insight_conversations_day", "tenant_id", "day"),)


class InsightCursor(Base):
    """The last row id of one source (alerts, actions, case events, report events) rolled up."""

    __tablename__ = "insight_cursors"
    tenant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
