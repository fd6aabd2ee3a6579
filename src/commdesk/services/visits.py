"""走访记录: record visits, list them with filters, and find overdue visits by key-group cadence.

The cadence (days between visits) comes from the ``party.visit_cadence`` setting, keyed by
key-group tag (a household's own tags and its living residents' tags); the shortest applicable
interval wins, and households without a listed tag get the ``default`` (e.g. quarterly). A
contact household is overdue when its last visit (or, never visited, the day it was assigned)
plus its interval is before today.

A need raised in a visit (诉求) can become a responsibility-checklist item: the checklist module
calls :func:`link_checklist_item` with the item's uuid, and lists visits needing one with
:func:`open_needs`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from commdesk.errors import ValidationError
from commdesk.i18n import _
from commdesk.models import Household
from commdesk.models.base import now
from commdesk.models.household import format_address, split_tags
from commdesk.models.party import NEED_STATUSES, VISIT_KINDS, VISIT_METHODS, CenterHousehold, PartyMember, Visit
from commdesk.changes import Changes
from commdesk.settings.party import visit_cadence

CHANGED = ("visit",)


@dataclass
class VisitForm:
    visit_date: date | None = None
    household_id: int | None = None
    visitor: str = ""
    visitor_member_id: int | None = None
    center_id: int | None = None
    method: str = "入户"
    kind: str = "日常走访"
    findings: str = ""
    needs: str = ""
    handling: str = ""
    follow_up: str = ""
    need_status: str = ""


@dataclass(frozen=True)
class VisitRow:
    id: int
    visit_date: date
    household_id: int
    household_no: str
    head: str
    address: str
    grid: str
    visitor: str
    method: str
    kind: str
    findings: str
    needs: str
    handling: str
    follow_up: str
    need_status: str
    center_member: str
    checklist_linked: bool = False     # the need already became a responsibility-checklist item
    archived: bool = False


@dataclass(frozen=True)
class OverdueRow:
    household_id: int
    household_no: str
    head: str
    address: str
    grid: str
    center_id: int
    center_member: str
    last_visit: date | None
    interval: int
    due: date
    days_overdue: int
    groups: str


def _date(value: object) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def check_visit_form(form: VisitForm, today: date | None = None) -> dict[str, str]:
    today = today or date.today()
    errors: dict[str, str] = {}
    if form.visit_date is None:
        errors["visit_date"] = _("请填写走访日期")
    elif form.visit_date > today:
        errors["visit_date"] = _("走访日期不能晚于今天")
    if form.household_id is None:
        errors["household"] = _("请选择走访的住户")
    if not (form.visitor or "").strip() and form.visitor_member_id is None:
        errors["visitor"] = _("请填写走访人")
    if form.method not in VISIT_METHODS:
        errors["method"] = _("走访方式不对")
    if form.kind not in VISIT_KINDS:
        errors["kind"] = _("走访类别不对")
    if form.need_status and form.need_status not in NEED_STATUSES:
        errors["need_status"] = _("诉求办理状态不对")
    return errors


def auto_need_status(needs: str, handling: str) -> str:
    """The need status a visit gets when none is chosen: from whether a need and its handling were written."""
    if not needs.strip():
        return "无诉求"
    return "已办结" if handling.strip() else "待办理"


def _need_status(form: VisitForm) -> str:
    return form.need_status or auto_need_status(form.needs, form.handling)


def _apply(session: Session, visit: Visit, form: VisitForm, today: date | None) -> None:
    errors = check_visit_form(form, today)
    if errors:
        key, message = next(iter(errors.items()))
        raise ValidationError(key, message)
    household = session.get(Household, form.household_id)
    if household is None or household.archived_at is not None:
        raise ValidationError("household", _("住户不存在或已归档"))
    visitor = form.visitor.strip()
    if form.visitor_member_id is not None:
        member = session.get_one(PartyMember, form.visitor_member_id)
        visitor = visitor or member.name
    center_id = form.center_id
    if center_id is None:
        from commdesk.services.party_centers import active_center_at, open_center_of

        center_id = open_center_of(session, household.id) or active_center_at(session, household.id)
    visit.visit_date = form.visit_date  # type: ignore[assignment]
    visit.household_id = household.id
    visit.visitor, visit.visitor_member_id, visit.center_id = visitor, form.visitor_member_id, center_id
    visit.method, visit.kind = form.method, form.kind
    visit.findings, visit.needs = form.findings.strip(), form.needs.strip()
    visit.handling, visit.follow_up = form.handling.strip(), form.follow_up.strip()
    visit.need_status = _need_status(form)


def record_visit(session: Session, form: VisitForm, today: date | None = None) -> tuple[Changes, int]:
    visit = Visit(visit_date=date.today(), household_id=0)
    _apply(session, visit, form, today)
    session.add(visit)
    session.flush()
    return Changes.of(*CHANGED, ids=[visit.id]), visit.id


def update_visit(session: Session, visit_id: int, form: VisitForm, today: date | None = None) -> Changes:
    """Correct a visit record (the audit trail keeps the old values). A visit moved to another
    household takes that household's center household unless the form names another one."""
    visit = session.get_one(Visit, visit_id)
    if visit.archived_at is not None:
        raise ValidationError("visit", _("这条走访记录已归档，请先恢复"))
    if form.household_id != visit.household_id and form.center_id == visit.center_id:
        form = VisitForm(**{**vars(form), "center_id": None})
    _apply(session, visit, form, today)
    return Changes.of(*CHANGED, ids=[visit_id])


