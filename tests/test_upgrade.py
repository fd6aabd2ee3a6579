"""Upgrades keep every record: a database of each older schema (tests/data/schemas, made by
make_schema_fixtures.py from generated data) opens at HEAD with every record, backed up first; a
failing migration or check puts the old file back and says so in Chinese; a newer schema is
refused naming both versions, untouched."""
from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from commdesk import __version__
from commdesk.errors import DatabaseTooNew
from commdesk.models import migrate, upgrade
from commdesk.models.backup import list_backups
from commdesk.models.db import open_database

SCHEMAS = Path(__file__).resolve().parent / "data" / "schemas"
FIXTURES = sorted(SCHEMAS.glob("schema-*.sqlite"))

pytestmark = pytest.mark.sqlite_only(reason="file fixtures, backups and restores of SQLite files")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        from sqlalchemy import create_engine

        engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
        with engine.connect() as c:
            counts = upgrade.count_records(c)
        engine.dispose()
        return counts
    finally:
        conn.close()


def _version(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        conn.close()


def _copy(fixture: Path, tmp_path: Path) -> Path:
    target = tmp_path / "commdesk.sqlite3"
    shutil.copyfile(fixture, target)
    return target


def test_there_is_a_fixture_for_every_older_revision() -> None:
    have = {p.stem.split("-")[1] for p in FIXTURES}
    # a migration added after the fixtures were made: its predecessor (the last release) is missing
    missing = [r for r in migrate.REVISIONS[:-2] if r not in have]
    assert missing == [], f"run tests/data/make_schema_fixtures.py (missing {missing})"


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_each_older_schema_upgrades_keeping_every_record(fixture: Path, tmp_path: Path) -> None:
    db_path = _copy(fixture, tmp_path)
    old = _version(db_path)
    before = _counts(db_path)
    assert before.get("resident", 0) > 0
    with open_database(db_path) as database:
        assert migrate.current_revision(database) == migrate.HEAD
    after = _counts(db_path)
    assert all(after[t] >= n for t, n in before.items()), (before, after)
    backups = list_backups()
    assert len(backups) == 1 and f"before-migrate-{old}-to-{migrate.HEAD}" in backups[0].name
    assert _version(backups[0]) == old
    with open_database(db_path) as database:  # the second start: nothing to do, no new backup
        assert migrate.current_revision(database) == migrate.HEAD
    assert len(list_backups()) == 1


def test_a_failing_check_restores_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db_path = _copy(FIXTURES[-1], tmp_path)
    old = _version(db_path)
    before = _counts(db_path)
    monkeypatch.setattr(upgrade, "store_check", lambda conn: ["search index resident_fts_tri: 0 rows for 9 residents"])
    with pytest.raises(upgrade.UpgradeFailed) as excinfo:
        open_database(db_path)
    message = str(excinfo.value)
    assert "已恢复" in message and old in message and migrate.HEAD in message and "备份" in message
    assert _version(db_path) == old and _counts(db_path) == before  # the old file's records, at its schema
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_failing_migration_restores_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db_path = _copy(FIXTURES[0], tmp_path)   # the oldest: every migration runs
    before_counts = _counts(db_path)
    real = upgrade._alembic

    def half_then_fail(database: object) -> None:
        from alembic import command

        with database.engine.begin() as conn:  # type: ignore[attr-defined]
            command.upgrade(migrate.alembic_config(conn), migrate.REVISIONS[len(migrate.REVISIONS) // 2])
        raise RuntimeError("disk I/O error in the middle of a migration")

    monkeypatch.setattr(upgrade, "_alembic", half_then_fail)
    with pytest.raises(upgrade.UpgradeFailed) as excinfo:
        open_database(db_path)
    assert "恢复为升级前" in str(excinfo.value)
    assert _version(db_path) == migrate.REVISIONS[0]
    assert _counts(db_path) == before_counts
    monkeypatch.setattr(upgrade, "_alembic", real)
    with open_database(db_path) as database:   # the next start upgrades it properly
        assert migrate.current_revision(database) == migrate.HEAD


@pytest.mark.parametrize("kw", [{}, {"readonly": True}])
def test_a_newer_schema_is_refused_naming_both_versions(tmp_path: Path, kw: dict[str, bool]) -> None:
    db_path = _copy(FIXTURES[-1], tmp_path)
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9001'")
    before = _digest(db_path)
    with pytest.raises(DatabaseTooNew) as excinfo:
        open_database(db_path, **kw)
    message = str(excinfo.value)
    assert "9001" in message and migrate.HEAD in message and __version__ in message and "升级" in message
    assert _digest(db_path) == before
    assert list_backups() == []
