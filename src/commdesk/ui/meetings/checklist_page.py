"""责任清单: the items with filters (逾期 first), the selected item's progress, evidence and links,
and the actions that move it along (progress, completion with evidence, 销号, evaluation, 公示)."""
from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QLineEdit, QToolBar,
                               QVBoxLayout, QWidget)

from commdesk.i18n import _
from commdesk.models.meeting import CHECKLIST_CATEGORIES, CHECKLIST_SOURCES, CHECKLIST_STATUSES
from commdesk.services import checklist as ck
from commdesk.changes import Changes
from commdesk.ui.dialogs.form_dialog import confirm
from commdesk.ui.meetings.checklist_dialogs import CompleteDialog, EvaluateDialog, ItemDialog, ProgressDialog
from commdesk.ui.rows_table import Col
from commdesk.ui.meetings.list_detail import ListDetailMixin
from commdesk.ui.runner import Op

COLUMNS = (
    Col("状态", lambda r: r.shown_status, "center", 4),
    Col("类别", lambda r: r.category, "center", 4),
    Col("工作任务", lambda r: r.title, "left", 16),
    Col("来源", lambda r: r.source_text, "left", 9),
    Col("责任单位", lambda r: r.responsible_unit, "left", 7),
    Col("责任人", lambda r: r.responsible_person, "center", 4),
    Col("完成时限", lambda r: r.deadline, "center", 6),
    Col("逾期(天)", lambda r: r.days_overdue or "", "right", 4),
    Col("最新进展", lambda r: r.last_progress, "left", 12),
    Col("考评", lambda r: r.score, "right", 3),
    Col("公示", lambda r: r.published_on, "center", 6),
)


def _color(r: Any) -> str | None:
    if r.overdue:
        return "#b3261e"
    if r.status in ("已完成", "已销号"):
        return "#2e7d32"
    return None


