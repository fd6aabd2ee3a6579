"""The plain copies of the residents' data a backup or a restore works from for a moment (the
snapshot an encrypted backup is made of, the decrypted content a restore copies in) never stay
beside the database: removed when the work is done, and, when a power cut or a kill stopped it,
removed the next time the database is opened for writing — but never while a backup still runs."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from commdesk.demo.households import generate_demo
from commdesk.models.backup import backup_encrypted, restore_encrypted
from commdesk.models.db import open_database
from commdesk.models.plain_scratch import PREFIX, remove_leftover_scratch

PASSWORD = "办公室的备份密码"

#: a backup stopped half-way: the snapshot written into the locked scratch folder, then it waits
_HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from commdesk.models.backup import backup_file
    from commdesk.models.plain_scratch import scratch_folder
    db = Path(sys.argv[1])
    with scratch_folder(db) as folder:
        backup_file(db, folder, "snapshot")
        print(folder, flush=True)
        time.sleep(120)
""")


@pytest.fixture
def office_db(tmp_path: Path) -> Path:
    db = tmp_path / "office.sqlite3"
    with open_database(db) as database:
        generate_demo(database, households=30, seed=5)
    return db


def _a_name(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT name FROM resident ORDER BY id LIMIT 1").fetchone()[0]
    finally:
        conn.close()


def _stopped_backup(db: Path) -> tuple[subprocess.Popen[str], Path]:
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(db)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    folder = Path(proc.stdout.readline().strip())
    if not (folder.is_dir() and folder.parent == db.parent and folder.name.startswith(PREFIX + db.name + "-")):
        _stop(proc)
        pytest.fail(f"the backup did not stop in its scratch folder: {folder}")
    return proc, folder


def _holds_plain_copy(folder: Path, name: str) -> bool:
    for copy in folder.glob("*.sqlite3"):
        conn = sqlite3.connect(copy)
        try:
            if name in {r[0] for r in conn.execute("SELECT name FROM resident")}:
                return True
        finally:
            conn.close()
    return False


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.wait()
    assert proc.stdout is not None
    proc.stdout.close()


def test_a_killed_backup_leaves_no_plain_copy_once_the_database_is_opened(office_db: Path) -> None:
    proc, folder = _stopped_backup(office_db)
    try:
        assert _holds_plain_copy(folder, _a_name(office_db))    # what a power cut would leave
    finally:
        _stop(proc)
    assert folder.exists()
    with open_database(office_db):
        assert not folder.exists()
    assert not list(office_db.parent.glob(PREFIX + "*"))


def test_a_backup_still_running_is_left_alone(office_db: Path) -> None:
    proc, folder = _stopped_backup(office_db)
    try:
        assert remove_leftover_scratch(office_db) == 0
        with open_database(office_db):
            pass
        assert folder.exists() and list(folder.glob("*.sqlite3"))
    finally:
        _stop(proc)
    assert remove_leftover_scratch(office_db) == 1
    assert not folder.exists()


def test_only_this_databases_folders_go(office_db: Path) -> None:
    other = office_db.parent / f"{PREFIX}other.sqlite3-abc123"
    other.mkdir()
    (other / "other-20261201-snapshot.sqlite3").write_bytes(b"x")
    stranger = office_db.parent / f"{PREFIX}photos"
    stranger.mkdir()
    (stranger / "holiday.jpg").write_bytes(b"x")
    # a folder an earlier version left (no database name in it, no lock): its snapshot is named for the database
    earlier = office_db.parent / f"{PREFIX}k2j4h1"
    earlier.mkdir()
    (earlier / "office-20261130-101010-000001-snapshot.sqlite3").write_bytes(b"plain")
    decrypted = office_db.with_name(office_db.name + ".decrypted")     # an earlier version's killed restore
    decrypted.write_bytes(b"plain")
    assert remove_leftover_scratch(office_db) == 2
    assert other.exists() and stranger.exists() and not earlier.exists() and not decrypted.exists()


def test_backup_and_restore_leave_nothing_beside_the_database(office_db: Path, tmp_path: Path) -> None:
    name = _a_name(office_db)
    with open_database(office_db) as database:
        backup, _manifest = backup_encrypted(database, PASSWORD, tmp_path / "stick")
    assert not list(office_db.parent.glob(PREFIX + "*"))
    with open_database(office_db) as database, database.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE resident SET name = '改过' WHERE name = ?", (name,))
    restore_encrypted(backup, office_db, PASSWORD)
    assert _a_name(office_db) == name
    leftovers = [p.name for p in office_db.parent.iterdir()
                 if p.name.startswith(PREFIX) or p.suffix in (".decrypted", ".restoring")]
    assert leftovers == []
