"""Reports to authorities (NCMEC CyberTips, NCA reports, DSA statements of reasons) and
their audit trail of steps.

Revision ID: 0009
Revises: 0005 (the latest on main when this landed; 0006-0008 chain before it once they land)
Create Date: 2026-12-08 01:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "authority_reports",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("authority", sa.String(length=20), nullable=False),
        sa.Column("subject_kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.String(length=200), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("sent", sa.JSON(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.Column("error_message", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retain_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authority_reports")),
        sa.UniqueConstraint(
            "tenant_id",
            "authority",
            "subject_kind",
            "subject_id",
            name=op.f("uq_authority_reports_tenant_id"),
        ),
    )
    with op.batch_alter_table("authority_reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_authority_reports_conversation", ["tenant_id", "conversation_id"], unique=False
        )
    op.create_table(
        "authority_report_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("report_id", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authority_report_events")),
    )
    with op.batch_alter_table("authority_report_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_authority_report_events_report", ["tenant_id", "report_id"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("authority_report_events")
    op.drop_table("authority_reports")
