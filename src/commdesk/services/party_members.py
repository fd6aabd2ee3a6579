"""Party members (党员): roster, detail with history, add/edit, status changes, reminders.

A member living in the community links to a ``Resident`` (name, ID, birth date, phone then come
from the member record, which the importer and the form keep in step). In-service members
(在职党员报到) and mobile members (流动党员) need no resident. Every change of membership,
status, organisation, post or mobility is written to ``party_member_event`` (the history the
detail view shows); the audit trail records the field changes as for every record.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from commdesk.errors import ValidationError
from commdesk.i18n import _
from commdesk.models import Household, Resident
from commdesk.models.household import format_address
from commdesk.models.party import (MEMBER_CATEGORIES, MEMBER_STATUSES, MEMBERSHIPS, PartyMember, PartyMemberEvent,
                                   PartyOrg)
from commdesk.search.query import normalise_query
from commdesk.changes import Changes
from commdesk.settings.party import get_setting
from commdesk.validation.idcard import check_id_number
from commdesk.validation.phone import check_phone

CHANGED = ("party_member",)
INACTIVE = ("已转出", "已去世")


@dataclass
class MemberForm:
    name: str = ""
    gender: str = ""
    ethnicity: str = ""
    birth_date: date | None = None
    id_number: str = ""
    phone: str = ""
    category: str = "居住党员"
    org_id: int | None = None
    group_id: int | None = None
    membership: str = "正式党员"
    join_date: date | None = None
    full_date: date | None = None
    party_post: str = ""
    status: str = "正常"
    work_unit: str = ""
    address: str = ""
    resident_id: int | None = None
    out_place: str = ""
    out_date: date | None = None
    out_reason: str = ""
    out_contact: str = ""
    last_report_date: date | None = None
    notes: str = ""


@dataclass(frozen=True)
class MemberRow:
    id: int
    name: str
    gender: str
    birth_date: date | None
    id_number: str | None
    phone: str
    category: str
    branch: str
    group: str
    membership: str
    join_date: date | None
    full_date: date | None
    party_post: str
    status: str
    household_no: str
    household_id: int | None
    address: str
    review: str
    archived: bool = False


@dataclass(frozen=True)
class MemberEventRow:
    event_date: date
    kind: str
    old_value: str
    new_value: str
    note: str
    recorded_by: str


@dataclass
class MemberDetail:
    row: MemberRow
    member: dict[str, object]
    events: list[MemberEventRow] = field(default_factory=list)
    centers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Reminder:
    member_id: int
    name: str
    kind: str          # 转正 | 流动报告
    due: date
    days_left: int
    text: str


def check_member_form(form: MemberForm, today: date | None = None) -> tuple[dict[str, object], dict[str, str]]:
    """(clean values, errors by field). Damaged ID numbers are errors here (a person can fix them)."""
    today = today or date.today()
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    name = "".join((form.name or "").replace("\u3000", " ").split())
    if not name:
        errors["name"] = _("请填写姓名")
    values["name"] = name
    idn: str | None = None
    if (form.id_number or "").strip():
        check = check_id_number(form.id_number, today=today)
        if not check.ok:
            errors["id_number"] = check.message or _("身份证号不正确")
        else:
            idn = check.number
            if form.birth_date and check.birth_date and form.birth_date != check.birth_date:
                errors["birth_date"] = _("出生日期与身份证号不一致")
            values["gender"] = form.gender or check.gender or ""
            values["birth_date"] = form.birth_date or check.birth_date
    values["id_number"] = idn
    values.setdefault("gender", form.gender or "")
    values.setdefault("birth_date", form.birth_date)
    phone = ""
    if (form.phone or "").strip():
        pc = check_phone(form.phone)
        if not pc.ok:
            errors["phone"] = pc.message or _("电话号码格式不正确")
        else:
            phone = pc.number or ""
    values["phone"] = phone
    if form.category not in MEMBER_CATEGORIES:
        errors["category"] = _("党员类别不对")
    if form.membership not in MEMBERSHIPS:
        errors["membership"] = _("请选择正式党员或预备党员")
    if form.status not in MEMBER_STATUSES:
        errors["status"] = _("党员状态不对")
    if form.join_date and form.join_date > today:
        errors["join_date"] = _("入党时间不能晚于今天")
    if form.full_date and form.join_date and form.full_date < form.join_date:
        errors["full_date"] = _("转正时间不能早于入党时间")
    if form.membership == "正式党员" and form.full_date is None and form.join_date is not None \
            and form.join_date > today - timedelta(days=365):
        errors["full_date"] = _("入党不满一年的正式党员请填写转正时间")
    if form.membership == "预备党员" and form.full_date is not None and form.full_date <= today:
        errors["membership"] = _("已有转正时间，应为正式党员")
    if form.org_id is None:
        errors["org_id"] = _("请选择所在党支部")
    if form.category == "流动党员" and not (form.out_place or "").strip():
        errors["out_place"] = _("流动党员请填写外出地点")
    for key in ("ethnicity", "category", "membership", "party_post", "status", "work_unit", "address",
                "out_place", "out_reason", "out_contact", "notes"):
        values[key] = (getattr(form, key) or "").strip()
    for key in ("org_id", "group_id", "join_date", "full_date", "resident_id", "out_date", "last_report_date"):
        values[key] = getattr(form, key)
    return values, errors


def _raise_first(errors: dict[str, str]) -> None:
    if errors:
        key, message = next(iter(errors.items()))
        raise ValidationError(key, message)


def _org_name(session: Session, org_id: int | None) -> str:
    if org_id is None:
        return ""
    org = session.get(PartyOrg, org_id)
    return org.name if org else ""


def _check_orgs(session: Session, org_id: int | None, group_id: int | None) -> None:
    org = session.get(PartyOrg, org_id) if org_id is not None else None
    if org_id is not None and (org is None or org.kind not in ("党支部", "党总支", "党委")):
        raise ValidationError("org_id", _("所在组织应为党支部"))
    if group_id is not None:
        group = session.get(PartyOrg, group_id)
        if group is None or group.kind != "党小组" or group.parent_id != org_id:
            raise ValidationError("group_id", _("党小组应属于所选党支部"))


def _check_unique(session: Session, id_number: str | None, resident_id: int | None, exclude: int | None) -> None:
    for column, value, field_name in ((PartyMember.id_number, id_number, "id_number"),
                                      (PartyMember.resident_id, resident_id, "resident_id")):
        if value is None:
            continue
        q = select(PartyMember).where(column == value, PartyMember.archived_at.is_(None))
        if exclude is not None:
            q = q.where(PartyMember.id != exclude)
        other = session.scalars(q).first()
        if other is not None:
            raise ValidationError(field_name, _("该党员已登记（{name}）").format(name=other.name))


def _check_resident(session: Session, resident_id: int | None, id_number: str | None) -> None:
    """A member linked to a resident: the resident exists, and the ID numbers agree."""
    if resident_id is None:
        return
    resident = session.get(Resident, resident_id)
    if resident is None or resident.archived_at is not None:
        raise ValidationError("resident_id", _("所选居民不存在或已归档"))
    if id_number and resident.id_number and id_number != resident.id_number:
        raise ValidationError("id_number", _("身份证号与所选居民不一致"))


def _without_flags(review: str, prefixes: tuple[str, ...]) -> str:
    return "\n".join(f for f in (review or "").splitlines() if not f.startswith(prefixes))


def add_event(session: Session, member_id: int, kind: str, when: date | None, old: str = "", new: str = "",
              note: str = "") -> None:
    session.add(PartyMemberEvent(member_id=member_id, kind=kind, event_date=when or date.today(),
                                 old_value=old or "", new_value=new or "", note=note or ""))


def create_member(session: Session, form: MemberForm, *, today: date | None = None) -> tuple[Changes, int]:
    values, errors = check_member_form(form, today)
    _raise_first(errors)
    with session.no_autoflush:
        _check_orgs(session, form.org_id, form.group_id)
        _check_unique(session, values["id_number"], form.resident_id, None)  # type: ignore[arg-type]
        _check_resident(session, form.resident_id, values["id_number"])  # type: ignore[arg-type]
    member = PartyMember(**values)
    session.add(member)
    session.flush()
    if member.join_date:
        add_event(session, member.id, "入党", member.join_date, new=member.membership)
    if member.full_date and member.membership == "正式党员":
        add_event(session, member.id, "转正", member.full_date, "预备党员", "正式党员")
    add_event(session, member.id, "登记", today or date.today(), new=member.category,
              note=_org_name(session, member.org_id))
    return Changes.of(*CHANGED, ids=[member.id]), member.id


_TRACKED = (("membership", "转正"), ("status", "状态变更"), ("org_id", "调整组织"), ("group_id", "调整组织"),
            ("party_post", "职务变更"), ("category", "状态变更"))


def update_member(session: Session, member_id: int, form: MemberForm, *, when: date | None = None,
                  note: str = "", today: date | None = None) -> Changes:
    values, errors = check_member_form(form, today)
    _raise_first(errors)
    member = session.get_one(PartyMember, member_id)
    with session.no_autoflush:
        _check_orgs(session, form.org_id, form.group_id)
        _check_unique(session, values["id_number"], form.resident_id, member_id)  # type: ignore[arg-type]
        _check_resident(session, form.resident_id, values["id_number"])  # type: ignore[arg-type]
    if values["resident_id"] != member.resident_id:
        old_r, new_r = (session.get(Resident, r) if r is not None else None
                        for r in (member.resident_id, values["resident_id"]))
        add_event(session, member_id, "登记", when, _resident_label(old_r), _resident_label(new_r),
                  note or (_("关联本社区居民") if new_r is not None else _("取消关联居民")))
    for key, kind in _TRACKED:
        old, new = getattr(member, key), values[key]
        if old == new:
            continue
        if key in ("org_id", "group_id"):
            old, new = _org_name(session, old), _org_name(session, new)  # type: ignore[arg-type]
        if key == "membership":
            kind = "转正" if new == "正式党员" else "状态变更"
            event_date = values["full_date"] if new == "正式党员" and values["full_date"] else when
        else:
            event_date = when
        add_event(session, member_id, kind, event_date, str(old or ""), str(new or ""), note)  # type: ignore[arg-type]
    for key, value in values.items():
        setattr(member, key, value)
    if member.id_number and member.review:
        member.review = _without_flags(member.review, ("id_",))
    if member.resident_id is not None and member.review:
        member.review = _without_flags(member.review, ("not_resident",))
    return Changes.of(*CHANGED, ids=[member_id])


def _resident_label(resident: Resident | None) -> str:
    if resident is None:
        return ""
    household = resident.household
    return f"{resident.name} {household.household_no}" if household is not None else resident.name


def change_status(session: Session, member_id: int, status: str, when: date, note: str = "", *,
                  out_place: str = "", out_reason: str = "", out_contact: str = "") -> Changes:
    """外出流动 (with where/why/contact), 返回, 失联, 已转出, 已去世, 正常."""
    if status not in MEMBER_STATUSES:
        raise ValidationError("status", _("党员状态不对"))
    member = session.get_one(PartyMember, member_id)
    if status == member.status:
        raise ValidationError("status", _("状态没有变化"))
    if status == "外出流动":
        if not out_place.strip():
            raise ValidationError("out_place", _("请填写外出地点"))
        member.out_place, member.out_reason, member.out_contact = out_place.strip(), out_reason.strip(), \
            out_contact.strip()
        member.out_date = when
        member.last_report_date = member.last_report_date or when
        add_event(session, member_id, "外出", when, member.status, status, f"{out_place} {out_reason}".strip())
    elif member.status == "外出流动" and status == "正常":
        add_event(session, member_id, "返回", when, member.status, status, note)
    else:
        add_event(session, member_id, "状态变更", when, member.status, status, note)
    member.status = status
    return Changes.of(*CHANGED, ids=[member_id])


def confirm_full_membership(session: Session, member_id: int, when: date) -> Changes:
    member = session.get_one(PartyMember, member_id)
    if member.membership == "正式党员":
        raise ValidationError("membership", _("已是正式党员"))
    if member.join_date and when < member.join_date:
        raise ValidationError("full_date", _("转正时间不能早于入党时间"))
    member.membership, member.full_date = "正式党员", when
    add_event(session, member_id, "转正", when, "预备党员", "正式党员")
    return Changes.of(*CHANGED, ids=[member_id])


def record_report(session: Session, member_id: int, when: date, note: str = "") -> Changes:
    """A mobile member reported to the branch (流动党员 ≥ once a year)."""
    member = session.get_one(PartyMember, member_id)
    member.last_report_date = when
    add_event(session, member_id, "流动报告", when, note=note)
    return Changes.of(*CHANGED, ids=[member_id])


def set_member_archived(session: Session, member_id: int, archived: bool) -> Changes:
    from commdesk.models.base import now

    member = session.get_one(PartyMember, member_id)
    if not archived:
        _check_unique(session, member.id_number, member.resident_id, member_id)
    member.archived_at = now() if archived else None
    return Changes.of(*CHANGED, ids=[member_id])


# -- queries ---------------------------------------------------------------------------------
_ROW_SQL = (
    "SELECT m.id, m.name, m.gender, m.birth_date, m.id_number, m.phone, m.category, b.name, g.name, m.membership,"
    " m.join_date, m.full_date, m.party_post, m.status, h.household_no, h.id, h.estate, h.building, h.unit, h.room,"
    " h.address, m.address, m.review, m.archived_at IS NOT NULL"
    " FROM party_member m LEFT JOIN party_org b ON b.id = m.org_id LEFT JOIN party_org g ON g.id = m.group_id"
    " LEFT JOIN resident r ON r.id = m.resident_id LEFT JOIN household h ON h.id = r.household_id"
)


def _date(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _row(r: object) -> MemberRow:
    (mid, name, gender, birth, idn, phone, category, branch, group, membership, join, full, post, status, hno, hid,
     estate, building, unit, room, haddr, maddr, review, archived) = r  # type: ignore[misc]
    address = format_address(estate or "", building or "", unit or "", room or "", haddr or "") if hid else maddr
    return MemberRow(mid, name, gender or "", _date(birth), idn, phone or "", category, branch or "", group or "",
                     membership, _date(join), _date(full), post or "", status, hno or "", hid, address or "",
                     review or "", bool(archived))


@dataclass(frozen=True)
class MemberFilter:
    query: str = ""
    org_id: int | None = None          # a branch (or group): members of it and of its groups
    category: str = ""
    membership: str = ""
    status: str = ""                   # "" → active (not 已转出/已去世); "全部" → all
    review_only: bool = False
    include_archived: bool = False


def list_members(session: Session, f: MemberFilter | None = None) -> list[MemberRow]:
    f = f or MemberFilter()
    where = ["1=1"] if f.include_archived else ["m.archived_at IS NULL"]
    binds: dict[str, object] = {}
    if f.org_id is not None:
        where.append("(m.org_id = :org OR m.group_id = :org)")
        binds["org"] = f.org_id
    for key in ("category", "membership"):
        if getattr(f, key):
            where.append(f"m.{key} = :{key}")
            binds[key] = getattr(f, key)
    if f.status == "全部":
        pass
    elif f.status:
        where.append("m.status = :status")
        binds["status"] = f.status
    else:
        where.append("m.status NOT IN ('已转出', '已去世')")
    if f.review_only:
        where.append("m.review != ''")
    q = normalise_query(f.query)
    for i, term in enumerate(q.split(" ") if q else []):
        p = f"q{i}"
        binds[p] = f"%{term}%"
        binds[p + "p"] = term.lower() + "%"
        where.append(f"(m.name LIKE :{p} OR m.phone LIKE :{p} OR m.id_number LIKE :{p} OR h.household_no LIKE :{p}"
                     f" OR r.py_initials LIKE :{p}p OR r.py_full LIKE :{p}p OR b.name LIKE :{p})")
    sql = _ROW_SQL + " WHERE " + " AND ".join(where) + " ORDER BY b.sort_order, b.id, m.join_date IS NULL, m.id"
    return [_row(r) for r in session.execute(text(sql), binds)]


def member_row(session: Session, member_id: int) -> MemberRow:
    r = session.execute(text(_ROW_SQL + " WHERE m.id = :id"), {"id": member_id}).one()
    return _row(r)


def member_detail(session: Session, member_id: int) -> MemberDetail:
    member = session.get_one(PartyMember, member_id)
    values = {c.key: getattr(member, c.key) for c in PartyMember.__table__.columns}
    events = [MemberEventRow(e.event_date, e.kind, e.old_value, e.new_value, e.note, e.recorded_by)
              for e in session.scalars(select(PartyMemberEvent).where(PartyMemberEvent.member_id == member_id)
                                       .order_by(PartyMemberEvent.event_date, PartyMemberEvent.id))]
    centers = [r[0] for r in session.execute(text(
        "SELECT h.household_no FROM center_household c JOIN household h ON h.id = c.household_id"
        " WHERE c.member_id = :id AND c.archived_at IS NULL AND c.status = '在册'"), {"id": member_id})]
    return MemberDetail(member_row(session, member_id), values, events, centers)


def member_form(session: Session, member_id: int) -> MemberForm:
    m = session.get_one(PartyMember, member_id)
    values = {k: getattr(m, k) for k in MemberForm.__dataclass_fields__}
    values["id_number"] = m.id_number or ""
    return MemberForm(**values)


def reminders(session: Session, today: date | None = None) -> list[Reminder]:
    """Probationary members before their full-membership date; mobile members whose yearly report is due."""
    today = today or date.today()
    lead = get_setting(session, "party.probation_reminder_days")
    interval = get_setting(session, "party.mobile_report_days")
    mobile_lead = get_setting(session, "party.mobile_reminder_days")
    out: list[Reminder] = []
    rows = session.execute(select(PartyMember.id, PartyMember.name, PartyMember.membership, PartyMember.join_date,
                                  PartyMember.full_date, PartyMember.category, PartyMember.status,
                                  PartyMember.out_date, PartyMember.last_report_date)
                           .where(PartyMember.archived_at.is_(None), PartyMember.status.notin_(INACTIVE),
                                  # only the members a reminder can concern (not every member)
                                  or_(PartyMember.membership == "预备党员", PartyMember.category == "流动党员",
                                      PartyMember.status == "外出流动")))
    for mid, name, membership, join, full, category, status, out_date, last_report in rows:
        if membership == "预备党员" and join is not None:
            due = full or _add_year(join)
            left = (due - today).days
            if left <= lead:
                text_ = (_("预备期将于 {d} 届满，请准备转正") if left >= 0 else _("预备期已于 {d} 届满，请及时办理转正"))
                out.append(Reminder(mid, name, "转正", due, left, text_.format(d=due.isoformat())))
        if category == "流动党员" or status == "外出流动":
            base = last_report or out_date
            due = (base + timedelta(days=interval)) if base else today
            left = (due - today).days
            if left <= mobile_lead:
                text_ = _("应于 {d} 前向支部报告") if left >= 0 else _("已超过报告期限（{d}）")
                out.append(Reminder(mid, name, "流动报告", due, left, text_.format(d=due.isoformat())))
    out.sort(key=lambda r: (r.due, r.member_id))
    return out


def _add_year(d: date) -> date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:
        return d.replace(year=d.year + 1, day=28)


@dataclass(frozen=True)
class ResidentHit:
    """A resident a member can be linked to (the member form's search)."""
    id: int
    name: str
    gender: str
    birth_date: date | None
    id_number: str | None
    phone: str
    household_no: str
    address: str
    member: str          # the name of the member already linked to this resident ("" when none)

    @property
    def label(self) -> str:
        """What the form shows: never the ID number or the phone."""
        parts = [self.name, self.gender, self.birth_date.isoformat() if self.birth_date else "", self.household_no,
                 self.address]
        taken = _("（已登记为党员）") if self.member else ""
        return "  ".join(p for p in parts if p) + taken


def find_residents(session: Session, query: str, limit: int = 20, *,
                   exclude_member: int | None = None) -> list[ResidentHit]:
    """Residents matching what was typed (name, pinyin, ID or phone fragment, household number), those
    living here first; ``member`` names another member already linked to one (not ``exclude_member``)."""
    from commdesk.search.query import search_condition

    q = normalise_query(query)
    if not q:
        return []
    cond = search_condition(q, session.get_bind().dialect.name)
    params: dict[str, object] = {"no": q + "%", "lim": limit, "me": exclude_member or 0}
    match = "h.household_no LIKE :no"
    if cond is not None:
        match += f" OR ({cond.sql})"
        params.update(cond.params)
    sql = (
        "SELECT r.id, r.name, r.gender, r.birth_date, r.id_number, r.phone, h.household_no, h.estate, h.building,"
        " h.unit, h.room, h.address,"
        " (SELECT m.name FROM party_member m WHERE m.resident_id = r.id AND m.archived_at IS NULL AND m.id != :me"
        "  LIMIT 1)"
        " FROM resident r JOIN household h ON h.id = r.household_id"
        f" WHERE r.archived_at IS NULL AND h.archived_at IS NULL AND ({match})"
        " ORDER BY r.status != '在住', h.household_no, r.rel_order, r.id LIMIT :lim"
    )
    return [ResidentHit(r[0], r[1], r[2] or "", _date(r[3]), r[4], r[5] or "", r[6],
                        format_address(r[7], r[8], r[9], r[10], r[11]), r[12] or "")
            for r in session.execute(text(sql), params)]


def resident_hit(session: Session, resident_id: int | None, *,
                 exclude_member: int | None = None) -> ResidentHit | None:
    if resident_id is None:
        return None
    r = session.get(Resident, resident_id)
    if r is None:
        return None
    h = r.household
    member = session.scalar(select(PartyMember.name).where(PartyMember.resident_id == r.id,
                                                           PartyMember.archived_at.is_(None),
                                                           PartyMember.id != (exclude_member or 0)))
    return ResidentHit(r.id, r.name, r.gender or "", r.birth_date, r.id_number, r.phone or "", h.household_no,
                       format_address(h.estate, h.building, h.unit, h.room, h.address), member or "")


# -- matching (importer, forms) --------------------------------------------------------------------
def match_resident(session: Session, id_number: str | None, name: str, birth: date | None) -> Resident | None:
    """The resident this member is: by ID number, else by name + birth date (one match only)."""
    if id_number:
        hit = session.scalars(select(Resident).where(Resident.id_number == id_number,
                                                     Resident.archived_at.is_(None))).first()
        if hit is not None:
            return hit
    if name and birth:
        hits = session.scalars(select(Resident).where(Resident.name == name, Resident.birth_date == birth,
                                                      Resident.archived_at.is_(None)).limit(2)).all()
        if len(hits) == 1:
            return hits[0]
    return None


def household_of_member(session: Session, member_id: int) -> Household | None:
    member = session.get_one(PartyMember, member_id)
    if member.resident_id is None:
        return None
    resident = session.get(Resident, member.resident_id)
    return resident.household if resident is not None else None
