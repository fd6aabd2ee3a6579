"""Several PCs and imports: an import (and its undo) moves the row versions like an edit, so a form
another PC filled before it is refused, not written over the import's change; two imports at once
on a server take turns and never collide on ids; another PC adding a household mid-import takes
an id past the import's block at once. Real connections, real threads, no mocks."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, text

from commdesk.errors import UserError
from commdesk.models import Household, Resident
from commdesk.models.db import Database, open_database

DATA = Path(__file__).resolve().parent / "data" / "import"
REGISTER = DATA / "幸福里社区居民信息登记表.xlsx"        # 399 residents
OTHER = DATA / "建设社区人口系统导出.csv"


@pytest.fixture(params=["sqlite", "postgresql"])
def two_pcs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    """Two open databases on one store: the same server database, or the same SQLite file (the
    second without the instance lock, as a second connection)."""
    if request.param == "postgresql":
        target: str | Path = request.getfixturevalue("pg_url")
        first, second = open_database(target), open_database(target)
    else:
        target = tmp_path / "office.sqlite3"
        first = open_database(target)
        second = open_database(target, lock=False)
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def _imported(database: Database, path: Path = REGISTER, policy: str = "fill") -> object:
    from commdesk.importers.service import ImportOptions, run_import

    return run_import(database, path, ImportOptions(on_duplicate=policy))


def _resident_with_phone(database: Database) -> tuple[int, int, str]:
    with database.Session() as s:
        r = s.query(Resident).filter(Resident.phone != "", Resident.id_number.isnot(None)).order_by(Resident.id).first()
        assert r is not None
        return r.id, r.household_id, r.phone


def test_an_import_filling_a_resident_makes_another_pcs_open_form_stale(two_pcs) -> None:
    from commdesk.importers.undo import undo_batch
    from commdesk.services.households import update_resident
    from commdesk.ui.household_actions import resident_form

    pc1, pc2 = two_pcs
    _imported(pc1)
    rid, _hid, phone = _resident_with_phone(pc1)
    with pc1.Session.begin() as s:                     # the phone was left blank on the ledger
        s.get_one(Resident, rid).phone = ""
    with pc2.Session() as s:                           # PC 2 opens the resident's form
        form = s.get_one(Resident, rid)
        form2, version = resident_form(form), form.version
    summary = _imported(pc1)                           # PC 1's import fills the blank phone
    assert summary.merged == 399
    with pc1.Session() as s:
        r = s.get_one(Resident, rid)
        assert (r.phone, r.version) == (phone, version + 1)
    form2.work_unit = "第二台电脑改的单位"
    with pytest.raises(UserError, match="刚刚被其他人修改并保存了"):
        with pc2.Session.begin() as s:
            update_resident(s, rid, form2)
    with pc2.Session() as s:                           # the import's value stands; PC 2 reloads
        r = s.get_one(Resident, rid)
        assert r.phone == phone and r.work_unit != "第二台电脑改的单位"
        fresh = resident_form(r)
    undo_batch(pc1, summary.batch_id)                  # undoing the import is an edit too
    with pc1.Session() as s:
        r = s.get_one(Resident, rid)
        assert (r.phone, r.version) == ("", version + 2)
    with pytest.raises(UserError, match="刚刚被其他人修改并保存了"):
        with pc2.Session.begin() as s:
            update_resident(s, rid, fresh)


def test_an_import_filling_a_household_makes_another_pcs_open_form_stale(two_pcs) -> None:
    from commdesk.services.households import update_household
    from commdesk.ui.household_actions import household_form

    pc1, pc2 = two_pcs
    _imported(pc1)
    with pc1.Session.begin() as s:
        h = s.query(Household).filter(Household.address != "").order_by(Household.id).first()
        assert h is not None
        hid, address, version = h.id, h.address, h.version
        h.address = ""
    with pc2.Session() as s:
        form = household_form(s.get_one(Household, hid))
    _imported(pc1)
    with pc1.Session() as s:
        h = s.get_one(Household, hid)
        assert (h.address, h.version) == (address, version + 2)     # our blanking, then the import
    form.notes, form.address = "第二台电脑写的备注", "第二台电脑填的地址"
    with pytest.raises(UserError, match="这一户的信息刚刚被其他人修改"):
        with pc2.Session.begin() as s:
            update_household(s, hid, form)


def _run_in_threads(*jobs: object, timeout: float = 300) -> list[object]:
    """Run the jobs at the same moment (a barrier), each in a thread; their results or errors."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(i: int, job: object) -> None:
        barrier.wait()
        try:
            results[i] = job()  # type: ignore[operator]
        except BaseException as exc:  # noqa: BLE001 - compared by the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        assert not t.is_alive(), "an import hung"
    return results


