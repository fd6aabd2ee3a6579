"""Every window fits the screen it opens on.

A 1366x768 screen at 150% display scaling is 911x512 logical pixels (and the taskbar takes some
of it): the main window's 1366x740, the import wizard's 1100x680 or a tall form (添加成员 with
both its messages is 620 high) would open with their buttons off the screen. ``install()`` (called
by ``ui.app.run_gui``) puts one event filter on the application: when a top-level window is shown
larger than the screen's available area (less room for the title bar), it is resized to fit and
moved inside; when its contents cannot be that small, a dialog's contents and the main window's
central widget are put in a scroll area first. File dialogs and wizards (whose layout Qt manages)
are only resized; message boxes are left to Qt, which keeps them within the screen. Windows that fit are not touched.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtWidgets import (QApplication, QDialog, QFileDialog, QFrame, QMainWindow, QMessageBox, QScrollArea,
                               QVBoxLayout, QWidget, QWizard)

#: room kept for the window frame: the title bar and the borders (logical pixels)
FRAME = QSize(16, 40)
_FITTED = "commdesk_screen_fitted"


def room_for(window: QWidget) -> QSize:
    """The largest size ``window`` may have on its screen."""
    screen = window.screen() or QApplication.primaryScreen()
    avail = screen.availableGeometry()
    return QSize(max(200, avail.width() - FRAME.width()), max(150, avail.height() - FRAME.height()))


def _scrolled(content: QWidget) -> QScrollArea:
    scroll = QScrollArea()
    scroll.setObjectName("screenFitScroll")
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(content)
    return scroll


def _scroll_dialog(dialog: QDialog) -> None:
    layout = dialog.layout()
    if layout is None:
        return
    inner = QWidget()
    inner.setLayout(layout)          # Qt moves the layout and its widgets over to ``inner``
    outer = QVBoxLayout(dialog)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(_scrolled(inner))


def _scroll_main(window: QMainWindow) -> None:
    central = window.takeCentralWidget()
    if central is not None:
        window.setCentralWidget(_scrolled(central))


def fit_to_screen(window: QWidget) -> bool:
    """Make ``window`` fit its screen (see the module's docstring); True when it had to change."""
    room = room_for(window)
    size = window.size().expandedTo(window.minimumSizeHint())
    if size.width() <= room.width() and size.height() <= room.height():
        return False
    minimum = window.minimumSizeHint()
    # the main window always: its pages are built when first shown and may want more room later
    too_big = minimum.width() > room.width() or minimum.height() > room.height() or isinstance(window, QMainWindow)
    if too_big and not window.property(_FITTED):
        if isinstance(window, QMainWindow):
            _scroll_main(window)
        elif isinstance(window, QDialog) and not isinstance(window, (QMessageBox, QFileDialog, QWizard)):
            _scroll_dialog(window)
        window.setProperty(_FITTED, True)
    if window.minimumWidth() > room.width() or window.minimumHeight() > room.height():
        window.setMinimumSize(min(window.minimumWidth(), room.width()), min(window.minimumHeight(), room.height()))
    window.resize(min(size.width(), room.width()), min(size.height(), room.height()))
    avail = (window.screen() or QApplication.primaryScreen()).availableGeometry()
    pos = window.pos()
    x = max(avail.left(), min(pos.x(), avail.right() - window.width() - FRAME.width() + 1))
    y = max(avail.top(), min(pos.y(), avail.bottom() - window.height() - FRAME.height() + 1))
    window.move(x, y)
    return True


class ScreenFit(QObject):
    """The application-wide filter: a top-level window is fitted when it is shown."""

    def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Show and isinstance(obj, (QDialog, QMainWindow)) and obj.isWindow() \
                and not isinstance(obj, QMessageBox):      # Qt keeps a message box within the screen itself
            fit_to_screen(obj)
        return False


_installed: dict[str, ScreenFit] = {}


def install(app: QApplication | None = None) -> ScreenFit:
    """Fit every window the application shows from now on (once per application)."""
    app = app or QApplication.instance()  # type: ignore[assignment]
    if "filter" not in _installed:
        _installed["filter"] = ScreenFit()
        app.installEventFilter(_installed["filter"])  # type: ignore[union-attr]
    return _installed["filter"]


def uninstall() -> None:
    fit = _installed.pop("filter", None)
    app = QApplication.instance()
    if fit is not None and app is not None:
        app.removeEventFilter(fit)
