"""The monthly report as a workbook: one printable sheet, native Excel charts."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter

from commdesk.i18n import _
from commdesk.reports.excel_ledger import display_width, footer_text
from commdesk.reports.export import chinese_date
from commdesk.reports.monthly_blocks import Chart, ReportData, Table, Text, numbered

NCOLS = 10
CHART_ROWS = 16
DATA_SHEET = "图表数据"


def render_xlsx(data: ReportData, out: Path, font: str = "宋体") -> None:
    wb = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False, "strings_to_numbers": False,
                                        "strings_to_urls": False})
    try:
        _render(wb, data, font)
    finally:
        wb.close()


def _render(wb: xlsxwriter.Workbook, data: ReportData, font: str) -> None:
    wb.set_properties({"title": data.title, "company": data.context.community, "author": "commdesk"})
    ws = wb.add_worksheet(_("月报"))
    ds = wb.add_worksheet(DATA_SHEET)
    base = {"font_name": font, "font_size": 10, "valign": "vcenter"}
    f_title = wb.add_format({**base, "font_size": 16, "bold": True, "align": "center"})
    f_info = wb.add_format({**base})
    f_info_r = wb.add_format({**base, "align": "right"})
    f_head = wb.add_format({**base, "font_size": 12, "bold": True})
    f_caption = wb.add_format({**base, "bold": True})
    f_text = wb.add_format({**base, "text_wrap": True, "valign": "top"})
    f_th = wb.add_format({**base, "bold": True, "border": 1, "align": "center", "bg_color": "#D9D9D9",
                          "text_wrap": True})
    cell_formats: dict[tuple[str, bool], Any] = {}

    def cell_fmt(align: str, total: bool) -> Any:
        key = (align, total)
        if key not in cell_formats:
            props = {**base, "border": 1, "align": align, "text_wrap": align == "left"}
            if total:
                props.update(bold=True, bg_color="#F2F2F2")
            cell_formats[key] = wb.add_format(props)
        return cell_formats[key]

    ncols = max([NCOLS] + [len(b.headers) for _s, blocks in data.sections for b in blocks if isinstance(b, Table)])
    widths = [6.0] * ncols
    last = ncols - 1
    ws.set_row(0, 30)
    ws.merge_range(0, 0, 0, last, "", f_title)
    ws.write_string(0, 0, data.title, f_title)
    ws.merge_range(1, 0, 1, 4, "", f_info)
    ws.write_string(1, 0, _("填报单位：{unit}").format(unit=data.context.community), f_info)
    ws.merge_range(1, 5, 1, last, "", f_info_r)
    ws.write_string(1, 5, _("填报日期：{date}").format(date=chinese_date(data.context.today)), f_info_r)
    row = 3
    drow = 0          # next free row on the chart-data sheet
    charts = 0
    for i, (section, blocks) in enumerate(data.sections):
        ws.write_string(row, 0, numbered(i, section.title), f_head)
        ws.set_row(row, 22)
        row += 1
        for block in blocks:
            if isinstance(block, Text):
                ws.merge_range(row, 0, row, last, "", f_text)
                ws.write_string(row, 0, block.text, f_text)
                ws.set_row(row, 15 * max(1, display_width(block.text) // 100 + 1))
                row += 2
            elif isinstance(block, Table):
                ws.write_string(row, 0, block.title, f_caption)
                row += 1
                ncol = len(block.headers)
                for c, h in enumerate(block.headers[:ncol]):
                    ws.write_string(row, c, str(h), f_th)
                row += 1
                aligns = list(block.align) + [""] * ncol
                for r_i, values in enumerate(block.rows):
                    is_total = block.total and r_i == len(block.rows) - 1
                    for c, v in enumerate(list(values)[:ncol]):
                        align = aligns[c] or ("right" if isinstance(v, (int, float)) else "left")
                        fmt = cell_fmt(align, is_total)
                        if isinstance(v, (int, float)) and not isinstance(v, bool):
                            ws.write_number(row, c, v, fmt)
                        else:
                            s = "" if v is None else str(v)
                            ws.write_string(row, c, s, fmt)
                            widths[c] = max(widths[c], min(display_width(s) + 2, 40))
                    row += 1
                row += 1
            elif isinstance(block, Chart):
                drow = _chart(wb, ws, ds, block, row, drow, charts)
                charts += 1
                row += CHART_ROWS + 1
    sign = _("填表人：　　　　　　审核人：　　　　　　社区（盖章）：　　　　　　日期：　　年　　月　　日")
    row += 1
    ws.merge_range(row, 0, row, last, "", f_info)
    ws.write_string(row, 0, sign, f_info)
    ws.set_row(row, 28)
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.set_paper(9)
    ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
    ws.set_footer(footer_text(), {"margin": 0.3})
    ws.print_area(0, 0, row, last)
    ws.activate()
    ds.hide()


def _chart(wb: xlsxwriter.Workbook, ws: Any, ds: Any, block: Chart, row: int, drow: int, index: int) -> int:
    """Write the chart's data on the hidden data sheet and insert a native chart; returns the next data row."""
    ds.write_string(drow, 0, block.title)
    cats = list(block.categories)
    top = drow + 1
    for i, name in enumerate(cats):
        ds.write_string(top + i, 0, str(name))
    for s, (name, values) in enumerate(block.series):
        ds.write_string(drow, s + 1, str(name))
        for i, v in enumerate(values):
            ds.write_number(top + i, s + 1, float(v))
    kind = {"column": "column", "bar": "bar", "pie": "pie"}.get(block.kind, "column")
    chart = wb.add_chart({"type": kind})
    bottom = top + max(len(cats), 1) - 1
    for s, (name, _values) in enumerate(block.series):
        series: dict[str, Any] = {
            "name": [DATA_SHEET, drow, s + 1],
            "categories": [DATA_SHEET, top, 0, bottom, 0],
            "values": [DATA_SHEET, top, s + 1, bottom, s + 1],
            "data_labels": {"value": True, "percentage": kind == "pie"} if kind == "pie" else {"value": True},
        }
        chart.add_series(series)
    chart.set_title({"name": block.title, "name_font": {"name": "宋体", "size": 11}})
    if kind == "pie" or len(block.series) < 2:
        chart.set_legend({"none": kind != "pie", "position": "right"})
    chart.set_size({"width": 640, "height": CHART_ROWS * 20})
    ws.insert_chart(row, 0, chart, {"x_offset": 10, "y_offset": 4})
    return bottom + 3
