"""The backup password of the automatic backups.

An administrator sets it once (设置 → 备份, or ``commdesk backup --remember``). What is kept is
not the password but the key scrypt derives from it, with its salt (:class:`BackupKey`), in the
database's ``setting`` table under :data:`KEY`, outside the declared settings, so it is never
shown, exported as a setting or written into the audit trail (the audit says only that it was
set). Every automatic backup (daily, before an import, a migration, a restore) is then an
encrypted ``.cdbak`` that the application opens by itself while this database is there, and
that opens anywhere else with the password alone: the salt is in each file's header.

Keeping the key in the database gives it the database's own protection (the same PC, the same
folder; with SQLCipher on, encrypted too): a backup file that leaves the PC, the reason backups
are encrypted at all, is unreadable without the password. Without a kept key the automatic
backups stay plain SQLite copies in the user's data folder, and 设置 says so.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import text

from commdesk.i18n import _
from commdesk.models.backup_crypt import BackupKey, derive

log = logging.getLogger("commdesk.backup")
KEY = "backup.key"


def kept_key(database: Any) -> BackupKey | None:
    """The automatic backups' key of an open database (None: none set, or unreadable)."""
    try:
        with database.engine.connect() as conn:
            value = conn.execute(text("SELECT value FROM setting WHERE key = :k"), {"k": KEY}).scalar()
    except Exception as exc:  # noqa: BLE001 - an old schema or a server without the table: no key
        log.debug("no backup key readable: %s", type(exc).__name__)
        return None
    return _parse(value)


def kept_key_at(db_path: Path) -> BackupKey | None:
    """The same for a database file that is not open (before a restore from the command line)."""
    from commdesk.errors import UserError
    from commdesk.models import db_cipher

    try:
        conn = db_cipher.connect(db_path, readonly=True)     # plain, or encrypted with the key known here
        try:
            row = conn.execute("SELECT value FROM setting WHERE key = ?", (KEY,)).fetchone()
        finally:
            conn.close()
    except (UserError, *db_cipher.db_errors()):
        return None
    return _parse(row[0]) if row else None


def _parse(value: Any) -> BackupKey | None:
    if not value:
        return None
    try:
        return BackupKey.from_json(value)
    except (ValueError, KeyError, TypeError):
        log.warning("the kept backup key is unreadable; automatic backups are plain until it is set again")
        return None


def keep_backup_password(database: Any, password: str) -> BackupKey:
    """Derive a key from ``password`` (at least 8 characters, else ``UserError``), keep it as the
    automatic backups' key and audit that it was set (never the value)."""
    from commdesk.models.audit import audit_event
    from commdesk.models.settings import Setting

    key = derive(password)
    with database.Session() as session:
        row = session.get(Setting, KEY)
        replaced = row is not None
        if row is None:
            session.add(Setting(key=KEY, value=key.to_json()))
        else:
            row.value = key.to_json()
        audit_event(session, "backup_key", _("更改了自动备份的备份密码") if replaced else _("设置了自动备份的备份密码"),
                    table_name="setting")
        session.commit()
    _rewrap_database_key(database, key)
    return key


def _rewrap_database_key(database: Any, key: BackupKey) -> None:
    """An encrypted database's key file follows the backup password: wrapped again under the new
    one, so the password staff know today is the one that opens it (``models.db_cipher``)."""
    from commdesk.models import db_cipher

    path = getattr(database, "path", None)
    if path is None or not getattr(database, "encrypted", False):
        return
    db_key = db_cipher.known_key(path)
    if db_key is None:       # pragma: no cover - an open encrypted database's key is known
        log.warning("the database key file was not re-wrapped: the key is not known here")
        return
    db_cipher.write_sidecar(path, db_key, key)
