"""Schema versions: migrate on start after a backup; refuse a database newer than this app.

``HEAD`` is the newest revision this build knows (a test checks it matches the scripts). On a
fresh file the migrations build the schema; on an older one the file is first copied to the
backups folder with SQLite's online backup API, then upgraded in one transaction.
"""
from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import inspect, text

from commdesk.errors import DatabaseDamaged, DatabaseTooNew
from commdesk.i18n import _

log = logging.getLogger("commdesk.migrate")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _known_revisions() -> tuple[str, ...]:
    """Revision ids are the 4-digit prefixes of the scripts (``0002_import_batches.py``), in order;
    read from the folder so that adding a migration needs no edit here (and no alembic import)."""
    names = (p.name for p in (MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    return tuple(sorted(n[:4] for n in names))


#: Every revision this build knows, oldest first.
REVISIONS = _known_revisions()
HEAD = REVISIONS[-1]


def current_revision(database: object) -> str | None:
    """The schema revision; None for an empty file. A database that has tables but is not
    commdesk's (no alembic_version) is refused untouched."""
    engine = database.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            others = [t for t in inspect(conn).get_table_names() if not t.startswith("sqlite_")]
            if others:
                raise DatabaseDamaged(_("这个文件是其他程序的数据库，不是 commdesk 数据库，没有做任何修改。"
                                        "请打开 commdesk 的数据库文件。"))
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return row[0] if row else None


def check_version(database: object) -> str | None:
    rev = current_revision(database)
    if rev is not None and rev not in REVISIONS:
        raise DatabaseTooNew(_("这个数据库由更新版本的 commdesk 创建（版本 {rev}），本程序无法安全打开。"
                               "请升级 commdesk 后再打开。").format(rev=rev))
    return rev


def alembic_config(connection: object) -> object:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(database: object) -> bool:
    """Bring the schema to HEAD. Returns True when something was migrated."""
    rev = check_version(database)
    if rev == HEAD:
        return False
    path = getattr(database, "path", None)
    if rev is not None and path is not None:
        from commdesk.models.backup import backup_database

        target = backup_database(database, reason=f"before-migrate-{rev}-to-{HEAD}")
        log.info("backed up before migration to %s", target.name)
    from alembic import command

    engine = database.engine  # type: ignore[attr-defined]
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    log.info("database migrated from %s to %s", rev, HEAD)
    return True
