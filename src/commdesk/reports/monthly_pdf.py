"""The monthly report as a PDF (reportlab platypus + reportlab.graphics charts)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus import Table as PdfTable
from reportlab.platypus import TableStyle
from xml.sax.saxutils import escape

from commdesk.i18n import _
from commdesk.reports.excel_ledger import display_width
from commdesk.reports.export import chinese_date
from commdesk.reports.fonts import cjk_font
from commdesk.reports.monthly_blocks import Block, Chart, ReportData, Table, Text, numbered

PALETTE = [colors.HexColor(c) for c in ("#3B6FB6", "#E07B39", "#5BA55B", "#C94C4C", "#8E6BBF", "#D4A72C",
                                         "#4BA3A8", "#A0522D", "#7F7F7F", "#2F4F4F", "#B8860B", "#6B8E23")]
MARGIN = 16 * mm


class _Styles:
    def __init__(self, font: str) -> None:
        base = dict(fontName=font, wordWrap="CJK")
        self.title = ParagraphStyle("title", fontSize=18, leading=24, alignment=TA_CENTER, spaceAfter=4, **base)
        self.heading = ParagraphStyle("heading", fontSize=13, leading=18, spaceBefore=10, spaceAfter=4, keepWithNext=1,
                                      **base)
        self.caption = ParagraphStyle("caption", fontSize=10, leading=14, spaceBefore=4, spaceAfter=2, keepWithNext=1,
                                      **base)
        self.body = ParagraphStyle("body", fontSize=10, leading=15, firstLineIndent=20, spaceAfter=4, **base)
        self.cell = ParagraphStyle("cell", fontSize=8.5, leading=10.5, **base)
        self.cell_right = ParagraphStyle("cellr", parent=self.cell, alignment=TA_RIGHT)
        self.cell_center = ParagraphStyle("cellc", parent=self.cell, alignment=TA_CENTER)
        self.info = ParagraphStyle("info", fontSize=10, leading=14, alignment=TA_LEFT, **base)
        self.info_right = ParagraphStyle("infor", parent=self.info, alignment=TA_RIGHT)


def _numbered_canvas(font: str) -> type[Canvas]:
    class NumberedCanvas(Canvas):
        """Holds the (few) pages until the end, then writes "第 N 页 共 M 页" on each."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["initialFontName"] = font   # no stray non-embedded Helvetica
            super().__init__(*args, **kwargs)
            self._saved: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                self.setFont(font, 9)
                self.drawCentredString(A4[0] / 2, 10 * mm,
                                       _("第 {n} 页 共 {m} 页").format(n=self._pageNumber, m=total))
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


def _col_widths(table: Table, avail: float) -> list[float]:
    n = len(table.headers)
    if table.widths:
        weights = [max(float(w), 1.0) for w in table.widths]
    else:
        weights = [max(display_width(str(h)) / 2 + 1, 3.0) for h in table.headers]
        for row in table.rows:
            for i, v in enumerate(row[:n]):
                weights[i] = max(weights[i], min(display_width(str(v)) / 2 + 1, 16))
    total = sum(weights)
    natural = total * 10.0 + 8 * n  # ~10 pt per character at 8.5 pt text, plus padding
    width = min(avail, max(natural, avail * 0.5))
    return [width * w / total for w in weights]


def _table(block: Table, st: _Styles, avail: float) -> list[Any]:
    from commdesk.reports.pdf_table import FastTable

    widths = _col_widths(block, avail)
    sample = block.rows[0] if block.rows else []
    aligns = []
    for i in range(len(block.headers)):
        given = block.align[i] if i < len(block.align) else ""
        aligns.append(given or ("right" if i < len(sample) and isinstance(sample[i], (int, float)) else "left"))
    rows = [list(block.headers)] + [list(r) for r in block.rows]
    table = FastTable(rows, widths, aligns, font=st.cell.fontName, size=st.cell.fontSize, total=block.total)
    return [Paragraph(escape(block.title), st.caption), table]


