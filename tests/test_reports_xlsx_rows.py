"""The ledger's data rows written as sheet XML (xlsx_rows) are the cells XlsxWriter itself would
write; rows streamed in chunks keep their groups, numbering and masking."""
from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commdesk.reports import Column, Row, Section, export_ledger, format_cell, get_ledger
from commdesk.reports.excel_ledger import WORKBOOK_OPTIONS, write_ledger_xlsx
from commdesk.reports.ledger import Params
from tests.test_reports_sample import MALICIOUS, build_sample

TODAY = date(2024, 6, 3)
_ROWS = re.compile(r"<row r=\"(\d+)\".*?</row>", re.S)
_STYLE = re.compile(r' s="\d+"')

# every character XML can carry (no lone surrogates), control characters included
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
TRICKY = ["", " ", "a", " 前导", "尾随 ", "\u3000全角", "a\nb", "a\n", "\tx", "控制\x01\x1f", "_x0041_", "_x005F_x0041_",
          "&amp;<b>x</b>", "\"q'", "\ufffe\uffff", "😀表情", "x" * 40000, "😀" * 16390, "=1+1"]


def _data_rows(xml: str, count: int) -> dict[int, str]:
    """The first ``count`` data rows (1-based number → XML without style numbers) of a sheet."""
    return {int(m.group(1)): _STYLE.sub("", m.group(0)) for m in _ROWS.finditer(xml) if 4 <= int(m.group(1)) < 4 + count}


def _sheet(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml").decode("utf-8")


def _reference(path: Path, kinds: list[str], rows: list[list[Any]]) -> None:
    """What the writer did before xlsx_rows: one XlsxWriter call per cell."""
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    ws = wb.add_worksheet("x")
    fmt = wb.add_format({"border": 1})
    for r, values in enumerate(rows, start=3):
        for c, (kind, v) in enumerate(zip(kinds, values)):
            if v is None or v == "":
                continue
            if kind == "date" and isinstance(v, date):
                ws.write_datetime(r, c, v if isinstance(v, datetime) else datetime(v.year, v.month, v.day), fmt)
            elif kind == "int" and isinstance(v, (int, float)) and not isinstance(v, bool):
                ws.write_number(r, c, v, fmt)
            else:
                ws.write_string(r, c, str(v), fmt)
    wb.close()


def _ours(path: Path, kinds: list[str], rows: list[list[Any]]) -> None:
    columns = [Column(f"c{i}", f"列{i}", kind=kind) for i, kind in enumerate(kinds)]
    items = [Row(tuple(values)) for values in rows]
    write_ledger_xlsx(path, items, columns, title="t", unit="u", date_text="d", landscape=False, masked=False)


def _same_cells(tmp_path: Path, kinds: list[str], rows: list[list[Any]]) -> None:
    _reference(tmp_path / "ref.xlsx", kinds, rows)
    _ours(tmp_path / "ours.xlsx", kinds, rows)
    ours, ref = _data_rows(_sheet(tmp_path / "ours.xlsx"), len(rows)), _data_rows(_sheet(tmp_path / "ref.xlsx"), len(rows))
    assert ours == ref


def test_tricky_strings_numbers_and_dates_are_the_cells_xlsxwriter_writes(tmp_path: Path) -> None:
    rows = [[s, s] for s in TRICKY]
    rows += [[None, 7], [None, -3], [None, 2.5], [None, 10**17], [None, 1e-7], [None, True], [None, "12"]]
    kinds = ["text", "int"]
    _same_cells(tmp_path, kinds, rows)
    dates: list[Any] = [date(1899, 12, 31), date(1900, 1, 1), date(1900, 2, 28), date(1900, 3, 1), date(1950, 3, 8),
                        date(1850, 1, 1), datetime(2024, 5, 3, 12, 30, 15), datetime(1900, 1, 1, 6, 0), "1950-03",
                        date(9999, 12, 31)]
    _same_cells(tmp_path, ["date"], [[d] for d in dates])


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(TEXT, min_size=1, max_size=12))
def test_any_text_is_the_cell_xlsxwriter_writes(tmp_path: Path, texts: list[str]) -> None:
    _same_cells(tmp_path, ["text"], [[t] for t in texts])


