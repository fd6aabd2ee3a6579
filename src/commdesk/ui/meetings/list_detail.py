"""What the 会议记录, 协商议事 and 责任清单 pages share: a toolbar of keyboard actions, a table of
rows with a detail pane, and keeping the selected record across a refresh."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QSplitter, QTextBrowser, QToolBar

from commdesk.i18n import _
from commdesk.ui.rows_table import Col, RowsModel, make_table


class ListDetailMixin:
    """Mixed into a page QWidget that has ``model`` (ui.rows_table), ``table``, ``info``,
    ``count_label``, ``_select``, ``detail`` and a ``loaded`` signal."""

    def build_list_detail(self, columns: Sequence[Col], table_name: str, detail_name: str,
                          open_row: Callable[[], Any], highlight: Callable[[Any], str | None] | None = None
                          ) -> QSplitter:
        """The rows table (``model``, ``table``: selecting shows the detail, double-click opens
        the record) beside the detail pane (``info``), in a splitter the page lays out."""
        self.model = RowsModel(columns, self, highlight=highlight)  # type: ignore[arg-type]
        self.table = make_table(self.model, table_name)
        self.table.selectionModel().currentRowChanged.connect(
            lambda cur, _p: self._show_detail(cur.row()))  # type: ignore[attr-defined]
        self.table.doubleClicked.connect(lambda _i: open_row())
        self.info = QTextBrowser()
        self.info.setObjectName(detail_name)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.info)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        return splitter

    def add_toolbar_action(self, toolbar: QToolBar, text: str, slot: Callable[[], Any],
                           shortcut: str | None = None) -> QAction:
        action = QAction(_(text), self)  # type: ignore[arg-type]
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda _c=False: slot())
        toolbar.addAction(action)
        self.addAction(action)  # type: ignore[attr-defined]
        return action

    def show_rows(self, rows: Sequence[Any], count_text: str) -> None:
        """Show a fresh list, selecting the record that was selected before (else the first)."""
        self.model.set_rows(rows)  # type: ignore[attr-defined]
        self.count_label.setText(count_text)  # type: ignore[attr-defined]
        row = self.model.row_of_id(self._select) if self._select is not None else None  # type: ignore[attr-defined]
        if row is None and rows:
            row = 0
        if row is not None:
            self.table.selectRow(row)  # type: ignore[attr-defined]
            self.table.setCurrentIndex(self.model.index(row, 0))  # type: ignore[attr-defined]
        else:
            self.detail = None
            self.info.clear()  # type: ignore[attr-defined]
        self.loaded.emit()  # type: ignore[attr-defined]

    def current_id(self) -> int | None:
        r = self.model.row_at(self.table.currentIndex().row())  # type: ignore[attr-defined]
        return r.id if r is not None else None
