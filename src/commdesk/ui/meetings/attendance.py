"""The attendance table of the meeting dialog: the roster pre-marked 出席; Space cycles the
selected member through 出席 → 请假 → 缺席; the reason column takes typing (F2 or any key)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from commdesk.i18n import _
from commdesk.models.meeting import ATTENDANCE
from commdesk.services.meetings import AttendeeForm

Index = QModelIndex | QPersistentModelIndex
HEADERS = ("姓名", "党员类别", "职务", "出席情况", "请假/缺席原因")
STATUS_COL, REASON_COL = 3, 4
COLORS = {"请假": "#9a6700", "缺席": "#b3261e"}


class AttendanceModel(QAbstractTableModel):
    counts_changed = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.attendees: list[AttendeeForm] = []

    def set_attendees(self, attendees: list[AttendeeForm]) -> None:
        self.beginResetModel()
        self.attendees = list(attendees)
        self.endResetModel()
        self.counts_changed.emit()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.attendees)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.attendees)) or \
                not (0 <= index.column() < len(HEADERS)):
            return None
        a = self.attendees[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return (a.name, a.membership or ("" if a.member_id else _("非党员")), a.post, a.status,
                    a.reason)[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and a.status in COLORS:
            return QBrush(QColor(COLORS[a.status]))
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == REASON_COL:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.EditRole or index.column() != REASON_COL:
            return False
        a = self.attendees[index.row()]
        a.reason = str(value or "").strip()
        if a.reason and a.status == "出席":
            a.status = "请假"
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), REASON_COL))
        self.counts_changed.emit()
        return True

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(HEADERS):
            return _(HEADERS[section])
        return None

    def cycle(self, row: int) -> None:
        if not 0 <= row < len(self.attendees):
            return
        a = self.attendees[row]
        a.status = ATTENDANCE[(ATTENDANCE.index(a.status) + 1) % len(ATTENDANCE)]
        if a.status == "出席":
            a.reason = ""
        self.dataChanged.emit(self.index(row, 0), self.index(row, REASON_COL))
        self.counts_changed.emit()

    def add_guest(self, name: str) -> None:
        self.beginInsertRows(QModelIndex(), len(self.attendees), len(self.attendees))
        self.attendees.append(AttendeeForm(name, None, "出席", "", False))
        self.endInsertRows()
        self.counts_changed.emit()

    def counts(self) -> tuple[int, int, int, int]:
        """(expected, present, voting expected, voting present)."""
        a = self.attendees
        return (len(a), sum(x.status == "出席" for x in a), sum(x.voting for x in a),
                sum(x.voting and x.status == "出席" for x in a))


class AttendanceView(QTableView):
    reason_requested = Signal(int)      # Enter on a row: the dialog's reason box takes the typing

    def __init__(self, model: AttendanceModel) -> None:
        super().__init__()
        self.setObjectName("attendanceTable")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked)
        self.verticalHeader().setDefaultSectionSize(22)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.horizontalHeader().setStretchLastSection(True)
        char_w = self.fontMetrics().horizontalAdvance("中")
        for col, w in enumerate((6, 5, 5, 5)):
            self.horizontalHeader().resizeSection(col, w * char_w + 12)
        self.setToolTip(_("空格：切换 出席/请假/缺席；回车：填写请假原因"))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and self.state() != QAbstractItemView.State.EditingState:
            idx = self.currentIndex()
            if idx.isValid():
                self.model().cycle(idx.row())  # type: ignore[attr-defined]
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.state() != QAbstractItemView.State.EditingState:
            idx = self.currentIndex()
            if idx.isValid():
                self.reason_requested.emit(idx.row())
                return
        super().keyPressEvent(event)

    def focusInEvent(self, event: Any) -> None:  # noqa: N802
        super().focusInEvent(event)
        if not self.currentIndex().isValid() and self.model().rowCount() > 0:
            self.setCurrentIndex(self.model().index(0, 0))
