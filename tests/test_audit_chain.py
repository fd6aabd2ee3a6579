"""The audit trail is a hash chain: an entry altered, deleted or inserted with a plain SQLite tool
behind the application's back is named by ``commdesk audit verify``."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from commdesk.cli import main
from commdesk.models.audit_chain import verify_chain
from commdesk.models.db import open_database
from tests.gui_support import seed_small_community


@pytest.fixture
def trail(tmp_path: Path) -> Path:
    """A database whose audit trail the application wrote (several entries), closed."""
    path = tmp_path / "审计.sqlite3"
    database = open_database(path)
    try:
        seed_small_community(database)
        from commdesk.models import Resident

        with database.Session() as s:
            rid = s.query(Resident.id).order_by(Resident.id).first()[0]
        for note in ("第一次", "第二次", "第三次"):
            with database.Session.begin() as s:
                s.get(Resident, rid).notes = note
        with database.engine.connect() as conn:
            n = conn.execute(text("SELECT count(*) FROM audit_log")).scalar()
            assert n >= 6
            assert conn.execute(text("SELECT count(*) FROM audit_log WHERE hash = ''")).scalar() == 0
    finally:
        database.close()
    return path


def _verify(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["audit", "verify", "--db", str(path)])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).strip()


def _unguarded(conn: sqlite3.Connection) -> sqlite3.Connection:
    """What someone tampering must do first: the guards refuse an UPDATE or DELETE of an entry."""
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("DROP TRIGGER audit_no_delete")
    return conn


def _ids(path: Path) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM audit_log ORDER BY id")]


def test_an_intact_trail_verifies(trail: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _verify(trail, capsys)
    assert code == 0 and f"共 {len(_ids(trail))} 条" in out


def test_an_altered_entry_is_named(trail: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = _ids(trail)[2]
    with sqlite3.connect(trail) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE audit_log SET summary = '没有改过' WHERE id = ?", (target,))
        _unguarded(conn).execute("UPDATE audit_log SET summary = '没有改过' WHERE id = ?", (target,))
    code, out = _verify(trail, capsys)
    lines = out.splitlines()
    assert code == 1 and f"第 {target} 号记录的内容被改动过" in out
    assert sorted(line for line in lines if line.startswith("注意")) == [
        "注意：防改防删触发器“audit_no_delete”被删除或停用了", "注意：防改防删触发器“audit_no_update”被删除或停用了"]
    assert len(lines) == 3


def test_a_deleted_entry_is_named_by_the_one_after_it(trail: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = _ids(trail)
    with sqlite3.connect(trail) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM audit_log WHERE id = ?", (ids[3],))
        _unguarded(conn).execute("DELETE FROM audit_log WHERE id = ?", (ids[3],))
    code, out = _verify(trail, capsys)
    assert code == 1 and f"第 {ids[4]} 号记录之前的记录被删除或改动过" in out


def test_an_inserted_entry_is_named(trail: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with sqlite3.connect(trail) as conn:
        # a plain tool cannot insert while the trigger is there (it lacks the hash function) …
        with pytest.raises(sqlite3.OperationalError, match="commdesk_audit_hash"):
            conn.execute("INSERT INTO audit_log (at, user, table_name, action, changes, summary, record_uuid)"
                         " VALUES ('2026-01-01 00:00:00', 'x', 'resident', 'update', '{}', '伪造', '')")
        # … so it drops the trigger first, and the row it inserts has no valid hash
        conn.execute("DROP TRIGGER audit_chain")
        cur = conn.execute("INSERT INTO audit_log (at, user, table_name, action, changes, summary, record_uuid,"
                           " prev_hash, hash) VALUES ('2026-01-01 00:00:00', 'x', 'resident', 'update', '{}', '伪造',"
                           " '', '', '')")
        forged = cur.lastrowid
    code, out = _verify(trail, capsys)
    assert code == 1 and f"第 {forged} 号记录不是程序写入的" in out


def test_a_copied_hash_does_not_hide_an_edit(trail: Path) -> None:
    """Changing an entry and copying the next entry's links over does not make the chain fit."""
    ids = _ids(trail)
    with sqlite3.connect(trail) as conn:
        _unguarded(conn).execute("UPDATE audit_log SET user = 'someone', hash = (SELECT hash FROM audit_log WHERE id = ?)"
                     " WHERE id = ?", (ids[2], ids[1]))
    database = open_database(trail, readonly=True)
    try:
        with database.engine.connect() as conn:
            report = verify_chain(conn)
    finally:
        database.close()
    assert not report.ok and report.bad_id == ids[1]


def test_the_migration_seals_the_entries_already_there(tmp_path: Path) -> None:
    from alembic import command

    from commdesk.models.migrate import alembic_config

    path = tmp_path / "旧库.sqlite3"
    database = open_database(path, migrate=False)
    try:
        with database.engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0007")
            for i in range(3):
                conn.execute(text("INSERT INTO audit_log (at, user, table_name, record_uuid, action, changes, summary)"
                                  " VALUES ('2025-01-0%d 08:00:00', 'cli', 'resident', '', 'update', '{}', '旧记录')" % (i + 1)))
    finally:
        database.close()
    database = open_database(path)    # migrates to the head
    try:
        with database.engine.connect() as conn:
            report = verify_chain(conn)
            assert conn.execute(text("SELECT count(*) FROM audit_log WHERE hash = ''")).scalar() == 0
    finally:
        database.close()
    assert report.ok and report.entries == 3


def test_audit_list_filters(trail: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["audit", "list", "--db", str(trail), "--action", "update", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3 and {r["action"] for r in rows} == {"update"}
    assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)
    assert main(["audit", "list", "--db", str(trail), "--since", "2999-01-01"]) == 0
    assert "没有符合条件的审计记录" in capsys.readouterr().out
    assert main(["audit", "list", "--db", str(trail), "--since", "昨天"]) == 1
    assert "日期格式不对" in capsys.readouterr().err


def test_check_reports_a_broken_chain(trail: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--db", str(trail)]) == 0
    capsys.readouterr()
    target = _ids(trail)[1]
    with sqlite3.connect(trail) as conn:
        _unguarded(conn).execute("UPDATE audit_log SET user = 'someone' WHERE id = ?", (target,))
    assert main(["check", "--db", str(trail)]) == 1
    assert f"第 {target} 号记录的内容被改动过" in capsys.readouterr().err
