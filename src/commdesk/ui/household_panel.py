"""The detail panel of the 住户台账 page: the selected household, its members and history."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QFormLayout, QHeaderView, QLabel, QListWidget, QTableWidget,
                               QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from commdesk.i18n import _
from commdesk.services.household_detail import HouseholdDetail

MEMBER_HEADERS = ("姓名", "关系", "性别", "年龄", "状态", "重点人群", "待核实")


class HouseholdPanel(QWidget):
    member_activated = Signal(int)   # resident id (double click / Enter)
    member_selected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail: HouseholdDetail | None = None
        self.title = QLabel(_("请选择一户"))
        self.title.setObjectName("panelTitle")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 15px; font-weight: bold;")
        info = QWidget()
        form = QFormLayout(info)
        form.setContentsMargins(0, 0, 0, 0)
        self.labels: dict[str, QLabel] = {}
        for key, label in (("grid", "网格"), ("address", "住址"), ("housing", "住房性质"), ("status", "户状态"),
                           ("tags", "户标签"), ("notes", "备注")):
            lab = QLabel("")
            lab.setWordWrap(True)
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.labels[key] = lab
            form.addRow(_(label) + "：", lab)
        self.members = QTableWidget(0, len(MEMBER_HEADERS))
        self.members.setObjectName("membersTable")
        self.members.setHorizontalHeaderLabels([_(h) for h in MEMBER_HEADERS])
        self.members.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.members.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.members.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.members.verticalHeader().setVisible(False)
        self.members.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.members.horizontalHeader().setStretchLastSection(True)
        self.members.cellDoubleClicked.connect(self._activated)
        self.members.itemSelectionChanged.connect(self._selected)
        self.history = QListWidget()
        self.history.setObjectName("historyList")
        self.history.setWordWrap(True)
        tabs = QTabWidget()
        tabs.addTab(self.members, _("家庭成员"))
        tabs.addTab(self.history, _("变更记录"))
        self.tabs = tabs
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(info)
        layout.addWidget(tabs, 1)

    def clear(self) -> None:
        self.detail = None
        self.title.setText(_("请选择一户"))
        for lab in self.labels.values():
            lab.setText("")
        self.members.setRowCount(0)
        self.history.clear()

    def show_detail(self, detail: HouseholdDetail, select_member: int | None = None) -> None:
        self.detail = detail
        archived = _("（已归档）") if detail.archived else ""
        self.title.setText(_("户号 {no}　{n} 人{archived}").format(
            no=detail.household_no, n=sum(1 for m in detail.members if m.status == "在住" and not m.archived),
            archived=archived))
        values = {"grid": detail.grid, "address": detail.address, "housing": detail.housing,
                  "status": detail.status, "tags": "、".join(detail.tags) or _("无"), "notes": detail.notes}
        for key, value in values.items():
            self.labels[key].setText(value)
        self.members.blockSignals(True)
        self.members.setRowCount(len(detail.members))
        for row, m in enumerate(detail.members):
            status = m.status + (_("（已归档）") if m.archived else "")
            cells = (m.name, m.relation, m.gender, "" if m.age is None else str(m.age), status, m.tags, m.review)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, m.id)
                if m.archived or m.status != "在住":
                    item.setForeground(Qt.GlobalColor.gray)
                if col == 6 and text:
                    item.setForeground(Qt.GlobalColor.red)
                self.members.setItem(row, col, item)
            if m.id == select_member:
                self.members.selectRow(row)
        self.members.blockSignals(False)
        self.history.clear()
        for h in detail.history:
            at = h.at.strftime("%Y-%m-%d %H:%M") if hasattr(h.at, "hour") else h.at.isoformat()
            self.history.addItem(f"{at}　{h.user}　{h.what}")

    def selected_member(self) -> int | None:
        row = self.members.currentRow()
        if row < 0 or self.members.item(row, 0) is None:
            return None
        return int(self.members.item(row, 0).data(Qt.ItemDataRole.UserRole))

    def _activated(self, row: int, _col: int) -> None:
        item = self.members.item(row, 0)
        if item is not None:
            self.member_activated.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def _selected(self) -> None:
        rid = self.selected_member()
        if rid is not None:
            self.member_selected.emit(rid)
