"""The chain's head anchored outside the database: entries cut off the end of the trail (which
leaves a valid chain) and a trail swapped for an older copy are found by ``audit verify``; the
anchor never moves onto a cut trail; a restore and an administrator's ``--reset-anchor`` start it
afresh, audited."""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from commdesk.cli import main
from commdesk.models.audit_anchor import anchor_file, latest, record_head, verify_trail
from commdesk.models.db import open_database

pytestmark = pytest.mark.sqlite_only(reason="the anchors of SQLite files; the server's: test_postgres")


def _verify(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["audit", "verify", "--db", str(path)])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).strip()


def _edit(path: Path, n: int) -> None:
    """``n`` audited changes through the application, then close (which anchors)."""
    with open_database(path) as database:
        from commdesk.models import Resident

        with database.Session() as s:
            rid = s.query(Resident.id).order_by(Resident.id).first()[0]
        for i in range(n):
            with database.Session.begin() as s:
                s.get(Resident, rid).notes = f"第 {i} 次"


def _cut(path: Path, keep_below: int) -> None:
    """Cut the end of the trail as someone with an SQLite tool would (guard dropped first)."""
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER audit_no_delete")
        conn.execute("DELETE FROM audit_log WHERE id >= ?", (keep_below,))
        conn.execute("CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log "
                     "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: an entry cannot be deleted'); END")


def _last_id(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]


@pytest.fixture
def office(tmp_path: Path) -> Path:
    path = tmp_path / "幸福里.sqlite3"
    assert main(["demo", "--db", str(path), "--households", "4"]) == 0
    _edit(path, 3)
    return path


def test_every_close_anchors_the_head(office: Path, commdesk_home: Path) -> None:
    with open_database(office, readonly=True) as database:
        anchor = latest(database)
        file = anchor_file(database)
    assert anchor is not None and anchor.id == _last_id(office) and anchor.reason == "close"
    assert file.parent == commdesk_home / "audit-anchors"
    stored = json.loads(file.read_text(encoding="utf-8"))
    assert stored["database"] == "file:" + str(office.resolve()) and len(stored["anchors"]) >= 1
    with sqlite3.connect(office) as conn:
        assert conn.execute("SELECT hash FROM audit_log WHERE id = ?", (anchor.id,)).fetchone()[0] == anchor.hash


def test_entries_cut_off_the_end_are_found(office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    last = _last_id(office)
    _cut(office, last - 1)               # the last two entries gone: the chain that is left is valid
    code, out = _verify(office, capsys)
    assert code == 1 and "审计记录被截断" in out and f"第 {last} 号记录已经不在了" in out
    assert f"现在最后一条是第 {last - 2} 号" in out and "--reset-anchor" in out


def test_the_anchor_does_not_move_onto_a_cut_trail(office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    last = _last_id(office)
    _cut(office, last)
    _edit(office, 2)                     # the clerk works on; each close tries to anchor
    code, out = _verify(office, capsys)
    assert code == 1 and f"第 {last} 号" in out
    # the new entries got new ids above the cut (SQLite reuses the freed one) — still found
    with open_database(office, readonly=True) as database:
        assert latest(database).id == last


def test_a_trail_swapped_for_an_older_copy_is_found(office: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    older = tmp_path / "older.sqlite3"
    shutil.copy(office, older)
    _edit(office, 2)
    shutil.copy(older, office)           # the file replaced behind the application's back
    for suffix in ("-wal", "-shm"):
        Path(str(office) + suffix).unlink(missing_ok=True)
    code, out = _verify(office, capsys)
    assert code == 1 and "审计记录被截断" in out


def test_an_administrator_resets_the_anchor_after_a_deliberate_swap(office: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    last = _last_id(office)
    _cut(office, last)
    monkeypatch.setenv("COMMDESK_PASSWORD", "Guanli-2026-x")
    assert main(["user", "add", "wang", "--role", "admin", "--db", str(office)]) == 0
    assert main(["user", "add", "zhao", "--role", "staff", "--user", "wang", "--db", str(office)]) == 0
    capsys.readouterr()
    assert main(["audit", "verify", "--reset-anchor", "--user", "zhao", "--db", str(office)]) == 1
    assert "（工作人员）没有“" in capsys.readouterr().err
    assert main(["audit", "verify", "--user", "wang", "--db", str(office)]) == 1
    capsys.readouterr()
    assert main(["audit", "verify", "--reset-anchor", "--user", "wang", "--db", str(office)]) == 0
    assert "重新记下本机的核对点" in capsys.readouterr().out
    code = main(["audit", "verify", "--user", "wang", "--db", str(office)])
    assert code == 0, capsys.readouterr()
    with sqlite3.connect(office) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log WHERE action = 'audit_anchor' AND user = 'wang'") \
            .fetchone()[0] == 1


def test_a_restore_starts_the_anchor_afresh(office: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COMMDESK_BACKUP_PASSWORD", "Beifen-2026-12")
    assert main(["backup", "--db", str(office), "-o", str(tmp_path / "stick")]) == 0
    backup = next((tmp_path / "stick").glob("*.cdbak"))
    _edit(office, 3)                      # today's trail is longer than the backup's
    assert main(["restore", str(backup), "--db", str(office)]) == 0
    capsys.readouterr()
    code, out = _verify(office, capsys)
    assert code == 0, out
    with open_database(office, readonly=True) as database:
        anchor = latest(database)
    assert anchor is not None and anchor.reason in ("restore", "close") and anchor.id == _last_id(office)


def test_verify_trail_reports_the_anchor_only_when_the_chain_holds(office: Path) -> None:
    with sqlite3.connect(office) as conn:
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("UPDATE audit_log SET summary = '改' WHERE id = (SELECT min(id) FROM audit_log)")
    with open_database(office, readonly=True) as database, database.engine.connect() as conn:
        report = verify_trail(conn, database)
    assert not report.ok and "内容被改动过" in report.problem and report.anchor_problem == ""
    assert any("audit_no_update" in w for w in report.warnings)


def test_an_anchor_folder_that_cannot_be_written_does_not_stop_a_close(office: Path, commdesk_home: Path) -> None:
    folder = commdesk_home / "audit-anchors"
    shutil.rmtree(folder, ignore_errors=True)
    folder.write_text("not a folder", encoding="utf-8")     # the anchors' folder is a file now
    _edit(office, 1)                                        # closes without an error
    with open_database(office) as database:
        assert record_head(database, "test") is None
