"""The store on real SQLite files: pragmas, record columns, archive/restore, the audit trail,
the single-instance lock, read-only opening and the location check.

Every person here is generated test data (IDs built with ``check_char``).
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path, PureWindowsPath

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from commdesk.errors import DatabaseLocked, UserError, classify_db_error
from commdesk.models import AuditEntry, Community, Grid, Household, Resident, acting_user
from commdesk.models.db import BUSY_TIMEOUT_MS, open_database
from commdesk.models.location import DRIVE_REMOTE, DRIVE_REMOVABLE, check_location
from commdesk.models.lock import lock_path_for
from tests.conftest import lock_is_free
from commdesk.services.households import set_archived
from commdesk.validation.idcard import check_char

CJK = re.compile(r"[\u4e00-\u9fff]")
DRIVE_FIXED = 3


def make_id(born: date = date(1980, 1, 1), seq: int = 1, region: str = "110101") -> str:
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def _seed(database: object) -> tuple[int, int]:
    """A community, a grid and one household; returns (grid id, household id)."""
    with database.Session.begin() as s:  # type: ignore[attr-defined]
        community = Community(name="测试社区")
        s.add(community)
        s.flush()
        grid = Grid(community_id=community.id, code="01", name="第一网格")
        s.add(grid)
        s.flush()
        household = Household(household_no="H000001", grid_id=grid.id, estate="幸福小区", building="1",
                              unit="2", room="301")
        s.add(household)
        s.flush()
        return grid.id, household.id


def _add_resident(database: object, household_id: int, name: str, seq: int, **kw: object) -> int:
    with database.Session.begin() as s:  # type: ignore[attr-defined]
        r = Resident(household_id=household_id, name=name, id_number=make_id(seq=seq), **kw)
        s.add(r)
        s.flush()
        return r.id


def _audit(database: object, table: str, record_id: int) -> list[AuditEntry]:
    with database.Session() as s:  # type: ignore[attr-defined]
        return list(s.scalars(select(AuditEntry).where(AuditEntry.table_name == table,
                                                       AuditEntry.record_id == record_id)
                              .order_by(AuditEntry.id)))


def _pragmas(conn: object) -> dict[str, object]:
    return {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # type: ignore[attr-defined]
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}


EXPECTED_PRAGMAS = {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": BUSY_TIMEOUT_MS}


# --- pragmas ---------------------------------------------------------------------------------

@pytest.mark.sqlite_only(reason="SQLite's per-connection PRAGMAs")
def test_pragmas_on_every_pooled_connection(db: object) -> None:
    assert BUSY_TIMEOUT_MS > 0
    engine = db.engine  # type: ignore[attr-defined]
    with engine.connect() as a, engine.connect() as b:  # two live connections at once
        assert _pragmas(a) == EXPECTED_PRAGMAS
        assert _pragmas(b) == EXPECTED_PRAGMAS
    engine.dispose()  # brand-new connections after the pool is emptied
    with engine.connect() as c:
        assert _pragmas(c) == EXPECTED_PRAGMAS
    with db.Session() as s:  # type: ignore[attr-defined]
        assert _pragmas(s.connection()) == EXPECTED_PRAGMAS


@pytest.mark.sqlite_only(reason="the SQLite file's write-ahead log")
def test_wal_file_exists_while_open(db: object, db_path: Path) -> None:
    _seed(db)
    assert Path(str(db_path) + "-wal").exists()
    with db_path.open("rb") as fh:  # WAL is recorded in the file header (read/write versions = 2)
        header = fh.read(20)
    assert header[18:20] == b"\x02\x02"


def test_foreign_keys_are_enforced(db: object) -> None:
    with pytest.raises(IntegrityError) as excinfo:
        with db.Session.begin() as s:  # type: ignore[attr-defined]
            s.add(Resident(household_id=4242, name="无户之人"))
    assert "foreign key" in str(excinfo.value).lower()
    assert classify_db_error(excinfo.value) is None  # a bug, not a user error
    with db.Session() as s:  # type: ignore[attr-defined]
        assert s.scalar(select(func.count()).select_from(Resident)) == 0


def test_busy_timeout_lets_a_second_writer_wait(db: object) -> None:
    _grid, hid = _seed(db)
    engine = db.engine  # type: ignore[attr-defined]
    holding = threading.Event()

    def hold_write_lock() -> None:
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE household SET room = 'A' WHERE id = %d" % hid)
            holding.set()
            time.sleep(0.6)

    worker = threading.Thread(target=hold_write_lock)
    worker.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        with db.Session.begin() as s:  # type: ignore[attr-defined]
            s.get_one(Household, hid).unit = "9"  # waits for the other writer instead of failing
        waited = time.monotonic() - started
    finally:
        worker.join(10)
    assert 0.2 < waited < BUSY_TIMEOUT_MS / 1000
    with db.Session() as s:  # type: ignore[attr-defined]
        h = s.get_one(Household, hid)
        assert (h.room, h.unit) == ("A", "9")


@pytest.mark.sqlite_only(reason="SQLite's file lock and busy_timeout")
def test_locked_database_beyond_the_timeout_is_a_user_error(db: object) -> None:
    _grid, hid = _seed(db)
    engine = db.engine  # type: ignore[attr-defined]
    with engine.connect() as holder, engine.connect() as other:
        other.exec_driver_sql("PRAGMA busy_timeout=50")
        other.commit()
        with holder.begin():
            holder.exec_driver_sql("UPDATE household SET room = 'A'")
            with pytest.raises(OperationalError) as excinfo:
                with other.begin():
                    other.exec_driver_sql("UPDATE household SET room = 'B'")
        other.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        other.commit()
    user = classify_db_error(excinfo.value)
    assert isinstance(user, UserError) and "占用" in str(user)


@pytest.mark.sqlite_only(reason="SQLite's page limit as a full disk")
def test_full_disk_is_a_user_error_and_nothing_is_half_written(db: object) -> None:
    """SQLITE_FULL simulated with max_page_count (the file cannot grow), as on a full disk."""
    from commdesk.services.households import add_resident
    from commdesk.services.resident_form import ResidentForm

    _grid, hid = _seed(db)
    with db.engine.connect() as conn:  # type: ignore[attr-defined]
        counts = conn.exec_driver_sql("SELECT (SELECT count(*) FROM resident), (SELECT count(*) FROM audit_log),"
                                      " (SELECT count(*) FROM resident_fts_tri)").one()
    with db.Session() as s:  # type: ignore[attr-defined]
        conn = s.connection()
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
        conn.exec_driver_sql(f"PRAGMA max_page_count={pages}")
        try:
            with pytest.raises(OperationalError) as excinfo:
                for i in range(50):
                    add_resident(s, hid, ResidentForm(name=f"居民{i}", notes="备注" * 3000,
                                                      id_number=make_id(seq=100 + i)))
            s.rollback()
        finally:
            s.connection().exec_driver_sql("PRAGMA max_page_count=1073741823")
            s.rollback()
    user = classify_db_error(excinfo.value)
    assert isinstance(user, UserError) and "磁盘空间已满" in str(user)
    with db.engine.connect() as conn:  # type: ignore[attr-defined]
        assert conn.exec_driver_sql("SELECT (SELECT count(*) FROM resident), (SELECT count(*) FROM audit_log),"
                                    " (SELECT count(*) FROM resident_fts_tri)").one() == counts
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


# --- record columns --------------------------------------------------------------------------

def test_uuid_timestamps_and_acting_user(db: object) -> None:
    token = acting_user.set("王五")
    try:
        before = datetime.now().replace(microsecond=0)
        _grid, hid = _seed(db)
        rid = _add_resident(db, hid, "张三", 1)
        after = datetime.now()
    finally:
        acting_user.reset(token)
    with db.Session() as s:  # type: ignore[attr-defined]
        h = s.get_one(Household, hid)
        r = s.get_one(Resident, rid)
        for rec in (h, r):
            assert re.fullmatch(r"[0-9a-f]{32}", rec.uuid)
            assert before <= rec.created_at <= after
            assert before <= rec.updated_at <= after
            assert rec.updated_by == "王五"
            assert rec.archived_at is None and not rec.archived
        assert h.uuid != r.uuid
        uuids = s.scalars(select(Grid.uuid)).all() + s.scalars(select(Community.uuid)).all()
        assert len(set(uuids + [h.uuid, r.uuid])) == 4


def test_update_sets_updated_at_and_updated_by_not_created(db: object) -> None:
    _grid, hid = _seed(db)
    with db.Session.begin() as s:  # type: ignore[attr-defined]
        s.execute(text("UPDATE household SET created_at='2001-01-01 08:00:00', updated_at='2001-01-01 08:00:00'"))
    token = acting_user.set("李四")
    try:
        with db.Session.begin() as s:  # type: ignore[attr-defined]
            s.get_one(Household, hid).room = "302"
    finally:
        acting_user.reset(token)
    with db.Session() as s:  # type: ignore[attr-defined]
        h = s.get_one(Household, hid)
        assert h.created_at == datetime(2001, 1, 1, 8, 0, 0)
        assert abs(h.updated_at - datetime.now()) < timedelta(seconds=30)
        assert h.updated_by == "李四"
    assert acting_user.get("system") == "system"


def test_default_acting_user_is_system(db: object) -> None:
    _grid, hid = _seed(db)
    with db.Session() as s:  # type: ignore[attr-defined]
        assert s.get_one(Household, hid).updated_by == "system"
    assert [e.user for e in _audit(db, "household", hid)] == ["system"]


# --- archive and restore ---------------------------------------------------------------------

def test_archive_household_archives_members_and_restore_brings_them_back(db: object) -> None:
    _grid, hid = _seed(db)
    a = _add_resident(db, hid, "张三", 1, relation="户主")
    b = _add_resident(db, hid, "李梅", 2, relation="配偶")
    early = _add_resident(db, hid, "张小明", 3, relation="子")
    with db.Session.begin() as s:  # type: ignore[attr-defined]
        set_archived(s, "resident", early, True)
    # the member was archived a day before the household (as in a real office)
    with db.Session.begin() as s:  # type: ignore[attr-defined]
        stamp = s.get_one(Resident, early).archived_at - timedelta(days=1)   # behind the app's back, either store
        s.execute(text("UPDATE resident SET archived_at = :t WHERE id = :id"), {"t": stamp, "id": early})
        s.expire_all()
        early_stamp = s.get_one(Resident, early).archived_at
    with db.Session.begin() as s:  # type: ignore[attr-defined]
        set_archived(s, "household", hid, True)
    with db.Session() as s:  # type: ignore[attr-defined]
        h = s.get_one(Household, hid)
        assert h.archived
        stamps = {r.id: r.archived_at for r in s.scalars(select(Resident))}
        assert stamps[a] == stamps[b] == h.archived_at
        assert stamps[early] == early_stamp
    with db.Session.begin() as s:  # type: ignore[attr-defined]
        set_archived(s, "household", hid, False)
    with db.Session() as s:  # type: ignore[attr-defined]
        assert s.get_one(Household, hid).archived_at is None
        stamps = {r.id: r.archived_at for r in s.scalars(select(Resident))}
        assert stamps[a] is None and stamps[b] is None
        assert stamps[early] == early_stamp  # archived earlier: stays archived
    assert [e.action for e in _audit(db, "resident", a)] == ["create", "archive", "restore"]
    assert [e.action for e in _audit(db, "resident", early)] == ["create", "archive"]


def test_member_archived_just_before_household_stays_archived(db: object,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import commdesk.services.households as households

    _grid, hid = _seed(db)
    head = _add_resident(db, hid, "张三", 1, relation="户主")
    early = _add_resident(db, hid, "张小明", 3, relation="子")
    fixed = datetime(2024, 5, 6, 10, 0, 0)
    monkeypatch.setattr(households, "now", lambda: fixed)  # the clock is the boundary
    with db.Session.begin() as s:  # type: ignore[attr-defined]
        set_archived(s, "resident", early, True)
    with db.Session.begin() as s:  # type: ignore[attr-defined]
        set_archived(s, "household", hid, True)
    with db.Session.begin() as s:  # type: ignore[attr-defined]
        set_archived(s, "household", hid, False)
    with db.Session() as s:  # type: ignore[attr-defined]
        assert s.get_one(Resident, head).archived_at is None
        assert s.get_one(Resident, early).archived_at is not None


# --- audit -----------------------------------------------------------------------------------

def test_audit_create_update_archive_restore(db: object) -> None:
    token = acting_user.set("王五")
    try:
        _grid, hid = _seed(db)
        rid = _add_resident(db, hid, "张三", 1, phone="13800000001", birth_date=date(1980, 1, 1))
        with db.Session.begin() as s:  # type: ignore[attr-defined]
            r = s.get_one(Resident, rid)
            r.phone = "13900000002"
            r.birth_date = date(1980, 1, 2)
        with db.Session.begin() as s:  # type: ignore[attr-defined]
            set_archived(s, "resident", rid, True)
        with db.Session.begin() as s:  # type: ignore[attr-defined]
            set_archived(s, "resident", rid, False)
    finally:
        acting_user.reset(token)
    entries = _audit(db, "resident", rid)
    assert [e.action for e in entries] == ["create", "update", "archive", "restore"]
    assert {e.user for e in entries} == {"王五"}
    with db.Session() as s:  # type: ignore[attr-defined]
        uuid = s.get_one(Resident, rid).uuid
    assert {e.record_uuid for e in entries} == {uuid}
    created = entries[0].change_dict()
    assert created["name"] == [None, "张三"]
    assert created["phone"] == [None, "13800000001"]
    assert created["birth_date"] == [None, "1980-01-01"]
    assert created["household_id"] == [None, hid]
    assert not {"id", "uuid", "created_at", "updated_at", "updated_by", "py_initials", "py_full"} & set(created)
    assert entries[1].change_dict() == {"phone": ["13800000001", "13900000002"],
                                        "birth_date": ["1980-01-01", "1980-01-02"]}
    archived = entries[2].change_dict()
    assert list(archived) == ["archived_at"] and archived["archived_at"][0] is None
    assert datetime.fromisoformat(archived["archived_at"][1]) <= datetime.now()
    assert entries[3].change_dict() == {"archived_at": [archived["archived_at"][1], None]}
    assert all(abs(e.at - datetime.now()) < timedelta(minutes=1) for e in entries)


def test_update_without_real_change_writes_no_audit_row(db: object) -> None:
    _grid, hid = _seed(db)
    with db.Session.begin() as s:  # type: ignore[attr-defined]
        s.get_one(Household, hid).estate = "幸福小区"  # same value
    assert [e.action for e in _audit(db, "household", hid)] == ["create"]


def test_rolled_back_change_leaves_no_audit_row(db: object) -> None:
    _grid, hid = _seed(db)
    with db.Session() as s:  # type: ignore[attr-defined]
        n_audit = s.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(RuntimeError):
        with db.Session.begin() as s:  # type: ignore[attr-defined]
            s.get_one(Household, hid).estate = "和谐小区"
            s.add(Resident(household_id=hid, name="王二"))
            s.flush()  # the audit rows are written now, inside the transaction
            assert s.scalar(select(func.count()).select_from(AuditEntry)) == n_audit + 2
            raise RuntimeError("user cancelled")
    with db.Session() as s:  # type: ignore[attr-defined]
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == n_audit
        assert s.scalar(select(func.count()).select_from(Resident)) == 0
        assert s.get_one(Household, hid).estate == "幸福小区"


# --- lock ------------------------------------------------------------------------------------

@pytest.mark.sqlite_only(reason="the single-instance lock of a SQLite file")
def test_second_open_is_refused_naming_host_and_pid(db: object, db_path: Path) -> None:
    owner = json.loads(lock_path_for(db_path).read_text(encoding="utf-8"))
    assert owner == {"pid": os.getpid(), "host": socket.gethostname()}
    with pytest.raises(DatabaseLocked) as excinfo:
        open_database(db_path)
    message = str(excinfo.value)
    assert socket.gethostname() in message and str(os.getpid()) in message
    assert CJK.search(message)
    assert lock_path_for(db_path).exists()  # the refused attempt did not remove the owner's lock


def test_open_after_release(db_path: Path) -> None:
    first = open_database(db_path)
    first.close()
    assert lock_is_free(db_path)
    second = open_database(db_path)
    try:
        with second.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM household").scalar() == 0
    finally:
        second.close()


def test_context_manager_releases_lock(db_path: Path) -> None:
    with open_database(db_path):
        assert lock_path_for(db_path).exists()
    with open_database(db_path):
        pass


@pytest.mark.sqlite_only(reason="the single-instance lock of a SQLite file")
def test_readonly_open_while_locked(db: object, db_path: Path) -> None:
    _grid, hid = _seed(db)
    ro = open_database(db_path, readonly=True)
    try:
        assert ro.readonly and ro.lock is None
        with ro.Session() as s:
            assert s.get_one(Household, hid).household_no == "H000001"
        with ro.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS
        with pytest.raises(OperationalError) as excinfo:
            with ro.Session.begin() as s:
                s.get_one(Household, hid).room = "999"
        user = classify_db_error(excinfo.value)
        assert isinstance(user, UserError) and "只读" in str(user)
    finally:
        ro.close()
    # the writer still holds its lock and works
    with db.Session.begin() as s:  # type: ignore[attr-defined]
        s.get_one(Household, hid).room = "302"


def test_readonly_open_of_missing_file_is_a_user_error(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.sqlite3"
    with pytest.raises(UserError) as excinfo:
        open_database(missing, readonly=True)
    assert "nothing.sqlite3" in str(excinfo.value)
    assert list(tmp_path.iterdir()) == []


def test_readonly_open_in_a_folder_with_hash_sign(tmp_path: Path) -> None:
    folder = tmp_path / "社区#2"
    folder.mkdir()
    path = folder / "office.sqlite3"
    with open_database(path) as writer:
        _seed(writer)
        with open_database(path, readonly=True) as ro, ro.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT household_no FROM household").scalar() == "H000001"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["社区#2"]  # no stray "社区" database


_HOLDER = textwrap.dedent("""
    import sys, time
    from commdesk.models.db import open_database
    db = open_database(sys.argv[1])
    with db.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO setting(key, value) VALUES ('holder', '1')")
    print("ready", flush=True)
    time.sleep(120)
