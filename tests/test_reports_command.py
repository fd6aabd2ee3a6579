"""``commdesk report monthly`` and ``commdesk export LEDGER`` through the real CLI entry point."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from commdesk.cli import main
from commdesk.models.db import open_database
from commdesk.reports import parse_month
from commdesk.cli.export import list_text
from commdesk.errors import UserError
from tests.test_reports_sample import build_sample


@pytest.fixture
def sample_db(db_path: Path) -> Path:
    database = open_database(db_path)
    try:
        build_sample(database)
    finally:
        database.close()
    return db_path


def test_report_monthly(sample_db: Path, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "m.xlsx"
    assert main(["report", "monthly", "--db", str(sample_db), "--month", "2024-05", "-o", str(out)]) == 0
    assert out.exists() and "2024年5月" in capsys.readouterr().out
    assert main(["report", "monthly", "--db", str(sample_db), "--month", "2024-13", "-o", str(out)]) == 1
    assert "月份格式不对" in capsys.readouterr().err
    assert main(["report", "monthly", "--db", str(sample_db), "--month", "2024-05",
                 "-o", str(tmp_path / "m.doc")]) == 1


def test_export_ledgers(sample_db: Path, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "h.xlsx"
    assert main(["export", "households", "--db", str(sample_db), "--format", "xlsx", "-o", str(out)]) == 0
    ws = openpyxl.load_workbook(out).worksheets[0]
    assert ws["A1"].value == "居民户信息台账"
    assert "已脱敏" in capsys.readouterr().out
    full = tmp_path / "full.xlsx"
    assert main(["export", "households", "--db", str(sample_db), "--full", "-o", str(full)]) == 0
    values = [c.value for row in openpyxl.load_workbook(full).worksheets[0].iter_rows() for c in row]
    assert "13812345678" in values
    pdf = tmp_path / "c.pdf"
    assert main(["export", "changes", "--db", str(sample_db), "--month", "2024-05", "-o", str(pdf)]) == 0
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert main(["export", "changes", "--db", str(sample_db), "-o", str(pdf)]) == 1
    assert "需要指定月份" in capsys.readouterr().err
    assert main(["export", "nope", "--db", str(sample_db), "-o", str(pdf)]) == 1
    assert main(["export", "households", "--db", str(sample_db), "-o", str(tmp_path / "x.txt")]) == 1


def test_list_and_parse_month(capsys: Any) -> None:
    text = list_text()
    assert text.splitlines()[0].startswith("households") and "居民户信息台账" in text
    assert "key-groups" in text and "changes" in text
    assert main(["export", "--list"]) == 0
    assert "居民户信息台账" in capsys.readouterr().out
    assert parse_month("2024-05") == (2024, 5) and parse_month("2024/5") == (2024, 5)
    assert parse_month("202405") == (2024, 5) and parse_month(None) is None
    with pytest.raises(UserError):
        parse_month("May")
