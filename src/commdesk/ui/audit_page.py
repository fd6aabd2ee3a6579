"""审计记录: who did what when (changes, logins, exports, imports, backups), filtered by user,
kind and dates, and the check of the hash chain that names the first altered entry."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from commdesk.i18n import _
from commdesk.services.audit_trail import action_name, list_entries, users_and_actions
from commdesk.ui.runner import Op

HEADERS = (_("编号"), _("时间"), _("用户"), _("操作"), _("对象"), _("内容"))
LIMIT = 1000


class AuditPage(QWidget):
    title = "审计记录"
    loaded = Signal()
    checked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditPage")
        self.user_box = QComboBox()
        self.user_box.setObjectName("auditUser")
        self.action_box = QComboBox()
        self.action_box.setObjectName("auditAction")
        today = QDate.currentDate()
        self.since = QDateEdit(today.addMonths(-1))
        self.since.setObjectName("auditSince")
        self.until = QDateEdit(today)
        self.until.setObjectName("auditUntil")
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        search = QPushButton(_("查询"))
        search.setObjectName("auditSearch")
        search.clicked.connect(self.refresh)
        self.verify_button = QPushButton(_("检查是否被改动"))
        self.verify_button.setObjectName("auditVerify")
        self.verify_button.clicked.connect(self.verify)
        filters = QHBoxLayout()
        for label, widget in ((_("用户"), self.user_box), (_("操作"), self.action_box), (_("从"), self.since),
                              (_("到"), self.until)):
            filters.addWidget(QLabel(label + "："))
            filters.addWidget(widget)
        filters.addWidget(search)
        filters.addStretch(1)
        self.result = QLabel("")
        self.result.setObjectName("auditResult")
        self.result.setWordWrap(True)
        # the check and its answer on a line of their own: the filters fit a narrow window
        # (1366x768 at 150 %) without a horizontal scroll bar
        check = QHBoxLayout()
        check.addWidget(self.verify_button)
        check.addWidget(self.result, 1)
        self.count = QLabel("")
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("auditTable")
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(check)
        layout.addWidget(self.count)
        layout.addWidget(self.table, 1)
        self.rows: list[dict[str, Any]] = []

    def start(self) -> None:
        Op(self, lambda s: users_and_actions(s)).success(self._filters).run()

    def _filters(self, found: tuple[list[str], list[str]]) -> None:
        users, actions = found
        for box, items, name in ((self.user_box, users, str), (self.action_box, actions, action_name)):
            current = box.currentData()
            box.blockSignals(True)
            box.clear()
            box.addItem(_("全部"), "")
            for item in items:
                box.addItem(name(item), item)
            index = box.findData(current)
            box.setCurrentIndex(max(index, 0))
            box.blockSignals(False)
        self.refresh()

    def refresh(self) -> None:
        by, action = self.user_box.currentData() or None, self.action_box.currentData() or None
        since, until = self.since.date().toPython(), self.until.date().toPython()
        Op(self, lambda s: list_entries(s, by=by, action=action, since=since, until=until, limit=LIMIT)) \
            .success(self._show).run()

    def _show(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            what = r["table_name"] + (f" #{r['record_id']}" if r["record_id"] is not None else "")
            for j, value in enumerate((str(r["id"]), str(r["at"])[:19], r["user"], action_name(r["action"]), what,
                                       r["summary"] or "")):
                self.table.setItem(i, j, QTableWidgetItem(value))
        more = _("（只显示最新的 {n} 条，请缩小范围）").format(n=LIMIT) if len(rows) >= LIMIT else ""
        self.count.setText(_("共 {n} 条").format(n=len(rows)) + more)
        self.loaded.emit()

    def verify(self) -> None:
        from commdesk.models.audit_anchor import verify_trail

        self.result.setText(_("正在逐条核对…"))
        database = self.window().database  # type: ignore[attr-defined]
        Op(self, lambda s: verify_trail(s.connection(), database)).success(self._verified).run()

    def _verified(self, report: Any) -> None:
        warnings = "".join("\n" + _("注意：{w}").format(w=w) for w in report.warnings)
        if report.ok:
            self.result.setStyleSheet("color: #9a6700;" if warnings else "color: #1e7d32;")
            self.result.setText(_("审计记录完整：共 {n} 条，没有被改动、删除、插入或截断的记录").format(n=report.chain.entries)
                                + warnings)
        else:
            self.result.setStyleSheet("color: #b3261e;")
            self.result.setText(_("审计记录被改动过：{problem}").format(problem=report.problem) + warnings)
        self.checked.emit()

    def on_changes(self, changes: Any) -> None:
        if self.isVisible():
            self.start()
