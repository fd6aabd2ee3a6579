"""The 住户台账 table model: ordered ids + a block cache (Anki DataModel / calibre BooksModel).

Only the id list lives in memory; rows are fetched a block at a time on the database thread and
kept in a bounded cache, so a 300,000-row ledger paints as fast as a 30-row one and the
scrollbar is true at any size.

The columns are the screen view of the 居民户信息台账 declaration: headers, widths, alignment,
getters and formats (one formatter per column, as the writers use) come from it, so the screen,
the workbook and the PDF never disagree.
"""
from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from commdesk.reports.ledger import Column, formatter
from commdesk.reports.ledger_query import fetch_rows, screen_columns
from commdesk.ui.runner import Op

BLOCK = 200
MAX_CACHED_BLOCKS = 40
_ALIGN = {
    "left": int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
    "center": int(Qt.AlignmentFlag.AlignCenter),
    "right": int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
}
_REVIEW_BRUSH = QBrush(QColor("#b3261e"))
_ARCHIVED_BRUSH = QBrush(QColor("#888888"))

Index = QModelIndex | QPersistentModelIndex


class ResidentTableModel(QAbstractTableModel):
    def __init__(self, parent: Any = None, columns: Sequence[Column] | None = None, masked: bool | None = None) -> None:
        """``columns``: the declaration's screen view (default: the households ledger's).
        ``masked``: ID numbers and phones as a masked printout shows them (the screen, the
        office's working copy, shows them in full unless asked)."""
        super().__init__(parent)
        self._ids: array[int] = array("q")   # 8 bytes per resident
        self._rows: dict[int, dict[str, Any]] = {}
        self._blocks: OrderedDict[int, list[int]] = OrderedDict()
        self._pending: set[int] = set()
        self._generation = 0
        self.columns: tuple[Column, ...] = tuple(columns) if columns is not None else screen_columns()
        self.keys = [c.key for c in self.columns]
        self.headers = [c.header for c in self.columns]
        self.widths = [c.width for c in self.columns]
        if masked is None:      # the logged-in account's view: masked unless granted full values
            from commdesk.ui.session import masks_screen

            masked = masks_screen()
        self.masked = masked
        self._text = [formatter(c, masked) for c in self.columns]
        self._align = [_ALIGN.get(c.alignment, _ALIGN["left"]) for c in self.columns]
        self._alert = [c.alert for c in self.columns]
        self._tip = [c.kind == "text" for c in self.columns]  # long text is elided: the tooltip shows it whole

    def set_masked(self, masked: bool) -> None:
        """Show ID numbers and phones masked or in full (the rows already read stay; only their
        text changes)."""
        if masked == self.masked:
            return
        self.masked = masked
        self._text = [formatter(c, masked) for c in self.columns]
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(self.columns) - 1))

    # --- contents -------------------------------------------------------------------------
    def set_result(self, ids: list[int], first_rows: dict[int, dict[str, Any]]) -> None:
        self.beginResetModel()
        self._generation += 1
        self._ids = array("q", ids)
        self._rows = dict(first_rows)
        self._blocks = OrderedDict()
        if first_rows:
            self._blocks[0] = list(first_rows)
        self._pending = set()
        self.endResetModel()

    def complete_ids(self, ids: list[int]) -> None:
        """The whole id list after the first screenful: append when it continues what is shown
        (no reset: selection and scroll position stay), otherwise replace."""
        shown = len(self._ids)
        if len(ids) >= shown and array("q", ids[:shown]) == self._ids:
            if len(ids) > shown:
                self.beginInsertRows(QModelIndex(), shown, len(ids) - 1)
                self._ids.extend(ids[shown:])
                self.endInsertRows()
            return
        self.set_result(ids, {rid: self._rows[rid] for rid in ids[:BLOCK] if rid in self._rows})

    def id_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, rid: int) -> int | None:
        try:
            return self._ids.index(rid)  # a C scan of the id array: ~1 ms for 300k rows
        except ValueError:
            return None

    def row_data(self, row: int) -> dict[str, Any] | None:
        rid = self.id_at(row)
        return self._rows.get(rid) if rid is not None else None

    @property
    def ids(self) -> list[int]:
        return list(self._ids)

    def invalidate_rows(self) -> None:
        """Forget cached rows (after an edit) and repaint; the id order is unchanged."""
        self._rows.clear()
        self._blocks.clear()
        self._pending.clear()
        self._generation += 1
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(self.keys) - 1))

    # --- Qt model API ---------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.keys)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.headers):
                return self.headers[section]
            if orientation == Qt.Orientation.Vertical:
                return str(section + 1)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        col = index.column()
        if not index.isValid() or not (0 <= index.row() < len(self._ids)) or not (0 <= col < len(self.keys)):
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._align[col]
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole):
            return None
        row = self._rows.get(self._ids[index.row()])
        if row is None:
            self._request(index.row() // BLOCK)
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if row["archived"]:
                return _ARCHIVED_BRUSH
            if self._alert[col] and row[self.keys[col]]:
                return _REVIEW_BRUSH
            return None
        if role == Qt.ItemDataRole.ToolTipRole and not self._tip[col]:
            return None
        return self._text[col](row[self.keys[col]])

    # --- block cache ------------------------------------------------------------------------
    def _request(self, block: int) -> None:
        if block in self._pending:
            return
        self._pending.add(block)
        ids = self._ids[block * BLOCK:(block + 1) * BLOCK]
        generation = self._generation
        columns = self.columns
        Op(self, lambda s: fetch_rows(s.connection(), ids, columns=columns)).success(
            lambda rows: self._arrived(block, generation, rows)).run()

    def _arrived(self, block: int, generation: int, rows: dict[int, dict[str, Any]]) -> None:
        if generation != self._generation:
            return
        self._pending.discard(block)
        self._rows.update(rows)
        self._blocks[block] = list(rows)
        while len(self._blocks) > MAX_CACHED_BLOCKS:
            _old, old_ids = self._blocks.popitem(last=False)
            for rid in old_ids:
                self._rows.pop(rid, None)
        first = block * BLOCK
        last = min(first + BLOCK, len(self._ids)) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.keys) - 1))
