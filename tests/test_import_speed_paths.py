"""The import's fast paths give exactly what the general code gives (ID numbers, phones, search
bodies, cached normalisers), and the bulk load leaves the database as a plain load would."""
from __future__ import annotations

import csv
import gc
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from commdesk.importers import ImportCancelled, ImportOptions, run_import
from commdesk.models.db import open_database
from commdesk.models.search_index import char_body, tri_body
from commdesk.services.export_residents import resident_records
from commdesk.validation.idcard import check_char, check_id_number, valid_id_parts
from commdesk.validation.phone import check_phone

TODAY = date(2024, 6, 15)
WEIGHTS = tuple(2 ** (17 - i) % 11 for i in range(17))


def _make_id(born: date, seq: int) -> str:
    first17 = f"110105{born:%Y%m%d}{seq:03d}"
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_char_is_the_iso_7064_formula(first17: str) -> None:
    assert check_char(first17) == "10X98765432"[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


eighteen = st.one_of(
    st.text(alphabet="0123456789Xx", min_size=18, max_size=18),
    st.builds(lambda d, s, x: _make_id(d, s)[:17] + (x if x else _make_id(d, s)[17]),
              st.dates(date(1850, 1, 1), date(2030, 1, 1)), st.integers(0, 999),
              st.sampled_from(["", "", "x", "X", "0", "5"])))


@given(eighteen)
def test_id_fast_path_agrees_with_the_general_path(raw: str) -> None:
    general = check_id_number(" " + raw, today=TODAY)  # a leading space takes the general path
    assert check_id_number(raw, today=TODAY) == general
    quick = valid_id_parts(raw, TODAY)
    if general.ok:
        assert quick == (general.number, general.birth_date, general.gender)
    else:
        assert quick is None


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_mobile_fast_path_agrees_with_the_general_path(raw: str) -> None:
    assert check_phone(raw) == check_phone(f" {raw} ")


@given(st.text(max_size=12))
def test_search_bodies_are_unchanged(name: str) -> None:
    assert char_body(name) == " ".join(ch for ch in name if not ch.isspace())
    parts = (name, None, "", "H01", name[:3])
    assert tri_body(*parts) == " | ".join(p for p in (name, "", "", "H01", name[:3]) if p)


def _write_xlsx(path: Path, rows: list[list[object]]) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("居民")
    ws.write_row(0, 0, ["户号", "姓名", "与户主关系", "性别", "身份证号", "政治面貌"])
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, bool):
                ws.write_boolean(r, c, value)
            elif isinstance(value, (int, float)):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, value)
    wb.close()


def test_cached_normalisers_keep_equal_cells_of_different_types_apart(tmp_path: Path) -> None:
    """TRUE and 1 are equal as Python values but not as cells: TRUE is not a gender, 1 is 男."""
    male = [_make_id(date(1980, 1, 1) + timedelta(days=i), 11 + 2 * i) for i in range(4)]
    path = tmp_path / "类型.xlsx"
    _write_xlsx(path, [["H1", "张一", "户主", True, male[0], "群众"],
                       ["H1", "张二", "子", 1, male[1], "群众"],
                       ["H1", "张三", "子", True, male[2], "群众"],
                       ["H1", "张四", "子", "1", male[3], "群众"]])
    database = open_database(tmp_path / "db.sqlite3")
    try:
        summary = run_import(database, path, ImportOptions(backup=False))
        with database.Session() as session:
            by_name = {r["name"]: r for r in resident_records(session)}
    finally:
        database.close()
    assert summary.imported == 4
    assert summary.flag_counts == {"gender_invalid": 2}
    assert [by_name[n]["issues"] for n in ("张一", "张二", "张三", "张四")] == \
        [["gender_invalid"], [], ["gender_invalid"], []]
    assert {r["gender"] for r in by_name.values()} == {"男"}


def _big_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["户号", "姓名", "与户主关系", "性别", "出生日期", "身份证号", "联系电话", "现住址"])
        for i in range(rows):
            head = i % 3 == 0
            born = date(1950, 1, 1) + timedelta(days=i * 7)
            out.writerow([f"H{i // 3:05d}", f"王{'一二三四五六七八九'[i % 9]}{'甲乙丙丁'[i % 4]}",
                          "户主" if head else "子", "男", f"{born:%Y.%m.%d}", _make_id(born, (i % 500) * 2 + 1),
                          f"139{i:08d}", f"幸福里{i // 3 % 40}栋{i // 3}室" if head else ""])


def _indexes(database) -> list[tuple[str, str]]:
    """Indexes and triggers of the tables a big load drops and recreates them on."""
    with database.engine.connect() as conn:
        return conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
                                 "AND tbl_name IN ('household', 'resident') ORDER BY name")).all()