def set_visit_archived(session: Session, visit_id: int, archived: bool) -> Changes:
    visit = session.get_one(Visit, visit_id)
    visit.archived_at = now() if archived else None
    return Changes.of(*CHANGED, ids=[visit_id])


def link_checklist_item(session: Session, visit_id: int, item_uuid: str) -> Changes:
    """The need of this visit became a checklist item (called by the checklist module)."""
    visit = session.get_one(Visit, visit_id)
    if not visit.needs:
        raise ValidationError("needs", _("这次走访没有记录诉求"))
    visit.checklist_item_uuid = item_uuid
    if visit.need_status in ("无诉求", "待办理"):
        visit.need_status = "办理中"
    return Changes.of(*CHANGED, ids=[visit_id])


def visit_form(session: Session, visit_id: int) -> VisitForm:
    v = session.get_one(Visit, visit_id)
    return VisitForm(v.visit_date, v.household_id, v.visitor, v.visitor_member_id, v.center_id, v.method, v.kind,
                     v.findings, v.needs, v.handling, v.follow_up, v.need_status)


# -- queries ---------------------------------------------------------------------------------------
_HEAD = ("(SELECT name FROM resident x WHERE x.household_id = h.id AND x.relation = '户主'"
         " AND x.archived_at IS NULL ORDER BY x.status != '在住' LIMIT 1)")
_VISIT_SQL = (
    f"SELECT v.id, v.visit_date, h.id, h.household_no, {_HEAD}, h.estate, h.building, h.unit, h.room, h.address,"
    " g.name, v.visitor, v.method, v.kind, v.findings, v.needs, v.handling, v.follow_up, v.need_status, m.name,"
    " v.checklist_item_uuid IS NOT NULL, v.archived_at IS NOT NULL"
    " FROM visit v JOIN household h ON h.id = v.household_id LEFT JOIN grid g ON g.id = h.grid_id"
    " LEFT JOIN center_household c ON c.id = v.center_id LEFT JOIN party_member m ON m.id = c.member_id"
)
_LIVE = " WHERE v.archived_at IS NULL"


@dataclass(frozen=True)
class VisitFilter:
    start: date | None = None
    end: date | None = None
    grid_id: int | None = None
    kind: str = ""
    method: str = ""
    need_status: str = ""           # "" any; "有诉求" any with a need; or one status
    household_id: int | None = None
    center_id: int | None = None
    query: str = ""
    include_archived: bool = False
    limit: int = 5000


def _visit_row(r: object) -> VisitRow:
    (vid, vdate, hid, hno, head, estate, building, unit, room, addr, grid, visitor, method, kind, findings, needs,
     handling, follow, status, cname, linked, archived) = r  # type: ignore[misc]
    return VisitRow(vid, _date(vdate), hid, hno, head or "", format_address(estate, building, unit, room, addr),  # type: ignore[arg-type]
                    grid or "", visitor, method, kind, findings, needs, handling, follow, status, cname or "",
                    bool(linked), bool(archived))


def list_visits(session: Session, f: VisitFilter | None = None) -> list[VisitRow]:
    f = f or VisitFilter()
    cond, binds = "", {"lim": f.limit}  # type: ignore[var-annotated]
    if f.start:
        cond += " AND v.visit_date >= :start"
        binds["start"] = f.start.isoformat()
    if f.end:
        cond += " AND v.visit_date <= :end"
        binds["end"] = f.end.isoformat()
    for key, col in (("grid_id", "h.grid_id"), ("household_id", "v.household_id"), ("center_id", "v.center_id"),
                     ("kind", "v.kind"), ("method", "v.method")):
        value = getattr(f, key)
        if value not in (None, ""):
            cond += f" AND {col} = :{key}"
            binds[key] = value
    if f.need_status == "有诉求":
        cond += " AND v.needs != ''"
    elif f.need_status:
        cond += " AND v.need_status = :ns"
        binds["ns"] = f.need_status
    if f.query.strip():
        cond += (" AND (h.household_no LIKE :q OR v.visitor LIKE :q OR v.needs LIKE :q OR v.findings LIKE :q"
                 " OR h.address LIKE :q OR h.id IN (SELECT household_id FROM resident WHERE name LIKE :q))")
        binds["q"] = f"%{f.query.strip()}%"
    sql = _VISIT_SQL + (" WHERE 1=1" if f.include_archived else _LIVE) + cond + \
        " ORDER BY v.visit_date DESC, v.id DESC LIMIT :lim"
    return [_visit_row(r) for r in session.execute(text(sql), binds)]


