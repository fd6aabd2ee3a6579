"""Undo of a whole import batch, and the list of batches.

Undo deletes what the batch inserted (residents, households, grids, community — the latter
only while nothing else refers to them) and puts back the values it changed in existing
records, in one transaction. It refuses, with a message, when later work depends on the
imported rows (a resident added to an imported household, a life event on an imported resident).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select, text, update

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.models import AuditEntry, Household, ImportBatch, ImportBatchChange, Resident
from commdesk.models.base import current_user, now
from commdesk.models import dialect


@dataclass(frozen=True)
class BatchRow:
    id: int
    created_at: datetime
    user: str
    kind: str
    file_name: str
    status: str
    counts: dict[str, Any]


def list_batches(session_or_conn: Any) -> list[BatchRow]:
    rows = session_or_conn.execute(select(ImportBatch).order_by(ImportBatch.id.desc())).scalars().all() \
        if hasattr(session_or_conn, "scalars") else []
    return [BatchRow(b.id, b.created_at, b.user, b.kind, b.file_name, b.status, b.count_dict()) for b in rows]


def _ids(ranges: list[list[int]]) -> list[int]:
    return [i for first, last in ranges for i in range(first, last + 1)]


def _in(column: str, ids: list[int]) -> list[str]:
    return [f"{column} IN ({','.join(str(int(i)) for i in ids[k:k + 900])})" for k in range(0, len(ids), 900)]


def _value(table: Any, key: str, value: Any) -> Any:
    column = table.c[key]
    if value is not None and isinstance(value, str) and column.type.python_type is date:
        return date.fromisoformat(value)
    return value


def undo_batch(database: Any, batch_id: int) -> dict[str, int]:
    """Undo batch ``batch_id``; returns counts of what was removed and restored."""
    with database.engine.begin() as conn:
        return _undo(conn, batch_id)


def _undo(conn: Connection, batch_id: int) -> dict[str, int]:
    batch = conn.execute(select(ImportBatch.__table__).where(ImportBatch.__table__.c.id == batch_id)).mappings().first()
    if batch is None:
        raise UserError(_("没有编号为 {id} 的导入批次").format(id=batch_id))
    if batch["status"] != "imported":
        raise UserError(_("导入批次 {id} 已经撤销过了").format(id=batch_id))
    later = conn.execute(text("SELECT count(*) FROM import_batch_change c JOIN import_batch b ON b.id = c.batch_id "
                              "WHERE b.id > :id AND b.status = 'imported' AND c.record_id IN "
                              "(SELECT record_id FROM import_batch_change WHERE batch_id = :id)"),
                         {"id": batch_id}).scalar()
    if later:
        raise UserError(_("导入批次 {id} 之后的导入又修改了同一批居民，请先撤销后面的批次").format(id=batch_id))
    inserted = json.loads(batch["inserted"] or "{}")
    residents = _ids(inserted.get("resident", []))
    households = _ids(inserted.get("household", []))
    grids = _ids(inserted.get("grid", []))
    communities = _ids(inserted.get("community", []))
    for clause in _in("household_id", households):
        outsiders = conn.execute(text(f"SELECT count(*) FROM resident WHERE {clause}")).scalar() or 0
        if outsiders:
            count_mine = conn.execute(text(
                f"SELECT count(*) FROM resident WHERE {clause} AND id NOT IN "
                f"({dialect.json_ints(conn, 'ids')})"), {"ids": json.dumps(residents)}).scalar() or 0
            if count_mine:
                raise UserError(_("导入后又有居民加入了这次导入建立的户，不能整批撤销。请先把这些居民移到其他户"))
    for clause in _in("resident_id", residents):
        if conn.execute(text(f"SELECT count(*) FROM resident_event WHERE {clause}")).scalar():
            raise UserError(_("这次导入的居民已经登记了迁入迁出等事件，不能整批撤销"))
    # put back what the batch changed
    changes = conn.execute(select(ImportBatchChange.__table__).where(
        ImportBatchChange.__table__.c.batch_id == batch_id).order_by(ImportBatchChange.__table__.c.id.desc())).mappings()
    restored = 0
    touched: list[int] = []
    tables = {"resident": Resident.__table__, "household": Household.__table__}
    for change in changes:
        table = tables[change["table_name"]]
        before = json.loads(change["before"])
        values = {k: _value(table, k, v) for k, v in before.items()}
        # putting the old values back is an edit too: the row version moves on
        values.update(updated_at=now(), updated_by=current_user(), version=table.c.version + 1)
        conn.execute(update(table).where(table.c.id == change["record_id"]).values(**values))
        restored += 1
        if change["table_name"] == "resident":
            touched.append(change["record_id"])
        else:
            touched += [r[0] for r in conn.execute(text("SELECT id FROM resident WHERE household_id=:h"),
                                                  {"h": change["record_id"]})]
    for clause in _in("rowid", residents):
        conn.execute(text(f"DELETE FROM resident_fts_tri WHERE {clause}"))
        conn.execute(text(f"DELETE FROM resident_fts_char WHERE {clause}"))
    for clause in _in("id", residents):
        conn.execute(text(f"DELETE FROM resident WHERE {clause}"))
    for clause in _in("id", households):
        conn.execute(text(f"DELETE FROM household WHERE {clause}"))
    removed_grids = 0
    for gid in grids:
        if not conn.execute(text("SELECT 1 FROM household WHERE grid_id=:g LIMIT 1"), {"g": gid}).first():
            conn.execute(text("DELETE FROM grid WHERE id=:g"), {"g": gid})
            removed_grids += 1
    for cid in communities:
        if not conn.execute(text("SELECT 1 FROM grid WHERE community_id=:c LIMIT 1"), {"c": cid}).first():
            conn.execute(text("DELETE FROM community WHERE id=:c"), {"c": cid})
    if touched:
        from commdesk.models.search_index import reindex_residents

        reindex_residents(conn, touched)
    stamp = now()
    conn.execute(update(ImportBatch.__table__).where(ImportBatch.__table__.c.id == batch_id).values(
        status="undone", undone_at=stamp, undone_by=current_user()))
    counts = {"residents_removed": len(residents), "households_removed": len(households),
              "records_restored": restored, "grids_removed": removed_grids}
    conn.execute(AuditEntry.__table__.insert().values(
        at=stamp, user=current_user(), table_name="import_batch", record_id=batch_id, record_uuid=batch["uuid"],
        action="import_undo", changes=json.dumps(counts), summary=_("撤销导入 {file}").format(
            file=batch["file_name"])[:300]))
    return counts
