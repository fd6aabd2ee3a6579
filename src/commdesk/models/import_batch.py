"""Import batches: every import of a legacy register, so that it can be undone as a whole.

A batch keeps the ids of the rows it inserted (as compact ``[first, last]`` ranges per table,
because a bulk import assigns consecutive ids) and, for every existing record it changed
(a merged duplicate), the values before and after the change. Undo deletes the inserted rows
and puts the changed values back, in one transaction.
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from commdesk.models.base import Base, current_user, new_uuid, now

BATCH_STATUSES = ("imported", "undone")


class ImportBatch(Base):
    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), default=new_uuid, unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now, index=True)
    user: Mapped[str] = mapped_column(String(64), default=current_user)
    kind: Mapped[str] = mapped_column(String(20), default="residents")
    file_name: Mapped[str] = mapped_column(String(260), default="")
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    on_duplicate: Mapped[str] = mapped_column(String(10), default="fill")
    status: Mapped[str] = mapped_column(String(10), default="imported")
    undone_at: Mapped[datetime | None] = mapped_column(default=None)
    undone_by: Mapped[str] = mapped_column(String(64), default="")
    #: {"resident": [[first, last], ...], "household": [...], "grid": [...], "community": [...]}
    inserted: Mapped[str] = mapped_column(Text, default="{}")
    #: The summary figures (JSON object), for the batch list.
    counts: Mapped[str] = mapped_column(Text, default="{}")

    def inserted_ranges(self) -> dict[str, list[list[int]]]:
        return json.loads(self.inserted or "{}")

    def count_dict(self) -> dict[str, object]:
        return json.loads(self.counts or "{}")


class ImportBatchChange(Base):
    """One existing record changed by a batch: its values before and after (JSON objects)."""

    __tablename__ = "import_batch_change"
    __table_args__ = (Index("ix_import_batch_change_record", "table_name", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id", ondelete="CASCADE"), index=True)
    table_name: Mapped[str] = mapped_column(String(50))
    record_id: Mapped[int]
    before: Mapped[str] = mapped_column(Text, default="{}")
    after: Mapped[str] = mapped_column(Text, default="{}")
