"""走访记录: a quick entry form with household search (also for correcting a recorded visit), the
list with filters (period, grid, kind, method, need, archived), overdue visits, and a need
turned into a responsibility-checklist item."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPlainTextEdit, QPushButton, QSpinBox, QSplitter, QTableWidget,
                               QTableWidgetItem, QTabWidget, QToolBar, QVBoxLayout, QWidget)

from commdesk.errors import ValidationError
from commdesk.i18n import _
from commdesk.models.party import NEED_STATUSES, VISIT_KINDS, VISIT_METHODS
from commdesk.changes import Changes
from commdesk.services.household_search import HouseholdHit, find_households
from commdesk.services.community import list_grids
from commdesk.services.coverage import household_brief
from commdesk.services.visits import (OverdueRow, VisitFilter, VisitForm, VisitRow, auto_need_status,
                                      check_visit_form, list_visits, overdue_visits, record_visit, set_visit_archived,
                                      update_visit, visit_form)
from commdesk.settings.party import set_setting, visit_cadence
from commdesk.ui.dialogs.form_dialog import ERROR_STYLE, FormDialog, combo, confirm, date_edit, date_value
from commdesk.ui.party.common import Col, RowsModel, action, make_table, selected_row, show_failure
from commdesk.ui.party.common import PageOp as Op
from commdesk.ui.grid_combo import GridCombo

VISIT_COLUMNS = (
    Col("日期", "visit_date", align="center", width=6), Col("网格", "grid", width=5), Col("户主", "head", width=4),
    Col("住址", "address", width=12), Col("走访人", "visitor", width=4), Col("方式", "method", align="center", width=3),
    Col("类别", "kind", align="center", width=5), Col("诉求", "needs", width=10),
    Col("办理", lambda r: r.need_status + (_("·已转清单") if r.checklist_linked else ""), align="center", width=6,
        warn=lambda r: r.need_status in ("待办理", "办理中")),
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
        self.editing: int | None = None             # the visit being corrected (None: a new visit)
        self.base = VisitForm()                     # what was loaded (keeps the center and the visitor's member id)
        self.banner = QLabel("")
        self.banner.setObjectName("visitEditing")
        self.banner.setStyleSheet("background: #fff4ce; padding: 4px; font-weight: bold;")
        self.banner.setWordWrap(True)
        self.cancel_button = QPushButton(_("取消修改（Esc）"))
        self.cancel_button.setObjectName("visitCancelEdit")
        self.cancel_button.clicked.connect(self.cancel_edit)
        self.edit_bar = QWidget()
        bar = QHBoxLayout(self.edit_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.banner, 1)
        bar.addWidget(self.cancel_button)
        self.edit_bar.setVisible(False)
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
        self.save_button = save
        action(self, "保存走访", self.save, "Ctrl+S")
        action(self, "取消修改", self.cancel_edit, "Escape")
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
        layout.addWidget(self.edit_bar)
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
        base = self.base
        visitor = self.visitor.text()
        # a visit being corrected keeps its center household and, while the visitor's name is
        # unchanged, the visiting member's id
        member_id = base.visitor_member_id if visitor.strip() == base.visitor.strip() else None
        return VisitForm(date_value(self.when), self.household.id if self.household else None, visitor,
                         visitor_member_id=member_id, center_id=base.center_id,
                         method=self.method.currentText(), kind=self.kind.currentText(),
                         findings=self.findings.toPlainText(), needs=self.needs.toPlainText(),
                         handling=self.handling.toPlainText(), follow_up=self.follow.text(),
                         need_status=self.status.currentData() or "")

    def edit(self, visit_id: int, form: VisitForm, hit: HouseholdHit) -> None:
        """Load a recorded visit to correct it (Ctrl+S saves the correction, Esc drops it)."""
        from PySide6.QtCore import QDate

        self.editing, self.base = visit_id, form
        self.set_household(hit)
        if form.visit_date is not None:
            self.when.setDate(QDate(form.visit_date.year, form.visit_date.month, form.visit_date.day))
        self.visitor.setText(form.visitor)
        self.method.setCurrentIndex(max(0, self.method.findText(form.method)))
        self.kind.setCurrentIndex(max(0, self.kind.findText(form.kind)))
        self.findings.setPlainText(form.findings)
        self.needs.setPlainText(form.needs)
        self.handling.setPlainText(form.handling)
        self.follow.setText(form.follow_up)
        auto = form.need_status == auto_need_status(form.needs, form.handling)
        self.status.setCurrentIndex(0 if auto else max(0, self.status.findData(form.need_status)))
        self.banner.setText(_("正在修改 {d} {head} 的走访记录").format(d=form.visit_date, head=hit.head or hit.household_no))
        self.edit_bar.setVisible(True)
        self.save_button.setText(_("保存修改（Ctrl+S）"))
        self.message.setText("")
        self.findings.setFocus()

    def cancel_edit(self) -> None:
        if self.editing is None:
            return
        self._reset(keep_visitor=False)

    def _reset(self, keep_visitor: bool) -> None:
        """Back to a new visit. After recording one, the date, visitor, method and kind stay (the same
        person usually records several visits of one round); after a correction everything clears."""
        visitor = self.visitor.text() if keep_visitor else ""
        self.editing, self.base = None, VisitForm()
        self.edit_bar.setVisible(False)
        self.save_button.setText(_("保存走访（Ctrl+S）"))
        if not keep_visitor:
            self.when.setDate(self.when.maximumDate())
            self.method.setCurrentIndex(0)
            self.kind.setCurrentIndex(0)
        for w in (self.findings, self.needs, self.handling):
            w.clear()
        self.follow.clear()
        self.status.setCurrentIndex(0)
        self.set_household(None)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.hits.clear()
        self.visitor.setText(visitor)
        self.message.setText("")
        self.search.setFocus()

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

        editing = self.editing
        if editing is not None:
            Op(self, lambda s: (update_visit(s, editing, form), editing), write=True) \
                .success(self._saved).failure(failed).run()
            return
        Op(self, lambda s: record_visit(s, form), write=True).success(self._saved).failure(failed).run()

    def _saved(self, result: Any) -> None:
        editing = self.editing
        self._reset(keep_visitor=editing is None)
        self.saved.emit(result[1])


class VisitsPage(QWidget):
    title = "走访记录"
    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("visitsPage")
        self.form = VisitForm_(self)
        self.form.setObjectName("visitForm")
        self.visits = RowsModel([c.copy(_(c.header), muted=lambda r: r.archived) for c in VISIT_COLUMNS], self)
        self.overdue = RowsModel([c.copy(_(c.header)) for c in OVERDUE_COLUMNS], self)
        self.visit_table = make_table(self.visits, "visitsTable")
        self.visit_table.doubleClicked.connect(lambda _i: self.edit_visit())
        self.visit_table.selectionModel().currentRowChanged.connect(lambda _c, _p: self._update_actions())
        self.overdue_table = make_table(self.overdue, "overdueTable")
        self.overdue_table.doubleClicked.connect(lambda _i: self.visit_overdue())
        self.period = QComboBox()
        for label, days in PERIODS:
            self.period.addItem(_(label), days)
        self.period.setCurrentIndex(1)
        self.grid = GridCombo("visitGrid")
        self.kind = QComboBox()
        self.kind.addItem(_("全部类别"), "")
        for k in VISIT_KINDS:
            self.kind.addItem(k, k)
        self.method = QComboBox()
        self.method.setObjectName("visitMethodFilter")
        self.method.addItem(_("全部方式"), "")
        for m in VISIT_METHODS:
            self.method.addItem(m, m)
        self.needs = QComboBox()
        self.needs.addItem(_("全部诉求"), "")
        self.needs.addItem(_("有诉求"), "有诉求")
        for s in ("待办理", "办理中", "已办结"):
            self.needs.addItem(s, s)
        self.archived = QCheckBox(_("含已归档"))
        self.archived.setObjectName("visitArchived")
        self.query = QLineEdit()
        self.query.setPlaceholderText(_("筛选：户主、走访人、诉求"))
        self.query.setClearButtonEnabled(True)
        for box in (self.period, self.grid, self.kind, self.method, self.needs):
            box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.archived.toggled.connect(lambda _c: self.refresh())
        self.query.textChanged.connect(lambda _t: self.refresh())
        self.count = QLabel("")
        toolbar = QToolBar()
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(action(self, "新走访", self.new_visit, "Ctrl+N"))
        self.edit_action = action(self, "修改走访", self.edit_visit, "F2")
        toolbar.addAction(self.edit_action)
        self.archive_action = action(self.visit_table, "归档", self.toggle_archived, "Delete")
        self.archive_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        toolbar.addAction(self.archive_action)
        self.checklist_action = action(self, "诉求转责任清单", self.need_to_checklist, "Ctrl+L")
        toolbar.addAction(self.checklist_action)
        toolbar.addAction(action(self, "走访频次…", self.edit_cadence, "Ctrl+T"))
        action(self, "逾期未走访", lambda: self.tabs.setCurrentIndex(1), "Ctrl+O")
        action(self, "刷新", self.refresh, "F5")
        first = QHBoxLayout()
        first.addWidget(self.query, 1)
        for w in (self.period, self.grid, self.count):
            first.addWidget(w)
        second = QHBoxLayout()
        for w in (self.kind, self.method, self.needs, self.archived):
            second.addWidget(w)
        second.addStretch(1)
        listing = QWidget()
        box = QVBoxLayout(listing)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(first)
        box.addLayout(second)
        box.addWidget(self.visit_table, 1)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("visitTabs")
        self.tabs.addTab(listing, _("走访记录"))
        self.tabs.addTab(self.overdue_table, _("逾期未走访"))
        self.form.saved.connect(lambda _id: None)
        self.dialog: Any = None
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.form)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([470, 730])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(toolbar)
        layout.addWidget(splitter, 1)
        self._update_actions()

    def edit_cadence(self) -> None:
        def opened(cadence: dict[str, int]) -> None:
            dialog = CadenceDialog(self, cadence)
            dialog.save_fn = lambda s, v: (set_setting(s, "party.visit_cadence", v), Changes.of("setting"))[1]
            self.dialog = dialog
            dialog.open()

        Op(self, visit_cadence).success(opened).run()

    def new_visit(self) -> None:
        self.form.cancel_edit()
        self.form.search.setFocus()
        self.form.search.selectAll()

    def visit_overdue(self) -> None:
        row: OverdueRow | None = selected_row(self.overdue_table)
        if row is None:
            return
        self.form.cancel_edit()
        self.form.set_household(HouseholdHit(row.household_id, row.household_no, row.head, row.address))
        self.form.visitor.setFocus()

    # -- actions on the selected visit ---------------------------------------------------------------
    def current(self) -> VisitRow | None:
        return selected_row(self.visit_table)

    def _update_actions(self) -> None:
        row = self.current()
        self.edit_action.setEnabled(row is not None and not row.archived)
        self.archive_action.setEnabled(row is not None)
        self.archive_action.setText(_("恢复") if row is not None and row.archived else _("归档"))
        self.checklist_action.setEnabled(row is not None and not row.archived and bool(row.needs)
                                         and not row.checklist_linked)

    def edit_visit(self) -> None:
        """Load the selected visit into the form to correct it (the audit trail keeps the old values)."""
        row = self.current()
        if row is None or row.archived:
            return

        def job(session: Any) -> tuple[VisitForm, HouseholdHit]:
            form = visit_form(session, row.id)
            h = household_brief(session, form.household_id)  # type: ignore[arg-type]
            return form, HouseholdHit(h.id, h.household_no, h.head, h.address)

        Op(self, job).success(lambda r: self.form.edit(row.id, *r)).run()

    def toggle_archived(self) -> None:
        """Archive a visit recorded by mistake (with 含已归档 it shows greyed and can be restored)."""
        row = self.current()
        if row is None:
            return
        archive = not row.archived
        if archive and not confirm(self, _("归档走访记录"), _("归档 {d} {head} 的走访记录？（不会删除，勾选“含已归档”可恢复）")
                                   .format(d=row.visit_date, head=row.head or row.household_no)):
            return
        if archive and self.form.editing == row.id:
            self.form.cancel_edit()
        Op(self, lambda s: set_visit_archived(s, row.id, archive), write=True) \
            .failure(lambda e: show_failure(self, e)).run()

    def need_to_checklist(self) -> None:
        """The need raised in the selected visit becomes a responsibility-checklist item (linked both ways)."""
        row = self.current()
        if row is None or row.archived or not row.needs or row.checklist_linked:
            return
        from commdesk.services.checklist import draft_from
        from commdesk.ui.meetings.checklist_page import ChecklistPage

        def drafted(form: Any) -> None:
            window = self.window()
            host = window.page(ChecklistPage) if getattr(window, "has_page", None) and window.has_page(ChecklistPage) \
                else ChecklistPage()
            self.dialog = host.open_from_source("走访诉求", row.id, form, _("走访：{d} {head}（{no}）").format(
                d=row.visit_date, head=row.head, no=row.household_no))

        Op(self, lambda s: draft_from(s, "走访诉求", row.id)).success(drafted) \
            .failure(lambda e: show_failure(self, e)).run()

    # -- loading ---------------------------------------------------------------------------------------
    def start(self) -> None:
        self.load_grids()
        self.refresh()

    def load_grids(self) -> None:
        Op(self, lambda s: [(g.id, g.name) for g in list_grids(s)]).success(self._set_grids).run()

    def _set_grids(self, grids: list[tuple[int, str]]) -> None:
        self.grid.set_grids(grids)

    def current_filter(self) -> VisitFilter:
        days = self.period.currentData()
        start = date.today() - timedelta(days=days) if days else None
        return VisitFilter(start=start, grid_id=self.grid.currentData(), kind=self.kind.currentData() or "",
                           method=self.method.currentData() or "", need_status=self.needs.currentData() or "",
                           query=self.query.text(), include_archived=self.archived.isChecked(), limit=2000)

    def refresh(self) -> None:
        f = self.current_filter()

        def job(session: Any) -> tuple[list[VisitRow], list[OverdueRow]]:
            return list_visits(session, f), overdue_visits(session, grid_id=f.grid_id)

        Op(self, job).success(self._show).run()

    def _show(self, result: tuple[list[VisitRow], list[OverdueRow]]) -> None:
        visits, overdue = result
        keep = self.current()
        self.visits.set_rows(visits)
        self.overdue.set_rows(overdue)
        if keep is not None:
            index = next((i for i, r in enumerate(visits) if r.id == keep.id), -1)
            if index >= 0:
                self.visit_table.selectRow(index)
        self._update_actions()
        self.count.setText(_("{n} 条").format(n=len(visits)))
        self.tabs.setTabText(1, _("逾期未走访（{n}）").format(n=len(overdue)))
        self.loaded.emit()

    def on_changes(self, changes: Changes) -> None:
        if changes.touches("grid"):
            self.load_grids()
        if changes.touches("visit", "center_contact", "center_household", "household", "resident", "setting"):
            self.refresh()
