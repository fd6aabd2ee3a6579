"""党员: the roster with filters and search (also the records to review and the archived ones),
the detail with history, add/edit (with the link to a resident), status changes, archive/restore."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QSplitter, QTextBrowser,
                               QToolBar, QVBoxLayout, QWidget)

from commdesk.i18n import _
from commdesk.models.party import MEMBER_CATEGORIES, MEMBER_STATUSES, MEMBERSHIPS
from commdesk.changes import Changes
from commdesk.services.party_members import (MemberDetail, MemberFilter, MemberForm, change_status,
                                             confirm_full_membership, create_member, list_members, member_detail,
                                             member_form, record_report, reminders, resident_hit,
                                             set_member_archived, update_member)
from commdesk.services.party_org import flat_orgs
from commdesk.ui.dialogs.form_dialog import FormDialog, combo, confirm, date_edit, date_value
from commdesk.ui.party.common import Col, RowsModel, action, make_table, selected_row, show_failure
from commdesk.ui.party.member_dialog import MemberDialog
from commdesk.ui.party.common import PageOp as Op

COLUMNS = (
    Col("姓名", "name", width=5), Col("性别", "gender", align="center", width=2),
    Col("出生日期", "birth_date", align="center", width=6), Col("党支部", "branch", width=8),
    Col("党员类别", "membership", align="center", width=5, warn=lambda r: r.membership == "预备党员"),
    Col("党员类型", "category", align="center", width=6), Col("入党时间", "join_date", align="center", width=6),
    Col("转正时间", "full_date", align="center", width=6), Col("党内职务", "party_post", width=5),
    Col("状态", "status", align="center", width=4, warn=lambda r: r.status != "正常"),
    Col("户号", "household_no", width=5), Col("住址", "address", width=14),
    Col("待核实", lambda r: "是" if r.review else "", align="center", width=3, warn=lambda r: bool(r.review)),
)


def review_text(review: str) -> list[str]:
    """The review flags (``code:detail`` lines) as a clerk reads them: the flag's label, else the detail."""
    from commdesk.validation.review_flags import PROBLEM_LABELS

    out = []
    for line in review.splitlines():
        code, _sep, detail = line.strip().partition(":")
        if code:
            out.append(PROBLEM_LABELS.get(code, detail or code))
    return out


class StatusDialog(FormDialog):
    def __init__(self, parent: QWidget | None, current: str) -> None:
        super().__init__(_("党员状态变更"), parent)
        self.status = self.add_field("status", _("新状态"), combo([s for s in MEMBER_STATUSES if s != current]))
        self.when = self.add_field("date", _("日期"), date_edit(None, allow_empty=False))
        self.place = self.add_field("out_place", _("外出地点"), QLineEdit())
        self.reason = self.add_field("out_reason", _("外出原因"), QLineEdit())
        self.contact = self.add_field("out_contact", _("外出期间联系方式"), QLineEdit())
        self.note = self.add_field("note", _("说明"), QLineEdit())

    def collect(self) -> tuple[Any, dict[str, str]]:
        status = self.status.currentText()
        errors = {"out_place": _("请填写外出地点")} if status == "外出流动" and not self.place.text().strip() else {}
        return {"status": status, "when": date_value(self.when), "note": self.note.text(),
                "out_place": self.place.text(), "out_reason": self.reason.text(),
                "out_contact": self.contact.text()}, errors


class DateDialog(FormDialog):
    def __init__(self, parent: QWidget | None, title: str, label: str) -> None:
        super().__init__(title, parent)
        self.when = self.add_field("date", label, date_edit(None, allow_empty=False))

    def collect(self) -> tuple[Any, dict[str, str]]:
        return date_value(self.when), {}