def test_rich_string_lookalike_stays_plain_text(db: Any, tmp_path: Path) -> None:
    """XlsxWriter copies a string that looks like ``<r>…</r>`` into the XML as rich text, unescaped
    (a name such as ``<r><t>x</t></r>`` came back as "x"; ``<r>&</r>`` broke the workbook)."""
    from commdesk.models import Household, Resident

    build_sample(db)
    with db.Session.begin() as s:
        h = Household(household_no="0009", grid_id=1, estate="阳光小区")
        s.add(h)
        s.flush()
        s.add(Resident(household_id=h.id, name="<r><t>x</t></r>", relation="户主", notes="<r>&</r>"))
    out = export_ledger(db, "households", "xlsx", tmp_path / "h.xlsx", today=TODAY)
    texts = {c.value for row in openpyxl.load_workbook(out).worksheets[0].iter_rows() for c in row}
    assert "<r><t>x</t></r>" in texts and "<r>&</r>" in texts


def _expected(db: Any, key: str, masked: bool) -> list[list[Any]]:
    """Cell values a re-read workbook should hold, from the ledger's own rows."""
    ledger = get_ledger(key)
    params = Params(masked=masked, today=TODAY)
    columns = ledger.visible_columns(params)
    out: list[list[Any]] = []
    with db.Session() as s:
        for item in ledger.rows(s, params):
            if isinstance(item, Section):
                out.append([item.label] + [None] * (len(columns) - 1))
                continue
            row = []
            for col, v in zip(columns, item.values):
                if (col.group_level and not item.first) or v is None or v == "":
                    row.append(None)
                elif col.kind == "date":
                    row.append(datetime(v.year, v.month, v.day))
                elif col.kind in ("int", "seq", "number"):
                    row.append(v)
                else:
                    row.append(format_cell(col, v, masked))
            out.append(row)
    return out


@pytest.mark.parametrize("masked", [True, False])
def test_rows_fetched_and_written_in_small_chunks_keep_groups_numbers_and_masking(
        db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, masked: bool) -> None:
    from commdesk.reports import ledger_sql, xlsx_rows

    build_sample(db, extra_households=30)
    whole = export_ledger(db, "households", "xlsx", tmp_path / "whole.xlsx", today=TODAY, masked=masked)
    # tiny fetch chunks and file writes: every group boundary falls on a chunk boundary somewhere
    monkeypatch.setattr(ledger_sql, "CHUNK", 3)
    monkeypatch.setattr(xlsx_rows, "_FLUSH_ROWS", 2)
    chunked = export_ledger(db, "households", "xlsx", tmp_path / "chunked.xlsx", today=TODAY, masked=masked)
    assert _sheet(chunked) == _sheet(whole)
    ws = openpyxl.load_workbook(chunked).worksheets[0]
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=ws.max_row - 2)]
    expected = _expected(db, "households", masked)
    assert got == expected
    seq = [r[0] for r in got if r[0] is not None]
    assert seq == list(range(1, len(seq) + 1)) and len(seq) == 33          # every household numbered once
    phones = [v for r in got for v in r if isinstance(v, str) and v.startswith("139")]
    assert phones and all(("****" in p) == masked for p in phones)
    # section rows (重点人群台账) between chunked data rows
    monkeypatch.setattr(ledger_sql, "CHUNK", 2)
    out = export_ledger(db, "key-groups", "xlsx", tmp_path / "kg.xlsx", today=TODAY, masked=masked)
    ws = openpyxl.load_workbook(out).worksheets[0]
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=ws.max_row - 2)]
    assert got == _expected(db, "key-groups", masked)
    merged = {str(r) for r in ws.merged_cells.ranges}
    sections = [i for i, r in enumerate(got, start=4) if r[1:] == [None] * (len(r) - 1) and r[0]]
    assert sections and all(f"A{i}:{openpyxl.utils.get_column_letter(ws.max_column)}{i}" in merged for i in sections)


def test_empty_ledger_and_one_column(db: Any, tmp_path: Path) -> None:
    build_sample(db)
    out = export_ledger(db, "households", "xlsx", tmp_path / "none.xlsx", today=TODAY, filters={"estate": "没有"})
    ws = openpyxl.load_workbook(out).worksheets[0]
    assert [c.value for c in ws[3]][:2] == ["序号", "网格"] and ws["A5"].value.startswith("填表人")
    out = export_ledger(db, "households", "xlsx", tmp_path / "one.xlsx", today=TODAY, columns=["name"])
    ws = openpyxl.load_workbook(out).worksheets[0]
    names = [r[0].value for r in ws.iter_rows(min_row=4, max_row=ws.max_row - 2)]
    assert names == ["张建国", "李秀英", "王小明", "王乐乐", MALICIOUS[1], MALICIOUS[3]]
