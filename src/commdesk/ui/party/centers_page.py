"""党员中心户: the list of center households (with over/under-target warnings, by grid, revoked
ones on request) and, for the selected one, the assignment editor, its fellow members ("1+10+N",
linked and unlinked with dates) and the history of its contact households."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QSplitter, QTabWidget, QToolBar,
                               QVBoxLayout, QWidget)

from commdesk.i18n import _
from commdesk.changes import Changes
from commdesk.services.community import list_grids
from commdesk.services.party_centers import (CenterRow, LinkRow, center_links, designate_center, end_center,
                                             link_member, list_centers, unlink_member)
from commdesk.services.party_members import MemberFilter, list_members
from commdesk.ui.dialogs.form_dialog import FormDialog, date_edit, date_value
from commdesk.ui.party.assignment_editor import AssignmentEditor
from commdesk.ui.party.center_links import ContactHistory, LinksPanel, UnlinkDialog
from commdesk.ui.party.common import Col, RowsModel, action, make_table, selected_row
from commdesk.ui.party.common import PageOp as Op
from commdesk.ui.grid_combo import GridCombo

COLUMNS = (
    Col("网格", "grid", width=5), Col("中心户党员", "member_name", width=5), Col("户号", "household_no", width=5),
    Col("住址", "address", width=12), Col("联系户", "contacts", align="right", width=3,
                                       warn=lambda r: bool(r.warning)),
    Col("联户党员", "members", align="right", width=3),
    Col("提示", lambda r: r.warning_text if r.status == "在册" else r.status, width=5, warn=lambda r: bool(r.warning)),
)


class MemberPickDialog(FormDialog):
    """Pick a member (and a date): designate a center household, or link a fellow member."""

    def __init__(self, parent: QWidget | None, title: str, members: list[Any], date_label: str) -> None:
        super().__init__(title, parent)
        self.member = QComboBox()
        self.member.setEditable(True)
        self.member.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for m in members:
            self.member.addItem(f"{m.name}  {m.household_no}  {m.address}", m.id)
        self.add_field("member", _("党员"), self.member)
        self.when = self.add_field("date", date_label, date_edit(None, allow_empty=False))
        self.show_messages(self.collect()[1])

    def collect(self) -> tuple[Any, dict[str, str]]:
        mid = self.member.currentData()
        errors = {} if mid is not None else {"member": _("请选择党员")}
        return {"member_id": mid, "when": date_value(self.when)}, errors


class CentersPage(QWidget):
    title = "党员中心户"
    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("centersPage")
        self.model = RowsModel([c.copy(_(c.header), muted=lambda r: r.status != "在册") for c in COLUMNS], self)
        self.table = make_table(self.model, "centersTable")
        self.table.selectionModel().currentRowChanged.connect(lambda _c, _p: self._select())
        self.filter = QLineEdit()
        self.filter.setObjectName("centerFilter")
        self.filter.setPlaceholderText(_("筛选：党员姓名、户号、住址"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(lambda _t: self.refresh())
        self.grid = GridCombo("centerGrid")
        self.grid.currentIndexChanged.connect(lambda _i: self.refresh())
        self.ended = QCheckBox(_("含已撤销"))
        self.ended.setObjectName("centerEnded")
        self.ended.setToolTip(_("同时列出已撤销的中心户（灰色），可查看它们的联系历史"))
        self.ended.toggled.connect(lambda _c: self.refresh())
        self.summary = QLabel("")
        self.editor = AssignmentEditor(self)
        self.editor.setObjectName("assignmentEditor")
        self.editor.changed.connect(lambda: None)
        self.links = LinksPanel(self)
        self.links.setObjectName("linksPanel")
        self.links.link_button.clicked.connect(self.link)
        self.links.unlink_button.clicked.connect(self.unlink)
        self.history = ContactHistory(self)
        self.history.setObjectName("contactHistory")
        self.tabs = QTabWidget()
        self.tabs.setObjectName("centerTabs")
        self.tabs.addTab(self.editor, _("联系户分配"))
        self.tabs.addTab(self.links, _("联系党员（1+10+N）"))
        self.tabs.addTab(self.history, _("联系历史"))
        toolbar = QToolBar()
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(action(self, "设为党员中心户", self.designate, "Ctrl+N"))
        toolbar.addAction(action(self, "联系党员", self.link, "Ctrl+L"))
        toolbar.addAction(action(self, "解除联系党员", self.unlink, "Ctrl+Shift+L"))
        toolbar.addAction(action(self, "撤销中心户", self.revoke, "Ctrl+Delete"))
        action(self, "刷新", self.refresh, "F5")
        filters = QHBoxLayout()
        filters.addWidget(self.filter, 1)
        filters.addWidget(self.grid)
        filters.addWidget(self.ended)
        left = QWidget()
        box = QVBoxLayout(left)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(filters)
        box.addWidget(self.table, 1)
        box.addWidget(self.summary)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([560, 640])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(toolbar)
        layout.addWidget(splitter, 1)
        self.dialog: FormDialog | None = None
        self._selected_id: int | None = None

    def start(self) -> None:
        self.load_grids()
        self.refresh()

    def load_grids(self) -> None:
        Op(self, lambda s: [(g.id, g.name) for g in list_grids(s)]).success(self._set_grids).run()

    def _set_grids(self, grids: list[tuple[int, str]]) -> None:
        self.grid.set_grids(grids)

    def set_grid(self, grid_id: int | None) -> None:
        """Show the center households of this grid (the coverage page's 去分配)."""
        index = self.grid.findData(grid_id)
        if index < 0:       # the grid list may not be loaded yet: add the entry, the load keeps it
            self.grid.addItem("…", grid_id)
            index = self.grid.count() - 1
        self.grid.setCurrentIndex(index)

    def refresh(self) -> None:
        query, grid_id, ended = self.filter.text(), self.grid.currentData(), self.ended.isChecked()
        Op(self, lambda s: list_centers(s, query=query, grid_id=grid_id, include_ended=ended)).success(self._show).run()

    def _show(self, rows: list[CenterRow]) -> None:
        keep = self._selected_id
        self.model.set_rows(rows)
        active = [r for r in rows if r.status == "在册"]
        over = sum(1 for r in active if r.warning == "over")
        under = sum(1 for r in active if r.warning == "under")
        self.summary.setText(_("中心户 {n} 个，联系户 {k} 户；联系户过多 {o} 个，不足 {u} 个").format(
            n=len(active), k=sum(r.contacts for r in active), o=over, u=under))
        target = next((i for i, r in enumerate(rows) if r.id == keep), 0 if rows else -1)
        if target >= 0:
            self.table.selectRow(target)
            row = rows[target]
            if self.editor.center is None or self.editor.center.id != row.id:
                self._set_center(row)
            else:
                self.editor.center = row
                self.editor.setEnabled(row.status == "在册")
                self.editor.reload()
                self.links.set_center(row)
                self.history.set_center(row)
        else:
            self._set_center(None)
        self.loaded.emit()

    def _set_center(self, row: CenterRow | None) -> None:
        self.editor.set_center(row)
        self.links.set_center(row)
        self.history.set_center(row)

    def _select(self) -> None:
        row = selected_row(self.table)
        self._selected_id = row.id if row else None
        if row is not None and (self.editor.center is None or self.editor.center.id != row.id):
            self._set_center(row)

    def current(self) -> CenterRow | None:
        return selected_row(self.table)

    def _open(self, dialog: FormDialog, save: Any) -> None:
        dialog.save_fn = save
        self.dialog = dialog
        dialog.open()

    def designate(self) -> None:
        def job(session: Any) -> list[Any]:
            taken = {r.member_id for r in list_centers(session)}
            return [m for m in list_members(session, MemberFilter()) if m.household_id and m.id not in taken]

        Op(self, job).success(lambda members: self._open(
            MemberPickDialog(self, _("设为党员中心户"), members, _("确定日期")),
            lambda s, v: designate_center(s, v["member_id"], v["when"]))).run()

    def link(self) -> None:
        center = self.current()
        if center is None or center.status != "在册":
            return
        Op(self, lambda s: [m for m in list_members(s, MemberFilter()) if m.id != center.member_id]) \
            .success(lambda members: self._open(
                MemberPickDialog(self, _("联系党员（1+10+N）：{name}").format(name=center.member_name), members,
                                 _("开始日期")),
                lambda s, v: link_member(s, center.id, v["member_id"], v["when"]))).run()

    def unlink(self) -> None:
        """End a fellow member's link (dated; the link and its history stay)."""
        center = self.current()
        if center is None or center.status != "在册":
            return
        current = self.links.selected_member()

        def opened(links: list[LinkRow]) -> None:
            self.tabs.setCurrentWidget(self.links)
            self._open(UnlinkDialog(self, center, links, current),
                       lambda s, v: unlink_member(s, center.id, v["member_id"], v["when"]))

        Op(self, lambda s: center_links(s, center.id)).success(opened).run()

    def revoke(self) -> None:
        center = self.current()
        if center is None or center.status != "在册":
            return

        class _Revoke(FormDialog):
            def __init__(self, parent: QWidget) -> None:
                super().__init__(_("撤销党员中心户：{name}").format(name=center.member_name), parent)
                self.when = self.add_field("date", _("撤销日期"), date_edit(None, allow_empty=False))
                self.reason = self.add_field("reason", _("原因"), QLineEdit())

            def collect(self) -> tuple[Any, dict[str, str]]:
                return {"when": date_value(self.when), "reason": self.reason.text()}, {}

        self._open(_Revoke(self), lambda s, v: end_center(s, center.id, v["when"], v["reason"]))

    def on_changes(self, changes: Changes) -> None:
        if changes.touches("grid"):
            self.load_grids()
        if changes.touches("center_household", "center_contact", "center_member", "party_member", "household",
                           "resident", "grid", "setting"):  # setting: the households-per-center target
            self.refresh()
