"""Exported workbooks open in a real office suite: LibreOffice Calc converts each to CSV and the
cells equal what openpyxl reads (the data rows are written as sheet XML by ``xlsx_rows``, so a
reader other than our own tests must accept them). Skipped where LibreOffice is not installed
(CI installs only what the suite needs; developers' machines and the release check have it)."""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from commdesk.reports import export_ledger
from tests.test_reports_sample import MALICIOUS, build_sample

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def test_ledgers_open_in_libreoffice_with_the_same_cells(db: Any, tmp_path: Path) -> None:
    build_sample(db)
    books = [export_ledger(db, key, "xlsx", tmp_path / f"{name}.xlsx", today=date(2024, 6, 3), masked=masked)
             for name, key, masked in (("households", "households", True), ("households_full", "households", False),
                                       ("key_groups", "key-groups", True))]
    out = tmp_path / "csv"
    env = dict(os.environ, HOME=str(tmp_path))          # LibreOffice's profile stays in the test folder
    for book in books:
        subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                        "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", str(out), str(book)],
                       check=True, capture_output=True, timeout=180, env=env)
        expected = [[_text(v) for v in row] for row in openpyxl.load_workbook(book).active.iter_rows(values_only=True)]
        with open(out / f"{book.stem}.csv", encoding="utf-8", newline="") as f:
            seen = list(csv.reader(f))
        assert len(seen) == len(expected), book.name
        for want, got in zip(expected, seen):
            assert [c.strip() for c in got[:len(want)]] == [c.strip() for c in want], book.name
    # the sample's formula-like texts stay text in Calc too (never evaluated)
    with open(out / "households_full.csv", encoding="utf-8", newline="") as f:
        cells = {c.strip() for row in csv.reader(f) for c in row}
    assert any(m.strip() in cells for m in MALICIOUS)
