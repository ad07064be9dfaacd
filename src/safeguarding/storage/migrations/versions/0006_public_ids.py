"""Opaque public ids: alerts, actions, user reports and webhook events get a UUIDv7
``public_id``, the only id a tenant sees (the integer keys are shared by every tenant and
would show how many rows everyone has). Existing rows get one each.

Revision ID: 0006
Revises: 0008
Create Date: 2026-12-08 01:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from safeguarding.storage.public_ids import new_public_id

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0008"  # 0008 and 0009 landed first
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("alerts", "actions", "user_reports", "outbox")


def upgrade() -> None:
    """Upgrade schema."""
    conn = op.get_bind()
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("public_id", sa.String(length=36), nullable=True))
        table = sa.table(name, sa.column("id", sa.Integer), sa.column("public_id", sa.String))
        ids = [row[0] for row in conn.execute(sa.select(table.c.id))]
        if ids:
            conn.execute(
                sa.update(table)
                .where(table.c.id == sa.bindparam("row_id"))
                .values(public_id=sa.bindparam("new_id")),
                [{"row_id": i, "new_id": new_public_id()} for i in ids],
            )
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.alter_column("public_id", existing_type=sa.String(length=36), nullable=False)
            batch_op.create_unique_constraint(f"uq_{name}_public_id", ["public_id"])


def downgrade() -> None:
    """Downgrade schema."""
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_constraint(f"uq_{name}_public_id", type_="unique")
            batch_op.drop_column("public_id")
