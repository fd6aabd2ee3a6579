"""A read-only table over a list of light rows (the services' dataclass rows), for the Party and
meeting pages: columns declared as :class:`Col` (header, how to read a row, alignment, width in
characters, optional red/grey rules), the rows held whole (a page's list is small)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

Index = QModelIndex | QPersistentModelIndex
WARN_BRUSH = QBrush(QColor("#b3261e"))
MUTED_BRUSH = QBrush(QColor("#888888"))


def display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else ""
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


class Col:
    """A column: header, how to read a row (a callable or an attribute name), alignment, width
    (characters); ``warn`` shows a row's cell in red, ``muted`` in grey (ended or archived records,
    kept for the history)."""

    def __init__(self, header: str, get: Callable[[Any], Any] | str, align: str = "left", width: int = 8, *,
                 warn: Callable[[Any], bool] | None = None, muted: Callable[[Any], bool] | None = None) -> None:
        self.header = header
        self.get = (lambda r, k=get: getattr(r, k)) if isinstance(get, str) else get
        self.align = align
        self.width = width
        self.warn = warn
        self.muted = muted

    def copy(self, header: str, muted: Callable[[Any], bool] | None = None) -> Col:
        """This column with a translated header (and optionally a grey-out rule for the whole row)."""
        return Col(header, self.get, self.align, self.width, warn=self.warn, muted=muted or self.muted)


_ALIGN = {"left": Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
          "center": Qt.AlignmentFlag.AlignCenter,
          "right": Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter}


class RowsModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[Col], parent: Any = None,
                 highlight: Callable[[Any], str | None] | None = None) -> None:
        """``highlight(row)`` may name a text colour for the whole row."""
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[Any] = []
        self.highlight = highlight

    def set_rows(self, rows: Sequence[Any]) -> None:
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

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802,B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802,B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)) or \
                not (0 <= index.column() < len(self.columns)):
            return None
        row, col = self.rows[index.row()], self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return display(col.get(row)).replace("\n", " ")
        if role == Qt.ItemDataRole.ToolTipRole:
            return display(col.get(row)) or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_ALIGN[col.align].value)
        if role == Qt.ItemDataRole.ForegroundRole:
            if col.muted is not None and col.muted(row):
                return MUTED_BRUSH
            if col.warn is not None and col.warn(row):
                return WARN_BRUSH
            color = self.highlight(row) if self.highlight is not None else None
            return QBrush(QColor(color)) if color else None
        if role == Qt.ItemDataRole.UserRole:
            return getattr(row, "id", None)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.columns):
            return self.columns[section].header
        return None


def make_table(model: RowsModel, object_name: str) -> QTableView:
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
