"""row versions: optimistic locking of households and residents (several PCs on one server)

Adds ``version`` (starting at 1) to ``household`` and ``resident``; the ORM checks it in every
update's WHERE clause and bumps it, so an edit based on an older state is refused with a clear
message instead of overwriting another PC's change (``services.households``).

Revision ID: 0010
Revises: 0009
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN (SQLite adds it in place; a batch copy would drop the tables' triggers)
    for table in ("household", "resident"):
        op.add_column(table, sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")))


def downgrade() -> None:
    for table in ("resident", "household"):   # SQLite 3.35+ drops a column in place too
        op.execute(f"ALTER TABLE {table} DROP COLUMN version")
