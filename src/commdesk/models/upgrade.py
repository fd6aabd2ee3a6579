"""The first start of a new version: back up, migrate, check, and on any failure put the old file back.

``open_database`` calls :func:`upgrade` (instead of ``migrate.upgrade`` directly) and
:func:`check_version`. On a SQLite file whose Alembic revision is older than ``HEAD``:

1. the file is copied to the backups folder (``backup.backup_database``, SQLite's online backup);
2. the rows of every table are counted;
3. Alembic migrates it to ``HEAD`` (``migrate.upgrade``);
4. the migrated file is checked: SQLite's integrity check and foreign keys, every table still has
   at least the rows it had (an upgrade keeps every record), the search index covers every
   resident, the audit chain verifies — the checks of ``commdesk check`` (services/integrity.py,
   which ``open_database``'s callers may pass as ``check``);
5. if anything in 3–4 fails, the backup is restored over the file and a :class:`UpgradeFailed`
   says in Chinese what happened, where the backup is, and that the old version still opens it.

A database from a newer schema is refused (:class:`~commdesk.errors.DatabaseTooNew`) naming both
versions, and nothing is written to it. No Qt here: the GUI shows the message.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, inspect, text

from commdesk import __version__
from commdesk.errors import DatabaseTooNew, UserError
from commdesk.i18n import _
from commdesk.models import migrate

log = logging.getLogger("commdesk.upgrade")

#: ``check(conn)`` returns an object with ``ok`` and ``problems`` (services.integrity.CheckReport).
Check = Callable[[Connection], Any]


class UpgradeFailed(UserError):
    """Migrating to this version failed; the database was put back as it was."""


def check_version(database: object) -> str | None:
    """The schema revision (None: an empty file); a revision this build does not know is refused."""
    rev = migrate.current_revision(database)
    if rev is not None and rev not in migrate.REVISIONS:
        raise DatabaseTooNew(_(
            "这个数据库由更新版本的 commdesk 创建：数据库的结构版本是 {rev}，本程序（commdesk {app}）"
            "只支持到结构版本 {head}。为了不损坏数据，没有打开也没有修改它。请升级 commdesk 后再打开。"
        ).format(rev=rev, app=__version__, head=migrate.HEAD))
    return rev


def _record_tables(conn: Connection) -> list[str]:
    """The tables that hold records: every ordinary table except Alembic's and the search index's
    own (FTS5 tables and their shadow tables are rebuilt from the records)."""
    names = inspect(conn).get_table_names()
    virtual = {r[0] for r in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type='table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")}
    shadows = {n for n in names if any(n.startswith(v + "_") for v in virtual)}
    return sorted(n for n in names if n not in virtual and n not in shadows
                  and n != "alembic_version" and not n.startswith("sqlite_"))


def count_records(conn: Connection) -> dict[str, int]:
    return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in _record_tables(conn)}


def store_check(conn: Connection) -> list[str]:
    """The store's own checks after a migration (what ``commdesk check`` reports as problems)."""
    from commdesk.models.audit_chain import verify_chain

    problems: list[str] = []
    rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
    if rows != ["ok"]:
        problems += [f"integrity: {r}" for r in rows[:5]]
    fk = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if fk:
        problems.append(f"foreign keys: {len(fk)} broken references (first in table {fk[0][0]})")
    tables = set(inspect(conn).get_table_names())
    if "resident" in tables:
        residents = conn.execute(text("SELECT count(*) FROM resident")).scalar_one()
        for fts in ("resident_fts_tri", "resident_fts_char"):
            if fts in tables:
                n = conn.execute(text(f"SELECT count(*) FROM {fts}")).scalar_one()
                if n != residents:
                    problems.append(f"search index {fts}: {n} rows for {residents} residents")
    if "audit_log" in tables:
        chain = verify_chain(conn)
        if not chain.ok:
            problems.append(f"audit chain: {chain.problem}")
    return problems


def _lost_records(before: dict[str, int], after: dict[str, int]) -> list[str]:
    return [f"{t}: {n} rows before, {after.get(t, 0)} after" for t, n in before.items()
            if n and after.get(t, 0) < n]


def upgrade(database: Any, check: Check | None = None) -> bool:
    """Bring the schema to HEAD, safely (see the module's docstring). True when it migrated."""
    rev = check_version(database)
    if rev == migrate.HEAD:
        return False
    path: Path | None = getattr(database, "path", None)
    if rev is None or path is None:
        # a new file has nothing to lose; a server migrates in one transaction (its DDL is transactional)
        return migrate.upgrade(database)
    from commdesk.models.backup import backup_database, restore_any
    from commdesk.models.backup_key import kept_key

    key = kept_key(database)       # the backup below is encrypted with it when there is one
    backup = backup_database(database, reason=f"before-migrate-{rev}-to-{migrate.HEAD}")
    log.info("backed up before upgrading schema %s to %s: %s", rev, migrate.HEAD, backup.name)
    engine = database.engine
    with engine.connect() as conn:
        before = count_records(conn)
    try:
        _migrate_and_check(database, before, check)
    except Exception as exc:  # noqa: BLE001 - every failure restores the backup, then is reported
        what = str(exc) if isinstance(exc, UpgradeFailed) else type(exc).__name__
        log.error("upgrade from schema %s to %s failed (%s); restoring %s", rev, migrate.HEAD, what,
                  backup.name, exc_info=not isinstance(exc, UpgradeFailed))
        engine.dispose()
        try:
            restore_any(backup, Path(path), key=key)
        except Exception as again:  # noqa: BLE001
            log.error("restoring %s failed: %s", backup.name, type(again).__name__)
            raise UpgradeFailed(_(
                "升级数据库（结构版本 {rev} → {head}）失败，而且没能自动恢复原来的文件。"
                "请不要再打开它，把备份文件 {backup} 复制回“{name}”，或联系技术支持。"
            ).format(rev=rev, head=migrate.HEAD, backup=backup, name=Path(path).name)) from exc
        raise UpgradeFailed(_(
            "升级数据库（结构版本 {rev} → {head}）时检查没有通过，数据库已恢复为升级前的样子，"
            "没有丢失任何记录。升级前的备份保存在：{backup}。旧版本的 commdesk 仍可以打开它；"
            "请把日志文件夹里的 commdesk.log 发给技术支持。"
        ).format(rev=rev, head=migrate.HEAD, backup=backup)) from exc
    log.info("upgraded schema %s to %s; records kept: %d tables", rev, migrate.HEAD, len(before))
    return True


def _migrate_and_check(database: Any, before: dict[str, int], check: Check | None) -> None:
    _alembic(database)  # not migrate.upgrade: the backup is taken above, with the counts
    with database.engine.connect() as conn:
        if migrate.current_revision(database) != migrate.HEAD:
            raise UpgradeFailed(f"schema is {migrate.current_revision(database)} after the migration")
        problems = _lost_records(before, count_records(conn)) + store_check(conn)
        if check is not None:
            problems += list(check(conn).problems)
    if problems:
        raise UpgradeFailed("; ".join(problems[:5]))


def _alembic(database: Any) -> None:
    from alembic import command

    with database.engine.begin() as conn:
        command.upgrade(migrate.alembic_config(conn), "head")
