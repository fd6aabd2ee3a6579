"""会议记录: the meetings list with filters and the selected meeting's detail (attendance,
resolutions, attachments, the checklist items made from it), and the 三会一课 compliance
calendar (per branch/group and kind: done ✓, missing ✗, due 待开)."""
from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QDesktopServices
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QInputDialog, QLabel, QLineEdit,
                               QSpinBox, QTableWidget, QTableWidgetItem, QTabWidget, QToolBar,
                               QVBoxLayout, QWidget)

from commdesk.i18n import _
from commdesk.models.meeting import ATTACHMENT_KINDS, MEETING_KINDS
from commdesk.services import meetings as ms
from commdesk.services.checklist import resolution_lines
from commdesk.changes import Changes
from commdesk.services.compliance import STATE_LABELS, ComplianceRow, compliance_calendar
from commdesk.ui.dialogs.form_dialog import confirm
from commdesk.ui.meetings.meeting_dialog import MeetingDialog
from commdesk.ui.rows_table import Col
from commdesk.ui.meetings.list_detail import ListDetailMixin
from commdesk.ui.runner import Op

COLUMNS = (
    Col("会议时间", lambda r: r.start_at, "center", 9),
    Col("会议类型", lambda r: r.kind, "center", 6),
    Col("党组织", lambda r: r.branch + (f"·{r.group}" if r.group else ""), "left", 9),
    Col("会议名称/议题", lambda r: r.topic, "left", 14),
    Col("应到", lambda r: r.expected, "right", 3),
    Col("实到", lambda r: r.present, "right", 3),
    Col("法定人数", lambda r: r.quorum, "center", 4),
    Col("缺席及原因", lambda r: r.absent_text, "left", 10),
    Col("清单事项", lambda r: r.items or "", "right", 4),
)
STATE_COLORS = {"done": "#2e7d32", "missing": "#b3261e", "due": "#9a6700", "upcoming": "#888888"}
STATE_MARKS = {"done": "✓", "missing": "✗", "due": "待开", "upcoming": ""}


class CalendarView(QWidget):
    """The compliance calendar of one year: a row per (unit, kind), a column per month."""

    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ComplianceRow] = []
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(date.today().year)
        self.year.setPrefix(_("年度 "))
        self.only = QComboBox()
        self.only.setObjectName("calendarFilter")
        for value, label in (("", "全部"), ("missing", "只看缺开"), ("due", "只看本期待开")):
            self.only.addItem(_(label), value)
        self.summary = QLabel("")
        self.table = QTableWidget(0, 14)
        self.table.setObjectName("complianceTable")
        self.table.setHorizontalHeaderLabels([_("党组织"), _("会议类型")] + [_("{m}月").format(m=m) for m in range(1, 13)])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        char_w = self.table.fontMetrics().horizontalAdvance("中")
        header.resizeSection(0, 12 * char_w)
        header.resizeSection(1, 6 * char_w)
        for c in range(2, 14):
            header.resizeSection(c, int(3.2 * char_w))
        top = QHBoxLayout()
        top.addWidget(self.year)
        top.addWidget(self.only)
        top.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.year.valueChanged.connect(lambda _v: self.refresh())
        self.only.currentIndexChanged.connect(lambda _i: self._fill())

    def refresh(self) -> None:
        year = self.year.value()
        Op(self, lambda s: compliance_calendar(s, year)).success(self._loaded).run()

    def set_only(self, state: str) -> None:
        self.only.setCurrentIndex(max(0, self.only.findData(state)))

    def _loaded(self, rows: list[ComplianceRow]) -> None:
        self.rows = rows
        self._fill()
        self.loaded.emit()

    def _fill(self) -> None:
        only = self.only.currentData()
        rows = [r for r in self.rows if not only or r.count(only)]
        self.table.clearSpans()
        self.table.setRowCount(len(rows))
        counts = {s: sum(r.count(s) for r in self.rows) for s in STATE_LABELS}
        self.summary.setText(_("已开 {done} 期，缺开 {missing} 期，本期待开 {due} 项").format(**counts))
        for i, row in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(row.unit))
            kind = QTableWidgetItem(row.kind)
            kind.setToolTip(row.rule.label)
            self.table.setItem(i, 1, kind)
            for cell in row.cells:
                col = 1 + cell.period.months[0]
                mark = STATE_MARKS[cell.state]
                if cell.done > 1 or (cell.required > 1 and cell.state != "upcoming"):
                    mark = f"{mark} {cell.done}/{cell.required}"
                item = QTableWidgetItem(mark)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setForeground(QBrush(QColor(STATE_COLORS[cell.state])))
                item.setToolTip(f"{cell.period.label}：{_(STATE_LABELS[cell.state])}（{cell.done}/{cell.required}）")
                item.setData(Qt.ItemDataRole.UserRole, cell.state)
                self.table.setItem(i, col, item)
                if len(cell.period.months) > 1:
                    self.table.setSpan(i, col, 1, len(cell.period.months))


