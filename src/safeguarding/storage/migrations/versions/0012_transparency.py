"""Transparency reports: each action records the harm it was taken for and whether a person
decided it (a reviewer) or the policy did on its own (automated); each user report records
whether it came from a trusted flagger (DSA Art. 22). Indexes let a report for a period read
actions by date and find the notices and alerts before each action without a full scan.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 03:45:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic. The chain is linear but not in file order: this
# follows the head on main when it landed.
revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


ACTIONS_PERIOD = (
    "tenant_id",
    "created_at",
    "action_type",
    "shadow",
    "harm",
    "automated",
    "account_id",
    "conversation_id",
)


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("harm", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("automated", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    # covering: a period's actions are read from the index alone, never the wide rows
    op.create_index("ix_actions_created", "actions", [*ACTIONS_PERIOD])
    with op.batch_alter_table("user_reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reporter_type", sa.String(length=20), nullable=False, server_default="user")
        )
    op.create_index(
        "ix_reports_conversation",
        "user_reports",
        ["tenant_id", "conversation_id", "ts", "reporter_type"],
    )
    op.create_index(
        "ix_alerts_conversation", "alerts", ["tenant_id", "conversation_id", "raised_at"]
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_alerts_conversation", table_name="alerts")
    op.drop_index("ix_reports_conversation", table_name="user_reports")
    with op.batch_alter_table("user_reports", schema=None) as batch_op:
        batch_op.drop_column("reporter_type")
    op.drop_index("ix_actions_created", table_name="actions")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_column("automated")
        batch_op.drop_column("harm")
