"""The assignment editor: suggestions and search on the left, the center's contacts on the right;
add with Enter / Ctrl+→ / double-click / drag, remove with Delete / Ctrl+← / drag back. The
member chosen under "负责党员" covers the households added ("1+10+N"); "改由其负责" hands the
selected contacts to that member."""
from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QDropEvent, QKeyEvent
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QGridLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QVBoxLayout, QWidget)

from commdesk.errors import ValidationError
from commdesk.i18n import _
from commdesk.services.coverage import HouseholdBrief, suggestions
from commdesk.services.household_search import find_households
from commdesk.services.party_centers import (CenterRow, ContactRow, assign_contacts, center_contacts,
                                             linked_members, open_center_of, set_contacts_member,
                                             unassign_contacts)
from commdesk.settings.party import center_target
from commdesk.ui.dialogs.form_dialog import confirm, date_edit, date_value
from commdesk.ui.party.common import show_failure
from commdesk.ui.party.common import PageOp as Op

RANK_LABELS = {0: "同单元", 1: "同楼栋", 2: "同小区", 3: "同网格", 9: "搜索"}
ID_ROLE = Qt.ItemDataRole.UserRole


class DropList(QListWidget):
    """A list that takes households dragged from its partner and says so (the page does the work)."""

    dropped = Signal(list)        # household ids
    activated_ids = Signal(list)  # Enter / double-click on selected items

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.partner: DropList | None = None
        self.itemDoubleClicked.connect(lambda _i: self.activated_ids.emit(self.selected_ids()))

    def selected_ids(self) -> list[int]:
        items = self.selectedItems() or ([self.currentItem()] if self.currentItem() is not None else [])
        return [int(i.data(ID_ROLE)) for i in items if i is not None]

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.activated_ids.emit(self.selected_ids())
            return
        super().keyPressEvent(event)

    def dragEnterEvent(self, event: Any) -> None:  # noqa: N802
        if event.source() is self.partner:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:  # noqa: N802
        if event.source() is self.partner:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        if event.source() is self.partner and self.partner is not None:
            self.dropped.emit(self.partner.selected_ids())
            event.setDropAction(Qt.DropAction.CopyAction)   # the lists are rebuilt from the database
            event.accept()
        else:
            event.ignore()


