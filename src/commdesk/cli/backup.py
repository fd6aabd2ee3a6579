"""``commdesk backup [-o DIR]`` and ``commdesk restore FILE``: the whole database, not an import."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from commdesk.cli.common import open_db
from commdesk.errors import UserError
from commdesk.i18n import _


def run_backup(args: argparse.Namespace) -> int:
    from commdesk.models.backup import backup_database

    with open_db(args, create=False) as db:
        target = backup_database(db, reason="manual", dest_dir=Path(args.output) if args.output else None)
    print(_("已备份到 {path}").format(path=target))
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from commdesk.models.backup import restore_backup
    from commdesk.models.db import resolve_url
    from commdesk.models.lock import InstanceLock

    _url, path = resolve_url(getattr(args, "db", None))
    if path is None:
        raise UserError(_("只能恢复本机 SQLite 数据库"))
    lock = InstanceLock(path)
    lock.acquire()
    try:
        safety = restore_backup(Path(args.backup), path)
    finally:
        lock.release()
    print(_("已从备份恢复。恢复前的数据库已另存为 {path}").format(path=safety))
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("backup", parents=[common], help=_("备份数据库"))
    p.add_argument("-o", "--output", help=_("备份目录（默认在用户数据目录）"))
    p.set_defaults(func=run_backup)

    p = sub.add_parser("restore", parents=[common], help=_("从备份恢复整个数据库（不是导入）"))
    p.add_argument("backup")
    p.set_defaults(func=run_restore)
