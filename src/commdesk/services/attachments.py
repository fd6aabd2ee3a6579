"""Attachments (附件): files COPIED into the attachments folder, never referenced in place.

A sign-in sheet scan on a USB stick or a photo in the camera folder goes away; the copy stays
with the database. Each copy is stored under ``attachments/YYYY/MM/<uuid><suffix>`` with its
original name, size and SHA-256 recorded, so an inspector can tell the file is the one that was
attached. Attachments are archived, never deleted (the file stays).
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from commdesk.errors import UserError, ValidationError
from commdesk.i18n import _
from commdesk.models.base import new_uuid, now
from commdesk.models.meeting import ATTACHMENT_KINDS, Attachment
from commdesk.paths import attachments_dir
from commdesk.changes import Changes

log = logging.getLogger("commdesk.attachments")
OWNERS = ("meeting", "consultation", "consultation_stage", "checklist_item", "checklist_progress")
MAX_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class AttachmentRow:
    id: int
    kind: str
    original_name: str
    size: int
    sha256: str
    note: str
    created_at: datetime
    path: Path


def _copy(src: Path) -> tuple[str, int, str]:
    """Copy ``src`` into the attachments folder; (stored name relative to it, size, sha256)."""
    if not src.is_file():
        raise UserError(_("找不到文件：{name}").format(name=src.name))
    size = src.stat().st_size
    if size > MAX_BYTES:
        raise UserError(_("文件太大（超过 200 MB）：{name}").format(name=src.name))
    stamp = now()
    rel = Path(f"{stamp.year:04d}") / f"{stamp.month:02d}" / f"{new_uuid()}{src.suffix.lower()[:10]}"
    target = attachments_dir() / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    try:
        with src.open("rb") as fin, tmp.open("wb") as fout:
            for chunk in iter(lambda: fin.read(1 << 20), b""):
                digest.update(chunk)
                fout.write(chunk)
            fout.flush()
            os.fsync(fout.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(_("无法复制附件 {name}：{err}").format(name=src.name, err=exc.strerror or exc)) from exc
    return rel.as_posix(), size, digest.hexdigest()


def add_attachment(session: Session, owner_table: str, owner_id: int, src: str | Path, *, kind: str = "其他",
                   note: str = "") -> tuple[Changes, int]:
    if owner_table not in OWNERS:
        raise ValueError(owner_table)
    if kind not in ATTACHMENT_KINDS:
        raise ValidationError("kind", _("附件类别不对"))
    src = Path(src)
    stored, size, sha = _copy(src)
    att = Attachment(owner_table=owner_table, owner_id=owner_id, kind=kind, original_name=src.name[:255],
                     stored_name=stored, size=size, sha256=sha, note=note.strip()[:200])
    session.add(att)
    try:
        session.flush()
    except BaseException:
        (attachments_dir() / stored).unlink(missing_ok=True)
        raise
    log.info("attachment %s copied for %s %s (%d bytes)", att.id, owner_table, owner_id, size)
    return Changes.of("attachment", owner_table, ids=[owner_id]), att.id


def list_attachments(session: Session, owner_table: str, owner_id: int) -> list[AttachmentRow]:
    rows = session.scalars(select(Attachment).where(Attachment.owner_table == owner_table,
                                                    Attachment.owner_id == owner_id,
                                                    Attachment.archived_at.is_(None)).order_by(Attachment.id))
    base = attachments_dir()
    return [AttachmentRow(a.id, a.kind, a.original_name, a.size, a.sha256, a.note, a.created_at,
                          base / a.stored_name) for a in rows]


def count_attachments(session: Session, owner_table: str, owner_id: int) -> int:
    return len(list_attachments(session, owner_table, owner_id))


def archive_attachment(session: Session, attachment_id: int) -> Changes:
    att = session.get_one(Attachment, attachment_id)
    att.archived_at = now()
    return Changes.of("attachment", att.owner_table, ids=[att.owner_id])


def verify_attachment(session: Session, attachment_id: int) -> bool:
    """Is the stored copy still the file that was attached (present, same hash)?"""
    att = session.get_one(Attachment, attachment_id)
    path = attachments_dir() / att.stored_name
    if not path.is_file():
        return False
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest() == att.sha256


def export_copy(session: Session, attachment_id: int, target_dir: str | Path) -> Path:
    att = session.get_one(Attachment, attachment_id)
    out = Path(target_dir) / att.original_name
    shutil.copyfile(attachments_dir() / att.stored_name, out)
    return out