def test_big_load_rebuilds_the_indexes_and_fills_the_search_index(tmp_path: Path) -> None:
    path = tmp_path / "大台账.csv"
    _big_csv(path, 6000)
    database = open_database(tmp_path / "db.sqlite3")
    try:
        before = _indexes(database)
        gc_was = gc.isenabled()
        summary = run_import(database, path, ImportOptions(backup=False))
        assert gc.isenabled() == gc_was
        assert summary.imported == 6000 and summary.households_created == 2000
        assert _indexes(database) == before
        assert {"read", "normalise", "prepare", "insert", "index_rebuild", "search_index", "commit"} \
            <= set(summary.timings)
        assert all(v >= 0 for v in summary.timings.values())
        with database.engine.connect() as conn:
            assert conn.execute(text("PRAGMA cache_size")).scalar() == -32000   # restored
            tri = conn.execute(text("SELECT rowid, body FROM resident_fts_tri ORDER BY rowid")).all()
            chars = conn.execute(text("SELECT rowid, body FROM resident_fts_char ORDER BY rowid")).all()
            stored = conn.execute(text(
                "SELECT r.id, r.name, r.id_number, r.phone, h.household_no, h.address FROM resident r "
                "JOIN household h ON h.id = r.household_id ORDER BY r.id")).all()
        assert tri == [(r[0], tri_body(r[1], r[2], r[3], r[4], r[5])) for r in stored]
        assert chars == [(r[0], char_body(r[1])) for r in stored]
        with database.engine.connect() as conn:
            plan = conn.execute(text("EXPLAIN QUERY PLAN SELECT id FROM resident WHERE id_number = '1'")).all()
        assert "ix_resident_id_number" in str(plan)
    finally:
        database.close()


def test_cancelled_big_load_leaves_indexes_and_rows_as_before(tmp_path: Path) -> None:
    path = tmp_path / "大台账.csv"
    _big_csv(path, 6000)
    database = open_database(tmp_path / "db.sqlite3")
    try:
        before = _indexes(database)
        polls: list[int] = []
        run_import(database, path, ImportOptions(backup=False, dry_run=True),
                   cancel=lambda: polls.append(1) is not None)          # counts the polls of a whole run
        calls = iter(range(len(polls)))
        # cancelled at the last poll: after the rows are inserted and the indexes dropped and rebuilt
        with pytest.raises(ImportCancelled):
            run_import(database, path, ImportOptions(backup=False), cancel=lambda: next(calls) == len(polls) - 1)
        assert _indexes(database) == before
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM resident")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM household")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM resident_fts_tri")).scalar() == 0
    finally:
        database.close()


texts = st.text(alphabet=st.sampled_from("王芳 \u3000|栋单元室楼幢座号户1aX-"), max_size=6)


@given(st.lists(st.tuples(texts, st.one_of(st.none(), texts), texts, texts, texts, texts, texts, texts, texts),
                min_size=1, max_size=8))
def test_trigram_body_in_sql_is_tri_body(rows: list[tuple]) -> None:
    import sqlite3

    from commdesk.models.household import format_address
    from commdesk.models.search_index import TRI_BODY_SQL

    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE household (id INTEGER PRIMARY KEY, household_no TEXT, estate TEXT, building TEXT,"
               " unit TEXT, room TEXT, address TEXT)")
    db.execute("CREATE TABLE resident (id INTEGER PRIMARY KEY, household_id INTEGER, name TEXT, id_number TEXT,"
               " phone TEXT)")
    for i, (name, idn, phone, hno, estate, building, unit, room, address) in enumerate(rows, start=1):
        db.execute("INSERT INTO household VALUES (?, ?, ?, ?, ?, ?, ?)", (i, hno, estate, building, unit, room, address))
        db.execute("INSERT INTO resident VALUES (?, ?, ?, ?, ?)", (i, i, name, idn, phone))
    got = db.execute(f"SELECT {TRI_BODY_SQL} FROM resident r JOIN household h ON h.id = r.household_id"
                     " ORDER BY r.id").fetchall()
    assert [g[0] for g in got] == [tri_body(name, idn, phone, hno, format_address(estate, building, unit, room,
                                                                                     address))
                                   for name, idn, phone, hno, estate, building, unit, room, address in rows]


def test_failure_while_indexing_in_the_background_leaves_the_database_as_before(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import commdesk.models.search_index as index

    path = tmp_path / "大台账.csv"
    _big_csv(path, 6000)
    database = open_database(tmp_path / "db.sqlite3")
    try:
        before = _indexes(database)
        monkeypatch.setattr(index, "FILL_TRI_RANGE_SQL", "INSERT INTO no_such_table VALUES (?, ?)")
        with pytest.raises(Exception, match="no_such_table"):
            run_import(database, path, ImportOptions(backup=False))
        assert _indexes(database) == before
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM resident")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM resident_fts_char")).scalar() == 0
        monkeypatch.undo()
        assert run_import(database, path, ImportOptions(backup=False)).imported == 6000   # the connection is usable
    finally:
        database.close()


