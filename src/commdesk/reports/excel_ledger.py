"""A ledger as an .xlsx workbook (XlsxWriter in constant-memory mode; the data rows stream to disk).

Title row merged across the table; 填报单位 and 填报日期 line; bordered table with a bold header
row that is frozen and repeated on every printed page; A4 (landscape for wide ledgers), fit to
page width; footer with 填表人/审核人 and "第 &P 页 共 &N 页"; widths fit to the content; ID
numbers, phones and household numbers written as text, dates as real dates. Every string is
written as an inline string (the workbook's string conversions are off, and the data rows never
write a formula), so a value such as ``=HYPERLINK(…)`` stays text: no formula injection.

XlsxWriter writes the workbook around the table; the data rows themselves are written by
:mod:`commdesk.reports.xlsx_rows` (the same XML, ~10x faster) and spliced in.
"""
from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from commdesk.i18n import _
from commdesk.reports.cell_text import SENSITIVE_NOTICE
from commdesk.reports.ledger import Column, Item, Section
from commdesk.reports.xlsx_rows import SheetRows, display_width, splice_rows

TITLE_ROW, INFO_ROW, HEADER_ROW = 0, 1, 2
FIRST_DATA_ROW = 3
DATE_FORMAT = "yyyy-mm-dd"
MAX_WIDTH = 48
WORKBOOK_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                    "strings_to_urls": False}
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")

Progress = Callable[[int, int | None], None]
Cancel = Callable[[], bool]


def sheet_name(title: str) -> str:
    return (_SHEET_BAD.sub("", title) or "Sheet1")[:31]


def footer_text() -> str:
    return _("&L填表人：&C第 &P 页 共 &N 页&R审核人：")


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook, font: str) -> None:
        base = {"font_name": font, "font_size": 10, "border": 1, "valign": "vcenter"}
        self.wb = wb
        self.base = base
        self.title = wb.add_format({"font_name": font, "font_size": 16, "bold": True, "align": "center",
                                    "valign": "vcenter"})
        self.info_left = wb.add_format({"font_name": font, "font_size": 10, "align": "left", "valign": "vcenter"})
        self.info_right = wb.add_format({"font_name": font, "font_size": 10, "align": "right", "valign": "vcenter"})
        self.header = wb.add_format({**base, "bold": True, "align": "center", "text_wrap": True,
                                     "bg_color": "#D9D9D9"})
        self.section = wb.add_format({**base, "bold": True, "align": "left", "bg_color": "#F2F2F2"})
        self.blank = wb.add_format({"border": 1})
        self.sign = wb.add_format({"font_name": font, "font_size": 11, "align": "left", "valign": "vcenter"})
        self._cache: dict[tuple[str, str], Any] = {}

    def cell(self, column: Column) -> Any:
        key = (column.kind, column.alignment)
        fmt = self._cache.get(key)
        if fmt is None:
            props = {**self.base, "align": column.alignment}
            if column.kind == "date":
                props["num_format"] = DATE_FORMAT
            elif column.kind in ("id", "phone", "code", "text"):
                props["num_format"] = "@"
                props["text_wrap"] = column.kind == "text"
            elif column.kind in ("int", "seq"):
                props["num_format"] = "0"
            fmt = self.wb.add_format(props)
            self._cache[key] = fmt
        return fmt


def _style_index(fmt: Any) -> int:
    """The style index XlsxWriter gives a cell format (numbered on first use, like its own cells)."""
    return int(fmt._get_xf_index())