class AssignmentEditor(QWidget):
    changed = Signal()
    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.center: CenterRow | None = None
        self.heading = QLabel(_("选择左侧的党员中心户以分配联系户"))
        self.heading.setObjectName("assignHeading")
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-weight: bold;")
        self.search = QLineEdit()
        self.search.setObjectName("assignSearch")
        self.search.setPlaceholderText(_("搜索户主姓名、户号、住址（空白时列出就近的未分配户）"))
        self.search.setClearButtonEnabled(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.load_suggestions)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self._focus_suggestions)
        self.suggested = DropList("suggestionList")
        self.assigned = DropList("assignedList")
        self.suggested.partner, self.assigned.partner = self.assigned, self.suggested
        self.suggested.activated_ids.connect(self.add)
        self.assigned.activated_ids.connect(lambda ids: None)
        self.assigned.dropped.connect(self.add)
        self.suggested.dropped.connect(self.remove)
        self.when = date_edit(None, allow_empty=False)
        self.when.setObjectName("assignDate")
        self.reason = QLineEdit()
        self.reason.setObjectName("assignReason")
        self.reason.setPlaceholderText(_("可不填"))
        self.reason.setToolTip(_("移除联系户的原因（如搬离、本人要求），记入联系历史"))
        add = QPushButton(_("添加 →"))
        add.setObjectName("assignAdd")
        add.setToolTip(_("把选中的户设为联系户（Enter 或 Ctrl+→）"))
        add.clicked.connect(lambda: self.add(self.suggested.selected_ids()))
        remove = QPushButton(_("← 移除"))
        remove.setObjectName("assignRemove")
        remove.setToolTip(_("结束选中联系户的联系（Delete 或 Ctrl+←）"))
        remove.clicked.connect(lambda: self.remove(self.assigned.selected_ids()))
        self.count = QLabel("")
        self.count.setObjectName("assignCount")
        self.member = QComboBox()
        self.member.setObjectName("assignMember")
        self.member.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.member.setToolTip(_("新添加的联系户由谁负责（中心户党员或联系的党员）"))
        hand = QPushButton(_("改由其负责"))
        hand.setObjectName("assignHandOver")
        hand.setToolTip(_("选中的联系户改由上面选定的党员负责"))
        hand.clicked.connect(lambda: self.hand_over(self.assigned.selected_ids()))
        from commdesk.ui.party.common import action

        action(self, "添加联系户", lambda: self.add(self.suggested.selected_ids()), "Ctrl+Right")
        action(self, "移除联系户", lambda: self.remove(self.assigned.selected_ids()), "Ctrl+Left")
        del_action = action(self.assigned, "移除联系户", lambda: self.remove(self.assigned.selected_ids()), "Delete")
        del_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action(self, "搜索住户", lambda: (self.search.setFocus(), self.search.selectAll()), "Ctrl+K")

        grid = QGridLayout()
        grid.addWidget(QLabel(_("候选（就近优先）")), 0, 0)
        grid.addWidget(QLabel(_("已分配的联系户")), 0, 2)
        grid.addWidget(self.search, 1, 0)
        grid.addWidget(self.count, 1, 2)
        grid.addWidget(self.suggested, 2, 0)
        buttons = QVBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addWidget(QLabel(_("日期")))
        buttons.addWidget(self.when)
        buttons.addWidget(QLabel(_("移除原因")))
        buttons.addWidget(self.reason)
        buttons.addSpacing(12)
        buttons.addWidget(QLabel(_("负责党员")))
        buttons.addWidget(self.member)
        buttons.addWidget(hand)
        buttons.addStretch(1)
        grid.addLayout(buttons, 2, 1)
        grid.addWidget(self.assigned, 2, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(2, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addLayout(grid, 1)
        self.setEnabled(False)

    def _focus_suggestions(self) -> None:
        self.suggested.setFocus()
        if self.suggested.count() and not self.suggested.selectedItems():
            self.suggested.setCurrentRow(0)

    def set_center(self, center: CenterRow | None) -> None:
        self.center = center
        self.setEnabled(center is not None and center.status == "在册")
        if center is None:
            self.heading.setText(_("选择左侧的党员中心户以分配联系户"))
            self.suggested.clear()
            self.assigned.clear()
            self.member.clear()
            return
        self.heading.setText(_("{name}（{no} {addr}，{grid}）").format(name=center.member_name, no=center.household_no,
                                                                    addr=center.address, grid=center.grid))
        self.reload()

    def reload(self) -> None:
        self.load_assigned()
        self.load_suggestions()

    def load_assigned(self) -> None:
        center = self.center
        if center is None:
            return

        def job(session: Any) -> tuple[list[ContactRow], tuple[int, int], list[tuple[int, str]]]:
            return center_contacts(session, center.id), center_target(session), linked_members(session, center.id)

        Op(self, job).success(self._show_assigned).run()

    def _show_assigned(self, result: tuple[list[ContactRow], tuple[int, int], list[tuple[int, str]]]) -> None:
        rows, (low, high), members = result
        keep = self.member.currentData()
        self.member.clear()
        if self.center is not None:
            self.member.addItem(self.center.member_name, None)
            self.member.setItemData(0, _("中心户党员本人"), Qt.ItemDataRole.ToolTipRole)
        for mid, name in members:
            self.member.addItem(name, mid)
        self.member.setCurrentIndex(max(0, self.member.findData(keep)))
        self.assigned.clear()
        for r in rows:
            by = f"〔{r.member_name}〕" if r.member_name else ""
            item = QListWidgetItem(f"{r.household_no}  {r.head}{by}  {r.address}")
            item.setData(ID_ROLE, r.household_id)
            item.setToolTip(_("自 {d} 起联系；最近走访：{v}").format(d=r.start_date, v=r.last_visit or _("无")))
            self.assigned.addItem(item)
        n = len(rows)
        state = _("（偏多）") if n > high else _("（不足）") if n < low else ""
        self.count.setText(_("{n} 户，目标 {low}–{high} 户{state}").format(n=n, low=low, high=high, state=state))
        self.count.setStyleSheet("color: #b3261e;" if state else "")

    def load_suggestions(self) -> None:
        center = self.center
        if center is None:
            return
        query = self.search.text().strip()

        def job(session: Any) -> list[tuple[HouseholdBrief, str]]:
            hits = [(h, _(RANK_LABELS[h.rank])) for h in suggestions(session, center.id, query=query, limit=60)]
            if query:
                seen = {h.id for h, _l in hits}
                for hit in find_households(session, query, limit=30):
                    if hit.id in seen or hit.id == center.household_id:
                        continue
                    other = open_center_of(session, hit.id)
                    note = _("已有中心户") if other is not None and other != center.id else _("其他")
                    if other == center.id:
                        continue
                    hits.append((HouseholdBrief(hit.id, hit.household_no, hit.head, hit.address, None, "", "", "",
                                                9), note))
            return hits

        Op(self, job).success(self._show_suggestions).run()

    def _show_suggestions(self, hits: list[tuple[HouseholdBrief, str]]) -> None:
        self.suggested.clear()
        for h, label in hits:
            item = QListWidgetItem(f"[{label}] {h.household_no}  {h.head}  {h.address}")
            item.setData(ID_ROLE, h.id)
            self.suggested.addItem(item)
        self.loaded.emit()

    def add(self, ids: list[int], move: bool = False) -> None:
        center = self.center
        if center is None or not ids:
            return
        when = date_value(self.when) or date.today()

        def failed(error: BaseException) -> None:
            if isinstance(error, ValidationError) and "只能有一个中心户" in error.message and not move:
                if confirm(self, _("调整联系户"), error.message + "\n" + _("要把它调整到本中心户吗？")):
                    self.add(ids, move=True)
                return
            show_failure(self, error)

        member_id = self.member.currentData()
        Op(self, lambda s: assign_contacts(s, center.id, ids, when, member_id=member_id, move=move), write=True) \
            .success(lambda _c: self._done()).failure(failed).run()

    def hand_over(self, ids: list[int]) -> None:
        """The selected contacts are covered from now on by the member chosen under 负责党员."""
        center = self.center
        if center is None or not ids:
            return
        member_id = self.member.currentData()
        Op(self, lambda s: set_contacts_member(s, center.id, ids, member_id), write=True) \
            .success(lambda _c: self._done()).failure(lambda e: show_failure(self, e)).run()

    def remove(self, ids: list[int]) -> None:
        center = self.center
        if center is None or not ids:
            return
        when = date_value(self.when) or date.today()
        reason = self.reason.text().strip()
        Op(self, lambda s: unassign_contacts(s, center.id, ids, when, reason), write=True) \
            .success(lambda _c: self._removed()).failure(lambda e: show_failure(self, e)).run()

    def _removed(self) -> None:
        self.reason.clear()          # a reason belongs to one removal
        self._done()

    def _done(self) -> None:
        self.changed.emit()
