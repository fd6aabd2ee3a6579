"""A ledger as a PDF: title, unit/date line, table with the header row on every page, household
groups kept on one page where they fit, "第 N 页 共 M 页", and the signature/stamp block on the
last page.

The writer paginates itself and streams: each page is laid out, drawn straight onto the canvas
(see :mod:`commdesk.reports.pdf_text`), compressed and moved to a temporary file, and the
document is written out as reportlab formats it, so time grows linearly with the rows and memory
hardly at all (no page, flowable or row list is kept for the whole ledger). The total page
count is not known until the end, so "共 M 页" is a form XObject that every page uses and that
is defined once, after the last page.
"""
from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from reportlab.lib.pagesizes import A4, landscape as to_landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from commdesk.i18n import _
from commdesk.reports.fonts import cjk_font
from commdesk.reports.cell_text import text_converter
from commdesk.reports.ledger import Column, Item, Row, Section
from commdesk.reports.pdf_text import TextPainter, compress_finished_page, draw_lines, fill_rect, save_streaming

MARGIN_X = 12 * mm
MARGIN_TOP = 12 * mm
MARGIN_BOTTOM = 14 * mm
PAD_X = 2.0
PAD_Y = 2.2
TITLE_SIZE = 16.0
INFO_SIZE = 9.0
SIGNATURE_HEIGHT = 30 * mm
TOTAL_FORM = "commdeskPageTotal"

Progress = Callable[[int, int | None], None]
Cancel = Callable[[], bool]


class ExportCancelled(Exception):
    """The user cancelled a long export (the partial file is removed by the caller)."""


@dataclass
class _Line:
    """A laid-out table line: a data row or a section heading, with its height."""

    cells: list[list[str]] | None     # wrapped text per column (None for a section)
    height: float
    first: bool = True                # first row of its group
    label: str = ""                   # section heading
    group_cells: list[list[str]] | None = None   # the group's first-row cells (repeated after a page break)


