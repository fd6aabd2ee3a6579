"""dashboard indexes: residents needing review, a center's recent visits

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_LIVE = "archived_at IS NULL"
_REVIEW = "archived_at IS NULL AND review != ''"


def upgrade() -> None:
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.create_index('ix_resident_review', ['review'], unique=False,
                              sqlite_where=sa.text(_REVIEW), postgresql_where=sa.text(_REVIEW))
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index('ix_visit_center_date', ['center_id', 'visit_date'], unique=False,
                              sqlite_where=sa.text(_LIVE), postgresql_where=sa.text(_LIVE))


def downgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_center_date')
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.drop_index('ix_resident_review')
