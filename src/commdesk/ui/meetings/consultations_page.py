"""协商议事: the consultations with filters; the selected one's source, participants, the
四议两公开 stage table, and the checklist items made from its decision with their progress."""
from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
                               QToolBar, QVBoxLayout, QWidget)

from commdesk.i18n import _
from commdesk.models.meeting import CONSULTATION_SOURCES
from commdesk.services import consultations as cs
from commdesk.changes import Changes
from commdesk.ui.dialogs.form_dialog import confirm
from commdesk.ui.meetings.consultation_dialogs import ConsultationDialog, StageDialog
from commdesk.ui.rows_table import Col
from commdesk.ui.meetings.list_detail import ListDetailMixin
from commdesk.ui.runner import Op

COLUMNS = (
    Col("议事日期", lambda r: r.held_on, "center", 6),
    Col("议题", lambda r: r.topic, "left", 12),
    Col("来源", lambda r: r.source_text, "left", 9),
    Col("状态", lambda r: r.status, "center", 6),
    Col("议事结果", lambda r: r.outcome, "center", 5),
    Col("责任人/单位", lambda r: r.executor, "left", 7),
    Col("完成时限", lambda r: r.due_date, "center", 6),
    Col("四议两公开", lambda r: f"{r.stage_done}/6" if r.staged else "", "center", 5),
    Col("清单事项", lambda r: f"{r.items_done}/{r.items}" if r.items else "", "center", 4),
    Col("满意度", lambda r: r.satisfaction, "center", 4),
)