@pytest.mark.postgres
def test_two_imports_at_once_on_the_server_take_turns(pg_url: str) -> None:
    """The same register imported on two PCs at the same moment: one writes it, the other waits
    and then finds every resident already there (no duplicates, no id collision)."""
    pc1, pc2 = open_database(pg_url), open_database(pg_url)
    try:
        results = _run_in_threads(lambda: _imported(pc1), lambda: _imported(pc2))
        errors = [r for r in results if isinstance(r, BaseException)]
        assert not errors, errors
        assert sorted(r.imported for r in results) == [0, 399]          # type: ignore[attr-defined]
        assert sorted(r.merged for r in results) == [0, 399]            # type: ignore[attr-defined]
        with pc1.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM resident")).scalar() == 399
            assert conn.execute(text("SELECT count(*) FROM import_batch")).scalar() == 2
    finally:
        pc1.close()
        pc2.close()


@pytest.mark.postgres
def test_two_different_imports_at_once_get_their_own_ids(pg_url: str) -> None:
    from commdesk.importers.undo import undo_batch

    pc1, pc2 = open_database(pg_url), open_database(pg_url)
    try:
        first, second = _run_in_threads(lambda: _imported(pc1, REGISTER), lambda: _imported(pc2, OTHER))
        assert not isinstance(first, BaseException) and not isinstance(second, BaseException), (first, second)
        total = first.imported + second.imported                          # type: ignore[attr-defined]
        with pc1.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM resident")).scalar() == total
            ranges = [r[0] for r in conn.execute(text("SELECT inserted FROM import_batch ORDER BY id"))]
        assert len(ranges) == 2
        later, earlier = sorted((first, second), key=lambda r: r.batch_id, reverse=True)  # type: ignore[attr-defined]
        undo_batch(pc2, later.batch_id)                                    # type: ignore[attr-defined]
        with pc1.engine.connect() as conn:                                 # the other import stays whole
            assert conn.execute(text("SELECT count(*) FROM resident")).scalar() == earlier.imported  # type: ignore[attr-defined]
        with pc1.Session.begin() as s:                                     # and the ORM's next id is free
            from commdesk.services.households import add_resident
            from commdesk.services.resident_form import ResidentForm

            hid = s.query(Household.id).order_by(Household.id).first()[0]
            add_resident(s, hid, ResidentForm(name="新来的", gender="女", relation="其他"))
    finally:
        pc1.close()
        pc2.close()


@pytest.mark.postgres
def test_another_pc_adds_a_household_mid_import_without_waiting(pg_url: str) -> None:
    """PC 2 creates a household and a member (ids from the sequences) while PC 1's import has
    written its households but not committed: PC 2 is not blocked and takes ids after the import's."""
    from commdesk.services.resident_form import HouseholdForm, ResidentForm
    from commdesk.services.households import add_resident, create_household

    pc1, pc2 = open_database(pg_url), open_database(pg_url)
    _imported(pc1, OTHER)                               # a community and its grids, committed
    with pc2.Session() as s:
        grid_id = s.execute(text("SELECT min(id) FROM grid")).scalar()
    added: list[tuple[float, int, int]] = []
    failures: list[BaseException] = []

    def add_on_pc2() -> None:
        started = time.perf_counter()
        try:
            with pc2.Session.begin() as s:
                s.execute(text("SET LOCAL lock_timeout = '5s'"))       # a collision would wait, then fail
                _changes, hid = create_household(s, HouseholdForm(household_no="PC2-0001", grid_id=grid_id,
                                                                          address="第二台电脑登记的住址"))
                _changes, rid = add_resident(s, hid, ResidentForm(name="二号机", gender="男", relation="户主"))
            added.append((time.perf_counter() - started, hid, rid))
        except BaseException as exc:  # noqa: BLE001 - asserted below
            failures.append(exc)

    def mid_import(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO RESIDENT") and not added and not failures:
            t = threading.Thread(target=add_on_pc2)
            t.start()
            t.join(30)

    event.listen(pc1.engine, "before_cursor_execute", mid_import)
    try:
        summary = _imported(pc1)
    finally:
        event.remove(pc1.engine, "before_cursor_execute", mid_import)
    try:
        assert not failures, failures
        seconds, hid, rid = added[0]
        assert seconds < 1.0
        with pc1.engine.connect() as conn:
            top_h, top_r = conn.execute(text(
                "SELECT max(id) FROM household WHERE household_no <> 'PC2-0001'")).scalar(), conn.execute(text(
                    "SELECT max(id) FROM resident WHERE name <> '二号机'")).scalar()
            assert conn.execute(text("SELECT count(*) FROM resident WHERE name = '二号机'")).scalar() == 1
        assert summary.imported == 399                                       # type: ignore[attr-defined]
        assert hid > top_h and rid > top_r
    finally:
        pc1.close()
        pc2.close()