def test_big_load_keeps_the_coverage_counters_and_their_trigger(tmp_path: Path) -> None:
    """The load drops the households' counter trigger and bumps the counters once per grid: they
    agree with a full recount afterwards (beside households already covered), the trigger is
    back as it was, and the constant columns written into the statement are stored as given."""
    from commdesk.models.base import acting_user
    from commdesk.services.coverage import stats_agree
    from tests.test_party_services import populate

    path = tmp_path / "大台账.csv"
    _big_csv(path, 6000)
    database = open_database(tmp_path / "db.sqlite3")
    try:
        populate(database)                     # grids, households, a center household with contacts
        before = _indexes(database)
        assert any(name == "trg_pgs_household_ins" for name, _sql in before)
        with database.engine.connect() as conn:
            stats_before = dict(conn.execute(text("SELECT grid_key, covered FROM party_grid_stat")).all())
        token = acting_user.set("O'Brien")     # a quote in a value written as an SQL literal
        try:
            summary = run_import(database, path, ImportOptions(backup=False))
        finally:
            acting_user.reset(token)
        assert summary.imported == 6000 and summary.merged == 0 and "pipeline" in summary.timings
        assert _indexes(database) == before
        with database.Session() as session:
            assert stats_agree(session)
        with database.engine.connect() as conn:
            stats = dict(conn.execute(text("SELECT grid_key, households FROM party_grid_stat")).all())
            assert stats[0] == 2000                    # the file's households have no grid
            assert dict(conn.execute(text("SELECT grid_key, covered FROM party_grid_stat")).all()) == \
                {**stats_before, 0: stats_before.get(0, 0)}
            stored = conn.execute(text(
                "SELECT DISTINCT updated_by, status, archived_at, move_in_date, created_at = updated_at FROM resident"
                " WHERE name LIKE '王__' AND id_number LIKE '110105%'")).all()
            assert stored == [("O'Brien", "在住", None, None, 1)]
    finally:
        database.close()


def test_constants_are_written_as_sql_literals() -> None:
    import sqlite3

    from commdesk.models.bulk import insert_sql, sql_literal

    sql = insert_sql("t", ("a",), {"b": "it's", "c": None, "d": 7})
    assert sql == "INSERT INTO t (a, b, c, d) VALUES (?, 'it''s', NULL, 7)"
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (a, b, c, d)")
    db.executemany(sql, [(1,), (2,)])
    assert db.execute("SELECT * FROM t").fetchall() == [(1, "it's", None, 7), (2, "it's", None, 7)]
    for bad in ("a\x00b", 1.5, True, b"x"):
        with pytest.raises(ValueError):
            sql_literal(bad)


@given(st.text(alphabet=st.sampled_from("0123456789-./x年"), min_size=10, max_size=10))
def test_date_fast_path_agrees_with_the_general_path(raw: str) -> None:
    from commdesk.importers.normalise import _parse_date_text

    parse = _parse_date_text.__wrapped__
    assert parse(raw) == parse(" " + raw)          # a leading space takes the general path


@given(st.builds(lambda y, m, d, sep: f"{y:04d}{sep}{m:02d}{sep}{d:02d}", st.integers(0, 9999), st.integers(0, 99),
                 st.integers(0, 99), st.sampled_from("-./")))
def test_date_fast_path_agrees_on_dates(raw: str) -> None:
    from commdesk.importers.normalise import _parse_date_text

    parse = _parse_date_text.__wrapped__
    assert parse(raw) == parse(" " + raw)


@given(st.text(alphabet=st.sampled_from("王芳李\u3007\u4e00\u9fff\u9fa5\u3400\uf900\u3000 a1=·"), min_size=0, max_size=32))
def test_name_fast_path_agrees_with_the_general_path(raw: str) -> None:
    from commdesk.importers import normalise as norm
    from commdesk.importers.cells import _name_info

    name, note = norm.name_note(norm.name(raw))
    assert _name_info(raw) == (name, norm.looks_like_name(name), norm.unusual_name(name), note)


def test_the_log_is_copied_into_the_file_after_the_import_returns(tmp_path: Path) -> None:
    """The import's own connection does not checkpoint at commit (the commit is durable in the
    log); a passive checkpoint runs in a thread afterwards and the pooled connection gets SQLite's
    default back."""
    path = tmp_path / "大台账.csv"
    _big_csv(path, 6000)
    database = open_database(tmp_path / "db.sqlite3")
    try:
        run_import(database, path, ImportOptions(backup=False))
        database.wait_for_checkpoint()
        with database.engine.connect() as conn:
            assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 1000
            busy, frames, copied = conn.execute(text("PRAGMA wal_checkpoint(PASSIVE)")).one()
        assert busy == 0 and frames == copied            # nothing left to copy
        assert summary_rows(database) == 6000
    finally:
        database.close()


def summary_rows(database) -> int:
    with database.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM resident")).scalar_one()
