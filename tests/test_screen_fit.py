"""Windows fit the screen they open on (ui/screen_fit.py): a form taller than the screen scrolls
inside a dialog that fits, the main window likewise; windows that fit are left as they are.

The offscreen test screen is 800x800 logical pixels (tests/conftest.py: QT_SCALE_FACTOR=1)."""
from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.gui


@pytest.fixture()
def fit(qtbot: Any) -> Any:
    from commdesk.ui import screen_fit
    from commdesk.ui.app import make_app

    screen_fit.install(make_app())
    yield screen_fit
    screen_fit.uninstall()


def _tall_form(rows: int) -> Any:
    from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QVBoxLayout

    dialog = QDialog()
    layout = QVBoxLayout(dialog)
    form = QFormLayout()
    for i in range(rows):
        form.addRow(f"第 {i + 1} 项：", QLineEdit(objectName=f"field{i}"))
    layout.addLayout(form)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
    layout.addWidget(buttons)
    dialog.buttons = buttons
    return dialog


def test_a_dialog_taller_than_the_screen_scrolls_inside_a_dialog_that_fits(qtbot: Any, fit: Any) -> None:
    from PySide6.QtWidgets import QLineEdit, QScrollArea

    dialog = _tall_form(40)
    qtbot.addWidget(dialog)
    assert dialog.minimumSizeHint().height() > 800
    dialog.show()
    qtbot.waitExposed(dialog)
    room = fit.room_for(dialog)
    assert dialog.height() <= room.height() and dialog.width() <= room.width()
    scroll = dialog.findChild(QScrollArea, "screenFitScroll")
    assert scroll is not None and scroll.verticalScrollBar().maximum() > 0
    assert len(dialog.findChildren(QLineEdit)) == 40            # every field is still there
    scroll.ensureWidgetVisible(dialog.buttons)                  # and the buttons can be reached
    qtbot.wait(10)
    top = dialog.buttons.mapTo(scroll.viewport(), dialog.buttons.rect().topLeft()).y()
    assert 0 <= top <= scroll.viewport().height() - dialog.buttons.height()
    geometry = dialog.screen().availableGeometry()
    assert geometry.contains(dialog.pos())


def test_a_window_that_fits_is_left_alone(qtbot: Any, fit: Any) -> None:
    from PySide6.QtWidgets import QScrollArea

    dialog = _tall_form(5)
    qtbot.addWidget(dialog)
    dialog.resize(500, 300)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.findChild(QScrollArea, "screenFitScroll") is None
    assert (dialog.width(), dialog.height()) == (500, 300)


def test_the_main_window_is_fitted_with_its_pages_scrolling(qtbot: Any, fit: Any, db: Any) -> None:
    from PySide6.QtWidgets import QScrollArea

    from commdesk.ui.app import create_main_window
    from commdesk.ui.runner import set_runner

    window = create_main_window(db)              # it asks for 1366x740
    qtbot.addWidget(window)
    window.central_probe = window.centralWidget()
    window.centralWidget().setMinimumSize(900, 820)    # a page as wide and tall as at 150% on 1366x768
    try:
        window.show()
        qtbot.waitExposed(window)
        room = fit.room_for(window)
        assert window.width() <= room.width() and window.height() <= room.height()
        assert isinstance(window.centralWidget(), QScrollArea)
        assert window.centralWidget().widget() is window.central_probe
    finally:
        window.runner.shutdown()
        window.close()
        set_runner(None)


def test_a_message_box_is_left_to_qt(qtbot: Any, fit: Any) -> None:
    from PySide6.QtWidgets import QMessageBox, QScrollArea

    box = QMessageBox(QMessageBox.Icon.Warning, "数据文件夹不能安全写入", "很长的说明。" * 20)
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    assert box.findChild(QScrollArea, "screenFitScroll") is None
    assert box.width() <= fit.room_for(box).width()
