"""audit guard: the audit trail is append-only in the store (triggers refuse UPDATE and DELETE of
an entry, and TRUNCATE on a server; ``models.audit_guard``)

Revision ID: 0011
Revises: 0010
"""
from __future__ import annotations

from alembic import op

from commdesk.models.audit_guard import create_guards, drop_guards

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_guards(op.get_bind())


def downgrade() -> None:
    drop_guards(op.get_bind())