def _chart(block: Chart, font: str, avail: float) -> Drawing:
    cats = list(block.categories)
    series = [list(v) for _n, v in block.series]
    if block.kind == "pie":
        d = Drawing(avail, 190)
        pie = Pie()
        pie.x, pie.y, pie.width, pie.height = 30, 15, 150, 150
        values = series[0] if series else []
        pie.data = [v if v > 0 else 0.0001 for v in values] or [1]
        pie.labels = None
        pie.slices.strokeWidth = 0.5
        for i in range(len(pie.data)):
            pie.slices[i].fillColor = PALETTE[i % len(PALETTE)]
        d.add(pie)
        legend = Legend()
        legend.x, legend.y = 230, 160
        legend.fontName, legend.fontSize = font, 9
        legend.alignment = "right"
        total = sum(values) or 1
        legend.colorNamePairs = [(PALETTE[i % len(PALETTE)], f"{c}  {v}（{v * 100 / total:.1f}%）")
                                 for i, (c, v) in enumerate(zip(cats, values))]
        d.add(legend)
    else:
        horizontal = block.kind == "bar"
        height = max(140, 18 * len(cats) + 60) if horizontal else 200
        d = Drawing(avail, height)
        chart = HorizontalBarChart() if horizontal else VerticalBarChart()
        chart.x, chart.y = (80, 30) if horizontal else (45, 45)
        chart.width = avail - chart.x - (120 if len(series) > 1 else 30)
        chart.height = height - chart.y - 25
        chart.data = series or [[0]]
        chart.categoryAxis.categoryNames = cats
        chart.categoryAxis.labels.fontName = font
        chart.categoryAxis.labels.fontSize = 8
        crowded = not horizontal and len(cats) * len(series) > 16
        if not horizontal and len(cats) > 6:
            chart.categoryAxis.labels.angle = 90 if crowded else 30
            chart.categoryAxis.labels.boxAnchor = "e" if crowded else "ne"
            if crowded:
                chart.y = 70
                chart.height = height - chart.y - 25
        chart.valueAxis.labels.fontName = font
        chart.valueAxis.labels.fontSize = 8
        chart.valueAxis.valueMin = 0
        top = max((max(v) for v in series if v), default=0)
        if top < 5:  # counts: whole-number ticks
            chart.valueAxis.valueMax = 5
            chart.valueAxis.valueStep = 1
        chart.barLabels.fontName = font
        chart.barLabels.fontSize = 7
        chart.barLabelFormat = None if not horizontal and len(cats) * len(series) > 16 else "%d"
        chart.barLabels.nudge = 7
        for i in range(len(series)):
            chart.bars[i].fillColor = PALETTE[i % len(PALETTE)]
        d.add(chart)
        if len(series) > 1:
            legend = Legend()
            legend.x, legend.y = avail - 100, height - 30
            legend.fontName, legend.fontSize = font, 9
            legend.colorNamePairs = [(PALETTE[i], name) for i, (name, _v) in enumerate(block.series)]
            d.add(legend)
    d.add(String(avail / 2, d.height - 12, block.title, fontName=font, fontSize=10, textAnchor="middle"))
    d.initialFontName = font   # the renderer's initial font (else a stray, non-embedded Helvetica)
    return d


def _blocks(blocks: Sequence[Block], st: _Styles, font: str, avail: float) -> list[Any]:
    out: list[Any] = []
    for block in blocks:
        if isinstance(block, Text):
            out.append(Paragraph(escape(block.text), st.body))
        elif isinstance(block, Table):
            parts = _table(block, st, avail)
            out.append(KeepTogether(parts) if len(block.rows) < 25 else parts[0])
            if len(block.rows) >= 25:
                out.append(parts[1])
        elif isinstance(block, Chart):
            out.append(KeepTogether([Spacer(1, 4), _chart(block, font, avail)]))
    return out


def _signature(font: str, avail: float) -> Any:
    # plain strings (not Paragraphs) keep the full-width spaces of "日期：　　年　　月　　日"
    cells = [[_("填表人："), _("审核人："), _("社区（盖章）："), _("日期：　　年　　月　　日")]]
    t = PdfTable(cells, colWidths=[avail / 4] * 4, rowHeights=[28 * mm])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), font),
                           ("FONTSIZE", (0, 0), (-1, -1), 10.5)]))
    return KeepTogether([Spacer(1, 8 * mm), t])


def render_pdf(data: ReportData, out: Path) -> None:
    font = cjk_font().name
    st = _Styles(font)
    avail = A4[0] - 2 * MARGIN
    doc = SimpleDocTemplate(str(out), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=14 * mm,
                            bottomMargin=18 * mm, title=data.title, author=data.context.community,
                            creator="commdesk")
    info = PdfTable([[Paragraph(escape(_("填报单位：{unit}").format(unit=data.context.community)), st.info),
                      Paragraph(escape(_("填报日期：{date}").format(date=chinese_date(data.context.today))),
                                st.info_right)]], colWidths=[avail / 2] * 2)
    info.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                              ("FONTNAME", (0, 0), (-1, -1), font)]))
    story: list[Any] = [Paragraph(escape(data.title), st.title), info]
    for i, (section, blocks) in enumerate(data.sections):
        story.append(Paragraph(escape(numbered(i, section.title)), st.heading))
        story.extend(_blocks(blocks, st, font, avail))
    story.append(_signature(font, avail))
    doc.build(story, canvasmaker=_numbered_canvas(font))