def open_needs(session: Session) -> list[VisitRow]:
    """Visits whose need is not settled yet (for the checklist module and the dashboard)."""
    sql = _VISIT_SQL + _LIVE + " AND v.needs != '' AND v.need_status IN ('待办理', '办理中') ORDER BY v.visit_date, v.id"
    return [_visit_row(r) for r in session.execute(text(sql))]


def interval_for(tags: set[str], cadence: dict[str, int]) -> tuple[int, str]:
    """(days, the groups that set it) for a household with these tags."""
    hits = [(cadence[t], t) for t in tags if t in cadence and t != "default"]
    if not hits:
        return cadence.get("default", 90), ""
    days = min(d for d, _t in hits)
    return days, "、".join(sorted(t for d, t in hits if d == days))


def overdue_visits(session: Session, today: date | None = None, *, grid_id: int | None = None,
                   center_id: int | None = None) -> list[OverdueRow]:
    """Contact households whose next visit is overdue, most overdue first."""
    today = today or date.today()
    cadence = visit_cadence(session)
    cond, binds = "", {}  # type: ignore[var-annotated]
    if grid_id is not None:
        cond += " AND h.grid_id = :g"
        binds["g"] = grid_id
    if center_id is not None:
        cond += " AND c.center_id = :c"
        binds["c"] = center_id
    concat = "string_agg" if session.get_bind().dialect.name == "postgresql" else "group_concat"
    sql = (
        f"SELECT h.id, h.household_no, {_HEAD}, h.estate, h.building, h.unit, h.room, h.address, g.name,"
        " c.center_id, m.name, c.start_date, h.tags,"
        f" (SELECT {concat}(r.tags, '、') FROM resident r WHERE r.household_id = h.id AND r.status = '在住'"
        "  AND r.archived_at IS NULL AND r.tags != ''),"
        " (SELECT max(v.visit_date) FROM visit v WHERE v.household_id = h.id AND v.archived_at IS NULL)"
        " FROM center_contact c JOIN household h ON h.id = c.household_id LEFT JOIN grid g ON g.id = h.grid_id"
        " JOIN center_household ch ON ch.id = c.center_id JOIN party_member m ON m.id = ch.member_id"
        " WHERE c.end_date IS NULL AND c.archived_at IS NULL AND h.archived_at IS NULL AND h.status != '迁出'"
        + cond
    )
    out: list[OverdueRow] = []
    for r in session.execute(text(sql), binds):
        (hid, hno, head, estate, building, unit, room, addr, grid, cid, mname, start, htags, rtags, last) = r
        tags = set(split_tags(htags)) | set(split_tags(rtags))
        interval, groups = interval_for(tags, cadence)
        last_d = _date(last)
        base = last_d or _date(start) or today
        due = base + timedelta(days=interval)
        if due < today:
            out.append(OverdueRow(hid, hno, head or "", format_address(estate, building, unit, room, addr),
                                  grid or "", cid, mname, last_d, interval, due, (today - due).days, groups))
    out.sort(key=lambda o: (-o.days_overdue, o.household_no))
    return out


def centers_not_visiting(session: Session, days: int = 30, today: date | None = None) -> list[tuple[int, str, date | None]]:
    """Active center households with no visit recorded in the last ``days`` days (dashboard alert)."""
    today = today or date.today()
    since = (today - timedelta(days=days)).isoformat()
    rows = session.execute(text(
        "SELECT c.id, m.name, (SELECT max(v.visit_date) FROM visit v WHERE v.center_id = c.id"
        " AND v.archived_at IS NULL) AS last FROM center_household c JOIN party_member m ON m.id = c.member_id"
        " WHERE c.status = '在册' AND c.archived_at IS NULL"), {})
    return [(cid, name, _date(last)) for cid, name, last in rows if last is None or str(last) < since]


def month_visit_counts(session: Session, first: date, last: date) -> dict[str, int]:
    rows = session.execute(text(
        "SELECT kind, count(*) FROM visit WHERE archived_at IS NULL AND visit_date BETWEEN :a AND :b GROUP BY kind"),
        {"a": first.isoformat(), "b": last.isoformat()})
    return {k: n for k, n in rows}


def visits_of_center(session: Session, center_id: int) -> int:
    return session.execute(text("SELECT count(*) FROM visit WHERE center_id = :c AND archived_at IS NULL"),
                           {"c": center_id}).scalar_one()


def center_of_member(session: Session, member_id: int) -> int | None:
    from sqlalchemy import select

    return session.scalar(select(CenterHousehold.id).where(CenterHousehold.member_id == member_id,
                                                           CenterHousehold.status == "在册"))
