"""The command line over real database files: ``--version``, ``export residents`` (json/csv/xlsx),
``check`` (and ``--repair``), ``backup``/``restore``, ``demo``, and how failures are reported.

Commands run both in-process (``commdesk.cli.main([...])``) and as a real process
(``python -m commdesk ...``). All people are generated test data.
"""
from __future__ import annotations

import csv
import importlib.metadata
import json
import os
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

import commdesk
from commdesk.cli import main
from commdesk.models import Resident
from commdesk.models.db import open_database
from commdesk.services.community import create_community, list_grids
from commdesk.services.export_residents import HEADERS, KEYS, export_residents, resident_records
from commdesk.services.households import add_resident, create_household, record_event, set_archived
from commdesk.services.integrity import check_database, repair_search_index
from commdesk.services.resident_form import HouseholdForm, ResidentForm
from commdesk.validation.idcard import check_char

SPEC_KEYS = ["name", "gender", "birth_date", "id_number", "relation", "phone", "political_status", "tags",
             "household_no", "grid", "address", "issues"]


def make_id(born: date, seq: int, region: str = "110101") -> str:
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


ZS_ID = make_id(date(1970, 5, 6), 11)
LM_ID = make_id(date(1972, 8, 9), 22)


def build(path: Path) -> Path:
    """A small community in a closed database file."""
    with open_database(path) as database:
        with database.Session.begin() as s:
            create_community(s, "测试社区", grids=["第一网格", "第二网格"])
        with database.Session.begin() as s:
            g1, g2 = (g.id for g in list_grids(s))
            _c, h1 = create_household(s, HouseholdForm(household_no="H000001", grid_id=g1, estate="幸福小区",
                                                       building="1", unit="2", room="301", tags=["低保户"]))
            _c, h2 = create_household(s, HouseholdForm(household_no="H000002", grid_id=g2, address="-3号院"))
            add_resident(s, h1, ResidentForm(name="李梅", id_number=LM_ID, relation="配偶"))
            _c, zs = add_resident(s, h1, ResidentForm(name="张三", id_number=ZS_ID, relation="户主",
                                                      phone="139 1111 2222", political_status="中共党员",
                                                      tags=["退役军人", "残疾人"]))
            _c, odd = add_resident(s, h2, ResidentForm(name="=1+2", relation="户主", tags=["@SUM(A1)"],
                                                       gender="男", birth_date=date(1990, 1, 1)))
            _c, gone = add_resident(s, h2, ResidentForm(name="王五", id_number=make_id(date(1940, 1, 1), 31)))
            _c, old = add_resident(s, h2, ResidentForm(name="赵六", id_number=make_id(date(1950, 1, 1), 41)))
            s.get_one(Resident, odd).review = "second_head:一户多个户主\nid_invalid:导入时身份证号无效"
        with database.Session.begin() as s:
            record_event(s, gone, "死亡", date.today() - timedelta(days=1))
            set_archived(s, "resident", old, True)
    return path


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m commdesk ARGS`` as a real process (COMMDESK_HOME comes from the test's env)."""
    return subprocess.run([sys.executable, "-m", "commdesk", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env=dict(os.environ, PYTHONWARNINGS="error"))


def one_line_error(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert lines[0].startswith("commdesk")
    return lines[0]


# --- version ---------------------------------------------------------------------------------

def test_version_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as excinfo:
        main(["--version"])
    assert excinfo.value.code == 0
    assert capsys.readouterr().out == f"commdesk {commdesk.__version__}\n"
    assert commdesk.__version__ == importlib.metadata.version("commdesk")


def test_version_as_a_process() -> None:
    result = run("--version")
    assert (result.returncode, result.stdout, result.stderr) == (0, f"commdesk {commdesk.__version__}\n", "")


# --- export residents ------------------------------------------------------------------------

def test_export_json_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = build(tmp_path / "office.sqlite3")
    out = tmp_path / "out" / "residents.json"
    assert main(["export", "residents", "--format", "json", "-o", str(out), "--db", str(db)]) == 0
    assert "4" in capsys.readouterr().out
    records = json.loads(out.read_text(encoding="utf-8"))
    assert not out.with_name(out.name + ".part").exists()
    assert [list(r) for r in records] == [SPEC_KEYS] * 4
    assert [r["name"] for r in records] == ["张三", "李梅", "=1+2", "王五"]  # archived 赵六 left out
    assert records[0] == {
        "name": "张三", "gender": "男", "birth_date": "1970-05-06", "id_number": ZS_ID, "relation": "户主",
        "phone": "13911112222", "political_status": "中共党员", "tags": ["残疾人", "退役军人"],
        "household_no": "H000001", "grid": "第一网格", "address": "幸福小区1栋2单元301室", "issues": [],
    }
    assert records[1]["gender"] == "女" and records[1]["birth_date"] == "1972-08-09"
    assert records[2]["id_number"] is None and records[2]["issues"] == ["second_head", "id_invalid"]
    assert records[2]["address"] == "-3号院" and records[2]["grid"] == "第二网格"
    assert records[3]["name"] == "王五"  # deceased residents stay in the exchange file
    for rec in records:
        assert isinstance(rec["tags"], list) and isinstance(rec["issues"], list)
        assert rec["birth_date"] is None or date.fromisoformat(rec["birth_date"])


def test_export_json_as_a_process_with_db_first(tmp_path: Path) -> None:
    db = build(tmp_path / "office.sqlite3")
    out = tmp_path / "residents.json"
    result = run("--db", str(db), "export", "residents", "--format", "json", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    with open_database(db) as database, database.Session() as s:
        assert json.loads(out.read_text(encoding="utf-8")) == resident_records(s)


def test_export_csv_neutralises_formulas(tmp_path: Path) -> None:
    db = build(tmp_path / "office.sqlite3")
    out = tmp_path / "residents.csv"
    assert main(["export", "residents", "--format", "csv", "-o", str(out), "--db", str(db)]) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the UTF-8 correctly
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(HEADERS) and len(HEADERS) == len(KEYS) == 12
    assert rows[1] == ["张三", "男", "1970-05-06", ZS_ID, "户主", "13911112222", "中共党员", "残疾人、退役军人",
                       "H000001", "第一网格", "幸福小区1栋2单元301室", ""]
    odd = rows[3]
    assert odd[0] == "'=1+2" and odd[7] == "'@SUM(A1)" and odd[10] == "'-3号院"
    assert odd[11] == "second_head、id_invalid"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_export_xlsx_has_text_cells(tmp_path: Path) -> None:
    import openpyxl

    db = build(tmp_path / "office.sqlite3")
    out = tmp_path / "residents.xlsx"
    assert main(["export", "residents", "--format", "xlsx", "-o", str(out), "--db", str(db)]) == 0
    wb = openpyxl.load_workbook(out)
    try:
        ws = wb["居民"]
        rows = list(ws.iter_rows())
        assert [c.value for c in rows[0]] == list(HEADERS)
        assert len(rows) == 5
        id_col = list(HEADERS).index("身份证号")
        zs = rows[1]
        assert zs[id_col].value == ZS_ID and zs[id_col].data_type == "s"
        assert rows[2][id_col].value == LM_ID and rows[2][id_col].data_type == "s"
        odd = rows[3]
        assert [odd[0].value, odd[7].value, odd[10].value] == ["=1+2", "@SUM(A1)", "-3号院"]
        assert all(c.data_type == "s" for row in rows[1:] for c in row if c.value is not None)
        assert not any(c.data_type == "f" for row in rows for c in row)
    finally:
        wb.close()


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_export_unknown_format_service(db: object, tmp_path: Path, fmt: str) -> None:
    from commdesk.errors import UserError

    with db.Session() as s:  # type: ignore[attr-defined]
        with pytest.raises(UserError) as excinfo:
            export_residents(s, fmt, tmp_path / "x.out")
    assert fmt in str(excinfo.value)
    assert list(tmp_path.glob("x.out*")) == []


# --- failures: one line, no traceback --------------------------------------------------------

def test_db_pointing_at_a_text_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("这不是数据库\n", encoding="utf-8")
    assert main(["check", "--db", str(notes)]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert "notes.txt" in line
    result = run("export", "residents", "--format", "json", "-o", str(tmp_path / "x.json"), "--db", str(notes))
    assert result.returncode == 1
    assert "notes.txt" in one_line_error(result.stderr)
    assert notes.read_text(encoding="utf-8") == "这不是数据库\n"


def test_export_format_the_residents_export_cannot_write(tmp_path: Path) -> None:
    db = build(tmp_path / "office.sqlite3")
    result = run("export", "residents", "--format", "pdf", "-o", str(tmp_path / "x.pdf"), "--db", str(db))
    assert result.returncode == 1
    assert "pdf" in one_line_error(result.stderr)
    assert not (tmp_path / "x.pdf").exists()


def test_export_without_output_file(tmp_path: Path) -> None:
    db = build(tmp_path / "office.sqlite3")
    result = run("export", "residents", "--format", "json", "--db", str(db))
    assert result.returncode == 1
    assert "-o" in one_line_error(result.stderr)


def test_unknown_export_format_is_one_line(tmp_path: Path) -> None:
    db = build(tmp_path / "office.sqlite3")
    result = run("export", "residents", "--format", "docx", "-o", str(tmp_path / "x.docx"), "--db", str(db))
    assert result.returncode != 0
    assert "docx" in one_line_error(result.stderr)


def test_export_to_an_impossible_path_is_a_user_error(tmp_path: Path) -> None:
    db = build(tmp_path / "office.sqlite3")
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    result = run("export", "residents", "--format", "json", "-o", str(blocker / "out.json"), "--db", str(db))
    assert result.returncode == 1
    one_line_error(result.stderr)


@pytest.mark.parametrize("url", ["foo://bar/db", "postgresql://u@server/commdesk"])
def test_unusable_db_url_is_a_user_error(url: str) -> None:
    result = run("check", "--db", url)
    assert result.returncode == 1
    one_line_error(result.stderr)


@pytest.mark.parametrize("command", [["check"], ["export", "residents", "--format", "json", "-o", "out.json"],
                                     ["backup", "-o", "bk"]])
def test_commands_on_a_missing_database_do_not_create_one(tmp_path: Path, command: list[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMDESK_BACKUP_PASSWORD", "办公室的备份密码")
    missing = tmp_path / "typo" / "offcie.sqlite3"
    result = run(*command, "--db", str(missing), cwd=tmp_path)
    assert result.returncode == 1
    assert "offcie.sqlite3" in one_line_error(result.stderr)
    assert not (tmp_path / "typo").exists()


def test_cli_resets_the_acting_user(tmp_path: Path) -> None:
    from commdesk.models import acting_user

    db = build(tmp_path / "office.sqlite3")
    assert acting_user.get("system") == "system"
    assert main(["check", "--db", str(db)]) == 0
    notes = tmp_path / "notes.txt"
    notes.write_text("不是数据库", encoding="utf-8")
    assert main(["check", "--db", str(notes)]) == 1  # after a failure too
    assert acting_user.get("system") == "system"


def test_newer_and_locked_databases_are_one_line_errors(tmp_path: Path) -> None:
    db = build(tmp_path / "office.sqlite3")
    with open_database(db):  # this process holds the database
        result = run("check", "--db", str(db))
        assert result.returncode == 1
        assert str(os.getpid()) in one_line_error(result.stderr)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    result = run("check", "--db", str(db))
    assert result.returncode == 1
    assert "9999" in one_line_error(result.stderr)


def test_logs_never_contain_id_numbers_or_phones(tmp_path: Path) -> None:
    db = build(tmp_path / "office.sqlite3")
    for args in (("export", "residents", "--format", "csv", "-o", str(tmp_path / "r.csv")), ("check",),
                 ("export", "residents", "--format", "pdf", "-o", str(tmp_path / "r.pdf"))):
        run(*args, "--db", str(db))
    logs = list((Path(os.environ["COMMDESK_HOME"]) / "logs").glob("*.log*"))
    text_ = "".join(p.read_text(encoding="utf-8") for p in logs)
    assert ZS_ID not in text_ and LM_ID not in text_ and "13911112222" not in text_


# --- check -----------------------------------------------------------------------------------

def test_check_good_database(tmp_path: Path) -> None:
    db = build(tmp_path / "office.sqlite3")
    result = run("check", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "resident: 5" in result.stdout and "resident_fts_tri: 5" in result.stdout
    assert "检查通过" in result.stdout
    with open_database(db) as database, database.engine.connect() as conn:
        report = check_database(conn)
    assert report.ok and report.problems == []
    assert report.figures["household"] == 2 and report.figures["resident_fts_char"] == 5


def test_check_finds_a_search_index_mismatch_and_repair_fixes_it(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    db = build(tmp_path / "office.sqlite3")
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM resident_fts_tri WHERE rowid IN (SELECT id FROM resident LIMIT 2)")
    conn.execute("DELETE FROM resident_fts_char")
    conn.commit()
    conn.close()
    result = run("check", "--db", str(db))
    assert result.returncode == 1
    assert "resident_fts_tri: 3 rows for 5 residents" in result.stderr
    assert "resident_fts_char: 0 rows for 5 residents" in result.stderr
    assert "Traceback" not in result.stderr
    assert main(["check", "--repair", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "已重建搜索索引：5" in out and "检查通过" in out
    result = run("check", "--db", str(db))
    assert result.returncode == 0 and "检查通过" in result.stdout
    with open_database(db) as database, database.engine.connect() as c:
        from commdesk.reports.ledger_query import LedgerFilter, ordered_ids

        assert len(ordered_ids(c, LedgerFilter(search="zs"))) == 1
        assert len(ordered_ids(c, LedgerFilter(search="张"))) == 1
        assert len(ordered_ids(c, LedgerFilter(search="11112222"))) == 1


def test_check_service_reports_broken_foreign_keys(db: object, db_path: Path) -> None:
    raw = sqlite3.connect(db_path)  # foreign_keys is off in a plain sqlite3 connection
    try:
        raw.execute("INSERT INTO resident(uuid, household_id, name, created_at, updated_at, updated_by,"
                    " former_name, gender, ethnicity, relation, rel_order, political_status, education,"
                    " work_unit, phone, hukou_type, tags, status, notes, review, py_initials, py_full)"
                    " VALUES ('u1', 999, '孤儿记录', '2024-01-01', '2024-01-01', 't', '', '', '汉族', '', 99,"
                    " '群众', '', '', '', '户籍', '', '在住', '', '', '', '')")
        raw.commit()
    finally:
        raw.close()
    with db.engine.connect() as conn:  # type: ignore[attr-defined]
        report = check_database(conn)
    assert not report.ok
    assert any(p.startswith("foreign keys: 1 broken") for p in report.problems)
    assert any("resident_fts_tri: 0 rows for 1 residents" in p for p in report.problems)
    with db.engine.begin() as conn:  # type: ignore[attr-defined]
        assert repair_search_index(conn) == 0  # a resident without a household cannot be indexed


# --- backup and restore ----------------------------------------------------------------------

def test_backup_and_restore_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMDESK_BACKUP_PASSWORD", "办公室的备份密码")
    db = build(tmp_path / "office.sqlite3")
    dest = tmp_path / "mybackups"
    result = run("backup", "--db", str(db), "-o", str(dest))
    assert result.returncode == 0, result.stderr
    backups = list(dest.glob("*.cdbak"))
    assert len(backups) == 1 and str(backups[0]) in result.stdout and "已核对" in result.stdout
    assert b"\xe5\xbc\xa0\xe4\xb8\x89" not in backups[0].read_bytes()      # 张三 is nowhere in clear text
    assert not list(dest.glob("*.sqlite3"))
    with open_database(db) as database, database.Session.begin() as s:
        s.execute(text("UPDATE resident SET name = '改名' WHERE name = '张三'"))
    result = run("restore", str(backups[0]), "--db", str(db))
    assert result.returncode == 0, result.stderr
    with open_database(db) as database, database.engine.connect() as conn:
        names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM resident")}
        assert "张三" in names and "改名" not in names
        assert check_database(conn).ok
    safety = list((tmp_path / "backups-before-restore").glob("*.sqlite3"))
    assert len(safety) == 1
    conn2 = sqlite3.connect(safety[0])
    try:
        assert conn2.execute("SELECT count(*) FROM resident WHERE name='改名'").fetchone() == (1,)
    finally:
        conn2.close()
    assert not list(tmp_path.glob("*.decrypted"))


def test_encrypted_backup_refusals_leave_the_database_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    monkeypatch.setenv("COMMDESK_BACKUP_PASSWORD", "正确的备份密码123")
    db = build(tmp_path / "office.sqlite3")
    dest = tmp_path / "u盘"
    assert run("backup", "--db", str(db), "-o", str(dest)).returncode == 0
    backup = next(dest.glob("*.cdbak"))
    with open_database(db) as database, database.Session.begin() as s:
        s.execute(text("UPDATE resident SET name = '今天的名字' WHERE name = '张三'"))
    before = hashlib.sha256(db.read_bytes()).hexdigest()

    def refused(path: Path, words: str) -> None:
        result = run("restore", str(path), "--db", str(db))
        assert result.returncode == 1 and words in one_line_error(result.stderr), result.stderr
        assert hashlib.sha256(db.read_bytes()).hexdigest() == before
        assert not (tmp_path / "backups-before-restore").exists()

    monkeypatch.setenv("COMMDESK_BACKUP_PASSWORD", "错误的密码12345")
    refused(backup, "备份密码不对")
    monkeypatch.setenv("COMMDESK_BACKUP_PASSWORD", "正确的备份密码123")
    data = bytearray(backup.read_bytes())
    data[-100] ^= 0x01                                  # one bit flipped in the last chunk
    flipped = tmp_path / "flipped.cdbak"
    flipped.write_bytes(bytes(data))
    refused(flipped, "已损坏")
    cut = tmp_path / "cut.cdbak"
    cut.write_bytes(backup.read_bytes()[:-50])          # cut short
    refused(cut, "cut.cdbak")
    foreign = tmp_path / "foreign.cdbak"
    foreign.write_bytes(b"CDBAK1\n\x00\x00\x00\x05{bad}")
    refused(foreign, "已损坏")
    monkeypatch.delenv("COMMDESK_BACKUP_PASSWORD")
    result = run("backup", "--db", str(db), "-o", str(dest))
    assert result.returncode == 1 and "COMMDESK_BACKUP_PASSWORD" in one_line_error(result.stderr)
    monkeypatch.setenv("COMMDESK_BACKUP_PASSWORD", "短")
    result = run("backup", "--db", str(db), "-o", str(dest))
    assert result.returncode == 1 and "至少 8 个字符" in one_line_error(result.stderr)
    assert len(list(dest.iterdir())) == 1                # nothing half-written left behind


def test_backup_to_default_folder_and_restore_refusals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from commdesk.models.backup import backup_database

    monkeypatch.setenv("COMMDESK_BACKUP_PASSWORD", "办公室的备份密码")
    db = build(tmp_path / "office.sqlite3")
    assert main(["backup", "--db", str(db)]) == 0
    assert len(list((Path(os.environ["COMMDESK_HOME"]) / "backups").glob("*-manual.cdbak"))) == 1
    with open_database(db) as database:
        automatic = backup_database(database, reason="before-import")   # a plain automatic backup
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database" * 100)
    result = run("restore", str(junk), "--db", str(db))
    assert result.returncode == 1 and "junk.sqlite3" in one_line_error(result.stderr)
    with open_database(db):
        result = run("restore", str(automatic), "--db", str(db))
        assert result.returncode == 1
        assert str(os.getpid()) in one_line_error(result.stderr)  # the database is in use
    result = run("restore", str(automatic), "--db", "postgresql://u@server/commdesk")
    assert result.returncode == 1
    one_line_error(result.stderr)
    assert run("restore", str(automatic), "--db", str(db)).returncode == 0


# --- --db forms and default location ---------------------------------------------------------

def test_db_as_sqlalchemy_url(tmp_path: Path) -> None:
    db = build(tmp_path / "office.sqlite3")
    result = run("check", "--db", f"sqlite:///{db}")
    assert result.returncode == 0, result.stderr
    assert "resident: 5" in result.stdout
    build(tmp_path / "relative.sqlite3")
    result = run("check", "--db", "sqlite+pysqlite:///relative.sqlite3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "resident: 5" in result.stdout


def test_default_database_lives_in_commdesk_home(tmp_path: Path) -> None:
    result = run("demo", "--households", "3", cwd=tmp_path)  # creates the default database
    assert result.returncode == 0, result.stderr
    assert (Path(os.environ["COMMDESK_HOME"]) / "commdesk.sqlite3").exists()
    result = run("check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []


# --- demo ------------------------------------------------------------------------------------

@pytest.mark.slow
def test_demo_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    exports = []
    for name, seed in (("a", "3"), ("b", "3"), ("c", "4")):
        db = tmp_path / f"{name}.sqlite3"
        result = run("demo", "--households", "50", "--seed", seed, "--db", str(db))
        assert result.returncode == 0, result.stderr
        out = tmp_path / f"{name}.json"
        assert main(["export", "residents", "--format", "json", "-o", str(out), "--db", str(db)]) == 0
        exports.append(json.loads(out.read_text(encoding="utf-8")))
        assert main(["check", "--db", str(db)]) == 0  # the search index was built in step
    assert exports[0] == exports[1]
    assert exports[0] != exports[2]
    records = exports[0]
    assert len({r["household_no"] for r in records}) == 50
    assert len(records) >= 50
    from commdesk.validation.idcard import check_id_number

    ids = [r["id_number"] for r in records if r["id_number"]]
    assert ids and all(check_id_number(i).ok for i in ids)
    assert len(ids) == len(set(ids))
    assert all(list(r) == SPEC_KEYS for r in records)
