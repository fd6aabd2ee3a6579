"""import batches: import_batch, import_batch_change (undo of a whole import)

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("user", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("file_name", sa.String(length=260), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("on_duplicate", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.Column("undone_by", sa.String(length=64), nullable=False),
        sa.Column("inserted", sa.Text(), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
        sa.UniqueConstraint("uuid", name=op.f("uq_import_batch_uuid")),
    )
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batch_created_at"), ["created_at"], unique=False)

    op.create_table(
        "import_batch_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=50), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["import_batch.id"], ondelete="CASCADE",
                                name=op.f("fk_import_batch_change_batch_id_import_batch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch_change")),
    )
    with op.batch_alter_table("import_batch_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batch_change_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index("ix_import_batch_change_record", ["table_name", "record_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("import_batch_change", schema=None) as batch_op:
        batch_op.drop_index("ix_import_batch_change_record")
        batch_op.drop_index(batch_op.f("ix_import_batch_change_batch_id"))
    op.drop_table("import_batch_change")
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batch_created_at"))
    op.drop_table("import_batch")
