"""The import wizard in the real main window: a sample register goes through every step."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QWizard
from sqlalchemy import func, select

from commdesk.models import Resident

pytestmark = pytest.mark.gui
DATA = Path(__file__).parent / "data" / "import"
SAMPLE = DATA / "幸福里社区居民信息登记表.xlsx"


@pytest.fixture
def window(qtbot: Any, db: Any) -> Any:
    from commdesk.ui.app import create_main_window, make_app
    from commdesk.ui.runner import set_runner

    make_app()
    w = create_main_window(db)
    qtbot.addWidget(w)
    w.show()
    w.start()
    w.show_page(type(w.ledger))
    yield w
    w.runner.shutdown()
    set_runner(None)


def next_page(qtbot: Any, wizard: Any, page: Any) -> None:
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is page, timeout=20000)


def test_import_sample_through_the_wizard(qtbot: Any, window: Any, db: Any) -> None:
    wizard = window.open_import(str(SAMPLE))
    next_page(qtbot, wizard, wizard.sheets_page)
    assert wizard.sheets_page.table.rowCount() >= 1
    next_page(qtbot, wizard, wizard.mapping_page)
    mapped = {box.currentData() for _s, _i, box in wizard.mapping_page.combos}
    assert {"name", "id_number", "relation"} <= mapped
    next_page(qtbot, wizard, wizard.preview_page)
    assert "问题" in wizard.preview_page.counts.text()
    assert wizard.preview_page.table.rowCount() > 0
    next_page(qtbot, wizard, wizard.run_page)
    qtbot.waitUntil(lambda: wizard.run_page.done, timeout=60000)
    text = wizard.run_page.summary.toPlainText()
    assert "导入完成" in text, text
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    with db.Session() as s:
        assert s.scalar(select(func.count()).select_from(Resident)) == 399
    # the ledger follows the import (one change signal) and the review list has the flagged residents
    qtbot.waitUntil(lambda: window.ledger.model.rowCount() > 300, timeout=10000)
    window.show_review()
    qtbot.waitUntil(lambda: window.runner.idle and 0 < window.ledger.model.rowCount() < 50, timeout=10000)


def test_dry_run_writes_nothing(qtbot: Any, window: Any, db: Any) -> None:
    wizard = window.open_import(str(SAMPLE))
    next_page(qtbot, wizard, wizard.sheets_page)
    next_page(qtbot, wizard, wizard.mapping_page)
    next_page(qtbot, wizard, wizard.preview_page)
    wizard.preview_page.dry_run.setChecked(True)
    next_page(qtbot, wizard, wizard.run_page)
    qtbot.waitUntil(lambda: wizard.run_page.done, timeout=60000)
    assert "试导入" in wizard.run_page.summary.toPlainText()
    with db.Session() as s:
        assert s.scalar(select(func.count()).select_from(Resident)) == 0


def test_a_renamed_pdf_is_refused_on_the_first_page(qtbot: Any, window: Any, tmp_path: Path) -> None:
    fake = tmp_path / "台账.xlsx"
    fake.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    wizard = window.open_import(str(fake))
    wizard.next()
    qtbot.waitUntil(lambda: "台账.xlsx" in wizard.file_page.message.text(), timeout=10000)
    assert wizard.currentPage() is wizard.file_page


def test_undo_from_the_batches_dialog(qtbot: Any, window: Any, db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from commdesk.importers import ImportOptions, run_import

    run_import(db, SAMPLE, ImportOptions(backup=False))
    dialog = window.open_batches()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=10000)
    dialog.table.selectRow(0)
    monkeypatch.setattr("commdesk.ui.dialogs.form_dialog.confirm", lambda *a: True)  # the user's "确定"
    dialog.undo_selected()
    qtbot.waitUntil(lambda: "已撤销" in dialog.message.text(), timeout=20000)
    with db.Session() as s:
        assert s.scalar(select(func.count()).select_from(Resident)) == 0


def test_preview_page_shows_the_plans_warnings(qtbot: Any, window: Any, tmp_path: Path) -> None:
    """Hidden rows and columns are reported before anything is imported, not only in the summary."""
    from tests.test_import_hidden import _register

    path = tmp_path / "hidden.xlsx"
    _register(path)
    wizard = window.open_import(str(path))
    next_page(qtbot, wizard, wizard.sheets_page)
    next_page(qtbot, wizard, wizard.mapping_page)
    next_page(qtbot, wizard, wizard.preview_page)
    text = wizard.preview_page.counts.text()
    assert "注意：" in text and "隐藏" in text and "第 4" in text, text
    wizard.reject()


def _preview_cells(wizard: Any) -> list[str]:
    table = wizard.preview_page.table
    return [table.item(r, c).text() for r in range(table.rowCount()) for c in range(3, table.columnCount())
            if table.item(r, c) is not None]


def test_with_accounts_the_preview_masks_ids_and_phones(qtbot: Any, window: Any) -> None:
    """Someone logged in sees the register's ID numbers and phones masked in the preview, as on
    every other screen; without accounts (a single-user PC) the cells are as in the file."""
    import re

    from commdesk.services.accounts import LoggedIn
    from commdesk.ui.session import set_account

    def preview() -> list[str]:
        wizard = window.open_import(str(SAMPLE))
        next_page(qtbot, wizard, wizard.sheets_page)
        next_page(qtbot, wizard, wizard.mapping_page)
        next_page(qtbot, wizard, wizard.preview_page)
        cells = _preview_cells(wizard)
        wizard.reject()
        return cells

    full_id = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
    mobile = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
    plain = preview()
    assert any(full_id.search(c) for c in plain) and any(mobile.search(c) for c in plain)
    set_account(LoggedIn("li", "staff", False))
    try:
        masked = preview()
    finally:
        set_account(None)
    assert len(masked) == len(plain)
    assert not any(full_id.search(c) or mobile.search(c) for c in masked), [c for c in masked if full_id.search(c)]
    assert any("********" in c for c in masked) and any("****" in c for c in masked)
