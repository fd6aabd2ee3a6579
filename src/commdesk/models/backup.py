"""Backups of the SQLite file (SQLite's online backup API: consistent even while in use) and restore.

Automatic backups (daily, before an import, a migration, a restore) go to the user data folder,
encrypted with the kept backup key when an administrator has set a backup password
(:mod:`.backup_key`), else as plain copies; a backup the user asks for (``commdesk backup``, 文件 →
备份), which may go to a USB stick, is always encrypted, with a backup password
(:mod:`.backup_crypt`). Restoring a backup replaces the whole
database and is a different act from importing data; either kind is verified before the live
database is touched.
"""
from __future__ import annotations

import logging
import re
import shutil
import sqlite3
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from commdesk.errors import UserError, write_failure
from commdesk.i18n import _

if TYPE_CHECKING:
    from commdesk.models.backup_crypt import BackupKey, Manifest

log = logging.getLogger("commdesk.backup")
KEEP_AUTOMATIC = 30


def _safe(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z_.-]+", "-", text).strip("-")[:60]


def backup_file(src: Path, dest_dir: Path, reason: str, *, keep_encryption: bool = False) -> Path:
    """A consistent copy of ``src`` into ``dest_dir``. An encrypted (SQLCipher) database is copied
    plain (what goes into an encrypted ``.cdbak``, so it restores anywhere with the backup password
    alone), or, ``keep_encryption``, encrypted with its own key (the copy kept beside it before a
    restore)."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = dest_dir / f"{src.stem}-{stamp}-{_safe(reason)}.sqlite3"
    from commdesk.models import db_cipher
    from commdesk.paths import sqlite_uri

    if db_cipher.is_encrypted_file(src):
        key = db_cipher.database_key(src, ask=False)
        try:
            db_cipher.export(src, key, target, key if keep_encryption else None)
        except UserError as exc:
            raise UserError(_("备份失败：{err}").format(err=exc)) from exc
        _prune(dest_dir, src.stem)
        return target

    source = sqlite3.connect(sqlite_uri(src, "ro"), uri=True)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)
        raise UserError(_("备份失败，无法写入 {path}：{err}。数据库没有改动。").format(
            path=dest_dir, err=write_failure(exc))) from exc
    finally:
        source.close()
    _prune(dest_dir, src.stem)
    return target


#: the two forms of a backup file: a plain SQLite copy, an encrypted one (``backup_crypt.SUFFIX``)
SUFFIXES = (".sqlite3", ".cdbak")


def _stamp_of_name(path: Path) -> str:
    """The time part of a backup's name (``<stem>-YYYYmmdd-HHMMSS-ffffff-<reason>``), for ordering
    plain and encrypted copies together."""
    m = re.search(r"-(\d{8}-\d{6}-\d{6})-", path.name)
    return m.group(1) if m else ""


def _prune(dest_dir: Path, stem: str) -> None:
    # the daily copies have their own rotation (models.backup_rotation); manual ones are kept
    automatic = sorted((p for suffix in SUFFIXES for p in dest_dir.glob(f"{stem}-*{suffix}")
                        if "-manual" not in p.name and not p.stem.endswith("-daily")), key=_stamp_of_name)
    for old in automatic[:-KEEP_AUTOMATIC]:
        old.unlink(missing_ok=True)


def backup_database(database: object, reason: str = "manual", dest_dir: Path | None = None) -> Path:
    """An automatic backup of an open SQLite database: encrypted with the kept backup key when
    there is one (``.cdbak``), else a plain copy; older automatic ones pruned."""
    from commdesk.models.backup_key import kept_key

    path = getattr(database, "path", None)
    if path is None:
        raise UserError(_("只有本机 SQLite 数据库可以这样备份。"))
    if dest_dir is None:
        from commdesk.paths import backups_dir

        dest_dir = backups_dir()
    key = kept_key(database)
    if key is None:
        return backup_file(Path(path), dest_dir, reason)
    return _encrypted_copy(Path(path), dest_dir, reason, key)[0]


def list_backups(dest_dir: Path | None = None) -> list[Path]:
    """Backups in the folder, plain and encrypted, newest first."""
    if dest_dir is None:
        from commdesk.paths import backups_dir

        dest_dir = backups_dir()
    return sorted((p for suffix in SUFFIXES for p in dest_dir.glob(f"*{suffix}")), key=_stamp_of_name, reverse=True)


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


def _safety_copy(db_path: Path, encrypted: bool = False) -> Path:
    """Today's database, saved aside before a restore replaces it: encrypted with the kept backup
    key when the database has one (as its automatic backups are), else a plain copy (an encrypted
    database's with its own key: it is never written plain)."""
    from commdesk.models.backup_key import kept_key_at

    folder = db_path.parent / "backups-before-restore"
    key = kept_key_at(db_path)
    if key is None:
        return backup_file(db_path, folder, "before-restore", keep_encryption=encrypted)
    return _encrypted_copy(db_path, folder, "before-restore", key)[0]


def restore_backup(backup: Path, db_path: Path) -> Path:
    """Replace ``db_path`` with ``backup`` (the current file is backed up first). Returns that backup.

    When today's database is encrypted (SQLCipher), the copy kept aside stays encrypted and the
    restored file is encrypted again with the same database key before it takes the database's
    place: encryption stays on and the live file is never plain, not even for a moment."""
    from commdesk.models import db_cipher

    check_sqlite_backup(backup)
    key = None
    if db_path.exists() and db_cipher.is_encrypted_file(db_path):
        key = db_cipher.database_key(db_path)      # before anything is touched (may ask the backup password)
    safety = _safety_copy(db_path, encrypted=key is not None) if db_path.exists() else db_path
    tmp = db_path.with_name(db_path.name + ".restoring")
    tmp.unlink(missing_ok=True)
    if key is None:
        shutil.copyfile(backup, tmp)
    else:
        db_cipher.export(backup, None, tmp, key)
    for suffix in ("-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    tmp.replace(db_path)
    if key is not None:
        _rewrap_for_restored(db_path, backup, key)
    log.info("database restored from %s%s", backup.name, " and encrypted again" if key is not None else "")
    return safety


def _rewrap_for_restored(db_path: Path, plain_backup: Path, key: bytes) -> None:
    """The key file of a database restored encrypted: wrapped under the restored database's own
    backup password when it keeps one (the one its staff know), else left as it was."""
    from commdesk.models import db_cipher
    from commdesk.models.backup_key import kept_key_at

    backup_key = kept_key_at(plain_backup)
    if backup_key is not None and backup_key.salt != db_cipher.sidecar_salt(db_path):
        db_cipher.write_sidecar(db_path, key, backup_key)


def _encrypted_copy(src: Path, dest_dir: Path, reason: str, secret: str | BackupKey) -> tuple[Path, Manifest]:
    """A consistent snapshot of ``src`` (beside it, removed after), encrypted into ``dest_dir`` as
    ``<name>-<time>-<reason>.cdbak`` and verified; older automatic copies there pruned."""
    from commdesk.models.backup_crypt import SUFFIX, encrypt_file
    from commdesk.models.plain_scratch import scratch_folder

    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(_("无法使用备份文件夹 {path}：{err}").format(path=dest_dir, err=write_failure(exc))) from exc
    with ExitStack() as stack:
        try:
            tmp = stack.enter_context(scratch_folder(src))
        except OSError as exc:
            raise UserError(_("备份失败：数据库所在的文件夹 {path} 不能写入临时快照（{err}）。数据库没有改动。").format(
                path=src.parent, err=write_failure(exc))) from exc
        try:
            snapshot = backup_file(src, tmp, "snapshot")
        except UserError as exc:
            raise UserError(_("备份失败：数据库所在的文件夹 {path} 写不下备份前的临时快照（{err}）。数据库没有改动。").format(
                path=src.parent, err=write_failure(exc.__cause__ or exc))) from exc
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        target = dest_dir / f"{src.stem}-{stamp}-{_safe(reason)}{SUFFIX}"
        manifest = encrypt_file(snapshot, target, secret)
    log.info("encrypted backup written: %s", target.name)
    _prune(dest_dir, src.stem)           # as backup_file does: the older automatic copies go
    return target, manifest


def backup_encrypted(database: object, secret: str | BackupKey, dest_dir: Path | None = None) -> tuple[Path, Manifest]:
    """The backup a user asks for: a consistent snapshot of the database, encrypted with the backup
    password (or the kept key) into ``dest_dir`` as ``<name>-<time>-manual.cdbak`` and verified;
    returns its path and manifest."""
    path = getattr(database, "path", None)
    if path is None:
        raise UserError(_("只有本机 SQLite 数据库可以这样备份。"))
    if dest_dir is None:
        from commdesk.paths import backups_dir

        dest_dir = backups_dir()
    return _encrypted_copy(Path(path), dest_dir, "manual", secret)


def restore_encrypted(backup: Path, db_path: Path, secret: str | BackupKey) -> Path:
    """Decrypt and verify ``backup`` beside the database, then restore it as :func:`restore_backup`
    does (the current file backed up first). A wrong password or a damaged file is refused before
    the live database is touched."""
    from commdesk.models.backup_crypt import decrypt_file

    if not backup.exists():
        raise UserError(_("备份文件不存在：{name}").format(name=backup.name))
    from commdesk.models.plain_scratch import scratch_folder

    try:
        with scratch_folder(db_path) as folder:   # removed after; left by a killed restore, removed at the next open
            plain = folder / f"{db_path.stem}-restore.sqlite3"
            decrypt_file(backup, plain, secret)
            return restore_backup(plain, db_path)
    except OSError as exc:
        raise UserError(_("无法恢复：{err}。当前数据库没有改动。").format(err=write_failure(exc))) from exc


def secret_for(backup: Path, password: str | None, key: BackupKey | None) -> str | BackupKey | None:
    """What opens ``backup``: None for a plain copy; the typed password; else the kept key when
    the backup was written with it (``UserError`` when neither)."""
    from commdesk.models.backup_crypt import is_encrypted_backup, key_matches

    if not is_encrypted_backup(backup):
        return None
    if password:
        return password
    if key is not None and key_matches(backup, key):
        return key
    raise UserError(_("“{name}”是加密备份，请输入备份密码").format(name=backup.name))


def restore_any(backup: Path, db_path: Path, password: str | None = None, key: BackupKey | None = None) -> Path:
    """Restore a plain or an encrypted backup (the password, or the kept key it was written with)."""
    secret = secret_for(backup, password, key)
    return restore_backup(backup, db_path) if secret is None else restore_encrypted(backup, db_path, secret)


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
    from commdesk.models.audit_anchor import record_head, reset_anchor

    if what == "restore_db":
        reset_anchor(database, "restore")     # the trail is the backup's now: anchored afresh
    else:
        record_head(database, "backup")
