"""Every feature on a real PostgreSQL 15 server (tests/pg_server.py), against the same data on SQLite.

The same demo (same seed, same day) is generated on both stores; search as you type, the ledger
query, the command line search, imports and their undo, exports, the monthly report, the audit
chain and the integrity check must give the same answers on both. No mocks: a real server on a
private socket, psycopg 3.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from commdesk.cli import main
from commdesk.models.db import open_database

pytestmark = pytest.mark.postgres
TODAY = date(2026, 11, 20)
DATA = Path(__file__).resolve().parent / "data" / "import"
QUERIES = ["张", "王芳", "李", "欧阳", "zs", "zh", "zhang", "wang", "lxm", "幸福里", "1栋1单元", "H000012",
           "1301", "0003", "138", "张 zh", "zhao 1栋", "x", "Zh", "%", "_", "a'b", "张三丰丰丰"]


def _demo(target: str | Path) -> None:
    from commdesk.demo import generate_full_demo

    with open_database(target) as database:
        generate_full_demo(database, households=300, seed=7)


@pytest.fixture(scope="module")
def pair(pg_server, tmp_path_factory: pytest.TempPathFactory):
    """(PostgreSQL URL, SQLite path) holding the same generated community."""
    name = pg_server.create_database()
    url = pg_server.url(name)
    path = tmp_path_factory.mktemp("pair") / "same.sqlite3"
    _demo(url)
    _demo(path)
    yield url, path
    pg_server.drop_database(name)


def _ids(target: str | Path, query: str) -> list[int]:
    from commdesk.reports.ledger_query import LedgerFilter, ordered_ids

    with open_database(target, lock=False) as database, database.engine.connect() as conn:
        return ordered_ids(conn, LedgerFilter(search=query, status=""), TODAY)


def test_the_schema_and_the_demo_on_the_server(pair) -> None:
    url, path = pair
    with open_database(url) as pg, open_database(path, lock=False) as lite:
        with pg.engine.connect() as a, lite.engine.connect() as b:
            for table in ("household", "resident", "resident_event", "party_member", "meeting", "visit",
                          "checklist_item", "audit_log", "resident_fts_tri"):
                assert a.execute(text(f"SELECT count(*) FROM {table}")).scalar() == \
                    b.execute(text(f"SELECT count(*) FROM {table}")).scalar(), table
            assert a.execute(text("SELECT count(DISTINCT rowid) FROM resident_fts_char")).scalar() == \
                b.execute(text("SELECT count(*) FROM resident")).scalar()
            # the trigram index is there and used for a substring query
            assert a.execute(text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_resident_fts_tri_trgm'")).first()
            assert a.execute(text("SELECT version_num FROM alembic_version")).scalar() == \
                b.execute(text("SELECT version_num FROM alembic_version")).scalar()


@pytest.mark.parametrize("query", QUERIES)
def test_search_finds_the_same_residents_on_both(pair, query: str) -> None:
    url, path = pair
    assert _ids(url, query) == _ids(path, query)


def test_search_promises_hold_on_the_server(pair) -> None:
    url, _path = pair
    with open_database(url) as database, database.engine.connect() as conn:
        name, idn, phone = conn.execute(text(
            "SELECT name, id_number, phone FROM resident WHERE id_number IS NOT NULL AND phone != ''"
            " AND length(name) = 3 ORDER BY id LIMIT 1")).one()
        rid = conn.execute(text("SELECT id FROM resident WHERE id_number = :i"), {"i": idn}).scalar()
    for fragment in (name[1], name[1:], name, idn[6:14], idn[-5:], phone[-4:], phone[3:8]):
        assert rid in _ids(url, fragment), fragment
    from commdesk.search.pinyin import name_keys

    initials, full = name_keys(name)
    assert rid in _ids(url, initials) and rid in _ids(url, full[:4])


def test_ledger_filters_and_rows_are_the_same_on_both(pair) -> None:
    from commdesk.reports.ledger_query import AGE_BANDS, LedgerFilter, fetch_rows, ordered_ids

    url, path = pair
    filters = [LedgerFilter(), LedgerFilter(sort="name"), LedgerFilter(sort="birth_date"), LedgerFilter(sort="grid"),
               LedgerFilter(tag="低保户"), LedgerFilter(political_status="中共党员"), LedgerFilter(review_only=True),
               LedgerFilter(status="")] + [LedgerFilter(age_band=b) for b in AGE_BANDS]
    with open_database(url) as pg, open_database(path, lock=False) as lite:
        with pg.engine.connect() as a, lite.engine.connect() as b:
            for f in filters:
                ids = ordered_ids(a, f, TODAY)
                assert ids == ordered_ids(b, f, TODAY), f
                first = ids[:200]
                assert fetch_rows(a, first, TODAY) == fetch_rows(b, first, TODAY), f
            assert ordered_ids(a, LedgerFilter(), TODAY, limit=200) == ordered_ids(b, LedgerFilter(), TODAY, limit=200)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_search_command_on_both(pair, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    url, path = pair
    outs = []
    for target in (url, str(path)):
        assert main(["search", "zh", "--limit", "7", "--format", fmt, "--db", target]) == 0
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1]
    if fmt == "json":
        doc = json.loads(outs[0])
        assert doc["count"] == 7 and doc["more"] is True
        assert all("*" in r["id_number"] for r in doc["rows"] if r["id_number"])   # masked by default
    else:
        assert len(outs[0].splitlines()) == 7


def test_exports_and_monthly_report_on_the_server(pair, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from commdesk.reports.ledger import ledger_keys

    url, path = pair
    month = date.today().strftime("%Y-%m")
    for key, _title in ledger_keys():
        for target, tag in ((url, "pg"), (str(path), "lite")):
            out = tmp_path / f"{key}.{tag}.xlsx"
            args = ["export", key, "--format", "xlsx", "-o", str(out), "--db", target]
            if key == "changes":
                args += ["--month", month]
            assert main(args) == 0, key
        a = [list(r) for r in load_workbook(tmp_path / f"{key}.pg.xlsx").active.iter_rows(values_only=True)]
        b = [list(r) for r in load_workbook(tmp_path / f"{key}.lite.xlsx").active.iter_rows(values_only=True)]
        if key == "consultations":
            # the participants of one side are listed in no defined order (group_concat over a
            # GROUP BY): compare who they are, not their order
            def names(rows: list[list[object]]) -> list[object]:
                return [sorted(str(c).replace("；", "、").replace("：", "、").split("、")) if isinstance(c, str)
                        and "：" in c else c for r in rows for c in r]
            a, b = names(a), names(b)
        assert a == b, key
    pdf = tmp_path / "households.pdf"
    assert main(["export", "households", "--format", "pdf", "-o", str(pdf), "--db", url]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    for suffix in ("pdf", "xlsx"):
        assert main(["report", "monthly", "--month", month, "-o", str(tmp_path / f"m.{suffix}"), "--db", url]) == 0
    residents = tmp_path / "residents.json"
    assert main(["export", "residents", "--format", "json", "-o", str(residents), "--db", url]) == 0
    assert main(["export", "residents", "--format", "json", "-o", str(tmp_path / "r2.json"), "--db", str(path)]) == 0
    assert json.loads(residents.read_text()) == json.loads((tmp_path / "r2.json").read_text())


def test_dashboard_party_meetings_and_checklists_on_the_server(pair) -> None:
    import dataclasses

    from commdesk.services import checklist, dashboard, meetings
    from commdesk.services.coverage import grid_coverage

    url, path = pair
    today = date.today()
    with open_database(url) as pg, open_database(path, lock=False) as lite:
        with pg.Session() as a, lite.Session() as b:
            da, db_ = dashboard.dashboard_data(a, today), dashboard.dashboard_data(b, today)
            assert dataclasses.replace(da, timings={}) == dataclasses.replace(db_, timings={})
            assert dashboard.naive_dashboard(a, today) == dashboard.naive_dashboard(b, today)
            assert grid_coverage(a) == grid_coverage(b)
            assert grid_coverage(a, exact=True) == grid_coverage(b, exact=True)
            assert meetings.list_meetings(a) == meetings.list_meetings(b)
            assert checklist.list_items(a, None, today) == checklist.list_items(b, None, today)
            assert checklist.status_counts(a, today) == checklist.status_counts(b, today)


def test_import_undo_check_and_audit_on_the_server(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    register = DATA / "幸福里社区居民信息登记表.xlsx"
    assert main(["import", str(register), "--db", pg_url]) == 0
    out = capsys.readouterr().out
    assert "新建 120 户" in out
    with open_database(pg_url) as database, database.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM resident")).scalar() == 399
        assert conn.execute(text("SELECT count(*) FROM resident_fts_tri")).scalar() == 399
    assert main(["search", "幸福", "--db", pg_url]) == 0
    capsys.readouterr()
    assert main(["check", "--db", pg_url]) == 0
    assert main(["audit", "verify", "--db", pg_url]) == 0
    assert "审计记录完整" in capsys.readouterr().out
    assert main(["import", "--undo", "1", "--db", pg_url]) == 0
    assert "删除 399 名居民" in capsys.readouterr().out
    with open_database(pg_url) as database, database.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM resident WHERE archived_at IS NULL")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM resident_fts_char")).scalar() == 0
    assert main(["check", "--db", pg_url]) == 0
    assert main(["audit", "verify", "--db", pg_url]) == 0


def test_audit_chain_on_the_server_finds_an_altered_entry(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _demo(pg_url)
    assert main(["audit", "verify", "--db", pg_url]) == 0
    capsys.readouterr()
    with open_database(pg_url) as database, database.engine.begin() as conn:
        first = conn.execute(text("SELECT min(id) FROM audit_log")).scalar()
    with open_database(pg_url) as database:
        for sql in (f"UPDATE audit_log SET summary = summary || '!' WHERE id = {first}", "DELETE FROM audit_log",
                    "TRUNCATE audit_log"):
            with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as conn:
                conn.exec_driver_sql(sql)     # the guard refuses, whoever sends it
    with open_database(pg_url) as database, database.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_no_change")   # the owner can
        conn.execute(text("UPDATE audit_log SET summary = summary || '!' WHERE id = :i"), {"i": first})
    assert main(["audit", "verify", "--db", pg_url]) != 0
    err = capsys.readouterr().err
    assert f"第 {first} 号" in err and "“audit_no_change”被删除或停用了" in err


def test_both_url_spellings_work(pg_server, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
    assert main(["demo", "--db", plain]) == 0
    capsys.readouterr()
    assert main(["search", "zh", "--limit", "1", "--db", pg_url]) == 0
    assert capsys.readouterr().out.strip()
