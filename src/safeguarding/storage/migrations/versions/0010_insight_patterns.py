"""Insight patterns: fingerprints of the contact details and media hashes each account sent,
and each conversation's opener (sender, recipient, time, MinHash bands), never message text.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-08 03:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic. The chain is linear but not in file order: this
# follows the head on main when it landed.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "account_identifiers",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "account_id", "kind", "digest", name=op.f("pk_account_identifiers")
        ),
    )
    op.create_index(
        "ix_account_identifiers_digest",
        "account_identifiers",
        ["tenant_id", "kind", "digest"],
        unique=False,
    )
    op.create_table(
        "conversation_openers",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("sender", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=True),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        *(sa.Column(f"band{i}", sa.BigInteger(), nullable=True) for i in range(6)),
        sa.PrimaryKeyConstraint(
            "tenant_id", "conversation_id", name=op.f("pk_conversation_openers")
        ),
    )
    op.create_index(
        "ix_conversation_openers_sender",
        "conversation_openers",
        ["tenant_id", "sender", "recipient", "ts"],
        unique=False,
    )
    for i in range(6):
        op.create_index(
            f"ix_conversation_openers_band{i}",
            "conversation_openers",
            ["tenant_id", f"band{i}", "sender", "ts"],
            unique=False,
        )


def downgrade() -> None:
    """Downgrade schema."""
    for i in range(6):
        op.drop_index(f"ix_conversation_openers_band{i}", table_name="conversation_openers")
    op.drop_index("ix_conversation_openers_sender", table_name="conversation_openers")
    op.drop_table("conversation_openers")
    op.drop_index("ix_account_identifiers_digest", table_name="account_identifiers")
    op.drop_table("account_identifiers")