class MeetingsPage(ListDetailMixin, QWidget):
    title = "会议记录"
    loaded = Signal()
    detail_loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("meetingsPage")
        self.branches: list[tuple[int, str]] = []
        self.last_dialog: Any = None
        self.detail: ms.MeetingDetail | None = None
        self._select: int | None = None
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(_("搜索议题、决议、地点、主持人"))
        self.kind_box = QComboBox()
        self.kind_box.addItem(_("全部类型"), "")
        for k in MEETING_KINDS:
            self.kind_box.addItem(k, k)
        self.branch_box = QComboBox()
        self.branch_box.addItem(_("全部党支部"), None)
        self.count_label = QLabel("")
        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(self.kind_box, 1)
        filters.addWidget(self.branch_box, 1)
        filters.addWidget(self.count_label)
        splitter = self.build_list_detail(COLUMNS, "meetingsTable", "meetingDetail", self.edit_meeting,
                                          highlight=lambda r: "#b3261e" if r.quorum == "不足半数" else None)
        list_page = QWidget()
        list_box = QVBoxLayout(list_page)
        list_box.setContentsMargins(0, 0, 0, 0)
        list_box.addLayout(filters)
        list_box.addWidget(splitter, 1)
        self.calendar = CalendarView()
        self.tabs = QTabWidget()
        self.tabs.addTab(list_page, _("会议记录"))
        self.tabs.addTab(self.calendar, _("三会一课落实情况"))

        toolbar = QToolBar()
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)

        def act(text: str, slot: Any, shortcut: str | None = None) -> QAction:
            return self.add_toolbar_action(toolbar, text, slot, shortcut)

        self.new_action = act("登记会议", self.new_meeting, "Ctrl+N")
        self.edit_action = act("编辑", self.edit_meeting, "F2")
        self.attach_action = act("添加附件", self.attach, "Ctrl+Shift+A")
        self.to_item_action = act("决议转清单", self.resolution_to_item, "Ctrl+L")
        self.print_action = act("打印会议记录", self.print_minutes, "Ctrl+P")
        self.archive_action = act("归档", self.archive, "Delete")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(toolbar)
        layout.addWidget(self.tabs, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.kind_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.branch_box.currentIndexChanged.connect(lambda _i: self.refresh())

    # -- loading --------------------------------------------------------------------------------
    def start(self) -> None:
        self.load_branches()
        self.refresh()
        self.calendar.refresh()

    def load_branches(self) -> None:
        Op(self, ms.branches).success(self._branches_loaded).run()

    def _branches_loaded(self, branches: list[tuple[int, str]]) -> None:
        self.branches = branches
        current = self.branch_box.currentData()
        self.branch_box.blockSignals(True)
        self.branch_box.clear()
        self.branch_box.addItem(_("全部党支部"), None)
        for oid, name in branches:
            self.branch_box.addItem(name, oid)
        self.branch_box.setCurrentIndex(max(0, self.branch_box.findData(current)))
        self.branch_box.blockSignals(False)

    def show_calendar(self, only: str = "") -> None:
        self.tabs.setCurrentWidget(self.calendar)
        self.calendar.set_only(only)

    def refresh(self, select: int | None = None) -> None:
        f = ms.MeetingFilter(kind=self.kind_box.currentData() or "", org_id=self.branch_box.currentData(),
                             query=self.search.text())
        self._select = select if select is not None else self.current_id()
        Op(self, lambda s: ms.list_meetings(s, f)).success(self._loaded).run()

    def _loaded(self, rows: list[ms.MeetingRow]) -> None:
        self.show_rows(rows, _("共 {n} 次").format(n=len(rows)))

    def _show_detail(self, row: int) -> None:
        r = self.model.row_at(row)
        if r is not None:
            Op(self, lambda s: ms.meeting_detail(s, r.id)).success(self._detail_arrived).run()

    def _detail_arrived(self, d: ms.MeetingDetail) -> None:
        if d.row.id != self.current_id():
            return
        self.detail = d
        r, f = d.row, d.form
        present = [a.name for a in f.attendees if a.status == "出席"]
        when = f"{r.start_at:%Y-%m-%d %H:%M}" + (f"–{r.end_at:%H:%M}" if r.end_at else "")
        parts = [f"<h3>{escape(r.kind)}：{escape(r.topic)}</h3>",
                 f"<p>{when}　{escape(r.place)}<br/>{_('主持人')}：{escape(r.host)}　{_('记录人')}：{escape(r.recorder)}</p>",
                 f"<p><b>{_('应到')} {r.expected}，{_('实到')} {r.present}</b>"
                 f"{'　' + escape(r.quorum) if r.quorum else ''}<br/>{_('出席')}：{escape('、'.join(present))}</p>"]
        if r.absent_text:
            parts.append(f"<p>{_('请假/缺席')}：{escape(r.absent_text)}</p>")
        for label, value in ((_("议程"), f.agenda), (_("讨论情况"), f.minutes), (_("决议/决定"), f.resolutions)):
            if value:
                parts.append(f"<p><b>{label}：</b><br/>{escape(value).replace(chr(10), '<br/>')}</p>")
        if d.items:
            parts.append(f"<h4>{_('转为责任清单的事项')}</h4><ul>")
            parts += [f"<li>{escape(i.title)} — {escape(i.shown_status)}（{_('时限')} {i.deadline}）</li>"
                      for i in d.items]
            parts.append("</ul>")
        if d.attachments:
            parts.append(f"<h4>{_('附件')}</h4><ul>")
            parts += [f"<li>{escape(a.kind)}：{escape(a.original_name)}</li>" for a in d.attachments]
            parts.append("</ul>")
        self.info.setHtml("".join(parts))
        self.detail_loaded.emit()

    # -- actions --------------------------------------------------------------------------------
    def new_meeting(self) -> None:
        d = MeetingDialog(self, self.branches)
        d.save_fn = lambda s, v: ms.create_meeting(s, v)
        d.accepted.connect(lambda: self._after_save(d.result_value))
        self.last_dialog = d
        d.open()

    def _after_save(self, result: Any) -> None:
        if isinstance(result, tuple):
            self._select = result[1]

    def edit_meeting(self) -> None:
        mid = self.current_id()
        if mid is None:
            return

        def opened(form: ms.MeetingForm) -> None:
            d = MeetingDialog(self, self.branches, form, meeting_id=mid)
            d.save_fn = lambda s, v: ms.update_meeting(s, mid, v)
            self.last_dialog = d
            d.open()

        Op(self, lambda s: ms.meeting_form(s, mid)).success(opened).run()

    def attach(self, path: str | None = None, kind: str | None = None) -> None:
        mid = self.current_id()
        if mid is None:
            return
        if path is None:
            path, _f = QFileDialog.getOpenFileName(self, _("选择附件（签到表、照片、纪要）"))
            if not path:
                return
        if kind is None:
            kind, ok = QInputDialog.getItem(self, _("附件类别"), _("类别："), list(ATTACHMENT_KINDS), 0, False)
            if not ok:
                return
        from commdesk.services.attachments import add_attachment

        Op(self, lambda s: add_attachment(s, "meeting", mid, path, kind=kind), write=True).run()

    def resolution_to_item(self, line: int | None = None) -> None:
        """One action: pick a resolution, confirm the pre-filled item, save (created and linked)."""
        d = self.detail
        if d is None:
            return
        lines = resolution_lines(d.form.resolutions)
        if not lines:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.information(self, _("决议转清单"), _("这次会议没有记录决议。"))
            return
        if line is None:
            if len(lines) == 1:
                line = 0
            else:
                choice, ok = QInputDialog.getItem(self, _("决议转清单"), _("选择要落实的决议："), lines, 0, False)
                if not ok:
                    return
                line = lines.index(choice)
        from commdesk.services.checklist import draft_from
        from commdesk.ui.meetings.checklist_page import ChecklistPage

        mid = d.row.id
        source_text = f"{d.row.start_at:%Y-%m-%d} {d.row.kind}：{lines[line]}"

        def drafted(form: Any) -> None:
            window = self.window()
            host = window.page(ChecklistPage) if getattr(window, "has_page", None) and window.has_page(ChecklistPage) \
                else ChecklistPage()
            self.last_dialog = host.open_from_source("会议决议", mid, form, source_text)

        Op(self, lambda s: draft_from(s, "会议决议", mid, line)).success(drafted).run()

    def print_minutes(self, out: str | None = None) -> None:
        mid = self.current_id()
        if mid is None:
            return
        interactive = out is None
        if out is None:
            out, _f = QFileDialog.getSaveFileName(self, _("保存会议记录"), _("会议记录.pdf"), "PDF (*.pdf)")
            if not out:
                return
        from commdesk.reports.record_pdfs import meeting_minutes_pdf

        target = out
        Op(self, lambda database: meeting_minutes_pdf(database, mid, target), raw=True) \
            .success(lambda p: QDesktopServices.openUrl(QUrl.fromLocalFile(str(p))) if interactive else None).run()

    def archive(self) -> None:
        r = self.model.row_at(self.table.currentIndex().row())
        if r is None or not confirm(self, _("归档"), _("归档会议“{t}”？").format(t=r.topic)):
            return
        Op(self, lambda s: ms.set_meeting_archived(s, r.id, True), write=True).run()

    def on_changes(self, changes: Changes) -> None:
        if changes.touches("party_org"):
            self.load_branches()
        if changes.touches("meeting", "attachment", "checklist_item", "party_org", "setting"):
            self.refresh(select=self._select)
            self.calendar.refresh()