class MembersPage(QWidget):
    title = "党员"
    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("membersPage")
        self.orgs: list[tuple[int, str, str]] = []
        self.model = RowsModel([c.copy(_(c.header), muted=lambda r: r.archived) for c in COLUMNS], self)
        self.table = make_table(self.model, "membersTable")
        self.table.selectionModel().currentRowChanged.connect(lambda _c, _p: self.show_detail())
        self.table.doubleClicked.connect(lambda _i: self.edit())
        self.detail = QTextBrowser()
        self.detail.setObjectName("memberDetail")
        self.detail.setMinimumWidth(280)
        self.search = QLineEdit()
        self.search.setObjectName("memberSearch")
        self.search.setPlaceholderText(_("搜索姓名、拼音首字母、电话、身份证号、户号"))
        self.search.setClearButtonEnabled(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.branch = QComboBox()
        self.branch.setObjectName("branchFilter")
        self.branch.addItem(_("全部支部"), None)
        self.category = self._filter_box(_("全部类型"), MEMBER_CATEGORIES)
        self.membership = self._filter_box(_("正式/预备"), MEMBERSHIPS)
        self.status = self._filter_box(_("在册"), (*MEMBER_STATUSES, "全部"))
        self.branch.currentIndexChanged.connect(lambda _i: self.refresh())
        self.review = QCheckBox(_("待核实"))
        self.review.setObjectName("memberReview")
        self.review.setToolTip(_("只列出需要核实的党员（如导入时未在居民信息中找到、身份证号有误）"))
        self.archived = QCheckBox(_("含已归档"))
        self.archived.setObjectName("memberArchived")
        for box in (self.review, self.archived):
            box.toggled.connect(lambda _c: self.refresh())
        self.count = QLabel("")
        self.reminder = QLabel("")
        self.reminder.setObjectName("memberReminders")
        self.reminder.setStyleSheet("color: #b3261e;")
        self.reminder.setWordWrap(True)

        toolbar = QToolBar()
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(action(self, "新增党员", self.add, "Ctrl+N"))
        toolbar.addAction(action(self, "编辑", self.edit, "F2"))
        toolbar.addAction(action(self, "转正", self.confirm_full, "Ctrl+U"))
        toolbar.addAction(action(self, "状态变更", self.change_status, "Ctrl+D"))
        toolbar.addAction(action(self, "登记流动党员报告", self.report, "Ctrl+R"))
        self.archive_action = action(self, "归档", self.archive, "Delete")
        toolbar.addAction(self.archive_action)
        action(self, "搜索", self.focus_search, "Ctrl+F")
        action(self, "刷新", self.refresh, "F5")
        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        for w in (self.branch, self.category, self.membership, self.status, self.review, self.archived):
            filters.addWidget(w)
        filters.addWidget(self.count)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([880, 320])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(toolbar)
        layout.addLayout(filters)
        layout.addWidget(self.reminder)
        layout.addWidget(splitter, 1)
        self.dialog: FormDialog | None = None

    def _filter_box(self, first: str, items: tuple[str, ...]) -> QComboBox:
        box = QComboBox()
        box.addItem(first, "")
        for item in items:
            box.addItem(item, item)
        box.currentIndexChanged.connect(lambda _i: self.refresh())
        return box

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def start(self) -> None:
        self.load_orgs()
        self.refresh()

    def load_orgs(self) -> None:
        Op(self, flat_orgs).success(self._set_orgs).run()

    def _set_orgs(self, orgs: list[tuple[int, str, str]]) -> None:
        self.orgs = orgs
        current = self.branch.currentData()
        self.branch.blockSignals(True)
        self.branch.clear()
        self.branch.addItem(_("全部支部"), None)
        for oid, kind, name in orgs:
            if kind in ("党支部", "党总支", "党小组"):
                self.branch.addItem(("　" if kind == "党小组" else "") + name, oid)
        self.branch.setCurrentIndex(max(0, self.branch.findData(current)))
        self.branch.blockSignals(False)

    def current_filter(self) -> MemberFilter:
        return MemberFilter(query=self.search.text(), org_id=self.branch.currentData(),
                            category=self.category.currentData() or "", membership=self.membership.currentData() or "",
                            status=self.status.currentData() or "", review_only=self.review.isChecked(),
                            include_archived=self.archived.isChecked())

    def refresh(self) -> None:
        f = self.current_filter()

        def job(session: Any) -> tuple[list[Any], list[Any]]:
            return list_members(session, f), reminders(session)

        Op(self, job).success(self._show).run()

    def _show(self, result: tuple[list[Any], list[Any]]) -> None:
        rows, due = result
        current = selected_row(self.table)
        self.model.set_rows(rows)
        self.count.setText(_("共 {n} 人").format(n=len(rows)))
        if due:
            shown = "；".join(f"{r.name}：{r.text}" for r in due[:4])
            more = _("（另有 {n} 条）").format(n=len(due) - 4) if len(due) > 4 else ""
            self.reminder.setText(_("提醒：") + shown + more)
        else:
            self.reminder.setText("")
        if rows:
            target = 0
            if current is not None:
                target = next((i for i, r in enumerate(rows) if r.id == current.id), 0)
            self.table.selectRow(target)
        else:
            self.detail.clear()
        self.loaded.emit()

    def show_detail(self) -> None:
        row = selected_row(self.table)
        self.archive_action.setText(_("恢复") if row is not None and row.archived else _("归档"))
        if row is None:
            return
        Op(self, lambda s: member_detail(s, row.id)).success(self._show_detail).run()

    def _show_detail(self, d: MemberDetail) -> None:
        r, m = d.row, d.member
        from html import escape

        lines = [f"<h3>{escape(r.name)}　<small>{escape(r.membership)}·{escape(r.category)}</small></h3>",
                 f"<p>{_('党支部')}：{escape(r.branch)} {escape(r.group)}<br>{_('党内职务')}：{escape(r.party_post or '无')}"
                 f"<br>{_('住址')}：{escape(r.address)}<br>{_('状态')}：{escape(r.status)}</p>"]
        if m.get("out_place"):
            lines.append(f"<p>{_('外出')}：{escape(str(m['out_place']))} {escape(str(m.get('out_reason') or ''))}<br>"
                         f"{_('最近报告')}：{m.get('last_report_date') or _('无')}</p>")
        if d.centers:
            lines.append(f"<p>{_('负责党员中心户')}：{escape('、'.join(d.centers))}</p>")
        if r.archived:
            lines.append(f"<p style='color:#888888'>{_('已归档（按 Delete 恢复）')}</p>")
        if r.review:
            lines.append(f"<p style='color:#b3261e'>{_('待核实')}：{escape('；'.join(review_text(r.review)))}</p>")
        lines.append(f"<h4>{_('变动记录')}</h4><ul>")
        for e in reversed(d.events):
            change = f"{e.old_value} → {e.new_value}" if e.old_value or e.new_value else ""
            lines.append(f"<li>{e.event_date} {escape(e.kind)} {escape(change)} {escape(e.note)}</li>")
        lines.append("</ul>")
        self.detail.setHtml("".join(lines))

    def _open(self, dialog: FormDialog, save: Any) -> None:
        dialog.save_fn = save
        self.dialog = dialog
        dialog.open()

    def add(self) -> None:
        self._open(MemberDialog(self, self.orgs, MemberForm(org_id=self.branch.currentData())),
                   lambda s, f: create_member(s, f))

    def edit(self) -> None:
        row = selected_row(self.table)
        if row is None or row.archived:
            return

        def job(session: Any) -> tuple[MemberForm, Any]:
            form = member_form(session, row.id)
            return form, resident_hit(session, form.resident_id, exclude_member=row.id)

        Op(self, job).success(lambda r: self._open(
            MemberDialog(self, self.orgs, r[0], row.id, r[1]), lambda s, f: update_member(s, row.id, f))).run()

    def confirm_full(self) -> None:
        row = selected_row(self.table)
        if row is None or row.membership != "预备党员":
            return
        self._open(DateDialog(self, _("预备党员转正：{name}").format(name=row.name), _("转正时间")),
                   lambda s, when: confirm_full_membership(s, row.id, when))

    def change_status(self) -> None:
        row = selected_row(self.table)
        if row is None:
            return
        self._open(StatusDialog(self, row.status), lambda s, v: change_status(
            s, row.id, v["status"], v["when"], v["note"], out_place=v["out_place"], out_reason=v["out_reason"],
            out_contact=v["out_contact"]))

    def report(self) -> None:
        row = selected_row(self.table)
        if row is None:
            return
        self._open(DateDialog(self, _("流动党员报告：{name}").format(name=row.name), _("报告日期")),
                   lambda s, when: record_report(s, row.id, when))

    def archive(self) -> None:
        """Archive the selected member, or restore an archived one (shown with 含已归档)."""
        row = selected_row(self.table)
        if row is None:
            return
        archive = not row.archived
        if archive and not confirm(self, _("归档党员"),
                                   _("把“{name}”从党员名册中归档？（可以恢复，记录不会删除）").format(name=row.name)):
            return
        Op(self, lambda s: set_member_archived(s, row.id, archive), write=True) \
            .failure(lambda e: show_failure(self, e)).run()

    def on_changes(self, changes: Changes) -> None:
        if changes.touches("party_org"):
            self.load_orgs()
        if changes.touches("party_member", "party_org", "resident", "household", "center_household",
                           "setting"):  # setting: the reminder lead days
            self.refresh()

