"""The audit trail: who changed which record when, with old and new values.

A ``before_flush`` listener on every ORM session records each insert, update, archive/restore
and delete of a ``RecordMixin`` object in the same transaction as the change itself, so the
trail can never disagree with the data. Bulk writers (the importer) record one entry per batch.
"""
from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import Index, String, Text, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from commdesk.models.base import Base, RecordMixin, current_user, new_uuid, now

_SKIP = {"id", "uuid", "created_at", "updated_at", "updated_by", "py_initials", "py_full", "rel_order",
         "archive_batch"}


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_record", "table_name", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=now, index=True)
    user: Mapped[str] = mapped_column(String(64), default=current_user)
    table_name: Mapped[str] = mapped_column(String(50))
    record_id: Mapped[int | None] = mapped_column(default=None)
    record_uuid: Mapped[str] = mapped_column(String(32), default="")
    action: Mapped[str] = mapped_column(String(20))   # create / update / archive / restore / delete / import
    changes: Mapped[str] = mapped_column(Text, default="{}")   # {"field": [old, new]}
    summary: Mapped[str] = mapped_column(String(300), default="")
    #: the hash chain (models.audit_chain): filled by a trigger in the same statement as the insert
    prev_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    hash: Mapped[str] = mapped_column(String(64), default="", server_default="")

    def change_dict(self) -> dict[str, list[object]]:
        return json.loads(self.changes or "{}")


def _plain(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _changes(obj: RecordMixin) -> dict[str, list[object]]:
    state = inspect(obj)
    out: dict[str, list[object]] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in _SKIP:
            continue
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old == new:
            continue
        out[attr.key] = [_plain(old), _plain(new)]
    return out


def _created(obj: RecordMixin) -> dict[str, list[object]]:
    state = inspect(obj)
    out: dict[str, list[object]] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in _SKIP:
            continue
        value = getattr(obj, attr.key)
        if value not in (None, ""):
            out[attr.key] = [None, _plain(value)]
    return out


def _row(obj: RecordMixin, action: str, changes: dict[str, list[object]]) -> dict[str, object]:
    return {"at": now(), "user": current_user(), "table_name": obj.__tablename__, "record_id": obj.id,
            "record_uuid": obj.uuid or "", "action": action,
            "changes": json.dumps(changes, ensure_ascii=False)}


@event.listens_for(Session, "before_flush")
def _assign_uuids(session: Session, flush_context: object, instances: object) -> None:
    for obj in session.new:
        if isinstance(obj, RecordMixin) and not obj.uuid:
            obj.uuid = new_uuid()


@event.listens_for(Session, "after_flush")
def _record_changes(session: Session, flush_context: object) -> None:
    """Write audit rows with Core inserts: ids are known here and history is still pre-flush."""
    if session.info.get("audit_disabled"):
        return
    rows: list[dict[str, object]] = []
    for obj in session.new:
        if isinstance(obj, RecordMixin):
            rows.append(_row(obj, "create", _created(obj)))
    for obj in session.dirty:
        if isinstance(obj, RecordMixin) and session.is_modified(obj, include_collections=False):
            changes = _changes(obj)
            if not changes:
                continue
            action = "update"
            if set(changes) == {"archived_at"}:
                action = "archive" if changes["archived_at"][1] else "restore"
            rows.append(_row(obj, action, changes))
    for obj in session.deleted:
        if isinstance(obj, RecordMixin):
            rows.append(_row(obj, "delete", {}))
    if rows:
        session.connection().execute(AuditEntry.__table__.insert(), rows)


def audit_event(session: Session, action: str, summary: str, *, table_name: str = "event",
                record_id: int | None = None, changes: dict[str, object] | None = None,
                user: str | None = None) -> None:
    """One audit entry for what is not a record's change: a login, an export, a backup, a
    full-value view (``summary``: what and how many, never an ID number or phone)."""
    session.add(AuditEntry(at=now(), user=user or current_user(), table_name=table_name, record_id=record_id,
                           record_uuid="", action=action[:20], summary=summary[:300],
                           changes=json.dumps(changes or {}, ensure_ascii=False)))
