"""Party ledgers: 党员花名册, 党员中心户联系户台账, 走访记录台账, 流动党员台账 (Excel, PDF, screen)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from commdesk.i18n import _
from commdesk.models.household import format_address
from commdesk.models.party import MEMBER_CATEGORIES, MEMBERSHIPS, VISIT_KINDS
from commdesk.reports.ledger import Column, FilterSpec, Ledger, Params, register_ledger, to_date
from commdesk.reports.ledger_sql import address_of, grid_choices, grid_condition, stream

_HEAD = ("(SELECT name FROM resident x WHERE x.household_id = h.id AND x.relation = '户主'"
         " AND x.archived_at IS NULL ORDER BY x.status != '在住' LIMIT 1)")
_HEAD_PHONE = ("(SELECT phone FROM resident x WHERE x.household_id = h.id AND x.relation = '户主'"
               " AND x.archived_at IS NULL ORDER BY x.status != '在住' LIMIT 1)")


def branch_choices(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(text("SELECT name FROM party_org WHERE archived_at IS NULL AND kind IN ('党支部', '党总支')"
                                " ORDER BY sort_order, id")).all()
    return [(r[0], r[0]) for r in rows]


def _branch_condition(params: Params, binds: dict[str, Any]) -> str:
    branch = params.filter("branch")
    if branch is None:
        return ""
    binds["branch"] = str(branch)
    return " AND b.name = :branch"


# -- 党员花名册 ----------------------------------------------------------------------------------------
_MEMBERS_FROM = (
    " FROM party_member m LEFT JOIN party_org b ON b.id = m.org_id LEFT JOIN party_org pg ON pg.id = m.group_id"
    " LEFT JOIN resident r ON r.id = m.resident_id LEFT JOIN household h ON h.id = r.household_id"
    " LEFT JOIN (SELECT org_id, count(*) AS n FROM party_member WHERE archived_at IS NULL"
    "  AND status NOT IN ('已转出', '已去世') GROUP BY org_id) cnt"
    " ON (cnt.org_id = m.org_id OR (cnt.org_id IS NULL AND m.org_id IS NULL))"
    " WHERE m.archived_at IS NULL AND m.status NOT IN ('已转出', '已去世'){cond}"
)
_MEMBERS_SELECT = (
    "SELECT coalesce(b.name, '') AS branch, pg.name AS party_group, m.name, m.gender, m.ethnicity, m.birth_date,"
    " m.id_number, m.join_date, m.full_date, m.membership, m.category, m.party_post, m.status, m.phone,"
    " h.household_no, h.estate, h.building, h.unit, h.room, h.address, m.address AS own_address, m.work_unit,"
    " m.notes, cnt.n"
)


def _members_where(params: Params) -> tuple[str, dict[str, Any]]:
    binds: dict[str, Any] = {}
    cond = _branch_condition(params, binds)
    for key in ("category", "membership"):
        value = params.filter(key)
        if value:
            cond += f" AND m.{key} = :{key}"
            binds[key] = value
    return _MEMBERS_FROM.format(cond=cond), binds


def _members_source(session: Session, params: Params) -> Iterator[Any]:
    from_sql, binds = _members_where(params)
    order = " ORDER BY b.sort_order, b.id, m.join_date IS NULL, m.join_date, m.id"
    if params.sort == "name":
        order = " ORDER BY b.sort_order, b.id, m.name, m.id"
    yield from stream(session, _MEMBERS_SELECT + from_sql + order, binds)


def _members_count(session: Session, params: Params) -> int:
    from_sql, binds = _members_where(params)
    return int(session.execute(text("SELECT count(*)" + from_sql), binds).scalar_one())


def _member_address(r: Any) -> str:
    if r.household_no is not None:
        return address_of(r)
    return r.own_address or r.work_unit or ""


def _month(value: Any) -> str:
    d = to_date(value)
    return f"{d.year}.{d.month:02d}" if d else ""


PARTY_MEMBERS = register_ledger(Ledger(
    key="party-members",
    title=_("党员花名册"),
    description=_("在册党员，按党支部分节（json 格式为供其他系统使用的数据）"),
    columns=(
        Column("seq", _("序号"), 3, "seq"),
        Column("name", _("姓名"), 5),
        Column("gender", _("性别"), 2, align="center", getter=lambda r: r.gender or ""),
        Column("ethnicity", _("民族"), 3, align="center", getter=lambda r: r.ethnicity or "", default=False),
        Column("birth_date", _("出生年月"), 5, align="center", getter=lambda r: _month(r.birth_date)),
        Column("id_number", _("公民身份号码"), 10, "id", getter=lambda r: r.id_number or ""),
        Column("join_date", _("入党时间"), 5, align="center", getter=lambda r: _month(r.join_date)),
        Column("full_date", _("转正时间"), 5, align="center", getter=lambda r: _month(r.full_date)),
        Column("membership", _("党员类别"), 5, align="center"),
        Column("party_group", _("党小组"), 5, getter=lambda r: r.party_group or "", default=False),
        Column("party_post", _("党内职务"), 5, getter=lambda r: r.party_post or ""),
        Column("category", _("党员类型"), 5, align="center"),
        Column("phone", _("联系电话"), 7, "phone", getter=lambda r: r.phone or ""),
        Column("household_no", _("户号"), 5, "code", getter=lambda r: r.household_no or ""),
        Column("address", _("住址/工作单位"), 11, getter=_member_address),
        Column("status", _("状态"), 4, align="center"),
        Column("notes", _("备注"), 5, getter=lambda r: r.notes or "", default=False),
    ),
    source=_members_source,
    count=_members_count,
    section_key=lambda r: _("{branch}（{n}人）").format(branch=r.branch or _("未分支部"), n=r.n),
    filters=(
        FilterSpec("branch", _("党支部"), branch_choices),
        FilterSpec("category", _("党员类型"), lambda s: [(c, c) for c in MEMBER_CATEGORIES]),
        FilterSpec("membership", _("党员类别"), lambda s: [(c, c) for c in MEMBERSHIPS]),
    ),
    sorts=(("join_date", _("按入党时间")), ("name", _("按姓名"))),
    landscape=True,
    order=60,
))


# -- 党员中心户联系户台账 ----------------------------------------------------------------------------------
_CENTERS_SQL = (
    "SELECT c.id AS center_id, g.name AS grid, m.name AS member, m.phone AS member_phone,"
    " ch.household_no AS center_no, ch.estate AS c_estate, ch.building AS c_building, ch.unit AS c_unit,"
    " ch.room AS c_room, ch.address AS c_address, c.designated_on,"
    " (SELECT count(*) FROM center_contact x WHERE x.center_id = c.id AND x.end_date IS NULL"
    "  AND x.archived_at IS NULL) AS n,"
    f" h.household_no, {_HEAD} AS head, {_HEAD_PHONE} AS head_phone, h.estate, h.building, h.unit, h.room,"
    " h.address, h.tags, cc.start_date, lm.name AS linked_member"
    " FROM center_household c JOIN party_member m ON m.id = c.member_id"
    " JOIN household ch ON ch.id = c.household_id LEFT JOIN grid g ON g.id = c.grid_id"
    " LEFT JOIN center_contact cc ON cc.center_id = c.id AND cc.end_date IS NULL AND cc.archived_at IS NULL"
    " LEFT JOIN household h ON h.id = cc.household_id LEFT JOIN party_member lm ON lm.id = cc.member_id"
    " WHERE c.archived_at IS NULL AND c.status = '在册'{cond}"
    " ORDER BY g.code, g.id, ch.household_no, c.id, h.estate, length(h.building), h.building, length(h.unit),"
    " h.unit, length(h.room), h.room, h.household_no"
)


def _centers_where(params: Params) -> tuple[str, dict[str, Any]]:
    binds: dict[str, Any] = {}
    cond = grid_condition(params, binds, alias="c")
    return cond, binds


def _centers_source(session: Session, params: Params) -> Iterator[Any]:
    cond, binds = _centers_where(params)
    yield from stream(session, _CENTERS_SQL.format(cond=cond), binds)


def _centers_count(session: Session, params: Params) -> int:
    cond, binds = _centers_where(params)
    return int(session.execute(text(f"SELECT count(*) FROM ({_CENTERS_SQL.format(cond=cond)}) AS centers"), binds).scalar_one())


def _center_address(r: Any) -> str:
    return format_address(r.c_estate or "", r.c_building or "", r.c_unit or "", r.c_room or "", r.c_address or "")


CENTER_HOUSEHOLDS = register_ledger(Ledger(
    key="center-households",
    title=_("党员中心户联系户台账"),
    description=_("每个党员中心户及其联系户（json 格式为供其他系统使用的数据）"),
    columns=(
        Column("seq", _("序号"), 3, "seq"),
        Column("grid", _("网格"), 5, getter=lambda r: r.grid or "", group_level=True),
        Column("member", _("党员中心户"), 5, group_level=True),
        Column("center_address", _("中心户住址"), 11, getter=_center_address, group_level=True),
        Column("member_phone", _("中心户电话"), 7, "phone", getter=lambda r: r.member_phone or "", group_level=True),
        Column("n", _("联系户数"), 3, "int", group_level=True),
        Column("head", _("联系户户主"), 5, getter=lambda r: r.head or ""),
        Column("household_no", _("户号"), 5, "code", getter=lambda r: r.household_no or "", default=False),
        Column("address", _("联系户住址"), 11, getter=lambda r: address_of(r) if r.household_no else ""),
        Column("head_phone", _("联系电话"), 7, "phone", getter=lambda r: r.head_phone or ""),
        Column("tags", _("户类别"), 5, getter=lambda r: r.tags or ""),
        Column("linked_member", _("联户党员"), 4, getter=lambda r: r.linked_member or "", default=False),
        Column("start_date", _("联系起始"), 6, "date", getter=lambda r: to_date(r.start_date)),
    ),
    source=_centers_source,
    count=_centers_count,
    group_key=lambda r: r.center_id,
    filters=(FilterSpec("grid", _("网格"), grid_choices),),
    landscape=True,
    order=61,
))


# -- 走访记录台账 -----------------------------------------------------------------------------------------
_VISITS_FROM = (
    " FROM visit v JOIN household h ON h.id = v.household_id LEFT JOIN grid g ON g.id = h.grid_id"
    " LEFT JOIN center_household c ON c.id = v.center_id LEFT JOIN party_member m ON m.id = c.member_id"
    " WHERE v.archived_at IS NULL{cond}"
)
_VISITS_SELECT = (
    f"SELECT v.visit_date, g.name AS grid, h.household_no, {_HEAD} AS head, h.estate, h.building, h.unit, h.room,"
    " h.address, v.visitor, v.method, v.kind, v.findings, v.needs, v.handling, v.follow_up, v.need_status,"
    " m.name AS center_member"
)


def _visits_where(params: Params) -> tuple[str, dict[str, Any]]:
    binds: dict[str, Any] = {}
    cond = grid_condition(params, binds)
    if params.month:
        from commdesk.reports.change_ledger import month_range

        first, last = month_range(*params.month)
        cond += " AND v.visit_date BETWEEN :first AND :last"
        binds.update(first=first.isoformat(), last=last.isoformat())
    kind = params.filter("kind")
    if kind:
        cond += " AND v.kind = :kind"
        binds["kind"] = kind
    if params.filter("needs") in ("有诉求", True, "1"):
        cond += " AND v.needs != ''"
    return _VISITS_FROM.format(cond=cond), binds


def _visits_source(session: Session, params: Params) -> Iterator[Any]:
    from_sql, binds = _visits_where(params)
    yield from stream(session, _VISITS_SELECT + from_sql + " ORDER BY v.visit_date, v.id", binds)


def _visits_count(session: Session, params: Params) -> int:
    from_sql, binds = _visits_where(params)
    return int(session.execute(text("SELECT count(*)" + from_sql), binds).scalar_one())


VISITS = register_ledger(Ledger(
    key="visits",
    title=_("走访记录台账"),
    description=_("党员中心户和网格员的走访记录（可加 --month 只导出一个月）"),
    columns=(
        Column("seq", _("序号"), 3, "seq"),
        Column("visit_date", _("走访日期"), 6, "date", getter=lambda r: to_date(r.visit_date)),
        Column("grid", _("网格"), 5, getter=lambda r: r.grid or ""),
        Column("head", _("走访对象"), 5, getter=lambda r: r.head or ""),
        Column("address", _("住址"), 10, getter=address_of),
        Column("visitor", _("走访人"), 5),
        Column("method", _("方式"), 3, align="center"),
        Column("kind", _("类别"), 5, align="center"),
        Column("findings", _("了解情况"), 10),
        Column("needs", _("诉求与建议"), 9),
        Column("handling", _("办理/反馈情况"), 9),
        Column("follow_up", _("后续计划"), 6, default=False),
        Column("need_status", _("办理状态"), 4, align="center"),
        Column("center_member", _("所属中心户"), 5, getter=lambda r: r.center_member or "", default=False),
    ),
    source=_visits_source,
    count=_visits_count,
    filters=(
        FilterSpec("grid", _("网格"), grid_choices),
        FilterSpec("kind", _("走访类别"), lambda s: [(k, k) for k in VISIT_KINDS]),
        FilterSpec("needs", _("只含有诉求的"), lambda s: [("有诉求", _("有诉求"))]),
    ),
    landscape=True,
    order=62,
))


# -- 流动党员台账 ------------------------------------------------------------------------------------------
_MOBILE_FROM = (
    " FROM party_member m LEFT JOIN party_org b ON b.id = m.org_id"
    " WHERE m.archived_at IS NULL AND (m.category = '流动党员' OR m.status = '外出流动'){cond}"
)
_MOBILE_SELECT = (
    "SELECT m.name, m.gender, m.id_number, b.name AS branch, m.membership, m.out_place, m.out_date, m.out_reason,"
    " m.out_contact, m.phone, m.last_report_date, m.notes"
)


def _mobile_where(params: Params) -> tuple[str, dict[str, Any]]:
    binds: dict[str, Any] = {}
    return _MOBILE_FROM.format(cond=_branch_condition(params, binds)), binds


def _mobile_source(session: Session, params: Params) -> Iterator[Any]:
    from_sql, binds = _mobile_where(params)
    yield from stream(session, _MOBILE_SELECT + from_sql + " ORDER BY b.sort_order, b.id, m.out_date, m.id", binds)


def _mobile_count(session: Session, params: Params) -> int:
    from_sql, binds = _mobile_where(params)
    return int(session.execute(text("SELECT count(*)" + from_sql), binds).scalar_one())


def _next_report(r: Any) -> Any:
    base = to_date(r.last_report_date) or to_date(r.out_date)
    return base + timedelta(days=365) if base else None


MOBILE_MEMBERS = register_ledger(Ledger(
    key="mobile-members",
    title=_("流动党员台账"),
    description=_("外出流动的党员：去向、时间、原因、联系方式和报告情况"),
    columns=(
        Column("seq", _("序号"), 3, "seq"),
        Column("name", _("姓名"), 5),
        Column("gender", _("性别"), 2, align="center", getter=lambda r: r.gender or ""),
        Column("id_number", _("公民身份号码"), 10, "id", getter=lambda r: r.id_number or ""),
        Column("branch", _("所在支部"), 7, getter=lambda r: r.branch or ""),
        Column("membership", _("党员类别"), 5, align="center"),
        Column("out_place", _("外出地点"), 8),
        Column("out_date", _("外出时间"), 6, "date", getter=lambda r: to_date(r.out_date)),
        Column("out_reason", _("外出原因"), 6),
        Column("contact", _("联系方式"), 8, getter=lambda r: r.out_contact or ""),
        Column("phone", _("电话"), 7, "phone", getter=lambda r: r.phone or ""),
        Column("last_report_date", _("最近报告"), 6, "date", getter=lambda r: to_date(r.last_report_date)),
        Column("next_report", _("下次报告"), 6, "date", getter=_next_report),
    ),
    source=_mobile_source,
    count=_mobile_count,
    filters=(FilterSpec("branch", _("党支部"), branch_choices),),
    landscape=True,
    order=63,
))
