"""Commands on households and residents: add, edit, move, life events, archive and restore.

Each command takes the caller's Session (one per user action), validates again what the form
validated, and returns ``Changes``. ``ValidationError`` names the field for the inline message.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commdesk.errors import UserError, ValidationError
from commdesk.i18n import _
from commdesk.models import Household, Resident, ResidentEvent
from commdesk.models.base import new_uuid, now
from commdesk.models.household import RELATION_ORDER, join_tags
from commdesk.changes import Changes
from commdesk.services.resident_form import HouseholdForm, ResidentForm, check_household_form, check_resident_form

CHANGED = ("household", "resident")


def _raise_first(errors: dict[str, str]) -> None:
    if errors:
        field, message = next(iter(errors.items()))
        raise ValidationError(field, message)


def _active_head(session: Session, household_id: int, exclude: int | None = None) -> Resident | None:
    q = select(Resident).where(Resident.household_id == household_id, Resident.relation == "户主",
                               Resident.status == "在住", Resident.archived_at.is_(None))
    if exclude is not None:
        q = q.where(Resident.id != exclude)
    return session.scalars(q).first()


def _check_unique_id(session: Session, id_number: str | None, exclude: int | None) -> None:
    if not id_number:
        return
    q = select(Resident).where(Resident.id_number == id_number, Resident.archived_at.is_(None))
    if exclude is not None:
        q = q.where(Resident.id != exclude)
    other = session.scalars(q).first()
    if other is not None:
        raise ValidationError("id_number", _("该身份证号已登记（{name}，户号 {no}）")
                              .format(name=other.name, no=other.household.household_no))


def _check_household_no(session: Session, household_no: str, exclude: int | None) -> None:
    q = select(Household.id).where(Household.household_no == household_no, Household.archived_at.is_(None))
    if exclude is not None:
        q = q.where(Household.id != exclude)
    if session.scalar(q) is not None:
        raise ValidationError("household_no", _("户号 {no} 已存在").format(no=household_no))


def next_household_no(session: Session) -> str:
    count = session.scalar(select(func.count()).select_from(Household)) or 0
    n = count + 1
    while session.scalar(select(Household.id).where(Household.household_no == f"H{n:06d}")) is not None:
        n += 1
    return f"H{n:06d}"


def create_household(session: Session, form: HouseholdForm) -> tuple[Changes, int]:
    checked = check_household_form(form)
    _raise_first(checked.errors)
    _check_household_no(session, checked.values["household_no"], None)  # type: ignore[arg-type]
    values = dict(checked.values)
    values["tags"] = join_tags(form.tags)
    household = Household(**values)
    session.add(household)
    session.flush()
    return Changes.of(*CHANGED, ids=[household.id]), household.id


def update_household(session: Session, household_id: int, form: HouseholdForm) -> Changes:
    checked = check_household_form(form)
    _raise_first(checked.errors)
    _check_household_no(session, checked.values["household_no"], household_id)  # type: ignore[arg-type]
    household = session.get_one(Household, household_id)
    _check_version(household, form.version)
    for key, value in checked.values.items():
        setattr(household, key, join_tags(form.tags) if key == "tags" else value)
    return Changes.of(*CHANGED, ids=[household_id])


def _apply_resident(session: Session, resident: Resident, form: ResidentForm, household_id: int) -> None:
    checked = check_resident_form(form)
    _raise_first(checked.errors)
    with session.no_autoflush:
        _check_unique_id(session, checked.values["id_number"], resident.id)  # type: ignore[arg-type]
        if checked.values["relation"] == "户主" and _active_head(session, household_id, exclude=resident.id):
            raise ValidationError("relation", _("这一户已有户主；请先把原户主改为其他关系"))
    for key, value in checked.values.items():
        setattr(resident, key, join_tags(value) if key == "tags" else value)  # type: ignore[arg-type]
    resident.rel_order = RELATION_ORDER.get(resident.relation, 99)
    if resident.id_number and resident.review:
        # a valid ID number entered by a person resolves the ID review flags
        resident.review = "\n".join(f for f in resident.review.splitlines() if not f.startswith("id_"))


def add_resident(session: Session, household_id: int, form: ResidentForm, *, event: str | None = None,
                 event_date: date | None = None, place: str = "") -> tuple[Changes, int]:
    """Add a member; ``event`` 迁入 or 出生 records how (and when) they arrived."""
    session.get_one(Household, household_id)
    resident = Resident(household_id=household_id, name="")
    _apply_resident(session, resident, form, household_id)
    session.add(resident)
    if event in ("迁入", "出生"):
        when = event_date or date.today()
        resident.move_in_date = when
        session.flush()
        session.add(ResidentEvent(resident_id=resident.id, kind=event, event_date=when,
                                  to_household_id=household_id, place=place))
    session.flush()
    return Changes.of(*CHANGED, ids=[resident.id]), resident.id


def _check_version(record: Household | Resident, version: int | None) -> None:
    """An edit made on an older state of the record (another PC saved in between) is refused:
    the user reloads and sees the other change, nothing is overwritten silently."""
    if version is not None and record.version != version:
        what = _("这位居民") if isinstance(record, Resident) else _("这一户")
        raise UserError(_("{what}的信息刚刚被其他人修改并保存了，您的修改没有保存。请关闭后重新打开，"
                          "看过对方的修改后再改。").format(what=what))


def update_resident(session: Session, resident_id: int, form: ResidentForm) -> Changes:
    resident = session.get_one(Resident, resident_id)
    _check_version(resident, form.version)
    _apply_resident(session, resident, form, resident.household_id)
    return Changes.of(*CHANGED, ids=[resident_id])


def move_resident(session: Session, resident_id: int, to_household_id: int, when: date,
                  relation: str = "其他") -> Changes:
    resident = session.get_one(Resident, resident_id)
    target = session.get_one(Household, to_household_id)
    if target.id == resident.household_id:
        raise ValidationError("household", _("已经在这一户中"))
    if target.archived_at is not None:
        raise ValidationError("household", _("目标户已归档"))
    if relation == "户主" and _active_head(session, target.id):
        raise ValidationError("relation", _("目标户已有户主"))
    source = resident.household_id
    resident.household_id = target.id
    resident.relation = relation
    resident.rel_order = RELATION_ORDER.get(relation, 99)
    session.add(ResidentEvent(resident_id=resident.id, kind="户内迁移", event_date=when,
                              from_household_id=source, to_household_id=target.id))
    return Changes.of(*CHANGED, ids=[resident_id])


def record_event(session: Session, resident_id: int, kind: str, when: date, place: str = "",
                 note: str = "") -> Changes:
    """迁入 (back to 在住), 迁出 or 死亡, dated, for the monthly change figures."""
    resident = session.get_one(Resident, resident_id)
    if when > date.today():
        raise ValidationError("date", _("日期不能晚于今天"))
    if resident.birth_date is not None and when < resident.birth_date:
        raise ValidationError("date", _("日期不能早于出生日期"))
    if kind == "迁出":
        if resident.status != "在住":
            raise ValidationError("status", _("只有在住人员可以登记迁出"))
        resident.status, resident.move_out_date = "迁出", when
    elif kind == "死亡":
        if resident.status == "死亡":
            raise ValidationError("status", _("已登记死亡"))
        resident.status, resident.death_date = "死亡", when
    elif kind == "迁入":
        if resident.status == "死亡":
            raise ValidationError("status", _("已登记死亡的人员不能迁入"))
        resident.status, resident.move_in_date, resident.move_out_date = "在住", when, None
    else:
        raise ValidationError("kind", _("未知的变动类型"))
    session.add(ResidentEvent(resident_id=resident.id, kind=kind, event_date=when, place=place, note=note,
                              from_household_id=resident.household_id if kind == "迁出" else None,
                              to_household_id=resident.household_id if kind == "迁入" else None))
    return Changes.of(*CHANGED, ids=[resident_id])


def set_archived(session: Session, table: str, record_id: int, archived: bool) -> Changes:
    """Archive (soft delete) or restore a household (with its members) or a resident.

    Members archived together with their household share its ``archive_batch`` token, so a
    restore brings back exactly those, not members archived on their own before.
    """
    stamp = now() if archived else None
    if table == "household":
        household = session.get_one(Household, record_id)
        if archived:
            token = new_uuid()
            household.archived_at, household.archive_batch = stamp, token
            for member in household.members:
                if member.archived_at is None:
                    member.archived_at, member.archive_batch = stamp, token
        else:
            token = household.archive_batch
            with session.no_autoflush:
                _check_household_no(session, household.household_no, household.id)
                back = [m for m in household.members if m.archived_at is not None and token and
                        m.archive_batch == token]
                for member in back:
                    _check_unique_id(session, member.id_number, member.id)
            household.archived_at, household.archive_batch = None, None
            for member in back:
                member.archived_at, member.archive_batch = None, None
    elif table == "resident":
        resident = session.get_one(Resident, record_id)
        if not archived and resident.household.archived_at is not None:
            raise ValidationError("household", _("所在户已归档，请先恢复该户"))
        if not archived and resident.id_number:
            with session.no_autoflush:
                _check_unique_id(session, resident.id_number, resident.id)
        resident.archived_at, resident.archive_batch = stamp, None
    else:
        raise ValueError(table)
    return Changes.of(*CHANGED, ids=[record_id])
