"""Shared pieces of the Party pages: a table model over light rows, actions, small widgets."""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from commdesk.i18n import _
from commdesk.ui.runner import Op

log = logging.getLogger("commdesk.ui.party")

Index = QModelIndex | QPersistentModelIndex
WARN_BRUSH = QBrush(QColor("#b3261e"))
MUTED_BRUSH = QBrush(QColor("#888888"))


def display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


class Col:
    """A column of a :class:`RowsModel`: header, how to read a row, alignment, width (characters)."""

    def __init__(self, header: str, get: Callable[[Any], Any] | str, *, align: str = "left", width: int = 8,
                 warn: Callable[[Any], bool] | None = None, muted: Callable[[Any], bool] | None = None) -> None:
        self.header = header
        self.get = (lambda r, k=get: getattr(r, k)) if isinstance(get, str) else get
        self.align = align
        self.width = width
        self.warn = warn
        self.muted = muted      # grey text: ended or archived records, kept for the history

    def copy(self, header: str, muted: Callable[[Any], bool] | None = None) -> Col:
        """This column with a translated header (and optionally a grey-out rule for the whole row)."""
        return Col(header, self.get, align=self.align, width=self.width, warn=self.warn, muted=muted or self.muted)


_ALIGN = {"left": Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
          "center": Qt.AlignmentFlag.AlignCenter,
          "right": Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter}


class RowsModel(QAbstractTableModel):
    """A read-only table over a list of light rows (dataclasses); small lists only (a page of rows)."""

    def __init__(self, columns: Sequence[Col], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row(self, r: int) -> Any:
        return self.rows[r] if 0 <= r < len(self.rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        col = self.columns[index.column()]
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return display(col.get(row))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_ALIGN[col.align].value)
        if role == Qt.ItemDataRole.ForegroundRole:
            if col.muted is not None and col.muted(row):
                return MUTED_BRUSH
            if col.warn is not None and col.warn(row):
                return WARN_BRUSH
            return None
        if role == Qt.ItemDataRole.UserRole:
            return getattr(row, "id", None)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            return self.columns[section].header
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self.rows):
            return str(section + 1)
        return None


def make_table(model: RowsModel, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(24)
    view.setAlternatingRowColors(True)
    header = view.horizontalHeader()
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    metrics = view.fontMetrics()
    for i, col in enumerate(model.columns):
        view.setColumnWidth(i, metrics.horizontalAdvance("中") * col.width + 12)
    return view


def selected_row(view: QTableView) -> Any:
    index = view.currentIndex()
    model = view.model()
    if not index.isValid() or not isinstance(model, RowsModel):
        return None
    return model.row(index.row())


def action(widget: QWidget, text: str, slot: Callable[[], Any], shortcut: Any = None) -> QAction:
    """A page action whose shortcut works while the page (or one of its children) has focus."""
    act = QAction(_(text), widget)
    if shortcut is not None:
        act.setShortcut(QKeySequence(shortcut))
        act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        act.setToolTip(f"{_(text)}（{QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)}）")
    act.triggered.connect(lambda _c=False: slot())
    widget.addAction(act)
    return act


def show_failure(parent: QWidget, error: BaseException) -> None:
    from commdesk.errors import UserError
    from PySide6.QtWidgets import QMessageBox

    if isinstance(error, UserError):
        QMessageBox.warning(parent, _("提示"), error.message)
        return
    from commdesk.ui.errors import show_error

    show_error(parent, error)


class PageOp(Op):
    """An ``Op`` for page refreshes that may be chained from another op's callback: when the
    window is closing (its runner is gone or shut down) there is nothing left to refresh."""

    def run(self) -> PageOp:
        try:
            super().run()
        except RuntimeError as exc:   # "no database runner" / "cannot schedule new futures after shutdown"
            log.debug("page refresh skipped: %s", exc)
        return self
