"""党员中心户: designate a member's household, assign its contact households (联系户), link members.

Assignments are dated (``start_date``/``end_date``) and never deleted, so the history of who was
in touch with whom stays. A household has at most one *open* assignment at a time (the service
says so in Chinese; a partial unique index makes it impossible anyway). A center household is
itself covered, so it cannot also be another center's contact.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from commdesk.errors import ValidationError
from commdesk.i18n import _
from commdesk.models import Household, Resident
from commdesk.models.household import format_address
from commdesk.models.party import CenterContact, CenterHousehold, CenterMember, PartyMember
from commdesk.changes import Changes
from commdesk.settings.party import center_target

CHANGED = ("center_household", "center_contact")


@dataclass(frozen=True)
class CenterRow:
    id: int
    member_id: int
    member_name: str
    household_id: int
    household_no: str
    address: str
    grid_id: int | None
    grid: str
    designated_on: date | None
    status: str
    contacts: int
    members: int
    warning: str             # "" | "over" | "under"

    @property
    def warning_text(self) -> str:
        return {"over": _("联系户过多"), "under": _("联系户不足")}.get(self.warning, "")


@dataclass(frozen=True)
class ContactRow:
    contact_id: int
    household_id: int
    household_no: str
    head: str
    address: str
    start_date: date | None
    end_date: date | None
    member_name: str
    last_visit: date | None
    end_reason: str = ""


def _date(value: object) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def open_center_of(session: Session, household_id: int) -> int | None:
    """The center household this household is a contact of now (None when not covered)."""
    return session.scalar(select(CenterContact.center_id).where(
        CenterContact.household_id == household_id, CenterContact.end_date.is_(None),
        CenterContact.archived_at.is_(None)))


def active_center_at(session: Session, household_id: int) -> int | None:
    """The active center household *at* this household (it is itself a center)."""
    return session.scalar(select(CenterHousehold.id).where(
        CenterHousehold.household_id == household_id, CenterHousehold.status == "在册",
        CenterHousehold.archived_at.is_(None)))


def _member_household(session: Session, member: PartyMember) -> Household | None:
    if member.resident_id is None:
        return None
    resident = session.get(Resident, member.resident_id)
    return resident.household if resident is not None else None


def designate_center(session: Session, member_id: int, when: date, *, household_id: int | None = None,
                     grid_id: int | None = None, notes: str = "") -> tuple[Changes, int]:
    member = session.get_one(PartyMember, member_id)
    if member.archived_at is not None or member.status in ("已转出", "已去世"):
        raise ValidationError("member", _("该党员已不在册，不能设为中心户"))
    household = session.get(Household, household_id) if household_id is not None else \
        _member_household(session, member)
    if household is None:
        raise ValidationError("household", _("该党员没有关联本社区的住户，请先指定中心户所在的户"))
    if household.archived_at is not None or household.status == "迁出":
        raise ValidationError("household", _("该户已归档或迁出"))
    if active_center_at(session, household.id) is not None:
        raise ValidationError("household", _("该户已经是党员中心户"))
    existing = session.scalar(select(CenterHousehold.id).where(
        CenterHousehold.member_id == member_id, CenterHousehold.status == "在册",
        CenterHousehold.archived_at.is_(None)))
    if existing is not None:
        raise ValidationError("member", _("该党员已负责一个党员中心户"))
    # a contact household that becomes a center leaves its old center
    for contact in session.scalars(select(CenterContact).where(
            CenterContact.household_id == household.id, CenterContact.end_date.is_(None),
            CenterContact.archived_at.is_(None))):
        contact.end_date, contact.end_reason = when, _("设为党员中心户")
    center = CenterHousehold(member_id=member_id, household_id=household.id,
                             grid_id=grid_id if grid_id is not None else household.grid_id,
                             designated_on=when, notes=notes)
    session.add(center)
    session.flush()
    return Changes.of(*CHANGED, ids=[center.id]), center.id


def end_center(session: Session, center_id: int, when: date, reason: str = "") -> Changes:
    """Revoke a center household: its open contacts end the same day (they become uncovered)."""
    center = session.get_one(CenterHousehold, center_id)
    if center.status != "在册":
        raise ValidationError("status", _("该中心户已撤销"))
    center.status, center.ended_on = "已撤销", when
    if reason:
        center.notes = (center.notes + "\n" if center.notes else "") + reason
    for c in session.scalars(select(CenterContact).where(CenterContact.center_id == center_id,
                                                         CenterContact.end_date.is_(None))):
        c.end_date, c.end_reason = when, _("中心户撤销")
    for m in session.scalars(select(CenterMember).where(CenterMember.center_id == center_id,
                                                        CenterMember.end_date.is_(None))):
        m.end_date = when
    return Changes.of(*CHANGED, ids=[center_id])


def assign_contacts(session: Session, center_id: int, household_ids: list[int], when: date, *,
                    member_id: int | None = None, move: bool = False) -> Changes:
    """Make these households contacts of the center from ``when``.

    A household already with another center is refused unless ``move`` (then its old assignment
    ends on ``when``, history kept). Households already with this center are left as they are.
    """
    center = session.get_one(CenterHousehold, center_id)
    if center.status != "在册" or center.archived_at is not None:
        raise ValidationError("center", _("该中心户已撤销，不能再分配联系户"))
    if member_id is not None:
        linked = session.scalar(select(CenterMember.id).where(CenterMember.center_id == center_id,
                                                              CenterMember.member_id == member_id,
                                                              CenterMember.end_date.is_(None)))
        if linked is None and member_id != center.member_id:
            raise ValidationError("member", _("该党员没有联系这个中心户"))
    added: list[int] = []
    for hid in dict.fromkeys(household_ids):
        household = session.get(Household, hid)
        if household is None or household.archived_at is not None:
            raise ValidationError("household", _("住户不存在或已归档"))
        if hid == center.household_id or active_center_at(session, hid) is not None:
            raise ValidationError("household", _("户号 {no} 本身是党员中心户").format(no=household.household_no))
        current = session.scalars(select(CenterContact).where(
            CenterContact.household_id == hid, CenterContact.end_date.is_(None),
            CenterContact.archived_at.is_(None))).first()
        if current is not None:
            if current.center_id == center_id:
                if member_id is not None and current.member_id != member_id:
                    current.member_id = member_id
                continue
            if not move:
                other = session.get_one(CenterHousehold, current.center_id)
                raise ValidationError("household", _("户号 {no} 已由{name}的中心户联系；一户同时只能有一个中心户")
                                      .format(no=household.household_no, name=other.member.name))
            current.end_date, current.end_reason = when, _("调整到其他中心户")
            session.flush()
        session.add(CenterContact(center_id=center_id, household_id=hid, member_id=member_id, start_date=when))
        added.append(hid)
    session.flush()
    return Changes.of(*CHANGED, ids=added)


def unassign_contacts(session: Session, center_id: int, household_ids: list[int], when: date,
                      reason: str = "") -> Changes:
    ended: list[int] = []
    for c in session.scalars(select(CenterContact).where(
            CenterContact.center_id == center_id, CenterContact.household_id.in_(household_ids),
            CenterContact.end_date.is_(None), CenterContact.archived_at.is_(None))):
        if when < c.start_date:
            raise ValidationError("date", _("结束日期不能早于开始联系的日期"))
        c.end_date, c.end_reason = when, reason or _("取消联系")
        ended.append(c.household_id)
    return Changes.of(*CHANGED, ids=ended)


def _open_link(session: Session, center_id: int, member_id: int) -> CenterMember | None:
    return session.scalars(select(CenterMember).where(CenterMember.center_id == center_id,
                                                      CenterMember.member_id == member_id,
                                                      CenterMember.end_date.is_(None),
                                                      CenterMember.archived_at.is_(None))).first()


def link_member(session: Session, center_id: int, member_id: int, when: date) -> Changes:
    """Link a fellow member to this center household from ``when`` ("1+10+N")."""
    center = session.get_one(CenterHousehold, center_id)
    if center.status != "在册" or center.archived_at is not None:
        raise ValidationError("center", _("该中心户已撤销，不能再联系党员"))
    if member_id == center.member_id:
        raise ValidationError("member", _("这是中心户党员本人"))
    member = session.get_one(PartyMember, member_id)
    if member.archived_at is not None or member.status in ("已转出", "已去世"):
        raise ValidationError("member", _("该党员已不在册"))
    if _open_link(session, center_id, member_id) is not None:
        raise ValidationError("member", _("该党员已联系这个中心户"))
    session.add(CenterMember(center_id=center_id, member_id=member_id, start_date=when))
    session.flush()
    return Changes.of("center_member", ids=[center_id])


def unlink_member(session: Session, center_id: int, member_id: int, when: date) -> Changes:
    """End a fellow member's link on ``when`` (the row stays, with its end date: history kept).

    The contact households that member covered stay with the center household and go back to
    its own member (their ``member_id`` is cleared, which the audit trail records)."""
    link = _open_link(session, center_id, member_id)
    if link is None:
        raise ValidationError("member", _("该党员没有联系这个中心户"))
    if when < link.start_date:
        raise ValidationError("date", _("结束日期不能早于开始联系的日期（{d}）").format(d=link.start_date.isoformat()))
    link.end_date = when
    for contact in session.scalars(select(CenterContact).where(CenterContact.center_id == center_id,
                                                               CenterContact.member_id == member_id,
                                                               CenterContact.end_date.is_(None))):
        contact.member_id = None
    return Changes.of("center_member", "center_contact", ids=[center_id])


def set_contacts_member(session: Session, center_id: int, household_ids: list[int],
                        member_id: int | None) -> Changes:
    """Which member covers these open contacts: a linked fellow member, or (None, or the
    center's own member) the center household's member."""
    center = session.get_one(CenterHousehold, center_id)
    if center.status != "在册" or center.archived_at is not None:
        raise ValidationError("center", _("该中心户已撤销"))
    if member_id == center.member_id:
        member_id = None
    if member_id is not None and _open_link(session, center_id, member_id) is None:
        raise ValidationError("member", _("该党员没有联系这个中心户"))
    changed: list[int] = []
    for contact in session.scalars(select(CenterContact).where(
            CenterContact.center_id == center_id, CenterContact.household_id.in_(household_ids),
            CenterContact.end_date.is_(None), CenterContact.archived_at.is_(None))):
        if contact.member_id != member_id:
            contact.member_id = member_id
            changed.append(contact.household_id)
    return Changes.of("center_contact", ids=changed)


def linked_members(session: Session, center_id: int) -> list[tuple[int, str]]:
    return [(mid, name) for mid, name in session.execute(
        select(PartyMember.id, PartyMember.name).join(CenterMember, CenterMember.member_id == PartyMember.id)
        .where(CenterMember.center_id == center_id, CenterMember.end_date.is_(None)).order_by(CenterMember.id))]


@dataclass(frozen=True)
class LinkRow:
    """A fellow member linked to a center household, with the open contacts they cover."""
    member_id: int
    name: str
    branch: str
    phone: str
    start_date: date | None
    end_date: date | None
    contacts: int


def center_links(session: Session, center_id: int, *, history: bool = False) -> list[LinkRow]:
    """The fellow members of a center household (open links first; with ``history`` the ended ones too)."""
    cond = "" if history else " AND l.end_date IS NULL"
    sql = (
        "SELECT m.id, m.name, b.name, m.phone, l.start_date, l.end_date,"
        " (SELECT count(*) FROM center_contact c WHERE c.center_id = l.center_id AND c.member_id = m.id"
        "  AND c.end_date IS NULL AND c.archived_at IS NULL)"
        " FROM center_member l JOIN party_member m ON m.id = l.member_id LEFT JOIN party_org b ON b.id = m.org_id"
        f" WHERE l.center_id = :cid AND l.archived_at IS NULL{cond}"
        " ORDER BY CASE WHEN l.end_date IS NULL THEN 0 ELSE 1 END, l.start_date, l.id"
    )
    return [LinkRow(r[0], r[1], r[2] or "", r[3] or "", _date(r[4]), _date(r[5]), r[6] if r[5] is None else 0)
            for r in session.execute(text(sql), {"cid": center_id})]


# -- queries ---------------------------------------------------------------------------------------
_CENTERS_SQL = (
    "SELECT c.id, c.member_id, m.name, c.household_id, h.household_no, h.estate, h.building, h.unit, h.room,"
    " h.address, c.grid_id, g.name, c.designated_on, c.status,"
    " (SELECT count(*) FROM center_contact x WHERE x.center_id = c.id AND x.end_date IS NULL"
    "  AND x.archived_at IS NULL),"
    " (SELECT count(*) FROM center_member y WHERE y.center_id = c.id AND y.end_date IS NULL AND y.archived_at IS NULL)"
    " FROM center_household c JOIN party_member m ON m.id = c.member_id JOIN household h ON h.id = c.household_id"
    " LEFT JOIN grid g ON g.id = c.grid_id WHERE c.archived_at IS NULL {cond}"
    " ORDER BY g.code, g.id, h.household_no, c.id"
)


def list_centers(session: Session, *, grid_id: int | None = None, include_ended: bool = False,
                 query: str = "") -> list[CenterRow]:
    low, high = center_target(session)
    cond = ""
    binds: dict[str, object] = {}
    if not include_ended:
        cond += " AND c.status = '在册'"
    if grid_id is not None:
        cond += " AND c.grid_id = :grid"
        binds["grid"] = grid_id
    if query.strip():
        cond += " AND (m.name LIKE :q OR h.household_no LIKE :q OR h.address LIKE :q OR h.estate LIKE :q)"
        binds["q"] = f"%{query.strip()}%"
    rows = []
    for r in session.execute(text(_CENTERS_SQL.format(cond=cond)), binds):
        (cid, mid, mname, hid, hno, estate, building, unit, room, addr, gid, gname, designated, status, n,
         members) = r
        warning = "" if status != "在册" else ("over" if n > high else "under" if n < low else "")
        rows.append(CenterRow(cid, mid, mname, hid, hno, format_address(estate, building, unit, room, addr), gid,
                              gname or "", _date(designated), status, n, members, warning))
    return rows


def center_row(session: Session, center_id: int) -> CenterRow:
    for row in list_centers(session, include_ended=True):
        if row.id == center_id:
            return row
    raise ValidationError("center", _("中心户不存在"))


_HEAD = ("(SELECT name FROM resident x WHERE x.household_id = h.id AND x.relation = '户主'"
         " AND x.archived_at IS NULL ORDER BY x.status != '在住' LIMIT 1)")


def center_contacts(session: Session, center_id: int, *, history: bool = False) -> list[ContactRow]:
    cond = "" if history else " AND c.end_date IS NULL"
    sql = (
        f"SELECT c.id, h.id, h.household_no, {_HEAD}, h.estate, h.building, h.unit, h.room, h.address,"
        " c.start_date, c.end_date, m.name,"
        " (SELECT max(v.visit_date) FROM visit v WHERE v.household_id = h.id AND v.archived_at IS NULL),"
        " c.end_reason FROM center_contact c JOIN household h ON h.id = c.household_id"
        " LEFT JOIN party_member m ON m.id = c.member_id"
        f" WHERE c.center_id = :cid AND c.archived_at IS NULL{cond}"
        " ORDER BY CASE WHEN c.end_date IS NULL THEN 0 ELSE 1 END, h.estate, length(h.building), h.building,"
        " length(h.unit), h.unit, length(h.room), h.room, h.household_no"
    )
    return [ContactRow(r[0], r[1], r[2], r[3] or "", format_address(r[4], r[5], r[6], r[7], r[8]), _date(r[9]),
                       _date(r[10]), r[11] or "", _date(r[12]), r[13] or "")
            for r in session.execute(text(sql), {"cid": center_id})]


def center_counts(session: Session) -> dict[str, int]:
    low, high = center_target(session)
    rows = list_centers(session)
    return {"centers": len(rows), "contacts": sum(r.contacts for r in rows),
            "over": sum(1 for r in rows if r.warning == "over"), "under": sum(1 for r in rows if r.warning == "under"),
            "target_min": low, "target_max": high}


def member_centers(session: Session, member_id: int) -> int:
    return session.scalar(select(func.count()).select_from(CenterHousehold).where(
        CenterHousehold.member_id == member_id, CenterHousehold.status == "在册")) or 0
