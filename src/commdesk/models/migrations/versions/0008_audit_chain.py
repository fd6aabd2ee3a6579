"""audit chain: every audit entry carries the hash of the one before it and of itself

Adds ``audit_log.prev_hash`` and ``audit_log.hash``, seals the entries already there in id order
(``models.audit_chain.entry_hash``; the hash definition is part of the stored data and never
changes) and creates the trigger that fills both on every insert.

Revision ID: 0008
Revises: 0007
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from commdesk.models.audit_chain import COLUMNS, create_trigger, seal

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("hash", sa.String(64), nullable=False, server_default=""))
    bind = op.get_bind()
    cols = ", ".join(f'"{c}"' for c in COLUMNS)
    rows = bind.execute(sa.text(f"SELECT {cols} FROM audit_log ORDER BY id")).all()
    sealed = seal(tuple(r) for r in rows)
    for start in range(0, len(sealed), 5000):
        bind.execute(sa.text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE id = :i"),
                     [{"p": p, "h": h, "i": i} for p, h, i in sealed[start:start + 5000]])
    create_trigger(bind)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_chain ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS commdesk_audit_chain()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_chain")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
