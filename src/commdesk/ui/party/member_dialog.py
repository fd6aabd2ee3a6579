"""The member form (新增/编辑党员): with a search that links the member to the resident they are
in the community's register (name, ID number and phone then come from that resident), and the
mobile member's details (where, why, contact, last report) shown for mobile members."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QDate, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from commdesk.i18n import _
from commdesk.models.party import MEMBER_CATEGORIES, MEMBERSHIPS, PARTY_POSTS
from commdesk.services.party_members import MemberForm, ResidentHit, check_member_form, find_residents
from commdesk.ui.dialogs.form_dialog import FormDialog, combo, date_edit, date_value
from commdesk.ui.party.common import PageOp as Op


class ResidentPicker(QWidget):
    """Search the register and choose the resident this member is (or none: lives elsewhere)."""

    picked = Signal(object)      # ResidentHit | None
    searched = Signal()

    def __init__(self, current: ResidentHit | None, member_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.member_id = member_id
        self.search = QLineEdit()
        self.search.setObjectName("residentSearch")
        self.search.setPlaceholderText(_("搜索本社区居民：姓名、拼音首字母、户号、身份证号"))
        self.search.setClearButtonEnabled(True)
        self.choice = QComboBox()
        self.choice.setObjectName("residentChoice")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self._fill([current] if current is not None else [], current)
        self.choice.currentIndexChanged.connect(lambda _i: self.picked.emit(self.current()))
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(self.search)
        box.addWidget(self.choice)

    def current(self) -> ResidentHit | None:
        return self.choice.currentData()

    def _fill(self, hits: list[ResidentHit], select: ResidentHit | None) -> None:
        self.choice.blockSignals(True)
        self.choice.clear()
        self.choice.addItem(_("（不关联：在外居住或未在本社区登记）"), None)
        for hit in hits:
            self.choice.addItem(hit.label, hit)
        index = next((i + 1 for i, h in enumerate(hits) if select is not None and h.id == select.id), 0)
        self.choice.setCurrentIndex(index)
        self.choice.blockSignals(False)

    def run_search(self) -> None:
        self._timer.stop()
        query, me = self.search.text(), self.member_id
        Op(self, lambda s: find_residents(s, query, limit=20, exclude_member=me)).success(self._show).run()

    def _show(self, hits: list[ResidentHit]) -> None:
        current = self.current()
        if current is not None and all(h.id != current.id for h in hits):
            hits = [current, *hits]         # the linked resident stays choosable
        self._fill(hits, current)
        if current is None and len(hits) == 1:
            self.choice.setCurrentIndex(1)      # one person found: that is the one (the form fills in)
        self.searched.emit()


class MemberDialog(FormDialog):
    def __init__(self, parent: QWidget | None, orgs: list[tuple[int, str, str]], form: MemberForm,
                 member_id: int | None = None, resident: ResidentHit | None = None) -> None:
        super().__init__(_("编辑党员") if member_id else _("新增党员"), parent)
        self.member_id = member_id
        self.base = form
        self.resident = self.add_field("resident_id", _("本社区居民"), ResidentPicker(resident, member_id))
        self.resident.picked.connect(self._picked)
        self.name = self.add_field("name", _("姓名"), QLineEdit(form.name))
        self.id_number = self.add_field("id_number", _("身份证号"), QLineEdit(form.id_number or ""))
        self.gender = combo(("", "男", "女"), form.gender)
        self.gender.setObjectName("memberGender")
        self.birth = date_edit(form.birth_date)
        self.birth.setObjectName("memberBirth")
        basics = QWidget()
        row = QHBoxLayout(basics)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.gender)
        row.addWidget(QLabel(_("出生日期")))
        row.addWidget(self.birth, 1)
        self.add_field("birth_date", _("性别"), basics)
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
        self.out_date = self.add_field("out_date", _("外出时间"), date_edit(form.out_date))
        self.out_reason = self.add_field("out_reason", _("外出原因"), QLineEdit(form.out_reason))
        self.out_contact = self.add_field("out_contact", _("外出期间联系方式"), QLineEdit(form.out_contact))
        self.last_report = self.add_field("last_report_date", _("最近一次报告"), date_edit(form.last_report_date))
        self.notes = self.add_field("notes", _("备注"), QLineEdit(form.notes))
        for w in (self.name, self.id_number, self.phone, self.out_place):
            w.textChanged.connect(lambda _t: self.validate())
        self.membership.currentIndexChanged.connect(lambda _i: self.validate())
        self.birth.dateChanged.connect(lambda _d: self.validate())
        self.category.currentIndexChanged.connect(lambda _i: self._show_mobile())
        self._show_mobile()

    def _picked(self, hit: ResidentHit | None) -> None:
        """A resident chosen: the member is that person (name, ID number, gender, birth date; the
        phone when none was written); none chosen: the member lives elsewhere."""
        if hit is None:
            self.base = replace(self.base, resident_id=None)
        else:
            self.base = replace(self.base, resident_id=hit.id, gender=hit.gender, birth_date=hit.birth_date)
            self.name.setText(hit.name)
            self.id_number.setText(hit.id_number or "")
            self.gender.setCurrentIndex(max(0, self.gender.findText(hit.gender)))
            b = hit.birth_date
            self.birth.setDate(self.birth.minimumDate() if b is None else QDate(b.year, b.month, b.day))
            if not self.phone.text().strip():
                self.phone.setText(hit.phone)
        self._linked_fields()
        self.validate()

    def _linked_fields(self) -> None:
        """A member linked to a resident takes gender and birth date from the register; the
        address is only for members who live elsewhere."""
        linked = self.resident.current() is not None
        self.address.setEnabled(not linked)
        self.gender.setEnabled(not linked)
        self.birth.setEnabled(not linked)

    def _show_mobile(self) -> None:
        mobile = self.category.currentText() == "流动党员" or self.base.status == "外出流动"
        for w in (self.out_place, self.out_date, self.out_reason, self.out_contact, self.last_report):
            self.form.setRowVisible(w.parentWidget(), mobile)
        self._linked_fields()
        self.validate()
        self.adjustSize()

    def value(self) -> MemberForm:
        f = MemberForm(**vars(self.base))
        f.resident_id = self.resident.current().id if self.resident.current() is not None else None
        f.name, f.id_number, f.phone = self.name.text(), self.id_number.text(), self.phone.text()
        f.gender, f.birth_date = self.gender.currentText(), date_value(self.birth)
        f.category, f.membership = self.category.currentText(), self.membership.currentText()
        f.org_id, f.group_id = self.org.currentData(), self.group.currentData()
        f.join_date, f.full_date = date_value(self.join), date_value(self.full)
        f.party_post, f.work_unit = self.post.currentText(), self.work.text()
        f.address, f.out_place, f.notes = self.address.text(), self.out_place.text(), self.notes.text()
        f.out_reason, f.out_contact = self.out_reason.text(), self.out_contact.text()
        f.last_report_date, f.out_date = date_value(self.last_report), date_value(self.out_date)
        return f

    def validate(self) -> None:
        self.show_messages(self.collect()[1])

    def collect(self) -> tuple[Any, dict[str, str]]:
        form = self.value()
        _values, errors = check_member_form(form)
        return form, errors
