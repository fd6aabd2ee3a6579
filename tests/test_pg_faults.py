"""Several PCs on one real PostgreSQL server: edit conflicts, an import while others browse, and a
server that goes away in the middle of an import. Two (or more) real connections, no mocks."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event, text

from commdesk.errors import UserError, classify_db_error
from commdesk.models import Resident
from commdesk.models.db import open_database

pytestmark = pytest.mark.postgres
REGISTER = Path(__file__).resolve().parent / "data" / "import" / "幸福里社区居民信息登记表.xlsx"


@pytest.fixture
def two_pcs(pg_url: str):
    """Two open databases on the same server database: two PCs of one office."""
    from commdesk.demo import generate_full_demo

    first = open_database(pg_url)
    generate_full_demo(first, households=30, seed=3)
    second = open_database(pg_url)
    yield first, second
    first.close()
    second.close()


def test_two_users_editing_the_same_resident_get_a_conflict_not_an_overwrite(two_pcs) -> None:
    from commdesk.services.households import update_resident
    from commdesk.ui.household_actions import resident_form   # the form the dialog is filled with

    pc1, pc2 = two_pcs
    with pc1.Session() as s:
        rid = s.query(Resident.id).order_by(Resident.id).first()[0]
        form1 = resident_form(s.get_one(Resident, rid))
    with pc2.Session() as s:
        form2 = resident_form(s.get_one(Resident, rid))
    form1.work_unit, form2.work_unit = "第一台电脑填的单位", "第二台电脑填的单位"
    with pc2.Session.begin() as s:          # the second PC saves first
        update_resident(s, rid, form2)
    with pytest.raises(UserError, match="刚刚被其他人修改并保存了"):
        with pc1.Session.begin() as s:
            update_resident(s, rid, form1)
    with pc1.Session() as s:
        r = s.get_one(Resident, rid)
        assert (r.work_unit, r.version) == ("第二台电脑填的单位", 2)


def test_a_write_racing_another_between_read_and_flush_is_refused(two_pcs) -> None:
    pc1, pc2 = two_pcs
    s1 = pc1.Session()
    try:
        r1 = s1.query(Resident).order_by(Resident.id).first()
        rid = r1.id
        r1.notes = "第一台"
        with pc2.Session.begin() as s2:       # committed while the first PC's change is pending
            s2.get_one(Resident, rid).notes = "第二台"
        with pytest.raises(Exception) as excinfo:
            s1.commit()
        err = classify_db_error(excinfo.value)
        assert err is not None and "其他人修改" in str(err)
    finally:
        s1.close()
    with pc2.Session() as s:
        assert s.get_one(Resident, rid).notes == "第二台"


def test_an_import_neither_blocks_others_nor_shows_half_of_it(two_pcs) -> None:
    from commdesk.importers.service import run_import
    from commdesk.reports.ledger_query import LedgerFilter, ordered_ids

    pc1, pc2 = two_pcs
    with pc2.engine.connect() as conn:
        before = len(ordered_ids(conn, LedgerFilter()))
    seen: list[tuple[float, int, int]] = []

    def browse_while_writing(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO RESIDENT") and not seen:
            started = time.perf_counter()
            with pc2.engine.connect() as other:   # another PC opens the ledger mid-import
                ids = ordered_ids(other, LedgerFilter())
                households = other.execute(text("SELECT count(*) FROM household")).scalar()
            seen.append((time.perf_counter() - started, len(ids), households))

    event.listen(pc1.engine, "before_cursor_execute", browse_while_writing)
    try:
        run_import(pc1, REGISTER)
    finally:
        event.remove(pc1.engine, "before_cursor_execute", browse_while_writing)
    assert seen, "the import wrote no residents"
    seconds, visible, households = seen[0]
    assert seconds < 1.0
    assert visible == before and households == 30        # nothing of the import before its commit
    with pc2.engine.connect() as conn:
        assert len(ordered_ids(conn, LedgerFilter())) == before + 399


def test_the_server_stopping_mid_import_rolls_everything_back(pg_server, pg_url: str) -> None:
    from commdesk.importers.service import run_import

    database = open_database(pg_url)
    stopped = []

    def stop_server(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO RESIDENT") and not stopped:
            stopped.append(True)
            pg_server.stop("immediate")          # the server goes away; households are written already

    event.listen(database.engine, "before_cursor_execute", stop_server)
    try:
        with pytest.raises(Exception) as excinfo:
            run_import(database, REGISTER)
    finally:
        event.remove(database.engine, "before_cursor_execute", stop_server)
        pg_server.restart()
    assert stopped
    err = excinfo.value if isinstance(excinfo.value, UserError) else classify_db_error(excinfo.value)
    assert err is not None and "连接中断" in str(err)
    database.close()
    with open_database(pg_url) as again, again.engine.connect() as conn:
        for table in ("household", "resident", "grid", "import_batch", "audit_log", "resident_fts_tri"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
    # and the server is usable again: the same import goes through
    with open_database(pg_url) as again:
        run_import(again, REGISTER)
        with again.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM resident")).scalar() == 399


def test_server_unreachable_and_wrong_password_are_one_line(pg_server, pg_url: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from commdesk.cli import main

    assert main(["check", "--db", pg_url.replace("commdesk-test-password", "wrong")]) == 1
    assert "用户名或密码不对" in capsys.readouterr().err
    assert main(["check", "--db", pg_url.replace(f"port={pg_server.port}", "port=1")]) == 1
    assert "连接不上数据库服务器" in capsys.readouterr().err