def write_ledger_xlsx(out: Path, items: Iterable[Item], columns: Sequence[Column], *, title: str, unit: str,
                      date_text: str, landscape: bool, masked: bool, total: int | None = None,
                      progress: Progress | None = None, cancel: Cancel | None = None, every: int = 2000,
                      font: str = "宋体") -> int:
    """Write the ledger; returns the number of data rows."""
    from commdesk.reports.pdf_ledger import ExportCancelled

    columns = list(columns)
    ncol = len(columns)
    book = io.BytesIO()     # everything but the data rows (see xlsx_rows); spliced into ``out`` at the end
    wb = xlsxwriter.Workbook(book, WORKBOOK_OPTIONS)
    rows: SheetRows | None = None
    try:
        wb.set_properties({"title": title, "company": unit, "author": "commdesk"})
        ws = wb.add_worksheet(sheet_name(title))
        f = _Formats(wb, font)
        last = max(ncol - 1, 0)
        # title and info lines
        ws.set_row(TITLE_ROW, 30)
        if last:
            ws.merge_range(TITLE_ROW, 0, TITLE_ROW, last, "", f.title)
        ws.write_string(TITLE_ROW, 0, title, f.title)
        ws.set_row(INFO_ROW, 20)
        half = max(ncol // 2, 1)
        unit_text = _("填报单位：{unit}").format(unit=unit)
        date_line = _("填报日期：{date}").format(date=date_text)
        if ncol >= 2:
            if half - 1 > 0:
                ws.merge_range(INFO_ROW, 0, INFO_ROW, half - 1, "", f.info_left)
            ws.write_string(INFO_ROW, 0, unit_text, f.info_left)
            if last > half:
                ws.merge_range(INFO_ROW, half, INFO_ROW, last, "", f.info_right)
            ws.write_string(INFO_ROW, half, date_line, f.info_right)
        else:
            ws.write_string(INFO_ROW, 0, f"{unit_text}  {date_line}", f.info_left)
        widths = [max(display_width(c.header), 4) for c in columns]
        for c, col in enumerate(columns):
            ws.write_string(HEADER_ROW, c, col.header, f.header)
        _style_index(f.header)      # numbered before the data formats, as when XlsxWriter wrote the rows
        formats = [f.cell(col) for col in columns]
        rows = SheetRows(columns, masked, widths, style=lambda c: _style_index(formats[c]),
                         section_style=lambda: _style_index(f.section))
        write_row, write_section = rows.row, rows.section
        sections: list[int] = []
        row = FIRST_DATA_ROW
        done = 0
        for item in items:
            if item.__class__ is Section:
                write_section(row, item.label)
                sections.append(row)
                row += 1
                continue
            write_row(row, item[0], item[2])
            row += 1
            done += 1
            if done % every == 0:
                if cancel is not None and cancel():
                    raise ExportCancelled()
                if progress is not None:
                    progress(done, total)
        if last:   # the section rows' merged cells (their content comes from ``rows``)
            for r in sections:
                ws.merge_range(r, 0, r, last, "", f.section)
        # Empty cells are not written (a third of a grouped ledger's cells; each costs as much as a
        # value): one "blanks" conditional format gives them the table's borders instead.
        if row > FIRST_DATA_ROW:
            ws.conditional_format(FIRST_DATA_ROW, 0, row - 1, last, {"type": "blanks", "format": f.blank})
        # signature line under the table
        sign_row = row + 1
        ws.set_row(sign_row, 28)
        sign = _("填表人：　　　　　　审核人：　　　　　　社区（盖章）：　　　　　　日期：　　年　　月　　日")
        if last:
            ws.merge_range(sign_row, 0, sign_row, last, "", f.sign)
        ws.write_string(sign_row, 0, sign, f.sign)
        # widths fit to content (constant-memory mode writes <cols> at close, so this may come last)
        for c, w in enumerate(widths):
            ws.set_column(c, c, min(w + 2, MAX_WIDTH))
        ws.freeze_panes(FIRST_DATA_ROW, 0)
        ws.repeat_rows(HEADER_ROW)
        ws.set_paper(9)
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        ws.set_footer(footer_text(), {"margin": 0.25})
        if not masked:
            ws.set_header("&C&\"-,Bold\"" + SENSITIVE_NOTICE.replace("&", "&&"), {"margin": 0.2})
        ws.print_area(0, 0, sign_row, last)
    except BaseException:
        try:
            wb.close()      # removes XlsxWriter's temporary files (the workbook only goes to ``book``)
        except Exception:  # noqa: BLE001 - nothing was written to ``out``
            pass
        if rows is not None:
            rows.close()
        raise
    try:
        wb.close()
        splice_rows(book, rows, out, first_row=FIRST_DATA_ROW + 1, end_row=sign_row + 1)
    finally:
        rows.close()
    if progress is not None:
        progress(done, total)
    return done
