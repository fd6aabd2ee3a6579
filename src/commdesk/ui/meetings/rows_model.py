"""A read-only table model over a list of light row objects (the services' dataclass rows).

Columns are (header, getter, align) triples; the lists here are small (a year of meetings of a
community, its checklist), so the rows are held whole and sorted in Python.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

Index = QModelIndex | QPersistentModelIndex


class Col:
    def __init__(self, header: str, getter: Callable[[Any], Any], align: str = "left", width: int = 8) -> None:
        self.header = header
        self.getter = getter
        self.align = align
        self.width = width


def display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else ""
    return str(value)


_ALIGN = {"left": Qt.AlignmentFlag.AlignLeft, "center": Qt.AlignmentFlag.AlignHCenter,
          "right": Qt.AlignmentFlag.AlignRight}


class RowsModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[Col], parent: Any = None,
                 highlight: Callable[[Any], str | None] | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[Any] = []
        self.highlight = highlight

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Any:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def row_of_id(self, record_id: int | None) -> int | None:
        for i, r in enumerate(self.rows):
            if getattr(r, "id", None) == record_id:
                return i
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)) or \
                not (0 <= index.column() < len(self.columns)):
            return None
        row, col = self.rows[index.row()], self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return display(col.getter(row)).replace("\n", " ")
        if role == Qt.ItemDataRole.ToolTipRole:
            text = display(col.getter(row))
            return text if len(text) > 12 else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_ALIGN[col.align] | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and self.highlight is not None:
            color = self.highlight(row)
            return QBrush(QColor(color)) if color else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.columns):
            return self.columns[section].header
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not (0 <= column < len(self.columns)):
            return
        getter = self.columns[column].getter
        self.layoutAboutToBeChanged.emit()
        self.rows.sort(key=lambda r: (getter(r) is None, display(getter(r))),
                       reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()


def make_table(model: RowsModel, object_name: str) -> Any:
    from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

    table = QTableView()
    table.setObjectName(object_name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(24)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    char_w = table.fontMetrics().horizontalAdvance("中")
    for i, col in enumerate(model.columns):
        header.resizeSection(i, int(col.width * char_w) + 12)
    return table
