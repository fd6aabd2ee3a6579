"""``commdesk backup [-o DIR]`` and ``commdesk restore FILE``: the whole database, not an import.

A backup asked for here is encrypted with a backup password (``COMMDESK_BACKUP_PASSWORD``, or
typed twice at a prompt); ``--remember`` (an administrator) keeps it as the automatic backups'
password (``models.backup_key``). ``restore`` takes an encrypted ``.cdbak`` (its password; an
automatic one written with this database's kept key needs none) or a plain automatic backup
(``.sqlite3`` in the user data folder).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from commdesk.cli.common import login_for, open_db
from commdesk.errors import UserError
from commdesk.i18n import _


PASSWORD_ENV = "COMMDESK_BACKUP_PASSWORD"


def backup_password(confirm: bool) -> str:
    """The backup password: from ``COMMDESK_BACKUP_PASSWORD``, else typed at the terminal."""
    value = os.environ.get(PASSWORD_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        raise UserError(_("需要备份密码：请设置环境变量 {env}，或在终端中运行以输入密码").format(env=PASSWORD_ENV))
    import getpass

    value = getpass.getpass(_("备份密码："))
    if confirm and getpass.getpass(_("再输入一次：")) != value:
        raise UserError(_("两次输入的备份密码不一致"))
    return value


def run_backup(args: argparse.Namespace) -> int:
    from commdesk.models.backup import audit_backup, backup_encrypted

    if args.remember:
        login_for(args, "settings")        # the automatic backups' password is an administrator's
    with open_db(args, create=False) as db:
        password = backup_password(confirm=True)
        if args.remember:
            from commdesk.models.backup_key import keep_backup_password

            secret: Any = keep_backup_password(db, password)
        else:
            secret = password
        target, manifest = backup_encrypted(db, secret, Path(args.output) if args.output else None)
        audit_backup(db, target, "backup")
    people = manifest.counts.get("resident", 0)  # type: ignore[attr-defined]
    print(_("已加密备份到 {path}（居民 {n} 人，已核对）").format(path=target, n=people))
    if args.remember:
        print(_("自动备份今后也用这个备份密码加密"))
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from commdesk.models.db import resolve_url
    from commdesk.models.lock import InstanceLock

    login_for(args, "restore")            # an administrator of today's database
    _url, path = resolve_url(getattr(args, "db", None))
    if path is None:
        raise UserError(_("只能恢复本机 SQLite 数据库"))
    from commdesk.models.backup import restore_any
    from commdesk.models.backup_crypt import is_encrypted_backup, key_matches
    from commdesk.models.backup_key import kept_key_at

    source = Path(args.backup)
    key = kept_key_at(path) if path.exists() else None
    password = None
    if is_encrypted_backup(source) and not (key is not None and key_matches(source, key)
                                            and not os.environ.get(PASSWORD_ENV)):
        password = backup_password(confirm=False)
    lock = InstanceLock(path)
    lock.acquire()
    try:
        safety = restore_any(source, path, password, key)
    finally:
        lock.release()
    from commdesk.models.backup import audit_backup
    from commdesk.models.db import open_database

    with open_database(path, create=False) as restored:       # the restore is in the restored trail
        audit_backup(restored, source, "restore_db")
    print(_("已从备份恢复。恢复前的数据库已另存为 {path}").format(path=safety))
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("backup", parents=[common], help=_("加密备份整个数据库（密码见 COMMDESK_BACKUP_PASSWORD）"))
    p.add_argument("-o", "--output", help=_("备份目录，可以是 U 盘（默认在用户数据目录）"))
    p.add_argument("--remember", action="store_true",
                   help=_("（管理员）今后的自动备份也用这个备份密码加密"))
    p.set_defaults(func=run_backup)

    p = sub.add_parser("restore", parents=[common], help=_("从备份恢复整个数据库（不是导入）"))
    p.add_argument("backup")
    p.set_defaults(func=run_restore)
