"""党员: the roster with filters and search, the detail with history, add/edit, status changes."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QLineEdit, QSplitter, QTextBrowser,
                               QToolBar, QVBoxLayout, QWidget)

from commdesk.i18n import _
from commdesk.models.party import MEMBER_CATEGORIES, MEMBER_STATUSES, MEMBERSHIPS, PARTY_POSTS
from commdesk.services.changes import Changes
from commdesk.services.party_members import (MemberDetail, MemberFilter, MemberForm, change_status,
                                             check_member_form, confirm_full_membership, create_member,
                                             list_members, member_detail, member_form, record_report, reminders,
                                             update_member)
from commdesk.services.party_org import flat_orgs
from commdesk.ui.dialogs.form_dialog import FormDialog, combo, date_edit, date_value
from commdesk.ui.party.common import Col, RowsModel, action, make_table, selected_row
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


class MemberDialog(FormDialog):
    def __init__(self, parent: QWidget | None, orgs: list[tuple[int, str, str]], form: MemberForm,
                 member_id: int | None = None) -> None:
        super().__init__(_("编辑党员") if member_id else _("新增党员"), parent)
        self.member_id = member_id
        self.base = form
        self.name = self.add_field("name", _("姓名"), QLineEdit(form.name))
        self.id_number = self.add_field("id_number", _("身份证号"), QLineEdit(form.id_number or ""))
        self.phone = self.add_field("phone", _("联系电话"), QLineEdit(form.phone))
        self.category = self.add_field("category", _("党员类型"), combo(MEMBER_CATEGORIES, form.category))
        self.org = QComboBox()
        self.group = QComboBox()
        self.group.addItem(_("（不分党小组）"), None)
        for oid, kind, name in orgs:
            if kind in ("党支部", "党总支"):
                self.org.addItem(name, oid)
            elif kind == "党小组":
                self.group.addItem(name, oid)
        if form.org_id is not None:
            self.org.setCurrentIndex(max(0, self.org.findData(form.org_id)))
        if form.group_id is not None:
            self.group.setCurrentIndex(max(0, self.group.findData(form.group_id)))
        self.add_field("org_id", _("所在党支部"), self.org)
        self.add_field("group_id", _("党小组"), self.group)
        self.membership = self.add_field("membership", _("党员类别"), combo(MEMBERSHIPS, form.membership))
        self.join = self.add_field("join_date", _("入党时间"), date_edit(form.join_date))
        self.full = self.add_field("full_date", _("转正时间"), date_edit(form.full_date))
        self.post = self.add_field("party_post", _("党内职务"), combo(PARTY_POSTS, form.party_post, editable=True))
        self.work = self.add_field("work_unit", _("工作单位"), QLineEdit(form.work_unit))
        self.address = self.add_field("address", _("住址（非本社区居民）"), QLineEdit(form.address))
        self.out_place = self.add_field("out_place", _("外出地点（流动党员）"), QLineEdit(form.out_place))
        self.notes = self.add_field("notes", _("备注"), QLineEdit(form.notes))
        for w in (self.name, self.id_number, self.phone, self.out_place):
            w.textChanged.connect(lambda _t: self.validate())
        self.membership.currentIndexChanged.connect(lambda _i: self.validate())
        self.category.currentIndexChanged.connect(lambda _i: self.validate())
        self.validate()

    def value(self) -> MemberForm:
        f = MemberForm(**vars(self.base))
        f.name, f.id_number, f.phone = self.name.text(), self.id_number.text(), self.phone.text()
        f.category, f.membership = self.category.currentText(), self.membership.currentText()
        f.org_id, f.group_id = self.org.currentData(), self.group.currentData()
        f.join_date, f.full_date = date_value(self.join), date_value(self.full)
        f.party_post, f.work_unit = self.post.currentText(), self.work.text()
        f.address, f.out_place, f.notes = self.address.text(), self.out_place.text(), self.notes.text()
        return f

    def validate(self) -> None:
        self.show_messages(self.collect()[1])

    def collect(self) -> tuple[Any, dict[str, str]]:
        form = self.value()
        _values, errors = check_member_form(form)
        return form, errors


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
        self.model = RowsModel([Col(_(c.header), c.get, align=c.align, width=c.width, warn=c.warn) for c in COLUMNS],
                               self)
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
        toolbar.addAction(action(self, "归档", self.archive, "Delete"))
        action(self, "搜索", self.focus_search, "Ctrl+F")
        action(self, "刷新", self.refresh, "F5")
        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        for w in (self.branch, self.category, self.membership, self.status):
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
                            status=self.status.currentData() or "")

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
        if r.review:
            lines.append(f"<p style='color:#b3261e'>{_('待核实')}：{escape(r.review)}</p>")
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
        if row is None:
            return
        Op(self, lambda s: member_form(s, row.id)).success(lambda form: self._open(
            MemberDialog(self, self.orgs, form, row.id), lambda s, f: update_member(s, row.id, f))).run()

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
        row = selected_row(self.table)
        if row is None:
            return
        from commdesk.services.party_members import set_member_archived
        from commdesk.ui.dialogs.form_dialog import confirm
        from commdesk.ui.party.common import show_failure

        if confirm(self, _("归档党员"), _("把“{name}”从党员名册中归档？（可以恢复，记录不会删除）").format(name=row.name)):
            Op(self, lambda s: set_member_archived(s, row.id, True), write=True) \
                .failure(lambda e: show_failure(self, e)).run()

    def on_changes(self, changes: Changes) -> None:
        if changes.touches("party_org"):
            self.load_orgs()
        if changes.touches("party_member", "party_org", "resident", "household", "center_household"):
            self.refresh()