""")


def test_lock_held_by_other_process_then_stale_after_sigkill(db_path: Path) -> None:
    if not hasattr(signal, "SIGKILL"):  # pragma: no cover - Windows
        pytest.skip("needs SIGKILL")
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(db_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
        with pytest.raises(DatabaseLocked) as excinfo:
            open_database(db_path)
        assert str(proc.pid) in str(excinfo.value)
        assert socket.gethostname() in str(excinfo.value)
        with open_database(db_path, readonly=True) as ro, ro.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT value FROM setting WHERE key='holder'").scalar() == "1"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    lock_file = lock_path_for(db_path)
    assert lock_file.exists()  # a crash leaves the lock file behind ...
    assert json.loads(lock_file.read_text(encoding="utf-8"))["pid"] == proc.pid
    recovered = open_database(db_path)  # ... and it is recovered
    try:
        assert json.loads(lock_file.read_text(encoding="utf-8"))["pid"] == os.getpid()
        with recovered.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT value FROM setting WHERE key='holder'").scalar() == "1"
    finally:
        recovered.close()


# --- location --------------------------------------------------------------------------------

def _drive(kind: int, calls: list[str]):  # noqa: ANN202
    def drive_type(root: str) -> int:
        calls.append(root)
        return kind
    return drive_type


@pytest.mark.parametrize(("kind", "words"), [(DRIVE_REMOTE, "网络驱动器"), (DRIVE_REMOVABLE, "可移动磁盘")])
def test_windows_refuses_remote_and_removable_drives(kind: int, words: str) -> None:
    assert (DRIVE_REMOTE, DRIVE_REMOVABLE) == (4, 2)
    calls: list[str] = []
    with pytest.raises(UserError) as excinfo:
        check_location(PureWindowsPath(r"Z:\社区\commdesk.sqlite3"), is_windows=True,  # type: ignore[arg-type]
                       drive_type=_drive(kind, calls))
    assert calls == ["Z:\\"]
    assert words in str(excinfo.value) and "Z:\\" in str(excinfo.value)
    assert CJK.search(str(excinfo.value))


@pytest.mark.parametrize("path", [r"\\server\share\commdesk.sqlite3", "//server/share/commdesk.sqlite3"])
def test_windows_refuses_unc_paths(path: str) -> None:
    calls: list[str] = []
    with pytest.raises(UserError) as excinfo:
        check_location(Path(path) if path.startswith("//") else PureWindowsPath(path),  # type: ignore[arg-type]
                       is_windows=True, drive_type=_drive(DRIVE_FIXED, calls))
    assert "网络共享" in str(excinfo.value)
    assert calls == []


@pytest.mark.parametrize("kind", [DRIVE_FIXED, 6])  # fixed disk, RAM disk
def test_windows_accepts_fixed_drives(kind: int) -> None:
    calls: list[str] = []
    check_location(PureWindowsPath(r"C:\Users\社区\commdesk.sqlite3"), is_windows=True,  # type: ignore[arg-type]
                   drive_type=_drive(kind, calls))
    assert calls == ["C:\\"]


def test_location_not_checked_off_windows() -> None:
    calls: list[str] = []
    check_location(PureWindowsPath(r"\\server\share\db.sqlite3"), is_windows=False,  # type: ignore[arg-type]
                   drive_type=_drive(DRIVE_REMOTE, calls))
    check_location(PureWindowsPath(r"Z:\db.sqlite3"), is_windows=False,  # type: ignore[arg-type]
                   drive_type=_drive(DRIVE_REMOTE, calls))
    assert calls == []
