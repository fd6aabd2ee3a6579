"""Add or edit a resident. The ID number fills gender and birth date as it is typed."""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QGridLayout, QLineEdit, QPlainTextEdit, QWidget

from commdesk.i18n import _
from commdesk.models.household import HUKOU_TYPES, POLITICAL_STATUSES, RELATIONS, RESIDENT_TAGS
from commdesk.services.resident_form import ResidentForm, check_resident_form
from commdesk.ui.dialogs.form_dialog import FormDialog, combo, date_edit, date_value
from commdesk.validation.idcard import check_id_number

EDUCATION = ("", "学龄前", "小学", "初中", "高中", "中专", "大专", "本科", "研究生")


class ResidentDialog(FormDialog):
    def __init__(self, parent: QWidget | None = None, form: ResidentForm | None = None, *,
                 title: str | None = None, with_arrival: bool = False) -> None:
        super().__init__(title or (_("编辑居民") if form else _("添加家庭成员")), parent)
        form = form or ResidentForm()
        self._version = form.version    # handed back: the save checks nobody saved in between
        self.name = self.add_field("name", _("姓名"), QLineEdit(form.name))
        self.id_number = self.add_field("id_number", _("身份证号"), QLineEdit(form.id_number))
        self.id_number.setPlaceholderText(_("18位，或15位旧号码"))
        self.gender = self.add_field("gender", _("性别"), combo(("", "男", "女"), form.gender))
        self.birth = self.add_field("birth_date", _("出生日期"), date_edit(form.birth_date))
        self.relation = self.add_field("relation", _("与户主关系"), combo(RELATIONS, form.relation or "户主"))
        self.phone = self.add_field("phone", _("联系电话"), QLineEdit(form.phone))
        self.political = self.add_field("political_status", _("政治面貌"),
                                        combo(POLITICAL_STATUSES, form.political_status))
        self.ethnicity = self.add_field("ethnicity", _("民族"), QLineEdit(form.ethnicity))
        self.education = self.add_field("education", _("文化程度"), combo(EDUCATION, form.education, editable=True))
        self.work_unit = self.add_field("work_unit", _("工作单位"), QLineEdit(form.work_unit))
        self.hukou = self.add_field("hukou_type", _("人口类型"), combo(HUKOU_TYPES, form.hukou_type))
        tags = QWidget()
        grid = QGridLayout(tags)
        grid.setContentsMargins(0, 0, 0, 0)
        self.tag_boxes: dict[str, QCheckBox] = {}
        for i, tag in enumerate(RESIDENT_TAGS):
            box = QCheckBox(tag)
            box.setChecked(tag in form.tags)
            grid.addWidget(box, i // 4, i % 4)
            self.tag_boxes[tag] = box
        self.add_field("tags", _("重点人群"), tags)
        self.notes = self.add_field("notes", _("备注"), QPlainTextEdit(form.notes))
        self.notes.setFixedHeight(48)
        self.arrival: QWidget | None = None
        if with_arrival:
            self.arrival = self.add_field("arrival", _("登记为"), combo((_("迁入"), _("出生"), _("原有成员（不计变动）"))))
            self.arrival_date = self.add_field("arrival_date", _("迁入/出生日期"), date_edit(allow_empty=False))
        for edit in (self.name, self.id_number, self.phone):
            edit.textChanged.connect(self.revalidate)
        self.id_number.editingFinished.connect(self.fill_from_id)
        self.id_number.textChanged.connect(self._maybe_fill)
        for box in (self.gender, self.relation, self.political, self.hukou):
            box.currentIndexChanged.connect(self.revalidate)
        self.birth.dateChanged.connect(self.revalidate)
        self.name.setFocus()
        self.revalidate()

    def _maybe_fill(self, text: str) -> None:
        if len(text.strip()) in (15, 18):
            self.fill_from_id()

    def fill_from_id(self) -> None:
        chk = check_id_number(self.id_number.text())
        if chk.ok:
            self.gender.setCurrentText(chk.gender or "")
            if chk.birth_date:
                from PySide6.QtCore import QDate

                b = chk.birth_date
                self.birth.setDate(QDate(b.year, b.month, b.day))
        self.revalidate()

    def to_form(self) -> ResidentForm:
        return ResidentForm(version=self._version,
            name=self.name.text(), gender=self.gender.currentText(), birth_date=date_value(self.birth),
            id_number=self.id_number.text(), relation=self.relation.currentText(),
            political_status=self.political.currentText(), ethnicity=self.ethnicity.text(),
            education=self.education.currentText(), work_unit=self.work_unit.text(), phone=self.phone.text(),
            hukou_type=self.hukou.currentText(), tags=[t for t, b in self.tag_boxes.items() if b.isChecked()],
            notes=self.notes.toPlainText(),
        )

    def arrival_choice(self) -> tuple[str | None, Any]:
        if self.arrival is None:
            return None, None
        kind = {0: "迁入", 1: "出生"}.get(self.arrival.currentIndex())  # type: ignore[attr-defined]
        return kind, date_value(self.arrival_date)

    def revalidate(self) -> None:
        checked = check_resident_form(self.to_form())
        errors = dict(checked.errors)
        if not self.name.text().strip() and not self.name.isModified():
            errors.pop("name", None)  # don't scold an empty new form
            self.show_messages(errors, checked.notes)
            self.buttons.button(self.buttons.StandardButton.Save).setEnabled(False)
            return
        self.show_messages(errors, checked.notes)

    def collect(self) -> tuple[Any, dict[str, str]]:
        checked = check_resident_form(self.to_form())
        return self.to_form(), checked.errors
