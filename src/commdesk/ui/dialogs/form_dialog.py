"""Base for the entry dialogs: labelled fields, an inline Chinese message under each, and a
save that runs on the database thread; the dialog closes only when the save succeeded."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QLabel, QMessageBox,
                               QVBoxLayout, QWidget)

from commdesk.errors import UserError, ValidationError
from commdesk.i18n import _
from commdesk.ui.runner import Op

ERROR_STYLE = "color: #b3261e;"
NOTE_STYLE = "color: #555555;"


class FormDialog(QDialog):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.messages: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(_("保存"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("取消"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.general = QLabel("")
        self.general.setStyleSheet(ERROR_STYLE)
        self.general.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.general)
        layout.addWidget(self.buttons)
        self.save_fn: Callable[[Any], Any] | None = None
        self.result_value: Any = None
        self._saving = False

    def add_field(self, key: str, label: str, widget: QWidget) -> QWidget:
        widget.setObjectName(f"field_{key}")
        msg = QLabel("")
        msg.setObjectName(f"msg_{key}")
        msg.setWordWrap(True)
        msg.setVisible(False)
        container = QWidget()
        box = QVBoxLayout(container)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(1)
        box.addWidget(widget)
        box.addWidget(msg)
        self.form.addRow(label + "：", container)
        self.fields[key] = widget
        self.messages[key] = msg
        return widget

    def show_messages(self, errors: dict[str, str], notes: dict[str, str] | None = None) -> None:
        notes = notes or {}
        for key, label in self.messages.items():
            if key in errors:
                label.setText(errors[key])
                label.setStyleSheet(ERROR_STYLE)
                label.setVisible(True)
            elif key in notes:
                label.setText(notes[key])
                label.setStyleSheet(NOTE_STYLE)
                label.setVisible(True)
            else:
                label.setVisible(False)
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(not errors and not self._saving)

    def message_text(self, key: str) -> str:
        label = self.messages[key]
        return label.text() if label.isVisibleTo(self) else ""

    # subclasses: build the value to save and report validation
    def collect(self) -> tuple[Any, dict[str, str]]:
        raise NotImplementedError

    def save(self) -> None:
        value, errors = self.collect()
        if errors:
            self.show_messages(errors)
            return
        if self.save_fn is None:
            self.result_value = value
            self.accept()
            return
        self._saving = True
        self.buttons.setEnabled(False)
        fn = self.save_fn
        Op(self, lambda s: fn(s, value), write=True).success(self._saved).failure(self._failed).run()

    def _saved(self, result: Any) -> None:
        self._saving = False
        self.buttons.setEnabled(True)
        self.result_value = result
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._saving = False
        self.buttons.setEnabled(True)
        if isinstance(error, ValidationError) and error.field in self.messages:
            self.show_messages({error.field: error.message})
            self.fields[error.field].setFocus()
        elif isinstance(error, UserError):
            self.general.setText(error.message)
        else:
            from commdesk.ui.errors import show_error

            show_error(self, error)


def combo(items: tuple[str, ...] | list[str], current: str = "", editable: bool = False) -> QComboBox:
    box = QComboBox()
    box.setEditable(editable)
    box.addItems(list(items))
    if current:
        idx = box.findText(current)
        if idx >= 0:
            box.setCurrentIndex(idx)
        elif editable:
            box.setEditText(current)
    return box


def date_edit(value: Any = None, allow_empty: bool = True) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(QDate(1880, 1, 1))
    edit.setMaximumDate(QDate.currentDate())
    if allow_empty:
        edit.setSpecialValueText(_("（未填）"))
        edit.setDate(edit.minimumDate())
    if value is not None:
        edit.setDate(QDate(value.year, value.month, value.day))
    elif not allow_empty:
        edit.setDate(QDate.currentDate())
    return edit


def date_value(edit: QDateEdit) -> Any:
    d = edit.date()
    if edit.specialValueText() and d == edit.minimumDate():
        return None
    return d.toPython()


def confirm(parent: QWidget, title: str, text: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Yes |
                      QMessageBox.StandardButton.No, parent)
    box.button(QMessageBox.StandardButton.Yes).setText(_("确定"))
    box.button(QMessageBox.StandardButton.No).setText(_("取消"))
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box.exec() == QMessageBox.StandardButton.Yes
