"""The center household's other tabs: its fellow members ("1+10+N", link and unlink with dates)
and the history of its contact households (from/to dates and why each contact ended)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from commdesk.i18n import _
from commdesk.services.party_centers import CenterRow, ContactRow, LinkRow, center_contacts, center_links
from commdesk.ui.dialogs.form_dialog import FormDialog, date_edit, date_value
from commdesk.ui.party.common import Col, RowsModel, make_table, selected_row
from commdesk.ui.party.common import PageOp as Op

LINK_COLUMNS = (
    Col("党员", "name", width=4), Col("党支部", "branch", width=7), Col("开始联系", "start_date", align="center", width=6),
    Col("结束", lambda r: r.end_date or "", align="center", width=6),
    Col("负责联系户", lambda r: r.contacts if r.end_date is None else "", align="right", width=4),
)
HISTORY_COLUMNS = (
    Col("户号", "household_no", width=5), Col("户主", "head", width=3), Col("住址", "address", width=14),
    Col("负责党员", "member_name", width=4), Col("开始", "start_date", align="center", width=6),
    Col("结束", lambda r: r.end_date or _("联系中"), align="center", width=6),
    Col("结束原因", "end_reason", width=6),
)


class UnlinkDialog(FormDialog):
    """End a fellow member's link with a center household on a date (the link stays, ended)."""

    def __init__(self, parent: QWidget | None, center: CenterRow, links: list[LinkRow],
                 current: int | None = None) -> None:
        super().__init__(_("解除联系党员：{name}的中心户").format(name=center.member_name), parent)
        self.member = QComboBox()
        for link in links:
            self.member.addItem(_("{name}（{d} 起，负责 {n} 户）").format(name=link.name, d=link.start_date,
                                                                     n=link.contacts), link.member_id)
        if current is not None:
            self.member.setCurrentIndex(max(0, self.member.findData(current)))
        self.add_field("member", _("党员"), self.member)
        self.when = self.add_field("date", _("结束日期"), date_edit(None, allow_empty=False))
        note = QLabel(_("解除后，该党员负责的联系户仍由本中心户联系（改由中心户党员负责）；联系记录保留。"))
        note.setWordWrap(True)
        self.form.addRow("", note)
        self.show_messages(self.collect()[1])

    def collect(self) -> tuple[Any, dict[str, str]]:
        mid = self.member.currentData()
        errors = {} if mid is not None else {"member": _("这个中心户没有联系党员")}
        return {"member_id": mid, "when": date_value(self.when)}, errors


class LinksPanel(QWidget):
    """The fellow members of the selected center household, with link / unlink buttons."""

    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.center: CenterRow | None = None
        self.model = RowsModel([c.copy(_(c.header), muted=lambda r: r.end_date is not None) for c in LINK_COLUMNS],
                               self)
        self.table = make_table(self.model, "linksTable")
        self.history = QCheckBox(_("显示已解除的"))
        self.history.setObjectName("linksHistory")
        self.history.toggled.connect(lambda _c: self.reload())
        self.link_button = QPushButton(_("联系党员…（Ctrl+L）"))
        self.link_button.setObjectName("linkMember")
        self.unlink_button = QPushButton(_("解除联系…（Ctrl+Shift+L）"))
        self.unlink_button.setObjectName("unlinkMember")
        hint = QLabel(_("“1+10+N”：中心户党员带动若干党员，每名党员负责一部分联系户（在“联系户分配”中指定负责党员）。"))
        hint.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.link_button)
        buttons.addWidget(self.unlink_button)
        buttons.addStretch(1)
        buttons.addWidget(self.history)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(hint)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)

    def set_center(self, center: CenterRow | None) -> None:
        self.center = center
        active = center is not None and center.status == "在册"
        self.link_button.setEnabled(active)
        self.unlink_button.setEnabled(active)
        self.reload()

    def reload(self) -> None:
        center = self.center
        if center is None:
            self.model.set_rows([])
            return
        history = self.history.isChecked()
        Op(self, lambda s: center_links(s, center.id, history=history)).success(self._show).run()

    def _show(self, rows: list[LinkRow]) -> None:
        self.model.set_rows(rows)
        if rows:
            self.table.selectRow(0)
        self.loaded.emit()

    def selected_member(self) -> int | None:
        row = selected_row(self.table)
        return row.member_id if row is not None and row.end_date is None else None


class ContactHistory(QWidget):
    """Every contact household the center has had, open ones first, with dates and end reasons."""

    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.center: CenterRow | None = None
        self.model = RowsModel([c.copy(_(c.header), muted=lambda r: r.end_date is not None)
                                for c in HISTORY_COLUMNS], self)
        self.table = make_table(self.model, "contactHistoryTable")
        self.summary = QLabel("")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)

    def set_center(self, center: CenterRow | None) -> None:
        self.center = center
        self.reload()

    def reload(self) -> None:
        center = self.center
        if center is None:
            self.model.set_rows([])
            self.summary.setText("")
            return
        Op(self, lambda s: center_contacts(s, center.id, history=True)).success(self._show).run()

    def _show(self, rows: list[ContactRow]) -> None:
        self.model.set_rows(rows)
        ended = sum(1 for r in rows if r.end_date is not None)
        self.summary.setText(_("联系中 {n} 户，已结束 {k} 条（灰色）").format(n=len(rows) - ended, k=ended))
        self.loaded.emit()
