"""Media banks in the service database, scoped by tenant: banks, entries, recorded matches,
bank events, the quarantine monitor's match counters and each tenant's bank version (replaces
the process-global SQLite file under the user's home).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08 00:43:36

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "media_banks",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("negative", sa.Boolean(), nullable=False),
        sa.Column("dihedral", sa.Boolean(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_banks")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_media_banks_tenant_id")),
    )
    op.create_table(
        "media_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_events")),
    )
    with op.batch_alter_table("media_events", schema=None) as batch_op:
        batch_op.create_index("ix_media_events_tenant", ["tenant_id", "kind", "id"], unique=False)

    op.create_table(
        "media_match_counts",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("window_index", sa.BigInteger(), nullable=False),
        sa.Column("matches", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "entry_id", "window_index", name=op.f("pk_media_match_counts")
        ),
    )
    op.create_table(
        "media_matches",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bank", sa.String(length=64), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("hash_type", sa.String(length=10), nullable=False),
        sa.Column("query_hash", sa.String(length=2000), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=False),
        sa.Column("content_ref", sa.String(length=1000), nullable=True),
        sa.Column("negative", sa.Boolean(), nullable=False),
        sa.Column("suppressed_by", sa.String(length=64), nullable=True),
        sa.Column("variant", sa.String(length=20), nullable=True),
        sa.Column("context", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_matches")),
    )
    with op.batch_alter_table("media_matches", schema=None) as batch_op:
        batch_op.create_index("ix_media_matches_at", ["at"], unique=False)
        batch_op.create_index("ix_media_matches_tenant", ["tenant_id", "id"], unique=False)

    op.create_table(
        "media_state",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_media_state")),
    )
    op.create_table(
        "media_entries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("bank_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hash_type", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=2000), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.Column("wildcard", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(length=500), nullable=True),
        sa.Column("quarantined", sa.Boolean(), nullable=False),
        sa.Column("quarantine_reason", sa.String(length=500), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_id"],
            ["media_banks.id"],
            name=op.f("fk_media_entries_bank_id_media_banks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_entries")),
        sa.UniqueConstraint(
            "bank_id", "hash_type", "value", "wildcard", name=op.f("uq_media_entries_bank_id")
        ),
    )
    with op.batch_alter_table("media_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_media_entries_value", ["tenant_id", "hash_type", "value"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("media_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_media_entries_value")

    op.drop_table("media_entries")
    op.drop_table("media_state")
    with op.batch_alter_table("media_matches", schema=None) as batch_op:
        batch_op.drop_index("ix_media_matches_tenant")
        batch_op.drop_index("ix_media_matches_at")

    op.drop_table("media_matches")
    op.drop_table("media_match_counts")
    with op.batch_alter_table("media_events", schema=None) as batch_op:
        batch_op.drop_index("ix_media_events_tenant")

    op.drop_table("media_events")
    op.drop_table("media_banks")
