"""走访记录: a quick entry form with household search, the list with filters, and overdue visits."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QPlainTextEdit, QPushButton, QSpinBox, QSplitter, QTableWidget, QTableWidgetItem,
                               QTabWidget, QVBoxLayout, QWidget)

from commdesk.errors import ValidationError
from commdesk.i18n import _
from commdesk.models.party import NEED_STATUSES, VISIT_KINDS, VISIT_METHODS
from commdesk.services.changes import Changes
from commdesk.services.household_search import HouseholdHit, find_households
from commdesk.services.visits import (OverdueRow, VisitFilter, VisitForm, VisitRow, check_visit_form, list_visits,
                                      overdue_visits, record_visit)
from commdesk.settings_party import set_setting, visit_cadence
from commdesk.ui.dialogs.form_dialog import ERROR_STYLE, FormDialog, combo, date_edit, date_value
from commdesk.ui.party.common import Col, RowsModel, action, make_table, selected_row, show_failure
from commdesk.ui.party.common import PageOp as Op

VISIT_COLUMNS = (
    Col("日期", "visit_date", align="center", width=6), Col("网格", "grid", width=5), Col("户主", "head", width=4),
    Col("住址", "address", width=12), Col("走访人", "visitor", width=4), Col("方式", "method", align="center", width=3),
    Col("类别", "kind", align="center", width=5), Col("诉求", "needs", width=10),
    Col("办理", "need_status", align="center", width=4, warn=lambda r: r.need_status in ("待办理", "办理中")),
    Col("了解情况", "findings", width=12),
)
OVERDUE_COLUMNS = (
    Col("网格", "grid", width=5), Col("户主", "head", width=4), Col("住址", "address", width=12),
    Col("中心户", "center_member", width=4), Col("上次走访", lambda r: r.last_visit or _("未走访"), align="center", width=6),
    Col("周期(天)", "interval", align="right", width=4), Col("逾期(天)", "days_overdue", align="right", width=4,
                                                          warn=lambda r: True),
    Col("类别", "groups", width=6),
)
PERIODS = (("近30天", 30), ("近90天", 90), ("近一年", 365), ("全部", 0))


class CadenceDialog(FormDialog):
    """走访频次: days between visits per key group (a setting), plus the default for everyone else."""

    def __init__(self, parent: QWidget | None, cadence: dict[str, int]) -> None:
        super().__init__(_("走访频次设置（天）"), parent)
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("cadenceTable")
        self.table.setHorizontalHeaderLabels([_("重点人群类别"), _("间隔天数")])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        rows = [(k, v) for k, v in cadence.items() if k != "default"] + [("", 0)] * 3
        self.table.setRowCount(len(rows))
        for r, (tag, days) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(tag))
            self.table.setItem(r, 1, QTableWidgetItem(str(days) if days else ""))
        self.table.setMinimumHeight(260)
        self.default = QSpinBox()
        self.default.setRange(1, 3650)
        self.default.setValue(int(cadence.get("default", 90)))
        self.add_field("cadence", _("按类别"), self.table)
        self.add_field("default", _("其他住户"), self.default)

    def collect(self) -> tuple[Any, dict[str, str]]:
        value: dict[str, int] = {}
        for r in range(self.table.rowCount()):
            tag = (self.table.item(r, 0).text() if self.table.item(r, 0) else "").strip()
            days = (self.table.item(r, 1).text() if self.table.item(r, 1) else "").strip()
            if not tag:
                continue
            if not days.isdigit() or int(days) < 1:
                return value, {"cadence": _("“{tag}”的间隔天数应为正整数").format(tag=tag)}
            value[tag] = int(days)
        value["default"] = self.default.value()
        return value, {}


class VisitForm_(QWidget):
    """The quick entry form (keyboard first: type, Enter picks the household, Ctrl+S saves)."""

    saved = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.household: HouseholdHit | None = None
        self.search = QLineEdit()
        self.search.setObjectName("visitHousehold")
        self.search.setPlaceholderText(_("输入户主姓名、拼音首字母、户号或住址"))
        self.hits = QListWidget()
        self.hits.setObjectName("visitHits")
        self.hits.setFixedHeight(96)
        self.hits.itemActivated.connect(self._pick_item)
        self.hits.itemClicked.connect(self._pick_item)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self._search)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self._pick_first)
        self.chosen = QLabel(_("（未选择住户）"))
        self.chosen.setObjectName("visitChosen")
        self.when = date_edit(None, allow_empty=False)
        self.when.setObjectName("visitDate")
        self.visitor = QLineEdit()
        self.visitor.setObjectName("visitVisitor")
        self.method = combo(VISIT_METHODS)
        self.method.setObjectName("visitMethod")
        self.kind = combo(VISIT_KINDS)
        self.kind.setObjectName("visitKind")
        self.findings = QPlainTextEdit()
        self.findings.setObjectName("visitFindings")
        self.needs = QPlainTextEdit()
        self.needs.setObjectName("visitNeeds")
        self.handling = QPlainTextEdit()
        self.handling.setObjectName("visitHandling")
        self.follow = QLineEdit()
        self.follow.setObjectName("visitFollow")
        self.status = QComboBox()
        self.status.setObjectName("visitNeedStatus")
        self.status.addItem(_("（自动）"), "")
        for s in NEED_STATUSES:
            self.status.addItem(s, s)
        for w in (self.findings, self.needs, self.handling):
            w.setTabChangesFocus(True)
            w.setMaximumHeight(52)
        self.message = QLabel("")
        self.message.setObjectName("visitMessage")
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        save = QPushButton(_("保存走访（Ctrl+S）"))
        save.setObjectName("visitSave")
        save.clicked.connect(self.save)
        action(self, "保存走访", self.save, "Ctrl+S")
        form = QFormLayout()
        form.addRow(_("住户："), self.search)
        form.addRow("", self.hits)
        form.addRow("", self.chosen)
        row = QHBoxLayout()
        row.addWidget(self.when)
        row.addWidget(QLabel(_("方式")))
        row.addWidget(self.method)
        row.addWidget(QLabel(_("类别")))
        row.addWidget(self.kind)
        form.addRow(_("日期："), row)
        form.addRow(_("走访人："), self.visitor)
        form.addRow(_("了解情况："), self.findings)
        form.addRow(_("诉求："), self.needs)
        form.addRow(_("办理/反馈："), self.handling)
        status_row = QHBoxLayout()
        status_row.addWidget(self.follow, 1)
        status_row.addWidget(QLabel(_("办理状态")))
        status_row.addWidget(self.status)
        form.addRow(_("后续计划："), status_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(save)
        layout.addStretch(1)

    def _search(self) -> None:
        query = self.search.text()
        Op(self, lambda s: find_households(s, query, limit=20)).success(self._show_hits).run()

    def _show_hits(self, hits: list[HouseholdHit]) -> None:
        self.hits.clear()
        for h in hits:
            item = QListWidgetItem(f"{h.household_no}  {h.head}  {h.address}")
            item.setData(Qt.ItemDataRole.UserRole, h)
            self.hits.addItem(item)
        if hits:
            self.hits.setCurrentRow(0)

    def _pick_first(self) -> None:
        if self._timer.isActive():          # Enter before the search ran: search now, pick when it answers
            self._timer.stop()
            query = self.search.text()
            Op(self, lambda s: find_households(s, query, limit=20)).success(
                lambda hits: (self._show_hits(hits), self._pick_first())).run()
            return
        item = self.hits.currentItem() or (self.hits.item(0) if self.hits.count() else None)
        if item is not None:
            self._pick_item(item)

    def _pick_item(self, item: QListWidgetItem) -> None:
        self.set_household(item.data(Qt.ItemDataRole.UserRole))
        self.visitor.setFocus()

    def set_household(self, hit: HouseholdHit | None) -> None:
        self.household = hit
        self.chosen.setText(f"{hit.household_no}  {hit.head}  {hit.address}" if hit else _("（未选择住户）"))

    def value(self) -> VisitForm:
        return VisitForm(date_value(self.when), self.household.id if self.household else None, self.visitor.text(),
                         method=self.method.currentText(), kind=self.kind.currentText(),
                         findings=self.findings.toPlainText(), needs=self.needs.toPlainText(),
                         handling=self.handling.toPlainText(), follow_up=self.follow.text(),
                         need_status=self.status.currentData() or "")

    def save(self) -> None:
        form = self.value()
        errors = check_visit_form(form)
        if errors:
            self.message.setText(next(iter(errors.values())))
            return
        self.message.setText("")

        def failed(error: BaseException) -> None:
            if isinstance(error, ValidationError):
                self.message.setText(error.message)
            else:
                show_failure(self, error)

        Op(self, lambda s: record_visit(s, form), write=True).success(self._saved).failure(failed).run()

    def _saved(self, result: Any) -> None:
        visitor = self.visitor.text()
        for w in (self.findings, self.needs, self.handling):
            w.clear()
        self.follow.clear()
        self.status.setCurrentIndex(0)
        self.set_household(None)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.hits.clear()
        self.visitor.setText(visitor)       # the same person usually records several visits
        self.message.setText("")
        self.search.setFocus()
        self.saved.emit(result[1])


class VisitsPage(QWidget):
    title = "走访记录"
    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("visitsPage")
        self.form = VisitForm_(self)
        self.form.setObjectName("visitForm")
        self.visits = RowsModel([Col(_(c.header), c.get, align=c.align, width=c.width, warn=c.warn)
                                 for c in VISIT_COLUMNS], self)
        self.overdue = RowsModel([Col(_(c.header), c.get, align=c.align, width=c.width, warn=c.warn)
                                  for c in OVERDUE_COLUMNS], self)
        self.visit_table = make_table(self.visits, "visitsTable")
        self.overdue_table = make_table(self.overdue, "overdueTable")
        self.overdue_table.doubleClicked.connect(lambda _i: self.visit_overdue())
        self.period = QComboBox()
        for label, days in PERIODS:
            self.period.addItem(_(label), days)
        self.period.setCurrentIndex(1)
        self.kind = QComboBox()
        self.kind.addItem(_("全部类别"), "")
        for k in VISIT_KINDS:
            self.kind.addItem(k, k)
        self.needs = QComboBox()
        self.needs.addItem(_("全部"), "")
        self.needs.addItem(_("有诉求"), "有诉求")
        for s in ("待办理", "办理中", "已办结"):
            self.needs.addItem(s, s)
        self.query = QLineEdit()
        self.query.setPlaceholderText(_("筛选：户主、走访人、诉求"))
        self.query.setClearButtonEnabled(True)
        for box in (self.period, self.kind, self.needs):
            box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.query.textChanged.connect(lambda _t: self.refresh())
        self.count = QLabel("")
        cadence = QPushButton(_("走访频次…"))
        cadence.setObjectName("cadenceButton")
        cadence.setToolTip(_("按重点人群设置走访间隔（Ctrl+T）"))
        cadence.clicked.connect(self.edit_cadence)
        action(self, "走访频次设置", self.edit_cadence, "Ctrl+T")
        filters = QHBoxLayout()
        filters.addWidget(self.query, 1)
        for w in (self.period, self.kind, self.needs, self.count, cadence):
            filters.addWidget(w)
        listing = QWidget()
        box = QVBoxLayout(listing)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(filters)
        box.addWidget(self.visit_table, 1)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("visitTabs")
        self.tabs.addTab(listing, _("走访记录"))
        self.tabs.addTab(self.overdue_table, _("逾期未走访"))
        self.form.saved.connect(lambda _id: None)
        action(self, "新走访", self.new_visit, "Ctrl+N")
        action(self, "逾期未走访", lambda: self.tabs.setCurrentIndex(1), "Ctrl+O")
        action(self, "刷新", self.refresh, "F5")
        self.dialog: FormDialog | None = None
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.form)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([470, 730])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter, 1)

    def edit_cadence(self) -> None:
        def opened(cadence: dict[str, int]) -> None:
            dialog = CadenceDialog(self, cadence)
            dialog.save_fn = lambda s, v: (set_setting(s, "party.visit_cadence", v), Changes.of("setting"))[1]
            self.dialog = dialog
            dialog.open()

        Op(self, visit_cadence).success(opened).run()

    def new_visit(self) -> None:
        self.form.search.setFocus()
        self.form.search.selectAll()

    def visit_overdue(self) -> None:
        row: OverdueRow | None = selected_row(self.overdue_table)
        if row is None:
            return
        self.form.set_household(HouseholdHit(row.household_id, row.household_no, row.head, row.address))
        self.form.visitor.setFocus()

    def start(self) -> None:
        self.refresh()

    def current_filter(self) -> VisitFilter:
        days = self.period.currentData()
        start = date.today() - timedelta(days=days) if days else None
        return VisitFilter(start=start, kind=self.kind.currentData() or "", need_status=self.needs.currentData() or "",
                           query=self.query.text(), limit=2000)

    def refresh(self) -> None:
        f = self.current_filter()

        def job(session: Any) -> tuple[list[VisitRow], list[OverdueRow]]:
            return list_visits(session, f), overdue_visits(session)

        Op(self, job).success(self._show).run()

    def _show(self, result: tuple[list[VisitRow], list[OverdueRow]]) -> None:
        visits, overdue = result
        self.visits.set_rows(visits)
        self.overdue.set_rows(overdue)
        self.count.setText(_("{n} 条").format(n=len(visits)))
        self.tabs.setTabText(1, _("逾期未走访（{n}）").format(n=len(overdue)))
        self.loaded.emit()

    def on_changes(self, changes: Changes) -> None:
        if changes.touches("visit", "center_contact", "center_household", "household", "resident", "setting"):
            self.refresh()
