"""网格管理: the community's grids with their leaders, workers and household counts."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QLineEdit, QTableWidget, QTableWidgetItem,
                               QToolBar, QVBoxLayout, QWidget)

from commdesk.i18n import _
from commdesk.changes import Changes
from commdesk.services.community import GridRow, get_community, list_grids, save_grid
from commdesk.ui.dialogs.form_dialog import FormDialog
from commdesk.ui.runner import Op

HEADERS = ("编号", "网格名称", "网格长", "网格员", "户数")


class GridDialog(FormDialog):
    def __init__(self, parent: QWidget | None, grid: GridRow | None = None) -> None:
        super().__init__(_("编辑网格") if grid else _("新建网格"), parent)
        self.grid = grid
        self.name = self.add_field("name", _("网格名称"), QLineEdit(grid.name if grid else ""))
        self.code = self.add_field("code", _("编号"), QLineEdit(grid.code if grid else ""))
        self.leader = self.add_field("leader", _("网格长"), QLineEdit(grid.leader if grid else ""))
        self.workers = self.add_field("workers", _("网格员（用、分隔）"), QLineEdit(grid.workers if grid else ""))
        self.name.textChanged.connect(lambda _t: self.show_messages(self.collect()[1]))
        self.show_messages(self.collect()[1])

    def collect(self) -> tuple[Any, dict[str, str]]:
        errors = {} if self.name.text().strip() else {"name": _("请填写网格名称")}
        value = {"grid_id": self.grid.id if self.grid else None, "name": self.name.text(), "code": self.code.text(),
                 "leader": self.leader.text(), "workers": self.workers.text()}
        return value, errors


class GridsPage(QWidget):
    title = "网格管理"
    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gridsPage")
        self.rows: list[GridRow] = []
        self.community = QLabel("")
        self.community.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("gridsTable")
        self.table.setHorizontalHeaderLabels([_(h) for h in HEADERS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self.edit())
        toolbar = QToolBar()
        add = QAction(_("新建网格"), self)
        add.triggered.connect(lambda _c=False: self.edit(new=True))
        edit = QAction(_("编辑网格"), self)
        edit.setShortcut(QKeySequence("F2"))
        edit.triggered.connect(lambda _c=False: self.edit())
        self.addAction(edit)
        toolbar.addAction(add)
        toolbar.addAction(edit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.community)
        layout.addWidget(toolbar)
        layout.addWidget(self.table, 1)
        self.dialog: GridDialog | None = None

    def start(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        def job(session: Any) -> tuple[str, list[GridRow]]:
            c = get_community(session)
            label = f"{c.name}（{c.street_office} {c.district}）" if c else _("尚未建立社区")
            return label, list_grids(session)

        Op(self, job).success(self._show).run()

    def _show(self, result: tuple[str, list[GridRow]]) -> None:
        self.community.setText(result[0])
        self.rows = result[1]
        self.table.setRowCount(len(self.rows))
        for r, g in enumerate(self.rows):
            for c, value in enumerate((g.code, g.name, g.leader, g.workers, str(g.households))):
                item = QTableWidgetItem(value)
                if c == 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self.loaded.emit()

    def edit(self, new: bool = False) -> None:
        row = self.table.currentRow()
        grid = None if new or row < 0 else self.rows[row]
        dialog = GridDialog(self, grid)
        dialog.save_fn = lambda s, v: save_grid(s, v["grid_id"], v["name"], v["leader"], v["workers"], v["code"])
        self.dialog = dialog
        dialog.open()

    def on_changes(self, changes: Changes) -> None:
        if changes.touches("grid", "community", "household"):
            self.refresh()
