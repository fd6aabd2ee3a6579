"""The 台账与报表 page: exports through the real window (off the GUI thread), masking by default,
the monthly report, and the print preview."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.gui_support import seed_small_community

pytestmark = pytest.mark.gui


@pytest.fixture
def page(qtbot: Any, db: Any) -> Any:
    from commdesk.ui.app import create_main_window, make_app
    from commdesk.ui.reports_page import ReportsPage
    from commdesk.ui.runner import set_runner

    make_app()
    seed_small_community(db)
    w = create_main_window(db)
    qtbot.addWidget(w)
    w.show()
    w.start()
    p = w.show_page(ReportsPage)
    qtbot.waitUntil(lambda: w.runner.idle and "grid" in p.filter_widgets, timeout=5000)
    yield p
    w.runner.shutdown()
    set_runner(None)


def cells(path: Path) -> list[list[Any]]:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    return [list(r) for r in wb.active.iter_rows(values_only=True)]


def test_export_households_workbook_masked_by_default(qtbot: Any, page: Any, tmp_path: Path) -> None:
    out = tmp_path / "households.xlsx"
    page.export_to(out, "xlsx")
    qtbot.waitUntil(lambda: page.last_path == out, timeout=10000)
    text = "\n".join(str(c) for row in cells(out) for c in row if c is not None)
    assert "居民户信息台账" in text and "张三" in text
    assert "130102********0113" in text or "********" in text
    assert "13812345678" not in text and "138****5678" in text
    assert page.open_folder.isEnabled()


def test_export_with_a_column_unticked_and_grid_filter(qtbot: Any, page: Any, tmp_path: Path) -> None:
    for i in range(page.columns.count()):
        item = page.columns.item(i)
        if item.text() == "联系电话":
            item.setCheckState(Qt.CheckState.Unchecked)
    grid = page.filter_widgets["grid"]
    grid.setCurrentIndex(grid.findText("第二网格"))
    out = tmp_path / "g2.xlsx"
    page.export_to(out, "xlsx")
    qtbot.waitUntil(lambda: page.last_path == out, timeout=10000)
    text = "\n".join(str(c) for row in cells(out) for c in row if c is not None)
    assert "联系电话" not in text
    assert "单田芳" in text and "张三" not in text  # H0002 is in the second grid


def test_monthly_report_pdf(qtbot: Any, page: Any, tmp_path: Path) -> None:
    out = tmp_path / "month.pdf"
    page.report_to(out)
    qtbot.waitUntil(lambda: page.last_path == out, timeout=20000)
    assert out.read_bytes()[:5] == b"%PDF-"


def test_print_preview_opens(qtbot: Any, page: Any) -> None:
    page.print_preview()
    qtbot.waitUntil(lambda: getattr(page, "preview_dialog", None) is not None, timeout=10000)
    assert page.preview_dialog.isVisible()
    page.preview_dialog.reject()
