"""Move a resident to another household: find the target by household number, head or address."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QWidget

from commdesk.i18n import _
from commdesk.models.household import RELATIONS
from commdesk.services.household_search import find_households
from commdesk.ui.dialogs.form_dialog import FormDialog, combo, date_edit, date_value
from commdesk.ui.runner import Op


class MoveDialog(FormDialog):
    def __init__(self, resident_name: str, current_household: int, parent: QWidget | None = None) -> None:
        super().__init__(_("迁移到其他户：{name}").format(name=resident_name), parent)
        self.current_household = current_household
        self.query = self.add_field("query", _("查找目标户"), QLineEdit())
        self.query.setPlaceholderText(_("户号、户主姓名或地址"))
        self.results = self.add_field("household", _("目标户"), QListWidget())
        self.results.setMinimumHeight(140)
        self.relation = self.add_field("relation", _("在新户中的关系"), combo(RELATIONS, "其他"))
        self.date = self.add_field("date", _("迁移日期"), date_edit(allow_empty=False))
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self._search)
        self.query.textChanged.connect(lambda _t: self._timer.start())
        self.results.currentItemChanged.connect(lambda *_a: self.show_messages({}))
        self.query.setFocus()
        self.show_messages({})

    def _search(self) -> None:
        text = self.query.text()
        Op(self, lambda s: find_households(s, text, limit=50)).success(self._show).run()

    def _show(self, rows: list[Any]) -> None:
        self.results.clear()
        for row in rows:
            if row.id == self.current_household:
                continue
            item = QListWidgetItem(f"{row.household_no}　{row.head or _('（无户主）')}　{row.address}")
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)

    def collect(self) -> tuple[Any, dict[str, str]]:
        item = self.results.currentItem()
        if item is None:
            return None, {"household": _("请先查找并选择目标户")}
        return {"household_id": int(item.data(Qt.ItemDataRole.UserRole)), "relation": self.relation.currentText(),
                "date": date_value(self.date)}, {}