class ConsultationsPage(ListDetailMixin, QWidget):
    title = "协商议事"
    loaded = Signal()
    detail_loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consultationsPage")
        self.last_dialog: Any = None
        self.detail: cs.ConsultationDetail | None = None
        self._select: int | None = None
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(_("搜索议题、决议、提出人、责任单位"))
        self.source_box = QComboBox()
        self.source_box.addItem(_("全部来源"), "")
        for s in CONSULTATION_SOURCES:
            self.source_box.addItem(s, s)
        self.status_box = QComboBox()
        for value, label in (("", "全部"), ("进行中", "未落实"), ("已落实", "已落实"), ("四议两公开", "四议两公开")):
            self.status_box.addItem(_(label), value)
        self.count_label = QLabel("")
        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(self.source_box, 1)
        filters.addWidget(self.status_box, 1)
        filters.addWidget(self.count_label)
        splitter = self.build_list_detail(COLUMNS, "consultationsTable", "consultationDetail", self.edit)
        toolbar = QToolBar()
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)

        def act(text: str, slot: Any, shortcut: str | None = None) -> QAction:
            return self.add_toolbar_action(toolbar, text, slot, shortcut)

        self.new_action = act("登记协商", self.new, "Ctrl+N")
        self.edit_action = act("编辑", self.edit, "F2")
        self.stage_action = act("登记下一步", self.record_stage, "Ctrl+G")
        self.to_item_action = act("决议转清单", self.decision_to_item, "Ctrl+L")
        self.print_action = act("打印议事记录", self.print_record, "Ctrl+P")
        self.archive_action = act("归档", self.archive, "Delete")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(toolbar)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.source_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.status_box.currentIndexChanged.connect(lambda _i: self.refresh())

    def start(self) -> None:
        self.refresh()

    def refresh(self, select: int | None = None) -> None:
        f = cs.ConsultationFilter(source=self.source_box.currentData() or "", status=self.status_box.currentData() or "",
                                  query=self.search.text())
        self._select = select if select is not None else self.current_id()
        Op(self, lambda s: cs.list_consultations(s, f)).success(self._loaded).run()

    def _loaded(self, rows: list[cs.ConsultationRow]) -> None:
        self.show_rows(rows, _("共 {n} 项").format(n=len(rows)))

    def _show_detail(self, row: int) -> None:
        r = self.model.row_at(row)
        if r is not None:
            Op(self, lambda s: cs.consultation_detail(s, r.id)).success(self._detail_arrived).run()

    def _detail_arrived(self, d: cs.ConsultationDetail) -> None:
        if d.row.id != self.current_id():
            return
        self.detail = d
        r, f = d.row, d.form
        parts = [f"<h3>{escape(r.topic)}</h3>", f"<p><b>{_('状态')}：</b>{escape(r.status)}</p>",
                 f"<p><b>{_('来源')}：</b>{escape(d.source_detail or r.source)}　<b>{_('提出人')}：</b>{escape(r.proposer)}</p>"]
        if r.participants:
            parts.append(f"<p><b>{_('参加人员')}：</b>{escape(r.participants)}</p>")
        for label, value in ((_("讨论意见"), f.process), (_("形成决议"), f.decision), (_("落实结果"), f.result)):
            if value:
                parts.append(f"<p><b>{label}：</b>{escape(value)}</p>")
        if d.stages:
            parts.append(f"<h4>{_('四议两公开')}</h4><table border='1' cellspacing='0' cellpadding='3'>")
            for s in d.stages:
                parts.append(f"<tr><td>{s.stage}. {escape(s.name)}</td><td>{s.held_on or ''}</td>"
                             f"<td>{escape(s.state)}</td><td>{escape(s.quorum)}</td></tr>")
            parts.append("</table>")
        if d.items:
            parts.append(f"<h4>{_('责任清单事项及进展')}</h4><ul>")
            parts += [f"<li>{escape(i.title)} — {escape(i.shown_status)}（{_('时限')} {i.deadline}）"
                      f"{'：' + escape(i.last_progress) if i.last_progress else ''}</li>" for i in d.items]
            parts.append("</ul>")
        self.info.setHtml("".join(parts))
        self.detail_loaded.emit()

    # -- actions ------------------------------------------------------------------------------
    def new(self) -> None:
        d = ConsultationDialog(self)
        d.save_fn = lambda s, v: cs.create_consultation(s, v)
        d.accepted.connect(lambda: isinstance(d.result_value, tuple) and setattr(self, "_select", d.result_value[1]))
        self.last_dialog = d
        d.open()

    def edit(self) -> None:
        cid = self.current_id()
        if cid is None:
            return

        def opened(form: cs.ConsultationForm) -> None:
            d = ConsultationDialog(self, form, consultation_id=cid)
            d.save_fn = lambda s, v: cs.update_consultation(s, cid, v)
            self.last_dialog = d
            d.open()

        Op(self, lambda s: cs.consultation_form(s, cid)).success(opened).run()

    def record_stage(self) -> None:
        cid = self.current_id()
        if cid is None:
            return

        def got(stage: int | None) -> None:
            if stage is None:
                QMessageBox.information(self, _("四议两公开"), _("这项协商没有采用四议两公开程序，或程序已经结束。"))
                return
            d = StageDialog(self, stage)
            d.save_fn = lambda s, v: cs.record_stage(s, cid, stage, v)
            self.last_dialog = d
            d.open()

        Op(self, lambda s: cs.next_stage(s, cid)).success(got).run()

    def decision_to_item(self) -> None:
        d = self.detail
        if d is None:
            return
        if not d.form.decision.strip():
            QMessageBox.information(self, _("决议转清单"), _("这项协商还没有形成决议。"))
            return
        from commdesk.services.checklist import draft_from
        from commdesk.ui.meetings.checklist_page import ChecklistPage

        cid = d.row.id

        def drafted(form: Any) -> None:
            window = self.window()
            host = window.page(ChecklistPage) if getattr(window, "has_page", None) and window.has_page(ChecklistPage) \
                else ChecklistPage()
            self.last_dialog = host.open_from_source("协商议事", cid, form, _("协商：{t}").format(t=d.row.topic))

        Op(self, lambda s: draft_from(s, "协商议事", cid)).success(drafted).run()

    def print_record(self, out: str | None = None) -> None:
        cid = self.current_id()
        if cid is None:
            return
        interactive = out is None
        if out is None:
            out, _f = QFileDialog.getSaveFileName(self, _("保存协商议事记录"), _("协商议事记录.pdf"), "PDF (*.pdf)")
            if not out:
                return
        from commdesk.reports.record_pdfs import consultation_record_pdf

        target = out
        Op(self, lambda database: consultation_record_pdf(database, cid, target), raw=True) \
            .success(lambda p: QDesktopServices.openUrl(QUrl.fromLocalFile(str(p))) if interactive else None).run()

    def archive(self) -> None:
        r = self.model.row_at(self.table.currentIndex().row())
        if r is None or not confirm(self, _("归档"), _("归档协商“{t}”？").format(t=r.topic)):
            return
        Op(self, lambda s: cs.set_consultation_archived(s, r.id, True), write=True).run()

    def on_changes(self, changes: Changes) -> None:
        if changes.touches("consultation", "checklist_item", "attachment"):
            self.refresh(select=self._select)
