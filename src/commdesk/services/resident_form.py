"""Validation of the household and resident forms: every message inline, in Chinese, per field.

Used by the dialogs (live, as the user types) and by the commands (again, before saving), so
nothing invalid is ever saved.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from commdesk.i18n import _
from commdesk.models.household import (HOUSEHOLD_STATUSES, HOUSING_KINDS, HUKOU_TYPES, POLITICAL_STATUSES,
                                       RELATIONS)
from commdesk.validation.idcard import check_id_number
from commdesk.validation.phone import check_phone


@dataclass
class ResidentForm:
    name: str = ""
    gender: str = ""
    ethnicity: str = "汉族"
    birth_date: date | None = None
    id_number: str = ""
    relation: str = ""
    political_status: str = "群众"
    education: str = ""
    work_unit: str = ""
    phone: str = ""
    hukou_type: str = "户籍"
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    former_name: str = ""
    #: the record's version when the form was filled from it (None: no check, a new record)
    version: int | None = None


@dataclass
class HouseholdForm:
    household_no: str = ""
    grid_id: int | None = None
    estate: str = ""
    building: str = ""
    unit: str = ""
    room: str = ""
    address: str = ""
    housing: str = "自有"
    status: str = "在住"
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    #: the record's version when the form was filled from it (None: no check, a new record)
    version: int | None = None


@dataclass
class Checked:
    values: dict[str, object]
    errors: dict[str, str]
    notes: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.errors


def check_resident_form(form: ResidentForm, today: date | None = None) -> Checked:
    today = today or date.today()
    errors: dict[str, str] = {}
    notes: dict[str, str] = {}
    name = "".join((form.name or "").split())
    if not name:
        errors["name"] = _("请填写姓名")
    elif len(name) > 30:
        errors["name"] = _("姓名过长")
    gender = form.gender
    birth = form.birth_date
    id_number: str | None = None
    if (form.id_number or "").strip():
        chk = check_id_number(form.id_number)
        if not chk.ok:
            errors["id_number"] = chk.message or _("身份证号无效")
        else:
            id_number = chk.number
            if "legacy15" in chk.notes:
                notes["id_number"] = _("15位旧号码已升级为18位")
            if "unknown_region" in chk.notes:
                notes["id_number"] = _("地区代码不在常见列表中，请核对（旧代码仍然有效）")
            if not gender:
                gender = chk.gender or ""
            elif gender != chk.gender:
                errors["gender"] = _("性别与身份证号不一致（身份证号显示为{g}）").format(g=chk.gender)
            if birth is None:
                birth = chk.birth_date
            elif birth != chk.birth_date:
                errors["birth_date"] = _("出生日期与身份证号不一致")
    if gender not in ("男", "女", ""):
        errors["gender"] = _("性别只能是男或女")
    if birth is not None and birth > today:
        errors["birth_date"] = _("出生日期不能晚于今天")
    phone = ""
    if (form.phone or "").strip():
        pc = check_phone(form.phone)
        if not pc.ok:
            errors["phone"] = pc.message or _("电话号码格式不正确")
        else:
            phone = pc.number or ""
    if form.relation and form.relation not in RELATIONS:
        errors["relation"] = _("请从列表中选择与户主关系")
    if form.political_status not in POLITICAL_STATUSES:
        errors["political_status"] = _("请从列表中选择政治面貌")
    if form.hukou_type not in HUKOU_TYPES:
        errors["hukou_type"] = _("请从列表中选择人口类型")
    values = {
        "name": name, "gender": gender, "ethnicity": (form.ethnicity or "").strip() or "汉族",
        "birth_date": birth, "id_number": id_number, "relation": form.relation or "其他",
        "political_status": form.political_status, "education": form.education.strip(),
        "work_unit": form.work_unit.strip(), "phone": phone, "hukou_type": form.hukou_type,
        "tags": form.tags, "notes": form.notes.strip(), "former_name": form.former_name.strip(),
    }
    return Checked(values, errors, notes)


def check_household_form(form: HouseholdForm) -> Checked:
    errors: dict[str, str] = {}
    if not (form.household_no or "").strip():
        errors["household_no"] = _("请填写户号")
    if form.grid_id is None:
        errors["grid_id"] = _("请选择网格")
    if not any((form.estate, form.building, form.room, form.address)):
        errors["address"] = _("请填写住址（小区、楼栋、单元、室，或完整地址）")
    if form.housing not in HOUSING_KINDS:
        errors["housing"] = _("请从列表中选择住房性质")
    if form.status not in HOUSEHOLD_STATUSES:
        errors["status"] = _("请从列表中选择户状态")
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in vars(form).items() if k != "version"}
    return Checked(values, errors, {})
