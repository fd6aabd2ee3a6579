"""The small pieces every short dialog is built of, once: a password field, the red message line,
a button and the row of buttons at the bottom right (cancel before the default button)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QLineEdit, QPushButton, QVBoxLayout

ERROR_STYLE = "color: #b3261e;"


def password_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


def message_label(name: str, style: str = ERROR_STYLE) -> QLabel:
    label = QLabel("")
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    return label


def button(text: str, slot: Callable[..., Any], name: str = "", default: bool = False) -> QPushButton:
    push = QPushButton(text)
    if name:
        push.setObjectName(name)
    push.setDefault(default)
    push.clicked.connect(slot)
    return push


def button_row(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch(1)
    for push in buttons:
        row.addWidget(push)
    return row


def stack(dialog: Any, *parts: Any) -> QVBoxLayout:
    """The dialog's layout: widgets and layouts top to bottom."""
    layout = QVBoxLayout(dialog)
    for part in parts:
        if isinstance(part, QLayout):
            layout.addLayout(part)
        else:
            layout.addWidget(part)
    return layout


class PasswordPrompt:
    """The body of a modal dialog that asks for one password (the server's, the backup password
    that opens a database): what is asked and why at the top, the reason it is asked again in
    red, the form (the caller's rows, then the password), the caller's widgets below it, 取消 and
    the default button; an empty password is refused in the dialog. ``prefix`` names the parts
    (``prefix``, ``prefix + "Ok"``, ``"Cancel"``, ``"Error"``) for tests and screen readers."""

    def __init__(self, dialog: Any, *, prefix: str, top: list[Any], error: str, label: str, ok_text: str,
                 empty: str, rows: tuple[tuple[str, Any], ...] = (), below: tuple[Any, ...] = ()) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QDialog, QFormLayout

        from commdesk.i18n import _

        self.dialog = dialog
        self.empty = empty
        dialog.setModal(True)
        self.error = message_label(prefix + "Error")
        self.error.setText(error)
        self.error.setVisible(bool(error))
        self.password = password_field(prefix)
        form = QFormLayout()
        for text, widget in rows:
            form.addRow(text + "：", widget)
        form.addRow(label + "：", self.password)
        self.ok = button(ok_text, self._accept, prefix + "Ok", default=True)
        self.cancel = button(_("取消"), dialog.reject, prefix + "Cancel")
        stack(dialog, *top, self.error, form, *below, button_row(self.cancel, self.ok))
        dialog.setMinimumWidth(440)
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)
        self._accepted = QDialog.DialogCode.Accepted

    def _accept(self) -> None:
        if not self.password.text():
            self.error.setText(self.empty)
            self.error.setVisible(True)
            return
        self.dialog.accept()

    def answer(self) -> str | None:
        """The password typed, once the dialog was accepted (None: cancelled)."""
        if self.dialog.result() != self._accepted or not self.password.text():
            return None
        return str(self.password.text())