class ChecklistPage(ListDetailMixin, QWidget):
    title = "责任清单"
    loaded = Signal()
    detail_loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checklistPage")
        self.last_dialog: Any = None
        self._select: int | None = None
        self.detail: ck.ItemDetail | None = None
        self.status_box = QComboBox()
        self.status_box.setObjectName("statusFilter")
        for value, label in (("", "全部状态"), ("未完成", "未完成"), ("逾期", "已逾期"), *[(s, s) for s in CHECKLIST_STATUSES]):
            self.status_box.addItem(_(label), value)
        self.category_box = QComboBox()
        self.category_box.addItem(_("全部类别"), "")
        for c in CHECKLIST_CATEGORIES:
            self.category_box.addItem(c, c)
        self.source_box = QComboBox()
        self.source_box.addItem(_("全部来源"), "")
        for c in CHECKLIST_SOURCES:
            self.source_box.addItem(c, c)
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(_("搜索事项、责任单位、责任人"))
        self.count_label = QLabel("")
        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        for w in (self.status_box, self.category_box, self.source_box):
            filters.addWidget(w, 1)
        filters.addWidget(self.count_label)

        splitter = self.build_list_detail(COLUMNS, "checklistTable", "checklistDetail", self.edit_item,
                                          highlight=_color)
        self.info.setOpenLinks(False)

        toolbar = QToolBar()
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)

        def act(text: str, slot: Any, shortcut: str | None = None) -> QAction:
            return self.add_toolbar_action(toolbar, text, slot, shortcut)

        self.new_action = act("新建事项", self.new_item, "Ctrl+N")
        self.edit_action = act("编辑", self.edit_item, "F2")
        self.progress_action = act("登记进展", self.add_progress, "Ctrl+G")
        self.complete_action = act("登记完成", self.complete, "Ctrl+Return")
        self.close_action = act("销号", self.close_item)
        self.evaluate_action = act("考评/评价", self.evaluate)
        self.publish_action = act("公示", self.publish)
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
        for box in (self.status_box, self.category_box, self.source_box):
            box.currentIndexChanged.connect(lambda _i: self.refresh())

    # -- loading --------------------------------------------------------------------------------
    def start(self) -> None:
        self.refresh()

    def set_filter(self, status: str) -> None:
        """Show one status ("逾期", "未完成", a status or "" for all) — the dashboard uses this."""
        idx = self.status_box.findData(status)
        if idx >= 0 and idx != self.status_box.currentIndex():
            self.status_box.setCurrentIndex(idx)
        else:
            self.refresh()

    def current_filter(self) -> ck.ChecklistFilter:
        return ck.ChecklistFilter(status=self.status_box.currentData() or "",
                                  category=self.category_box.currentData() or "",
                                  source=self.source_box.currentData() or "", query=self.search.text())

    def refresh(self, select: int | None = None) -> None:
        f = self.current_filter()
        if select is None:
            select = self.current_id()
        self._select = select
        Op(self, lambda s: ck.list_items(s, f)).success(self._loaded).run()

    def _loaded(self, rows: list[ck.ItemRow]) -> None:
        n_over = sum(1 for r in rows if r.overdue)
        self.show_rows(rows, _("共 {n} 项，逾期 {o} 项").format(n=len(rows), o=n_over))

    def current_row(self) -> ck.ItemRow | None:
        return self.model.row_at(self.table.currentIndex().row())

    def _show_detail(self, row: int) -> None:
        r = self.model.row_at(row)
        if r is None:
            return
        Op(self, lambda s: ck.item_detail(s, r.id)).success(self._detail_arrived).run()

    def _detail_arrived(self, d: ck.ItemDetail) -> None:
        if d.row.id != self.current_id():
            return
        self.detail = d
        r = d.row
        late = ("　<span style='color:#b3261e'>" + _("逾期 {d} 天").format(d=r.days_overdue) + "</span>") \
            if r.overdue else ""
        parts = [f"<h3>{escape(r.title)}</h3>",
                 f"<p><b>{_('状态')}：</b>{escape(r.shown_status)}　<b>{_('完成时限')}：</b>{r.deadline or ''}{late}</p>",
                 f"<p><b>{_('来源')}：</b>{escape(r.source_text)}</p>",
                 f"<p><b>{_('责任单位')}：</b>{escape(r.responsible_unit)}　<b>{_('责任人')}：</b>"
                 f"{escape(r.responsible_person)}　<b>{_('配合')}：</b>{escape(r.collaborators)}</p>"]
        if r.content:
            parts.append(f"<p>{escape(r.content)}</p>")
        if r.overdue_reason:
            parts.append(f"<p><b>{_('未按期完成原因')}：</b>{escape(r.overdue_reason)}</p>")
        parts.append(f"<h4>{_('工作进展')}（{len(d.progress)}）</h4><ul>")
        for p in d.progress:
            pct = f"（{p.percent}%）" if p.percent is not None else ""
            parts.append(f"<li>{p.entry_date} {escape(p.text)}{pct} <small>{escape(p.recorded_by)}</small></li>")
        parts.append("</ul>")
        parts.append(f"<h4>{_('佐证材料')}（{r.evidence_count}）</h4><ul>")
        for a in d.attachments:
            parts.append(f"<li>{escape(a.kind)}：{escape(a.original_name)}（{a.size // 1024 + 1} KB）</li>")
        parts.append("</ul>")
        if r.completed_on:
            parts.append(f"<p><b>{_('完成日期')}：</b>{r.completed_on}"
                         f"{'　' + _('销号') + '：' + str(r.closed_on) if r.closed_on else ''}</p>")
        if r.score is not None or r.feedback or r.satisfaction:
            parts.append(f"<p><b>{_('考评')}：</b>{'' if r.score is None else r.score} {escape(r.evaluation)}　"
                         f"<b>{_('群众评价')}：</b>{escape(r.satisfaction)} {escape(r.feedback)}</p>")
        self.info.setHtml("".join(parts))
        self.detail_loaded.emit()

    # -- actions --------------------------------------------------------------------------------
    def _open(self, dialog: Any) -> Any:
        self.last_dialog = dialog
        dialog.open()
        return dialog

    def new_item(self) -> None:
        d = ItemDialog(self)
        d.save_fn = lambda s, v: ck.create_item(s, v)
        d.accepted.connect(lambda: self.select_after(d.result_value))
        self._open(d)

    def open_from_source(self, source: str, source_id: int, form: ck.ChecklistForm, source_text: str) -> ItemDialog:
        """The item dialog pre-filled from a resolution/decision/visit need; saving creates and links it."""
        d = ItemDialog(self, form, source_text=source_text)
        d.save_fn = lambda s, v: ck.create_item_from(s, source, source_id, v)
        d.accepted.connect(lambda: self.select_after(d.result_value))
        return self._open(d)

    def select_after(self, result: Any) -> None:
        if isinstance(result, tuple) and len(result) == 2:
            self._select = result[1]

    def edit_item(self) -> None:
        item_id = self.current_id()
        if item_id is None:
            return

        def opened(form: ck.ChecklistForm) -> None:
            d = ItemDialog(self, form, item_id=item_id)
            d.save_fn = lambda s, v: ck.update_item(s, item_id, v)
            self._open(d)

        Op(self, lambda s: ck.item_form(s, item_id)).success(opened).run()

    def add_progress(self) -> None:
        r = self.current_row()
        if r is None:
            return
        d = ProgressDialog(self, r.title)

        def save(s: Any, v: dict[str, Any]) -> Changes:
            changes, pid = ck.add_progress(s, r.id, v["when"], v["text"], v["percent"])
            if v["file"]:
                from commdesk.services.attachments import add_attachment

                changes = changes | add_attachment(s, "checklist_progress", pid, v["file"], kind=v["kind"])[0]
            return changes

        d.save_fn = save
        self._open(d)

    def complete(self) -> None:
        r = self.current_row()
        if r is None:
            return
        d = CompleteDialog(self, r.title, r.deadline, r.overdue_reason)

        def save(s: Any, v: dict[str, Any]) -> Changes:
            changes = Changes.of("checklist_item", ids=[r.id])
            if v["file"]:
                from commdesk.services.attachments import add_attachment

                changes = changes | add_attachment(s, "checklist_item", r.id, v["file"], kind=v["kind"])[0]
            return changes | ck.complete_item(s, r.id, v["when"], note=v["note"], overdue_reason=v["reason"])

        d.save_fn = save
        self._open(d)

    def close_item(self) -> None:
        r = self.current_row()
        if r is None or not confirm(self, _("销号"), _("确认“{t}”已完成并销号？").format(t=r.title)):
            return
        Op(self, lambda s: ck.close_item(s, r.id, date.today()), write=True).run()

    def evaluate(self) -> None:
        r = self.current_row()
        if r is None:
            return
        d = EvaluateDialog(self, r.title, r)
        d.save_fn = lambda s, v: ck.evaluate_item(s, r.id, v["score"], v["remark"]) | \
            ck.record_feedback(s, r.id, v["feedback"], v["satisfaction"])
        self._open(d)

    def publish(self) -> None:
        r = self.current_row()
        if r is None:
            return
        Op(self, lambda s: ck.publish_items(s, [r.id], date.today()), write=True).run()

    def archive(self) -> None:
        r = self.current_row()
        if r is None or not confirm(self, _("归档"), _("归档事项“{t}”？（可在数据库中恢复）").format(t=r.title)):
            return
        Op(self, lambda s: ck.set_item_archived(s, r.id, True), write=True).run()

    def on_changes(self, changes: Changes) -> None:
        if changes.touches("checklist_item", "attachment", "meeting", "consultation", "visit"):
            self.refresh(select=self._select if self._select is not None else None)
