"""Print preview and printing of a ledger with Qt print support.

The rows come from the same ledger declaration as the Excel and PDF writers (same columns,
formatting and masking); the table header row repeats on every printed page.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from commdesk.i18n import _


@dataclass
class PrintableLedger:
    title: str
    html: str
    landscape: bool
    rows: int
    truncated: bool


def ledger_document_html(session: Any, opts: dict[str, Any], limit: int) -> PrintableLedger:
    from commdesk.reports import Params, Section, format_row, get_ledger
    from commdesk.reports.export import chinese_date, community_name

    ledger = get_ledger(opts["key"])
    params = Params(month=opts.get("month"), filters=opts.get("filters") or {},
                    columns=tuple(opts["columns"]) if opts.get("columns") else None, masked=opts["masked"])
    columns = ledger.visible_columns(params)
    total_width = sum(c.width for c in columns) or 1
    head = "".join(f'<th width="{c.width * 100 / total_width:.1f}%">{html.escape(c.header)}</th>' for c in columns)
    body: list[str] = []
    n = 0
    truncated = False
    for item in ledger.rows(session, params):
        if isinstance(item, Section):
            body.append(f'<tr><td colspan="{len(columns)}" class="sec">{html.escape(item.label)}</td></tr>')
            continue
        if n >= limit:
            truncated = True
            break
        cells = format_row(columns, item.values, masked=opts["masked"])
        tds = []
        for col, text in zip(columns, cells, strict=True):
            align = {"right": "right", "center": "center"}.get(col.alignment, "left")
            tds.append(f'<td align="{align}">{html.escape(text)}</td>')
        body.append("<tr>" + "".join(tds) + "</tr>")
        n += 1
    title = ledger.title_for(params)
    note = (_("<p>（预览只显示前 {n} 行，完整台账请导出 PDF 打印）</p>").format(n=limit) if truncated else "")
    doc = f"""<html><head><style>
      body {{ font-size: 8pt; }}
      table {{ border-collapse: collapse; }} th, td {{ border: 1px solid #000; padding: 1px 2px; }}
      th {{ background: #eee; }} td.sec {{ font-weight: bold; background: #f4f4f4; }}
      h2 {{ text-align: center; }}
    </style></head><body>
    <h2>{html.escape(title)}</h2>
    <p>{_("填报单位")}：{html.escape(community_name(session))}　　{_("填报日期")}：{chinese_date(params.day)}</p>
    <table width="100%" cellspacing="0"><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>
    {note}
    <p><br/>{_("填表人")}：__________　　{_("审核人")}：__________　　{_("社区（盖章）")}　　{_("日期")}：__________</p>
    </body></html>"""
    return PrintableLedger(title, doc, ledger.is_landscape(params, opts.get("landscape")), n, truncated)


def build_document(printable: PrintableLedger) -> QTextDocument:
    doc = QTextDocument()
    doc.setHtml(printable.html)
    return doc


def configure_printer(printer: QPrinter, landscape: bool) -> None:
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait)


def show_print_preview(parent: QWidget, printable: PrintableLedger) -> QPrintPreviewDialog:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    configure_printer(printer, printable.landscape)
    doc = build_document(printable)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(_("打印预览：{title}").format(title=printable.title))
    # the dialog only borrows the printer and the document: keep both alive with it
    dialog._printer = printer  # type: ignore[attr-defined]
    dialog._doc = doc  # type: ignore[attr-defined]
    dialog.paintRequested.connect(lambda p: doc.print_(p))
    dialog.resize(1100, 720)
    dialog.open()
    return dialog
