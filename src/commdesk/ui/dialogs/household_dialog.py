"""Add or edit a household (户): number, grid, address, housing, status, tags."""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QHBoxLayout, QLineEdit, QPlainTextEdit, QWidget

from commdesk.i18n import _
from commdesk.models.household import HOUSEHOLD_STATUSES, HOUSEHOLD_TAGS, HOUSING_KINDS
from commdesk.services.community import GridRow
from commdesk.services.resident_form import HouseholdForm, check_household_form
from commdesk.ui.dialogs.form_dialog import FormDialog, combo


class HouseholdDialog(FormDialog):
    def __init__(self, grids: list[GridRow], parent: QWidget | None = None, form: HouseholdForm | None = None,
                 *, title: str | None = None) -> None:
        super().__init__(title or (_("编辑户信息") if form and form.household_no else _("新建户")), parent)
        form = form or HouseholdForm()
        self._version = form.version    # handed back: the save checks nobody saved in between
        self.household_no = self.add_field("household_no", _("户号"), QLineEdit(form.household_no))
        self.grid = QComboBox()
        for g in grids:
            self.grid.addItem(g.name, g.id)
        if form.grid_id is not None:
            self.grid.setCurrentIndex(max(0, self.grid.findData(form.grid_id)))
        self.add_field("grid_id", _("网格"), self.grid)
        addr = QWidget()
        row = QHBoxLayout(addr)
        row.setContentsMargins(0, 0, 0, 0)
        self.estate = QLineEdit(form.estate)
        self.estate.setPlaceholderText(_("小区/村组"))
        self.building = QLineEdit(form.building)
        self.building.setPlaceholderText(_("楼栋"))
        self.unit = QLineEdit(form.unit)
        self.unit.setPlaceholderText(_("单元"))
        self.room = QLineEdit(form.room)
        self.room.setPlaceholderText(_("室"))
        for w, stretch in ((self.estate, 3), (self.building, 1), (self.unit, 1), (self.room, 1)):
            w.setObjectName(f"field_{w.placeholderText()}")
            row.addWidget(w, stretch)
        self.add_field("estate", _("小区 楼栋 单元 室"), addr)
        self.address = self.add_field("address", _("完整地址（可选）"), QLineEdit(form.address))
        self.housing = self.add_field("housing", _("住房性质"), combo(HOUSING_KINDS, form.housing))
        self.status = self.add_field("status", _("户状态"), combo(HOUSEHOLD_STATUSES, form.status))
        tags = QWidget()
        grid = QGridLayout(tags)
        grid.setContentsMargins(0, 0, 0, 0)
        self.tag_boxes: dict[str, QCheckBox] = {}
        for i, tag in enumerate(HOUSEHOLD_TAGS):
            box = QCheckBox(tag)
            box.setChecked(tag in form.tags)
            grid.addWidget(box, i // 4, i % 4)
            self.tag_boxes[tag] = box
        self.add_field("tags", _("户标签"), tags)
        self.notes = self.add_field("notes", _("备注"), QPlainTextEdit(form.notes))
        self.notes.setFixedHeight(48)
        for edit in (self.household_no, self.estate, self.building, self.unit, self.room, self.address):
            edit.textChanged.connect(self.revalidate)
        self.household_no.setFocus()
        self.revalidate()

    def to_form(self) -> HouseholdForm:
        return HouseholdForm(version=self._version,
            household_no=self.household_no.text(), grid_id=self.grid.currentData(), estate=self.estate.text(),
            building=self.building.text(), unit=self.unit.text(), room=self.room.text(), address=self.address.text(),
            housing=self.housing.currentText(), status=self.status.currentText(),
            tags=[t for t, b in self.tag_boxes.items() if b.isChecked()], notes=self.notes.toPlainText(),
        )

    def revalidate(self) -> None:
        errors = check_household_form(self.to_form()).errors
        if "address" in errors:
            errors["estate"] = errors.pop("address")
        self.show_messages(errors)

    def collect(self) -> tuple[Any, dict[str, str]]:
        errors = check_household_form(self.to_form()).errors
        if "address" in errors:
            errors["estate"] = errors.pop("address")
        return self.to_form(), errors
