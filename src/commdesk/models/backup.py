"""Backups of the SQLite file (SQLite's online backup API: consistent even while in use) and restore.

Automatic backups (before an import, a migration, a restore) are plain copies in the user data
folder; a backup the user asks for (``commdesk backup``), which may go to a USB stick, is
encrypted with a backup password (:mod:`.backup_crypt`). Restoring a backup replaces the whole
database and is a different act from importing data; either kind is verified before the live
database is touched.
"""
from __future__ import annotations

import logging
import re
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

from commdesk.errors import UserError
from commdesk.i18n import _

log = logging.getLogger("commdesk.backup")
KEEP_AUTOMATIC = 30


def _safe(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z_.-]+", "-", text).strip("-")[:60]


def backup_file(src: Path, dest_dir: Path, reason: str) -> Path:
    dest_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = dest_dir / f"{src.stem}-{stamp}-{_safe(reason)}.sqlite3"
    from commdesk.paths import sqlite_uri

    source = sqlite3.connect(sqlite_uri(src, "ro"), uri=True)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise UserError(_("备份失败：{err}").format(err=exc)) from exc
    finally:
        source.close()
    _prune(dest_dir, src.stem)
    return target


def _prune(dest_dir: Path, stem: str) -> None:
    # the daily copies have their own rotation (models.backup_rotation)
    automatic = sorted(p for p in dest_dir.glob(f"{stem}-*.sqlite3")
                       if "-manual" not in p.name and not p.name.endswith("-daily.sqlite3"))
    for old in automatic[:-KEEP_AUTOMATIC]:
        old.unlink(missing_ok=True)


def backup_database(database: object, reason: str = "manual", dest_dir: Path | None = None) -> Path:
    path = getattr(database, "path", None)
    if path is None:
        raise UserError(_("只有本机 SQLite 数据库可以这样备份。"))
    if dest_dir is None:
        from commdesk.paths import backups_dir

        dest_dir = backups_dir()
    return backup_file(Path(path), dest_dir, reason)


def list_backups(dest_dir: Path | None = None) -> list[Path]:
    if dest_dir is None:
        from commdesk.paths import backups_dir

        dest_dir = backups_dir()
    return sorted(dest_dir.glob("*.sqlite3"), reverse=True)


def check_sqlite_backup(backup: Path) -> None:
    """A plain backup that can be restored: it exists, is an SQLite file and passes SQLite's
    integrity check (else a UserError naming it)."""
    if not backup.exists():
        raise UserError(_("备份文件不存在：{name}").format(name=backup.name))
    with backup.open("rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise UserError(_("“{name}”不是有效的备份文件。").format(name=backup.name))
    from commdesk.paths import sqlite_uri

    check = sqlite3.connect(sqlite_uri(backup, "ro"), uri=True)
    try:
        ok = check.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError:
        ok = "damaged"
    finally:
        check.close()
    if ok != "ok":
        raise UserError(_("备份文件已损坏，不能恢复：{name}").format(name=backup.name))


def restore_backup(backup: Path, db_path: Path) -> Path:
    """Replace ``db_path`` with ``backup`` (the current file is backed up first). Returns that backup."""
    check_sqlite_backup(backup)
    safety = backup_file(db_path, db_path.parent / "backups-before-restore", "before-restore") \
        if db_path.exists() else db_path
    tmp = db_path.with_name(db_path.name + ".restoring")
    shutil.copyfile(backup, tmp)
    for suffix in ("-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    tmp.replace(db_path)
    log.info("database restored from %s", backup.name)
    return safety


def backup_encrypted(database: object, password: str, dest_dir: Path | None = None) -> tuple[Path, object]:
    """A consistent snapshot of the database, encrypted with ``password`` into ``dest_dir`` as
    ``<name>-<time>-manual.cdbak`` and verified; returns its path and manifest."""
    import tempfile

    from commdesk.models.backup_crypt import SUFFIX, encrypt_file

    path = getattr(database, "path", None)
    if path is None:
        raise UserError(_("只有本机 SQLite 数据库可以这样备份。"))
    if dest_dir is None:
        from commdesk.paths import backups_dir

        dest_dir = backups_dir()
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(_("无法使用备份文件夹 {path}：{err}").format(path=dest_dir, err=exc.strerror or exc)) from exc
    with tempfile.TemporaryDirectory(prefix="commdesk-backup-", dir=Path(path).parent) as tmp:
        snapshot = backup_file(Path(path), Path(tmp), "snapshot")
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        target = dest_dir / f"{Path(path).stem}-{stamp}-manual{SUFFIX}"
        manifest = encrypt_file(snapshot, target, password)
    log.info("encrypted backup written: %s", target.name)
    return target, manifest


def restore_encrypted(backup: Path, db_path: Path, password: str) -> Path:
    """Decrypt and verify ``backup`` beside the database, then restore it as :func:`restore_backup`
    does (the current file backed up first). A wrong password or a damaged file is refused before
    the live database is touched."""
    from commdesk.models.backup_crypt import decrypt_file

    if not backup.exists():
        raise UserError(_("备份文件不存在：{name}").format(name=backup.name))
    plain = db_path.with_name(db_path.name + ".decrypted")
    try:
        decrypt_file(backup, plain, password)
        return restore_backup(plain, db_path)
    except OSError as exc:
        raise UserError(_("无法恢复：{err}").format(err=exc.strerror or exc)) from exc
    finally:
        plain.unlink(missing_ok=True)


def audit_backup(database: object, target: Path, what: str) -> None:
    """The audit entry of a backup or restore (``what``: "backup" or "restore_db"); skipped on a
    read-only database, which cannot be written."""
    if getattr(database, "readonly", False):
        return
    from commdesk.models.audit import audit_event

    summary = (_("备份到 {name}") if what == "backup" else _("从备份 {name} 恢复了整个数据库")).format(name=target.name)
    with database.Session() as session:  # type: ignore[attr-defined]
        audit_event(session, what, summary, table_name="event")
        session.commit()
