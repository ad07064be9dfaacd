"""Insight roll-ups: daily counts per dimension, one fact row per alerted conversation (time
to act), and the roll-up's cursors.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 03:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "insight_daily",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("metric", sa.String(length=20), nullable=False),
        sa.Column("dimension", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "day", "metric", "dimension", "value", name=op.f("pk_insight_daily")
        ),
    )
    op.create_index(
        "ix_insight_daily_metric",
        "insight_daily",
        ["tenant_id", "metric", "dimension", "day"],
        unique=False,
    )
    op.create_table(
        "insight_conversations",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("harm", sa.String(length=40), nullable=False),
        sa.Column("area", sa.String(length=100), nullable=False),
        sa.Column("locale", sa.String(length=20), nullable=False),
        sa.Column("age_band", sa.String(length=20), nullable=False),
        sa.Column("offender", sa.String(length=200), nullable=True),
        sa.Column("tactics", sa.JSON(), nullable=False),
        sa.Column("first_risky_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alerted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actioned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint(
            "tenant_id", "conversation_id", name=op.f("pk_insight_conversations")
        ),
    )
    op.create_index(
        "ix_insight_conversations_day",
        "insight_conversations",
        ["tenant_id", "day"],
        unique=False,
    )
    op.create_table(
        "insight_cursors",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "source", name=op.f("pk_insight_cursors")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("insight_cursors")
    op.drop_index("ix_insight_conversations_day", table_name="insight_conversations")
    op.drop_table("insight_conversations")
    op.drop_index("ix_insight_daily_metric", table_name="insight_daily")
    op.drop_table("insight_daily")
