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
