"""``commdesk migrate-db``: a SQLite file copied to a real PostgreSQL server, proved table by table."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from commdesk.cli import main
from commdesk.models.db import open_database

pytestmark = pytest.mark.postgres
DATA = Path(__file__).resolve().parent / "data" / "import"


@pytest.fixture
def office_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "office.sqlite3"
    assert main(["demo", "--db", str(path)]) == 0
    assert main(["import", str(DATA / "幸福里社区居民信息登记表.xlsx"), "--db", str(path)]) == 0
    capsys.readouterr()
    return path


def _counts(target: str | Path) -> dict[str, int]:
    with open_database(target, lock=False) as database, database.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("household", "resident", "audit_log", "party_member", "meeting", "visit",
                          "import_batch", "import_batch_change", "checklist_item", "setting")}


def test_copy_everything_and_prove_it(office_file: Path, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = _counts(office_file)
    assert main(["migrate-db", "--from", str(office_file), "--to", pg_url]) == 0
    out = capsys.readouterr().out
    lines = dict(line.split("\t")[:2] for line in out.splitlines() if "\t" in line)
    assert lines["resident"] == str(before["resident"]) and lines["audit_log"] == str(before["audit_log"])
    assert "逐表核对行数和内容校验值一致" in out and "commdesk-test-password" not in out
    assert _counts(pg_url) == before == _counts(office_file)      # the source is unchanged too
    # the chain was copied as it is and verifies on the server; the server goes on with it
    assert main(["audit", "verify", "--db", pg_url]) == 0
    assert main(["check", "--db", pg_url]) == 0
    assert main(["import", str(DATA / "建设社区人口系统导出.csv"), "--db", pg_url]) == 0
    assert main(["import", "--undo", "2", "--db", pg_url]) == 0     # the batch imported on the server
    assert main(["audit", "verify", "--db", pg_url]) == 0
    capsys.readouterr()
    for query in ("张", "zh", "幸福里", "1栋", "H000012"):   # the import was undone: the same people again
        outs = []
        for target in (str(office_file), pg_url):
            assert main(["search", query, "--limit", "30", "--db", target]) == 0
            outs.append(capsys.readouterr().out)
        assert outs[0] == outs[1], query
    with open_database(pg_url) as database, database.engine.connect() as conn:
        # new rows get new ids after the copied ones (the copy moved the sequences past them)
        for table in ("resident", "household", "audit_log", "visit"):
            top = conn.execute(text(f"SELECT max(id) FROM {table}")).scalar()
            assert conn.execute(text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))")).scalar() > top


def test_a_target_with_data_is_refused_untouched(office_file: Path, pg_url: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--db", pg_url]) == 0
    before = _counts(pg_url)
    capsys.readouterr()
    assert main(["migrate-db", "--from", str(office_file), "--to", pg_url]) == 1
    err = capsys.readouterr().err
    assert "目标数据库不是空的" in err and err.count("\n") == 1
    assert _counts(pg_url) == before


def test_missing_source_and_same_database(tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate-db", "--from", str(tmp_path / "nope.sqlite3"), "--to", pg_url]) == 1
    assert "不存在" in capsys.readouterr().err
    assert not (tmp_path / "nope.sqlite3").exists()
    path = tmp_path / "a.sqlite3"
    assert main(["migrate-db", "--from", str(path), "--to", str(path)]) == 1
    assert "同一个" in capsys.readouterr().err


def test_sqlite_to_sqlite_copy_also_proves(office_file: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "copy.sqlite3"
    assert main(["migrate-db", "--from", str(office_file), "--to", str(other)]) == 0
    assert _counts(other) == _counts(office_file)
    assert main(["audit", "verify", "--db", str(other)]) == 0
    assert main(["check", "--db", str(other)]) == 0
