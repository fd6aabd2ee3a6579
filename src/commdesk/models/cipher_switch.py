"""Turning the encryption of a local database file on and off (``commdesk encrypt-db`` /
``decrypt-db``, 设置 → 数据库加密): the one sequence both front ends run on a closed database.

Encrypting:

1. the driver is there, the database is a local SQLite file, not yet encrypted;
2. the single-instance lock is taken (no other commdesk has it open) and kept to the end;
3. the database has a kept backup password (``models.backup_key``): without it a lost keyring
   entry would lose the data, so encryption is refused;
4. an automatic backup (encrypted with that password) is made first;
5. a new random key goes into the key file beside the database (wrapped under the backup key)
   and into the OS keyring — both before the file changes, so the file is never without its key;
6. the file is converted in place (``db_cipher.encrypt_database``: checked, then swapped);
7. the act is written into the audit trail of the converted database.

Decrypting is the mirror: the key (keyring or backup password), a backup, the conversion, then the
key file and the keyring entry removed, the audit entry. Any failure before the swap leaves the
file as it was; the key file and keyring entry written for a conversion that failed are removed.
"""
from __future__ import annotations

import logging
from pathlib import Path

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.models import db_cipher

log = logging.getLogger("commdesk.db_cipher")

NEEDS_BACKUP_PASSWORD = ("加密数据库之前，必须先设置备份密码（设置 → 备份，或 commdesk backup --remember）："
                         "本机的数据库钥匙万一丢失（重装系统、换了 Windows 账户），只能用备份密码找回数据。")


def _check_local(db_path: Path | None) -> Path:
    if db_path is None:
        raise UserError(_("服务器上的数据库不能在这里加密：请由服务器管理员加密服务器的磁盘（例如 BitLocker）。"))
    if not db_path.exists():
        raise UserError(_("数据库文件不存在：{name}").format(name=db_path.name))
    return db_path


def encrypt(db_path: Path | None) -> Path:
    """Encrypt the closed local database ``db_path`` (see the module docstring); returns the backup
    made before. ``UserError`` for every refusal, the file then as it was."""
    from commdesk.models.backup import backup_database
    from commdesk.models.backup_key import kept_key
    from commdesk.models.db import open_database
    from commdesk.models.lock import InstanceLock

    db_cipher.require_driver()
    path = _check_local(db_path)
    if db_cipher.is_encrypted_file(path):
        raise UserError(_("数据库已经是加密的。"))
    lock = InstanceLock(path)
    lock.acquire()
    try:
        with open_database(path, lock=False, create=False) as database:
            backup_key = kept_key(database)
            if backup_key is None:
                raise UserError(_(NEEDS_BACKUP_PASSWORD))
            before = backup_database(database, "before-encrypt")
        key = db_cipher.new_key()
        db_cipher.write_sidecar(path, key, backup_key)
        if not db_cipher.store_in_keyring(path, key):
            db_cipher.sidecar_path(path).unlink(missing_ok=True)
            raise UserError(_("系统凭据管理器不能保存数据库的钥匙，数据库没有加密。"))
        try:
            db_cipher.encrypt_database(path, key)
        except BaseException:
            if not db_cipher.is_encrypted_file(path):
                db_cipher.sidecar_path(path).unlink(missing_ok=True)
                db_cipher.forget_keyring(path)
                db_cipher.forget(path)
            raise
        _audit(path, "db_encrypt", _("加密了数据库文件（SQLCipher）"))
    finally:
        lock.release()
    return before


def decrypt(db_path: Path | None) -> Path:
    """Turn the encryption of the closed local database off; returns the backup made before."""
    from commdesk.models.backup import backup_database
    from commdesk.models.db import open_database
    from commdesk.models.lock import InstanceLock

    path = _check_local(db_path)
    if not db_cipher.is_encrypted_file(path):
        raise UserError(_("数据库没有加密。"))
    db_cipher.require_driver()
    lock = InstanceLock(path)
    lock.acquire()
    try:
        key = db_cipher.database_key(path)
        with open_database(path, lock=False, create=False) as database:
            before = backup_database(database, "before-decrypt")
        db_cipher.decrypt_database(path, key)
        db_cipher.sidecar_path(path).unlink(missing_ok=True)
        db_cipher.forget_keyring(path)
        _audit(path, "db_decrypt", _("取消了数据库文件的加密"))
    finally:
        lock.release()
    return before


def _audit(path: Path, action: str, summary: str) -> None:
    from commdesk.models.audit import audit_event
    from commdesk.models.db import open_database

    with open_database(path, lock=False, create=False) as database, database.Session() as session:
        audit_event(session, action, summary, table_name="event")
        session.commit()
