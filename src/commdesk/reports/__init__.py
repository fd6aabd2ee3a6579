"""Ledgers (台账) out: one declaration → screen, Excel and PDF; the monthly report (月报). No Qt.

Public API for the GUI and the CLI:

- :func:`ledger_keys`, :func:`get_ledger`, :func:`register_ledger` — the ledger registry;
- :class:`Ledger`, :class:`Column`, :class:`Params`, :func:`format_cell` — the declaration the
  on-screen table model reads (headers, widths, alignment, formatted values);
- :func:`export_ledger` — a ledger to .xlsx / .pdf (masked by default, progress and cancel);
- :func:`build_monthly_report`, :func:`register_section` — the monthly report and its sections.
"""
from __future__ import annotations

from commdesk.reports.export import export_ledger, parse_month
from commdesk.reports.ledger import (Column, FilterSpec, Ledger, Params, Row, Section, format_cell, format_row,
                                     get_ledger, ledger_keys, register_ledger)

__all__ = [
    "Column", "FilterSpec", "Ledger", "Params", "Row", "Section", "format_cell", "format_row", "get_ledger",
    "ledger_keys", "register_ledger", "export_ledger", "parse_month", "ExportCancelled",
    "build_monthly_report", "register_section",
]


def __getattr__(name: str) -> object:
    # the writers (reportlab, XlsxWriter) load on first export, not with the declarations: the
    # on-screen ledger reads its columns from here on the app's first paint
    if name == "ExportCancelled":
        from commdesk.reports.pdf_ledger import ExportCancelled

        return ExportCancelled
    if name in ("build_monthly_report", "register_section"):
        from commdesk.reports import monthly

        return getattr(monthly, name)
    raise AttributeError(name)
