"""住户台账: filter bar, search as you type, the lazy resident table and the household panel."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QSplitter, QTableView, QToolBar, QVBoxLayout, QWidget)

from commdesk.i18n import _
from commdesk.models.household import HOUSEHOLD_TAGS, POLITICAL_STATUSES, RESIDENT_TAGS
from commdesk.search.query import TERM_CAP, is_too_short
from commdesk.changes import Changes
from commdesk.services.community import GridRow, list_grids
from commdesk.services.household_detail import household_detail
from commdesk.reports.ledger_query import AGE_BANDS, BLOCK_FIRST, LedgerFilter, fetch_rows, ordered_ids
from commdesk.ui.household_actions import HouseholdActions
from commdesk.ui.household_panel import HouseholdPanel
from commdesk.ui.resident_model import ResidentTableModel
from commdesk.ui.runner import Op
from commdesk.ui.grid_combo import GridCombo

STATUS_CHOICES = (("在住", "在住"), ("迁出", "迁出"), ("死亡", "死亡"), ("", "全部状态"))


class LedgerPage(QWidget):
    title = "住户台账"
    loaded = Signal()       # the first rows of a result are shown
    completed = Signal()    # the whole id list has arrived
    detail_loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ledgerPage")
        self.grids: list[GridRow] = []
        self._generation = 0
        self._selected_household: int | None = None
        self._want_select: int | None = None
        self._select_next: int | None = None
        self._sized = False

        self.search = QLineEdit()
        self.search.setObjectName("searchBox")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(_("姓名/拼音(zs)/身份证/电话/地址"))
        self.search.setToolTip(_("搜索（Ctrl+F）：姓名任意部分、拼音首字母或全拼、身份证号或电话的片段、地址"))
        self.grid_box = GridCombo("gridFilter")
        self.status_box = QComboBox()
        for value, label in STATUS_CHOICES:
            self.status_box.addItem(_(label), value)
        self.political_box = QComboBox()
        self.political_box.addItem(_("全部政治面貌"), "")
        for p in POLITICAL_STATUSES:
            self.political_box.addItem(p, p)
        self.age_box = QComboBox()
        self.age_box.addItem(_("全部年龄"), "")
        for band in AGE_BANDS:
            self.age_box.addItem(band, band)
        self.tag_box = QComboBox()
        self.tag_box.setObjectName("tagFilter")
        self.tag_box.addItem(_("全部人群"), "")
        for t in RESIDENT_TAGS + HOUSEHOLD_TAGS:
            self.tag_box.addItem(t, t)
        self.review_box = QCheckBox(_("待核实"))
        self.review_box.setObjectName("reviewFilter")
        self.archived_box = QCheckBox(_("已归档"))
        self.count_label = QLabel("")
        self.count_label.setObjectName("countLabel")

        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        for w in (self.grid_box, self.status_box, self.political_box, self.age_box, self.tag_box):
            filters.addWidget(w, 1)
        filters.addWidget(self.review_box)
        filters.addWidget(self.archived_box)

        self.model = ResidentTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("residentTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setResizeContentsPrecision(30)  # fit columns to the first rows, not all of them
        char_w = self.table.fontMetrics().horizontalAdvance("中")
        for col, width in enumerate(self.model.widths):  # the declaration's widths until rows arrive
            header.resizeSection(col, int(width * char_w) + 12)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.table.doubleClicked.connect(lambda _i: self.actions.edit_resident())

        self.panel = HouseholdPanel()
        self.panel.setMinimumWidth(300)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([900, 420])
        self.splitter = splitter

        self.actions = HouseholdActions(self)
        toolbar = QToolBar()
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in self.actions.toolbar_actions():
            toolbar.addAction(action)
        from commdesk.ui.session import current_account

        account = current_account()
        self.reveal_action: QAction | None = None
        if account is not None and account.may("full_values"):
            self.reveal_action = QAction(_("显示完整身份证号"), self)
            self.reveal_action.setObjectName("revealFull")
            self.reveal_action.setCheckable(True)
            self.reveal_action.toggled.connect(self.reveal_full)
            toolbar.addAction(self.reveal_action)
        toolbar.addSeparator()
        toolbar.addWidget(self.count_label)
        self.toolbar = toolbar

        focus = QAction(_("搜索"), self)
        focus.setShortcut(QKeySequence.StandardKey.Find)
        focus.triggered.connect(self.focus_search)
        self.addAction(focus)
        refresh = QAction(_("刷新"), self)
        refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        refresh.triggered.connect(self.refresh)
        self.addAction(refresh)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(toolbar)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self._enter_in_search)
        for box in (self.grid_box, self.status_box, self.political_box, self.age_box, self.tag_box):
            box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.review_box.toggled.connect(lambda _c: self.refresh())
        self.archived_box.toggled.connect(lambda _c: self.refresh())
        self.panel.member_activated.connect(self._member_activated)

    # --- loading ---------------------------------------------------------------------------
    def start(self) -> None:
        """Load grids and the first result (called once the window is shown)."""
        self.load_grids()
        self.refresh()

    def load_grids(self) -> None:
        Op(self, list_grids).success(self._grids_loaded).run()

    def _grids_loaded(self, grids: list[GridRow]) -> None:
        self.grids = grids
        self.grid_box.set_grids((g.id, g.name) for g in grids)

    def current_filter(self) -> LedgerFilter:
        return LedgerFilter(grid_id=self.grid_box.currentData(), tag=self.tag_box.currentData() or "",
                            status=self.status_box.currentData() or "",
                            political_status=self.political_box.currentData() or "",
                            age_band=self.age_box.currentData() or "", review_only=self.review_box.isChecked(),
                            archived=self.archived_box.isChecked(), search=self.search.text())

    def refresh(self, select_resident: int | None = None) -> None:
        self._timer.stop()
        f = self.current_filter()
        self._generation += 1
        generation = self._generation
        if select_resident is None:
            select_resident = self.current_resident()
        self._want_select = select_resident

        columns = self.model.columns

        def first(session: Any) -> tuple[list[int], dict[int, dict[str, Any]]]:
            conn = session.connection()
            ids = ordered_ids(conn, f, limit=BLOCK_FIRST)
            return ids, fetch_rows(conn, ids, columns=columns)

        def whole(session: Any) -> list[int]:
            return ordered_ids(session.connection(), f)

        # two steps on the database thread: the first screenful paints at once; the whole id
        # list (for the true scrollbar and the count) is asked for once that paint is done, so
        # building 300,000 ids does not compete with the paint for the interpreter
        def after_first(result: tuple[list[int], dict[int, dict[str, Any]]]) -> None:
            self._loaded(generation, f, *result)
            if generation == self._generation:
                if len(result[0]) < BLOCK_FIRST:
                    self._completed(generation, f, result[0])
                else:
                    QTimer.singleShot(30, lambda: Op(self, whole).success(
                        lambda ids: self._completed(generation, f, ids)).run())

        Op(self, first).success(after_first).run()

    def _completed(self, generation: int, f: LedgerFilter, ids: list[int]) -> None:
        if generation != self._generation:
            return
        self.model.complete_ids(ids)
        hint = _("（数字至少输入3位）") if is_too_short(f.search) else ""
        if f.search.strip() and len(ids) >= TERM_CAP:
            hint = _("（结果较多，最多显示 {n} 人，请继续输入缩小范围）").format(n=TERM_CAP)
        self.count_label.setText(_("共 {n} 人").format(n=len(ids)) + hint)
        if self._want_select is not None and self.current_resident() != self._want_select:
            row = self.model.row_of(self._want_select)
            if row is not None:
                self._select_row(row)
        self.completed.emit()

    def _select_row(self, row: int) -> None:
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(self.model.index(row, 0))

    def _loaded(self, generation: int, f: LedgerFilter, ids: list[int], rows: dict[int, dict[str, Any]]) -> None:
        if generation != self._generation:
            return  # a newer query is on its way
        self.model.set_result(ids, rows)
        self.count_label.setText(_("正在统计…") if len(ids) >= BLOCK_FIRST else _("共 {n} 人").format(n=len(ids)))
        if rows and not self._sized:
            self._sized = True
            self.table.resizeColumnsToContents()  # fits the first block: digits are narrower than 汉字
            header = self.table.horizontalHeader()
            for col in range(self.model.columnCount()):
                header.resizeSection(col, min(header.sectionSize(col) + 8, 260))
        row = self.model.row_of(self._want_select) if self._want_select is not None else None
        if row is None and ids:
            row = 0
        if row is not None:
            self._select_row(row)
        else:
            self._selected_household = None
            self.panel.clear()
        self.loaded.emit()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _enter_in_search(self) -> None:
        self.refresh()
        self.table.setFocus()

    # --- selection & detail ----------------------------------------------------------------
    def current_resident(self) -> int | None:
        idx = self.table.currentIndex()
        return self.model.id_at(idx.row()) if idx.isValid() else None

    def reveal_full(self, on: bool, reason: str | None = None) -> None:
        """Full ID numbers and phones on screen: for an account granted them, with the purpose
        typed (audited); off again: masked."""
        if not on:
            self.model.set_masked(True)
            return
        if reason is None:
            from PySide6.QtWidgets import QInputDialog

            text, ok = QInputDialog.getText(self, _("显示完整身份证号"), _("请写明查看完整身份证号和电话的用途（记入审计）："))
            reason = text.strip() if ok else ""
        if len(reason) < 2:
            if self.reveal_action is not None:
                self.reveal_action.setChecked(False)
            return
        from commdesk.services.accounts import record_full_values

        Op(self, lambda s: record_full_values(s, _("在住户台账中查看"), None, reason), write=True) \
            .success(lambda _r: self.model.set_masked(False)).run()

    def current_household(self) -> int | None:
        return self._selected_household

    def _row_changed(self, current: Any, _previous: Any) -> None:
        rid = self.model.id_at(current.row()) if current.isValid() else None
        if rid is None:
            return
        row = self.model.row_data(current.row())
        if row is not None:
            self._show_household(row["household_id"], rid)
        else:
            columns = self.model.columns
            Op(self, lambda s: fetch_rows(s.connection(), [rid], columns=columns)).success(
                lambda rows: rows and self._show_household(rows[rid]["household_id"], rid)).run()

    def _show_household(self, household_id: int, resident_id: int | None = None) -> None:
        self._selected_household = household_id
        Op(self, lambda s: household_detail(s, household_id)).success(
            lambda d: self._detail_arrived(d, resident_id)).run()

    def _detail_arrived(self, detail: Any, resident_id: int | None) -> None:
        if detail.id != self._selected_household:
            return
        self.panel.show_detail(detail, select_member=resident_id)
        self.detail_loaded.emit()

    def _member_activated(self, resident_id: int) -> None:
        self.actions.edit_resident(resident_id)

    # --- changes -------------------------------------------------------------------------
    def select_after_refresh(self, resident_id: int | None) -> None:
        self._select_next = resident_id

    def on_changes(self, changes: Changes) -> None:
        if changes.touches("grid", "community"):
            self.load_grids()
        if changes.touches("household", "resident", "grid"):
            select, self._select_next = self._select_next, None
            self.refresh(select_resident=select)
