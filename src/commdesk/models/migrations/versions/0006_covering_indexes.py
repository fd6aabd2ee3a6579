"""covering indexes: the ledger order and the household grid index also hold status and archived_at

Counting live residents or households (the dashboard) then reads a narrow index instead of every
table row, and the ledger's walk in household order filters by status without visiting the rows.

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.drop_index('ix_resident_order')
        batch_op.create_index('ix_resident_order', ['household_id', 'rel_order', 'id', 'status', 'archived_at'],
                              unique=False)
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index('ix_household_grid_no')
        batch_op.create_index('ix_household_grid_no', ['grid_id', 'household_no', 'status', 'archived_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index('ix_household_grid_no')
        batch_op.create_index('ix_household_grid_no', ['grid_id', 'household_no'], unique=False)
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.drop_index('ix_resident_order')
        batch_op.create_index('ix_resident_order', ['household_id', 'rel_order', 'id'], unique=False)
