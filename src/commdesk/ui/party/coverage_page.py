"""覆盖情况: per-grid coverage by center households, the uncovered households of the chosen grid,
and the households-per-center target (a setting)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSpinBox, QSplitter, QToolBar, QVBoxLayout, QWidget

from commdesk.i18n import _
from commdesk.changes import Changes
from commdesk.services.coverage import GridCoverage, HouseholdBrief, coverage_totals, grid_coverage, uncovered_households
from commdesk.settings.party import center_target, set_center_target
from commdesk.ui.dialogs.form_dialog import FormDialog
from commdesk.ui.party.common import Col, RowsModel, action, make_table, selected_row
from commdesk.ui.party.common import PageOp as Op

GRID_COLUMNS = (
    Col("网格", "grid", width=7), Col("户数", "households", align="right", width=4),
    Col("中心户", "centers", align="right", width=4), Col("已覆盖", "covered", align="right", width=4),
    Col("未覆盖", "uncovered", align="right", width=4, warn=lambda r: r.uncovered > 0),
    Col("覆盖率", lambda r: f"{r.percent:.1f}%", align="right", width=5, warn=lambda r: r.percent < 90),
)
HOUSEHOLD_COLUMNS = (Col("户号", "household_no", width=6), Col("户主", "head", width=5), Col("住址", "address", width=18))
PAGE = 500


class TargetDialog(FormDialog):
    def __init__(self, parent: QWidget | None, low: int, high: int) -> None:
        super().__init__(_("每个中心户的联系户数"), parent)
        self.low = QSpinBox()
        self.low.setRange(1, 200)
        self.low.setValue(low)
        self.high = QSpinBox()
        self.high.setRange(1, 200)
        self.high.setValue(high)
        self.add_field("low", _("下限"), self.low)
        self.add_field("target", _("上限"), self.high)
        self.low.valueChanged.connect(lambda _v: self.show_messages(self.collect()[1]))
        self.high.valueChanged.connect(lambda _v: self.show_messages(self.collect()[1]))

    def collect(self) -> tuple[Any, dict[str, str]]:
        errors = {"target": _("上限不能小于下限")} if self.high.value() < self.low.value() else {}
        return (self.low.value(), self.high.value()), errors


class CoveragePage(QWidget):
    title = "覆盖情况"
    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("coveragePage")
        self.grids = RowsModel([Col(_(c.header), c.get, align=c.align, width=c.width, warn=c.warn)
                                for c in GRID_COLUMNS], self)
        self.households = RowsModel([Col(_(c.header), c.get, align=c.align, width=c.width)
                                     for c in HOUSEHOLD_COLUMNS], self)
        self.grid_table = make_table(self.grids, "coverageTable")
        self.household_table = make_table(self.households, "uncoveredTable")
        self.grid_table.selectionModel().currentRowChanged.connect(lambda _c, _p: self.load_uncovered())
        self.grid_table.doubleClicked.connect(lambda _i: self.go_assign())
        self.total = QLabel("")
        self.total.setObjectName("coverageTotal")
        self.total.setStyleSheet("font-size: 14px; font-weight: bold;")
        self.uncovered_label = QLabel("")
        self.target = QLabel("")
        toolbar = QToolBar()
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(action(self, "联系户数目标", self.edit_target, "Ctrl+T"))
        toolbar.addAction(action(self, "去分配（本网格的党员中心户）", self.go_assign, "Ctrl+G"))
        toolbar.addAction(action(self, "刷新", self.refresh, "F5"))
        toolbar.addWidget(self.target)
        right = QWidget()
        box = QVBoxLayout(right)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.uncovered_label)
        box.addWidget(self.household_table, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.grid_table)
        splitter.addWidget(right)
        splitter.setSizes([560, 640])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(toolbar)
        layout.addWidget(self.total)
        layout.addWidget(splitter, 1)
        self.dialog: FormDialog | None = None

    def start(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        def job(session: Any) -> tuple[list[GridCoverage], tuple[int, int]]:
            return grid_coverage(session), center_target(session)

        Op(self, job).success(self._show).run()

    def _show(self, result: tuple[list[GridCoverage], tuple[int, int]]) -> None:
        rows, (low, high) = result
        current = selected_row(self.grid_table)
        self.grids.set_rows(rows)
        t = coverage_totals(rows)
        self.total.setText(_("全社区 {n} 户，已覆盖 {c} 户（{p:.1f}%），未覆盖 {u} 户；党员中心户 {k} 个").format(
            n=t.households, c=t.covered, p=t.percent, u=t.uncovered, k=t.centers))
        self.target.setText(_("　每户联系目标：{low}–{high} 户").format(low=low, high=high))
        if rows:
            keep = next((i for i, r in enumerate(rows) if current is not None and r.grid_id == current.grid_id), None)
            if keep is None:
                keep = max(range(len(rows)), key=lambda i: rows[i].uncovered)
            self.grid_table.selectRow(keep)      # the model was reset: this selects anew and loads the list
        self.loaded.emit()

    def load_uncovered(self) -> None:
        grid = selected_row(self.grid_table)
        if grid is None:
            return
        Op(self, lambda s: uncovered_households(s, grid.grid_id, limit=PAGE)).success(
            lambda r, g=grid: self._show_uncovered(g, r)).run()

    def _show_uncovered(self, grid: GridCoverage, result: tuple[int, list[HouseholdBrief]]) -> None:
        total, rows = result
        self.households.set_rows(rows)
        more = _("（列出前 {n} 户）").format(n=len(rows)) if total > len(rows) else ""
        self.uncovered_label.setText(_("{grid}：未覆盖 {n} 户{more}").format(grid=grid.grid, n=total, more=more))

    def edit_target(self) -> None:
        def opened(target: tuple[int, int]) -> None:
            dialog = TargetDialog(self, *target)
            dialog.save_fn = lambda s, v: (set_center_target(s, v[0], v[1]), Changes.of("setting"))[1]
            self.dialog = dialog
            dialog.open()

        Op(self, center_target).success(opened).run()

    def go_assign(self) -> None:
        """Open 党员中心户 on the center households of the selected grid."""
        window = self.window()
        from commdesk.ui.party.centers_page import CentersPage

        grid = selected_row(self.grid_table)
        if hasattr(window, "show_page"):
            page = window.show_page(CentersPage)
            if grid is not None and grid.grid_id is not None:
                page.set_grid(grid.grid_id)

    def on_changes(self, changes: Changes) -> None:
        if changes.touches("center_household", "center_contact", "household", "grid", "setting"):
            self.refresh()