class LedgerPdf:
    def __init__(self, out: Path, columns: Sequence[Column], *, title: str, unit: str, date_text: str,
                 landscape: bool, masked: bool, signature: bool = True) -> None:
        self.out = out
        self.columns = list(columns)
        self.title = title
        self.unit = unit
        self.date_text = date_text
        self.masked = masked
        self.signature = signature
        self.pagesize = to_landscape(A4) if landscape else A4
        self.font = cjk_font()
        self.canvas = Canvas(str(out), pagesize=self.pagesize, pageCompression=1, invariant=0,
                             initialFontName=self.font.name, initialFontSize=9)
        self.canvas.setTitle(title)
        self.canvas.setAuthor(unit)
        self.canvas.setCreator("commdesk")
        self.text = TextPainter(self.canvas, self.font.name)
        #: finished pages' deflated content waits here until the document is written
        self.spool: IO[bytes] = tempfile.TemporaryFile(prefix="commdesk-pages-")
        self.formatters = [text_converter(c, masked) for c in self.columns]
        self.group_level = [c.group_level for c in self.columns]
        self.aligns = [c.alignment for c in self.columns]
        self._layout_columns()
        self.page = 0
        self.y = 0.0
        self.rows_on_page = 0

    # -- geometry --------------------------------------------------------------------------------
    def _layout_columns(self) -> None:
        width = self.pagesize[0] - 2 * MARGIN_X
        total_chars = sum(max(c.width, 1.0) for c in self.columns) or 1.0
        unit = width / total_chars
        self.size = max(6.0, min(9.0, unit * 0.86))
        self.leading = self.size * 1.22
        self.xs: list[float] = []
        self.ws: list[float] = []
        x = MARGIN_X
        for col in self.columns:
            w = max(col.width, 1.0) * unit
            self.xs.append(x)
            self.ws.append(w)
            x += w
        self.left, self.right = MARGIN_X, x
        self.header_cells = [self.text.wrap(c.header, self.size, w - 2 * PAD_X) for c, w in zip(self.columns, self.ws)]
        self.header_height = max(len(c) for c in self.header_cells) * self.leading + 2 * PAD_Y
        self.bottom = MARGIN_BOTTOM + 4 * mm
        top = self.pagesize[1] - MARGIN_TOP
        self.first_body_top = top - TITLE_SIZE * 1.5 - INFO_SIZE * 2.2
        self.body_top = top
        #: height of the table body on a page without the title block
        self.page_capacity = self.body_top - self.header_height - self.bottom

    def measure(self, values: Sequence[Any], first: bool) -> _Line:
        cells = []
        lines = 1
        for i, value in enumerate(values):
            if self.group_level[i] and not first:
                cells.append([""])
                continue
            wrapped = self.text.wrap(self.formatters[i](value), self.size, self.ws[i] - 2 * PAD_X)
            cells.append(wrapped)
            if len(wrapped) > lines:
                lines = len(wrapped)
        return _Line(cells, lines * self.leading + 2 * PAD_Y, first)

    def section_line(self, label: str) -> _Line:
        return _Line(None, self.leading + 2 * PAD_Y + 2, label=label)

    # -- pages -----------------------------------------------------------------------------------
    def _start_page(self) -> None:
        self.page += 1
        self.rows_on_page = 0
        top = self.body_top
        if self.page == 1:
            top = self._draw_title_block()
        self._draw_header(top)
        self.y = top - self.header_height
        self._h_lines: list[tuple[float, float, float, float]] = []
        self._section_rows: list[tuple[float, float]] = []

    def _draw_title_block(self) -> float:
        w, h = self.pagesize
        y = h - MARGIN_TOP - TITLE_SIZE
        self.text.bold_text(w / 2, y, self.title, TITLE_SIZE, "center")
        y -= INFO_SIZE * 2.0
        self.text.text(self.left, y, _("填报单位：{unit}").format(unit=self.unit), INFO_SIZE)
        self.text.text(self.right, y, _("填报日期：{date}").format(date=self.date_text), INFO_SIZE, "right")
        self.text.flush()
        return self.first_body_top

    def _draw_header(self, top: float) -> None:
        fill_rect(self.canvas, self.left, top - self.header_height, self.right - self.left, self.header_height, 0.88)
        for i, cell in enumerate(self.header_cells):
            cx = self.xs[i] + self.ws[i] / 2
            block = len(cell) * self.leading
            y = top - (self.header_height - block) / 2 - self.text.ascent * self.size
            for line in cell:
                self.text.bold_text(cx, y, line, self.size, "center")
                y -= self.leading
        self._header_top = top

    def _finish_page(self) -> None:
        """Grid lines for the table on this page, the page number, then close the page."""
        top, bottom = self._header_top, self.y
        segs = self._h_lines
        segs.append((self.left, top, self.right, top))
        segs.append((self.left, top - self.header_height, self.right, top - self.header_height))
        segs.append((self.left, bottom, self.right, bottom))
        for x in (self.left, self.right):
            segs.append((x, top, x, bottom))
        # inner verticals stop at section headings, which span the table
        spans = []
        upper = top
        for sec_top, sec_bottom in self._section_rows:
            spans.append((upper, sec_top))
            upper = sec_bottom
        spans.append((upper, bottom))
        for x in self.xs[1:]:
            for y1, y2 in spans:
                if y1 - y2 > 0.01:
                    segs.append((x, y1, x, y2))
        draw_lines(self.canvas, segs, 0.5)
        self.text.flush()
        self._draw_page_number()
        self.canvas.showPage()
        compress_finished_page(self.canvas, self.spool)

    def _draw_page_number(self) -> None:
        w = self.pagesize[0]
        y = MARGIN_BOTTOM - 2 * mm
        size = INFO_SIZE
        left = _("第 {n} 页 共 ").format(n=self.page)
        self.text.text(w / 2, y, left, size, "right")
        if not self.masked:
            from commdesk.reports.cell_text import SENSITIVE_NOTICE

            self.text.bold_text(w / 2, self.pagesize[1] - MARGIN_TOP + 5 * mm, SENSITIVE_NOTICE, size, "center")
        self.text.flush()
        # "M 页" comes from a form defined after the last page, when M is known.
        self.canvas.saveState()
        self.canvas.translate(w / 2, y)
        self.canvas.doForm(TOTAL_FORM)
        self.canvas.restoreState()

    # -- rows ------------------------------------------------------------------------------------
    def _room(self) -> float:
        return self.y - self.bottom

    def _draw_line(self, line: _Line, first_on_page: bool) -> None:
        top = self.y
        bottom = top - line.height
        text = self.text
        if line.cells is None:
            fill_rect(self.canvas, self.left, bottom, self.right - self.left, line.height, 0.95)
            text.bold_text(self.left + PAD_X * 2, top - (line.height - self.size) / 2 - self.text.ascent * self.size
                           + (1 - self.text.ascent) * self.size * 0.5, line.label, self.size)
            self._h_lines.append((self.left, top, self.right, top))
            self._h_lines.append((self.left, bottom, self.right, bottom))
            self._section_rows.append((top, bottom))
            self.y = bottom
            return
        cells = line.cells
        if first_on_page and not line.first and line.group_cells is not None:
            cells = [g if self.group_level[i] else c for i, (c, g) in enumerate(zip(cells, line.group_cells))]
        # horizontal line above the row: across all columns for a group's first row (or a page's
        # first row), else only across the member columns (household cells look merged)
        if line.first or first_on_page:
            self._h_lines.append((self.left, top, self.right, top))
        else:
            for i, is_group in enumerate(self.group_level):
                if not is_group:
                    self._h_lines.append((self.xs[i], top, self.xs[i] + self.ws[i], top))
        size, leading, asc = self.size, self.leading, self.text.ascent * self.size
        for i, cell in enumerate(cells):
            if not cell or cell == [""]:
                continue
            align = self.aligns[i]
            if align == "left":
                x = self.xs[i] + PAD_X
            elif align == "right":
                x = self.xs[i] + self.ws[i] - PAD_X
            else:
                x = self.xs[i] + self.ws[i] / 2
            if self.group_level[i]:
                y = top - PAD_Y - asc
            else:
                y = top - (line.height - len(cell) * leading) / 2 - asc
            for piece in cell:
                text.text(x, y, piece, size, align)
                y -= leading
        self.y = bottom
        self.rows_on_page += 1

    def place(self, block: list[_Line]) -> None:
        """Draw a group (a section heading travels with the group after it)."""
        height = sum(line.height for line in block)
        if self.page == 0:
            self._start_page()
        elif height > self._room() and height <= self.page_capacity and self.rows_on_page:
            self._new_page()
        for line in block:
            if line.height > self._room() and self.rows_on_page:
                self._new_page()
            self._draw_line(line, self.rows_on_page == 0)

    def _new_page(self) -> None:
        self._finish_page()
        self._start_page()

    # -- the whole document ----------------------------------------------------------------------
    def write(self, items: Iterable[Item], *, total: int | None = None, progress: Progress | None = None,
              cancel: Cancel | None = None, every: int = 500) -> int:
        """Lay out and draw every item, then save the document; returns the number of pages."""
        try:
            return self._write(items, total, progress, cancel, every)
        finally:
            self.spool.close()

    def _write(self, items: Iterable[Item], total: int | None, progress: Progress | None, cancel: Cancel | None,
               every: int) -> int:
        self._start_page()
        pending: list[_Line] = []
        group_cells: list[list[str]] | None = None
        done = 0
        for item in items:
            if isinstance(item, Section):
                if pending:
                    self.place(pending)
                    pending = []
                pending.append(self.section_line(item.label))
                continue
            row: Row = item
            if row.first and pending and pending[-1].cells is not None:
                self.place(pending)
                pending = []
            line = self.measure(row.values, row.first)
            if row.first:
                group_cells = line.cells
            line.group_cells = group_cells
            pending.append(line)
            done += 1
            if done % every == 0:
                if cancel is not None and cancel():
                    raise ExportCancelled()
                if progress is not None:
                    progress(done, total)
        if pending:
            self.place(pending)
        if self.signature:
            if self._room() < SIGNATURE_HEIGHT + 4 * mm:
                self._new_page()
            self._draw_signature()
        self._finish_page()
        self._define_total()
        save_streaming(self.canvas, self.out)
        if progress is not None:
            progress(done, total)
        return self.page

    def _draw_signature(self) -> None:
        y = self.y - 9 * mm
        width = self.right - self.left
        labels = [_("填表人："), _("审核人："), _("社区（盖章）："), _("日期：　　年　　月　　日")]
        for i, label in enumerate(labels):
            self.text.text(self.left + i * width / 4 + 4 * mm, y, label, INFO_SIZE + 1)
        self.text.flush()

    def _define_total(self) -> None:
        c = self.canvas
        c.beginForm(TOTAL_FORM)
        painter = TextPainter(c, self.font.name)
        painter.text(0, 0, _("{m} 页").format(m=self.page), INFO_SIZE)
        painter.flush()
        c.endForm()


def write_ledger_pdf(out: Path, items: Iterable[Item], columns: Sequence[Column], *, title: str, unit: str,
                     date_text: str, landscape: bool, masked: bool, total: int | None = None,
                     progress: Progress | None = None, cancel: Cancel | None = None) -> int:
    """Write the ledger; returns the number of pages."""
    writer = LedgerPdf(out, columns, title=title, unit=unit, date_text=date_text, landscape=landscape,
                       masked=masked)
    return writer.write(items, total=total, progress=progress, cancel=cancel)


__all__ = ["ExportCancelled", "LedgerPdf", "write_ledger_pdf"]
