"""Schema versions, backups before migrating, refusing newer and damaged files, ``--db`` forms.

Real SQLite files in temporary folders; the backups folder comes from the test's COMMDESK_HOME.
"""
from __future__ import annotations

import hashlib
import importlib
import json
import os
import pkgutil
import re
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text

from commdesk.errors import DatabaseDamaged, DatabaseTooNew, UserError
from commdesk.models import Base
from commdesk.models.db import open_database, resolve_url
from commdesk.models.lock import lock_path_for
from tests.conftest import lock_is_free
from commdesk.models.migrate import HEAD, MIGRATIONS_DIR, REVISIONS, alembic_config, current_revision, upgrade
from commdesk.paths import backups_dir
from commdesk.models.backup import KEEP_AUTOMATIC, backup_database, list_backups, restore_backup

CJK = re.compile(r"[\u4e00-\u9fff]")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _make_db(path: Path, rows: int = 3) -> Path:
    """A real commdesk database with a few settings rows, closed (WAL checkpointed)."""
    with open_database(path) as database, database.engine.begin() as conn:
        for i in range(rows):
            conn.execute(text("INSERT INTO setting(key, value) VALUES (:k, :v)"), {"k": f"k{i}", "v": str(i)})
    return path


def _settings(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT key, value FROM setting").fetchall())
    finally:
        conn.close()


def _version(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        conn.close()


def _set_version(path: Path, rev: str) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("UPDATE alembic_version SET version_num = ?", (rev,))
        conn.commit()
    finally:
        conn.close()


# --- versions --------------------------------------------------------------------------------

def test_head_matches_the_alembic_scripts() -> None:
    scripts = ScriptDirectory(str(MIGRATIONS_DIR))
    assert scripts.get_heads() == [HEAD]
    assert HEAD == REVISIONS[-1]
    oldest_first = [s.revision for s in reversed(list(scripts.walk_revisions()))]
    assert tuple(oldest_first) == REVISIONS


def test_fresh_file_gets_head(db_path: Path) -> None:
    assert not db_path.exists()
    with open_database(db_path) as database:
        assert current_revision(database) == HEAD
        assert upgrade(database) is False  # already at HEAD: nothing to do, no backup
    assert _version(db_path) == HEAD
    assert list_backups() == []


def test_empty_file_is_initialised(db_path: Path) -> None:
    db_path.touch()
    with open_database(db_path) as database:
        assert current_revision(database) == HEAD


def _import_every_model_module() -> list[str]:
    import commdesk.models as models_pkg

    names = []
    for info in pkgutil.iter_modules(models_pkg.__path__, "commdesk.models."):
        if not info.name.endswith(".migrations"):
            importlib.import_module(info.name)
            names.append(info.name)
    return names


def test_migrated_schema_matches_the_models(db: object) -> None:
    """Migrations and model classes agree (every model module imported, whoever registers it)."""
    _import_every_model_module()

    def ours(name: str | None, type_: str, parent: object) -> bool:
        return not (type_ == "table" and name is not None and name.startswith("resident_fts"))

    with db.engine.connect() as conn:  # type: ignore[attr-defined]
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": ours})
        assert compare_metadata(ctx, Base.metadata) == []
        tables = set(sa_inspect(conn).get_table_names())
    assert {"resident_fts_tri", "resident_fts_char", "alembic_version"} <= tables


_REGISTERED = textwrap.dedent("""
    import importlib, json, pkgutil
    import commdesk.models as models
    from commdesk.models import Base
    registered = set(Base.metadata.tables)
    missing = {}
    for info in pkgutil.iter_modules(models.__path__, "commdesk.models."):
        if info.name.endswith(".migrations"):
            continue
        before = set(Base.metadata.tables)
        importlib.import_module(info.name)
        added = sorted(set(Base.metadata.tables) - before)
        if added:
            missing[info.name] = added
    print(json.dumps(missing))
""")


def test_importing_commdesk_models_registers_every_table() -> None:
    """``import commdesk.models`` alone (what env.py does) must register every model (fresh interpreter)."""
    result = subprocess.run([sys.executable, "-c", _REGISTERED], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {}


@pytest.mark.parametrize("kw", [{}, {"migrate": False}, {"readonly": True}])
def test_newer_database_is_refused_and_left_untouched(db_path: Path, kw: dict[str, bool]) -> None:
    _make_db(db_path)
    _set_version(db_path, "9999")
    before = _digest(db_path)
    with pytest.raises(DatabaseTooNew) as excinfo:
        open_database(db_path, **kw)
    message = str(excinfo.value)
    assert "9999" in message and "升级" in message and CJK.search(message)
    assert isinstance(excinfo.value, UserError)
    assert _digest(db_path) == before
    assert _version(db_path) == "9999"
    assert lock_is_free(db_path)  # the lock was given back
    assert list_backups() == []


def test_newer_database_in_rollback_journal_mode_is_left_untouched(db_path: Path) -> None:
    """Even the header's journal mode must not change on a file this build may not touch."""
    _make_db(db_path)
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    before = _digest(db_path)
    with pytest.raises(DatabaseTooNew):
        open_database(db_path)
    assert _digest(db_path) == before


@pytest.mark.skipif(len(REVISIONS) < 2, reason="only one schema revision so far: see the backup tests below")
def test_older_database_is_backed_up_then_migrated(db_path: Path) -> None:
    from alembic import command

    _make_db(db_path)
    older = REVISIONS[-2]
    with open_database(db_path, migrate=False) as database, database.engine.begin() as conn:
        command.downgrade(alembic_config(conn), older)  # type: ignore[arg-type]
    assert _version(db_path) == older
    with open_database(db_path) as database:
        assert current_revision(database) == HEAD
    backups = list_backups()
    assert len(backups) == 1 and f"before-migrate-{older}-to-{HEAD}" in backups[0].name
    assert _version(backups[0]) == older
    assert _settings(backups[0]) == _settings(db_path)


# --- backup and restore ----------------------------------------------------------------------

@pytest.mark.sqlite_only(reason="the file backup of a SQLite database")
def test_backup_goes_to_the_backups_folder_and_is_consistent(db: object, db_path: Path) -> None:
    with db.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(text("INSERT INTO setting(key, value) VALUES ('only-in-wal', '1')"))
    assert Path(str(db_path) + "-wal").stat().st_size > 0  # committed but not checkpointed
    target = backup_database(db, reason="before-migrate-0001-to-0002")
    assert target.parent == backups_dir() == Path(os.environ["COMMDESK_HOME"]) / "backups"
    assert target.name.startswith(db_path.stem + "-") and target.name.endswith(
        "-before-migrate-0001-to-0002.sqlite3")
    assert list_backups() == [target]
    assert _settings(target) == {"only-in-wal": "1"}
    conn = sqlite3.connect(target)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (HEAD,)
    finally:
        conn.close()


@pytest.mark.sqlite_only(reason="the file backup of a SQLite database")
def test_backup_keeps_the_last_automatic_ones_and_every_manual_one(db: object, tmp_path: Path) -> None:
    dest = tmp_path / "bk"
    manual = [backup_database(db, reason="manual", dest_dir=dest) for _ in range(2)]
    automatic = [backup_database(db, reason="before-migrate", dest_dir=dest) for _ in range(KEEP_AUTOMATIC + 2)]
    left = set(dest.glob("*.sqlite3"))
    assert set(manual) <= left
    assert left - set(manual) == set(automatic[-KEEP_AUTOMATIC:])


def test_backup_restore_round_trip(tmp_path: Path) -> None:
    path = _make_db(tmp_path / "office.sqlite3", rows=2)
    with open_database(path) as database:
        backup = backup_database(database)
        with database.engine.begin() as conn:
            conn.execute(text("DELETE FROM setting"))
            conn.execute(text("INSERT INTO setting(key, value) VALUES ('after', 'x')"))
    safety = restore_backup(backup, path)
    assert not Path(str(path) + "-wal").exists() and not Path(str(path) + "-shm").exists()
    assert _settings(path) == {"k0": "0", "k1": "1"}
    assert _settings(safety) == {"after": "x"}  # the replaced database was kept
    assert safety.parent == tmp_path / "backups-before-restore"
    with open_database(path) as database:
        assert current_revision(database) == HEAD


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    path = _make_db(tmp_path / "office.sqlite3")
    before = _digest(path)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(os.urandom(8192))
    with pytest.raises(UserError):
        restore_backup(junk, path)
    with pytest.raises(UserError):
        restore_backup(tmp_path / "missing.sqlite3", path)
    assert _digest(path) == before


def test_restore_refuses_a_damaged_backup(tmp_path: Path) -> None:
    path = _make_db(tmp_path / "office.sqlite3")
    with open_database(path) as database:
        backup = backup_database(database)
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(backup.read_bytes()[:5000])  # a valid header, then cut off
    before = _digest(path)
    with pytest.raises(UserError) as excinfo:
        restore_backup(damaged, path)
    assert "damaged.sqlite3" in str(excinfo.value) and CJK.search(str(excinfo.value))
    assert _digest(path) == before


def test_backup_of_a_database_in_a_folder_with_hash_sign(tmp_path: Path) -> None:
    folder = tmp_path / "社区#1"
    folder.mkdir()
    path = _make_db(folder / "office.sqlite3", rows=2)
    with open_database(path) as database:
        backup = backup_database(database, dest_dir=tmp_path / "bk")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bk", "社区#1"]  # no stray "社区" file
    assert _settings(backup) == {"k0": "0", "k1": "1"}


# --- damaged and foreign files ---------------------------------------------------------------

def test_random_bytes_are_refused_untouched(db_path: Path) -> None:
    db_path.write_bytes(os.urandom(4096))
    before = _digest(db_path)
    with pytest.raises(DatabaseDamaged) as excinfo:
        open_database(db_path)
    assert db_path.name in str(excinfo.value) and CJK.search(str(excinfo.value))
    assert _digest(db_path) == before
    assert lock_is_free(db_path)
    assert sorted(p.name for p in db_path.parent.iterdir()) == [db_path.name]


def test_text_file_is_refused(db_path: Path) -> None:
    db_path.write_text("户号,姓名\nH1,张三\n", encoding="utf-8")
    with pytest.raises(DatabaseDamaged):
        open_database(db_path)
    with pytest.raises(DatabaseDamaged):
        open_database(db_path, readonly=True)


@pytest.mark.parametrize("keep", [5000, 20000, 60000])
def test_truncated_sqlite_file_is_a_user_error(tmp_path: Path, keep: int) -> None:
    good = tmp_path / "good.sqlite3"
    with open_database(good) as database, database.engine.begin() as conn:
        conn.execute(text("INSERT INTO setting(key, value) VALUES (:k, :v)"),
                      [{"k": f"k{i}", "v": "x" * 200} for i in range(400)])
    assert good.stat().st_size > keep
    cut = tmp_path / "cut.sqlite3"
    cut.write_bytes(good.read_bytes()[:keep])
    with pytest.raises(UserError) as excinfo:
        open_database(cut)
    assert CJK.search(str(excinfo.value))
    assert lock_is_free(cut)
    # the app stays usable: another file opens fine afterwards
    with open_database(good) as database, database.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM setting").scalar() == 400


def test_foreign_sqlite_file_is_refused_untouched(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE moz_places(id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places(url) VALUES ('about:blank')")
    conn.commit()
    conn.close()
    before = _digest(db_path)
    try:
        database = open_database(db_path)
    except DatabaseDamaged:
        pass
    else:
        database.close()
        pytest.fail("an unrelated SQLite file was opened as a commdesk database")
    assert _digest(db_path) == before


# --- --db forms ------------------------------------------------------------------------------

def test_resolve_url_plain_path_and_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    url, path = resolve_url("rel.sqlite3")
    assert path == tmp_path.resolve() / "rel.sqlite3"
    assert url == f"sqlite+pysqlite:///{path.as_posix()}"
    absolute = tmp_path / "abs.sqlite3"
    assert resolve_url(f"sqlite:///{absolute}") == (f"sqlite:///{absolute}", absolute.resolve())
    assert resolve_url("sqlite://") == ("sqlite://", None)
    assert resolve_url("postgresql://u@server/commdesk") == ("postgresql+psycopg://u@server/commdesk", None)
    assert resolve_url("postgres://u@server/commdesk") == ("postgresql+psycopg://u@server/commdesk", None)
    url, path = resolve_url(None)
    assert path == Path(os.environ["COMMDESK_HOME"]).resolve() / "commdesk.sqlite3"


def test_url_and_plain_path_open_the_same_file_and_share_the_lock(tmp_path: Path) -> None:
    path = _make_db(tmp_path / "office.sqlite3", rows=2)
    with open_database(f"sqlite:///{path}") as database:
        assert database.path == path.resolve()
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM setting").scalar() == 2
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        with pytest.raises(UserError):
            open_database(path)
    with open_database(path) as database:
        assert current_revision(database) == HEAD


def test_0007_rebuilds_the_search_rows_of_addresses_whose_parts_carry_their_word(db_path: Path) -> None:
    """Before 0007 a split address 8号楼 / 3单元 / 1601室 was indexed as 8号楼栋3单元单元1601室室."""
    from alembic import command
    from sqlalchemy import text

    from commdesk.services import community
    from commdesk.services import households as hh
    from commdesk.services.resident_form import HouseholdForm, ResidentForm

    with open_database(db_path) as database:
        with database.Session.begin() as s:
            community.create_community(s, "幸福里社区")
            grid = community.ensure_grid(s, "第一网格")
            s.flush()
            _c, hid = hh.create_household(s, HouseholdForm(household_no="H1", grid_id=grid.id, estate="幸福家园",
                                                           building="8号楼", unit="3单元", room="1601室"))
            hh.add_resident(s, hid, ResidentForm(name="王芳", gender="女", relation="户主"))
        with database.engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0006")  # type: ignore[arg-type]
            conn.execute(text("UPDATE resident_fts_tri SET body = '王芳 | H1 | 幸福家园8号楼栋3单元单元1601室室'"))
    with open_database(db_path) as database, database.engine.connect() as conn:
        assert conn.execute(text("SELECT body FROM resident_fts_tri")).scalars().all() == \
            ["王芳 | H1 | 幸福家园8号楼3单元1601室"]
