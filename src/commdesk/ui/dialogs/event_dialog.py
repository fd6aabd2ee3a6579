"""Record a life event for a resident: 迁出, 死亡 or 迁入 (back), dated, with place and note."""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLineEdit, QWidget

from commdesk.i18n import _
from commdesk.ui.dialogs.form_dialog import FormDialog, combo, date_edit, date_value

KINDS = ("迁出", "死亡", "迁入")


class EventDialog(FormDialog):
    def __init__(self, resident_name: str, parent: QWidget | None = None, kind: str = "迁出") -> None:
        super().__init__(_("登记人口变动：{name}").format(name=resident_name), parent)
        self.kind = self.add_field("kind", _("变动类型"), combo(KINDS, kind))
        self.date = self.add_field("date", _("日期"), date_edit(allow_empty=False))
        self.place = self.add_field("place", _("迁往/迁自"), QLineEdit())
        self.place.setPlaceholderText(_("例如：本市新华区、外省"))
        self.note = self.add_field("note", _("备注"), QLineEdit())
        self.kind.currentTextChanged.connect(self._kind_changed)
        self._kind_changed(self.kind.currentText())

    def _kind_changed(self, kind: str) -> None:
        self.place.setEnabled(kind != "死亡")

    def collect(self) -> tuple[Any, dict[str, str]]:
        value = {"kind": self.kind.currentText(), "date": date_value(self.date), "place": self.place.text().strip(),
                 "note": self.note.text().strip()}
        return value, {}
