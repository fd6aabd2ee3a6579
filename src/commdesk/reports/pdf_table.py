"""A lean platypus table for report tables with many rows (the monthly report's name lists).

reportlab's ``Table`` draws each cell through a text object (~0.1–0.5 ms a cell); this flowable
draws plain, pre-wrapped strings through :class:`~commdesk.reports.pdf_text.TextPainter` and
one path of grid lines per page, splits across pages between rows and repeats the header row.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.platypus.flowables import Flowable

from commdesk.reports.pdf_text import TextPainter, draw_lines, fill_rect, wrap_text

PAD_X = 3.0
PAD_Y = 2.4


class FastTable(Flowable):
    def __init__(self, rows: Sequence[Sequence[Any]], widths: Sequence[float], aligns: Sequence[str], *,
                 font: str, size: float = 8.5, leading: float | None = None, total: bool = False,
                 _wrapped: list[list[list[str]]] | None = None) -> None:
        super().__init__()
        self.widths = list(widths)
        self.aligns = list(aligns)
        self.font, self.size = font, size
        self.leading = leading or size * 1.25
        self.total = total
        if _wrapped is None:
            inner = [w - 2 * PAD_X for w in self.widths]
            _wrapped = [[wrap_text("" if v is None else str(v), font, size, inner[i]) for i, v in enumerate(row)]
                        for row in rows]
        self.cells = _wrapped          # cells[0] is the header row
        self.heights = [max(len(c) for c in row) * self.leading + 2 * PAD_Y for row in self.cells]
        self.hAlign = "LEFT"

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = sum(self.widths)
        self.height = sum(self.heights)
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        used = self.heights[0]
        k = 1
        while k < len(self.cells) and used + self.heights[k] <= avail_height:
            used += self.heights[k]
            k += 1
        if k <= 1 or k >= len(self.cells):
            return [] if k <= 1 else [self]
        head = self.cells[:1]
        first = FastTable((), self.widths, self.aligns, font=self.font, size=self.size, leading=self.leading,
                          _wrapped=head + self.cells[1:k])
        rest = FastTable((), self.widths, self.aligns, font=self.font, size=self.size, leading=self.leading,
                         total=self.total, _wrapped=head + self.cells[k:])
        return [first, rest]

    def draw(self) -> None:
        canv = self.canv
        painter = TextPainter(canv, self.font)
        xs = [0.0]
        for w in self.widths:
            xs.append(xs[-1] + w)
        right = xs[-1]
        top = self.height
        fill_rect(canv, 0, top - self.heights[0], right, self.heights[0], 0.85)
        if self.total and len(self.cells) > 1:
            fill_rect(canv, 0, 0, right, self.heights[-1], 0.95)
        asc = painter.ascent * self.size
        segs = [(0.0, top, right, top)]
        y = top
        for r, (row, h) in enumerate(zip(self.cells, self.heights)):
            for i, lines in enumerate(row):
                align = "center" if r == 0 else (self.aligns[i] if i < len(self.aligns) else "left")
                if align == "right":
                    x = xs[i + 1] - PAD_X
                elif align == "center":
                    x = (xs[i] + xs[i + 1]) / 2
                else:
                    x = xs[i] + PAD_X
                ty = y - (h - len(lines) * self.leading) / 2 - asc
                for line in lines:
                    painter.text(x, ty, line, self.size, align)
                    ty -= self.leading
            y -= h
            segs.append((0.0, y, right, y))
        for x in xs:
            segs.append((x, top, x, 0.0))
        painter.flush()
        draw_lines(canv, segs, 0.5)
