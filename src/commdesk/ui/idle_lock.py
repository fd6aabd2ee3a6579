"""The idle lock: after the configured minutes without keyboard or mouse input, every window of
the program is covered by an opaque curtain (residents' data out of sight) and the password is
asked again. Nothing is closed or hidden underneath, so a half-filled form keeps its input; the
other button of the lock dialog quits the program (unsaved input is then lost, as on any quit).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QVBoxLayout, QWidget

from commdesk.i18n import _

_INPUT = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
          QEvent.Type.TouchBegin, QEvent.Type.MouseButtonDblClick}


class Curtain(QWidget):
    """An opaque cover over one window's contents, following its size."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("idleCurtain")
        self.setAutoFillBackground(True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("#idleCurtain { background: #eef1f5; }")
        label = QLabel(_("已锁定：请输入密码解锁"))
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setStyleSheet("color: #3c4043; font-size: 16px;")
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        self.setGeometry(window.rect())
        window.installEventFilter(self)
        self.show()
        self.raise_()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize and isinstance(obj, QWidget):
            self.setGeometry(obj.rect())
        return False


class IdleLock(QObject):
    """Watches the application's input; ``lock()`` is also what the 锁定 action calls."""

    def __init__(self, database: Any, account: Any, minutes: int, *, clock: Callable[[], float] = time.monotonic,
                 on_quit: Callable[[], None] | None = None) -> None:
        super().__init__(QApplication.instance())
        self.database = database
        self.account = account
        self.minutes = minutes
        self.clock = clock
        self.on_quit = on_quit or QApplication.quit
        self.last_input = clock()
        self.curtains: list[Curtain] = []
        self.dialog: Any = None
        QApplication.instance().installEventFilter(self)
        self.timer = QTimer(self)
        self.timer.setInterval(15_000)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    @property
    def locked(self) -> bool:
        return self.dialog is not None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in _INPUT and not self.locked:
            self.last_input = self.clock()
        return False

    def check(self) -> None:
        if not self.locked and self.clock() - self.last_input >= self.minutes * 60:
            self.lock()

    def lock(self) -> None:
        if self.locked:
            return
        from commdesk.ui.dialogs.login import LoginDialog

        windows = [w for w in QApplication.topLevelWidgets() if w.isVisible() and not isinstance(w, Curtain)
                   and w.windowType() in (Qt.WindowType.Window, Qt.WindowType.Dialog)]
        self.curtains = [Curtain(w) for w in windows]
        dialog = LoginDialog(self.database, None, locked_for=self.account.name)
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.finished.connect(self._finished)
        self.dialog = dialog
        dialog.open()

    def _finished(self, result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if result != QDialog.DialogCode.Accepted or dialog is None or dialog.account is None:
            self.on_quit()
            return
        for curtain in self.curtains:
            curtain.hide()
            curtain.deleteLater()
        self.curtains = []
        self.last_input = self.clock()
