"""Ledger workbooks re-read with openpyxl: values, text-typed IDs, title, page setup, no formulas."""
from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from commdesk.reports import ExportCancelled, export_ledger, get_ledger
from tests.test_reports_sample import MALICIOUS, build_sample, id_number

TODAY = date(2024, 6, 3)


def _export(db: Any, tmp_path: Path, key: str, **kw: Any) -> tuple[Any, list[str]]:
    out = export_ledger(db, key, "xlsx", tmp_path / f"{key}.xlsx", today=TODAY, **kw)
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[3]]
    return ws, headers


def _column(ws: Any, headers: list[str], header: str) -> list[Any]:
    j = headers.index(header)
    return [row[j] for row in ws.iter_rows(min_row=4)]


def test_households_workbook_layout_and_page_setup(db: Any, tmp_path: Path) -> None:
    build_sample(db)
    ws, headers = _export(db, tmp_path, "households")
    ncol = len(get_ledger("households").visible_columns())
    assert len(headers) == ncol and headers[:4] == ["序号", "网格", "户号", "住址"]
    assert ws["A1"].value == "居民户信息台账"
    assert f"A1:{openpyxl.utils.get_column_letter(ncol)}1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A1"].font.b
    assert ws["A2"].value == "填报单位：幸福里社区"
    assert any(c.value == "填报日期：2024年6月3日" for c in ws[2])
    assert all(c.font.b for c in ws[3])
    assert ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9
    # fitToWidth defaults to 1 in OOXML (XlsxWriter leaves the default out); height 0 = as many pages as needed
    assert (ws.page_setup.fitToWidth or 1) == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert "填表人" in ws.oddFooter.left.text and "审核人" in ws.oddFooter.right.text
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    # bordered cells
    assert ws.cell(4, 1).border.left.style == "thin"
    # widths fit the content: the ID column is wide enough for 18 characters
    id_letter = openpyxl.utils.get_column_letter(headers.index("公民身份号码") + 1)
    assert ws.column_dimensions[id_letter].width >= 18
    # the signature line under the table
    assert any(isinstance(c.value, str) and c.value.startswith("填表人") for c in ws["A"])


def test_ids_phones_household_numbers_are_text_and_masked_by_default(db: Any, tmp_path: Path) -> None:
    build_sample(db)
    ws, headers = _export(db, tmp_path, "households")
    ids = [c for c in _column(ws, headers, "公民身份号码") if c.value]
    assert ids and all(c.data_type == "s" for c in ids)
    assert ids[0].value == id_number("130102", date(1950, 3, 8), 11)[:6] + "********" + ids[0].value[-4:]
    phones = [c.value for c in _column(ws, headers, "联系电话") if c.value]
    assert phones[0] == "138****5678"
    numbers = [c for c in _column(ws, headers, "户号") if c.value]
    assert [c.value for c in numbers] == ["0001", "0002", "0003"] and all(c.data_type == "s" for c in numbers)
    # group-level cells only on the household's first row
    assert [c.value for c in _column(ws, headers, "序号")][:3] == [1, None, 2]


def test_full_export_keeps_the_whole_number(db: Any, tmp_path: Path) -> None:
    build_sample(db)
    ws, headers = _export(db, tmp_path, "households", masked=False)
    ids = [c.value for c in _column(ws, headers, "公民身份号码") if c.value]
    assert ids[0] == id_number("130102", date(1950, 3, 8), 11)
    assert [c.value for c in _column(ws, headers, "联系电话") if c.value][0] == "13812345678"


def test_dates_are_real_dates_with_a_date_format(db: Any, tmp_path: Path) -> None:
    build_sample(db)
    ws, headers = _export(db, tmp_path, "households")
    born = [c for c in _column(ws, headers, "出生日期") if c.value is not None]
    assert born[0].value == datetime(1950, 3, 8)
    assert born[0].is_date and born[0].number_format == "yyyy-mm-dd"


def test_malicious_strings_stay_text(db: Any, tmp_path: Path) -> None:
    build_sample(db)
    for key in ("households", "key-groups"):
        out = export_ledger(db, key, "xlsx", tmp_path / f"{key}.xlsx", today=TODAY,
                            columns=None if key == "households" else None)
        wb = openpyxl.load_workbook(out)
        values = {c.value: c for row in wb.worksheets[0].iter_rows() for c in row if isinstance(c.value, str)}
        with zipfile.ZipFile(out) as z:
            sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
        assert "<f>" not in sheet                   # no formula anywhere
        for cell in values.values():
            assert cell.data_type == "s"
        found = [m for m in MALICIOUS if m in values]
        assert found, key
    # households: every malicious value we stored is there verbatim (address, names, notes)
    wb = openpyxl.load_workbook(tmp_path / "households.xlsx")
    texts = {c.value for row in wb.worksheets[0].iter_rows() for c in row if isinstance(c.value, str)}
    assert {MALICIOUS[0], MALICIOUS[1], MALICIOUS[3]} <= texts
    assert any(t.startswith("-1+1") for t in texts) and any(t.startswith("\t=1+2") for t in texts)


def test_key_groups_sections_are_merged_rows(db: Any, tmp_path: Path) -> None:
    build_sample(db)
    ws, headers = _export(db, tmp_path, "key-groups")
    assert ws["A4"].value == "低保（1人）"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert f"A4:{openpyxl.utils.get_column_letter(len(headers))}4" in merged
    ages = [c.value for c in _column(ws, headers, "年龄") if isinstance(c.value, int)]
    assert ages and ages[0] == 74


def test_changes_month_in_title_and_portrait_for_narrow_column_choice(db: Any, tmp_path: Path) -> None:
    build_sample(db)
    ws, headers = _export(db, tmp_path, "changes", month=(2024, 5), columns=["kind", "event_date", "name"])
    assert ws["A1"].value == "人口变动情况（2024年5月）"
    assert headers == ["变动类别", "变动日期", "姓名"]
    assert ws.page_setup.orientation == "portrait"
    names = [c.value for c in _column(ws, headers, "姓名")]
    assert "王小明" in names and "张建国" not in names


def test_progress_and_cancel_leave_no_file(db: Any, tmp_path: Path) -> None:
    build_sample(db, extra_households=40)
    seen: list[tuple[int, int | None]] = []
    export_ledger(db, "households", "xlsx", tmp_path / "a.xlsx", progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1]
    from commdesk.reports import excel_ledger

    out = tmp_path / "b.xlsx"
    with pytest.raises(ExportCancelled):
        # cancel at the first check (every 2000 rows by default; make it check at once)
        original = excel_ledger.write_ledger_xlsx

        def quick(*a: Any, **k: Any) -> int:
            return original(*a, **{**k, "every": 1})
        excel_ledger.write_ledger_xlsx = quick  # type: ignore[assignment]
        try:
            export_ledger(db, "households", "xlsx", out, cancel=lambda: True)
        finally:
            excel_ledger.write_ledger_xlsx = original  # type: ignore[assignment]
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
