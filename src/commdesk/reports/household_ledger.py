"""居民户信息台账: every household with its members (grouped: a household is never split on paper).

The same declaration is the 住户台账 page's table: its screen view (:meth:`Ledger.screen_columns`)
reads the rows :func:`screen_source` fetches by resident id, which carry the export's fields, so
every column's header, width, alignment, getter and format is the one the workbook and the PDF use.
Light on purpose (no writer imports): the page builds its table from it on the app's first paint.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from commdesk.i18n import _
from commdesk.models.household import HOUSEHOLD_STATUSES, RESIDENT_STATUSES
from commdesk.reports.ledger import Column, FilterSpec, Ledger, Params, register_ledger, to_date
from commdesk.reports.ledger_sql import _plain_row, address_of, grid_choices, grid_condition, stream
from commdesk.validation.idcard import age_on
from commdesk.validation.review_flags import review_labels

_FROM = (
    " FROM household h LEFT JOIN grid g ON g.id = h.grid_id"
    " LEFT JOIN resident r ON r.household_id = h.id AND r.archived_at IS NULL{rcond}"
    " WHERE h.archived_at IS NULL{hcond}"
)
#: The fields every column getter reads (the export's and the screen's rows both carry them).
_FIELDS = (
    "h.id AS hid, g.name AS grid, h.household_no, h.estate, h.building, h.unit, h.room, h.address,"
    " h.housing, h.status AS hstatus, h.tags AS htags, r.name, r.relation, r.gender, r.ethnicity,"
    " r.birth_date, r.id_number, r.political_status, r.education, r.work_unit, r.phone, r.hukou_type,"
    " r.tags, r.status, r.notes"
)
_SELECT = "SELECT " + _FIELDS
_SCREEN_SQL = (
    "SELECT r.id AS rid, r.review, r.archived_at, :today AS today, " + _FIELDS +
    " FROM resident r JOIN household h ON h.id = r.household_id LEFT JOIN grid g ON g.id = h.grid_id"
    " WHERE r.id IN ({ids})"
)
_SORTS = {
    "grid": " ORDER BY g.code, g.id, h.household_no, h.id, r.rel_order, r.id",
    "household_no": " ORDER BY h.household_no, h.id, r.rel_order, r.id",
    "address": " ORDER BY h.estate, h.building, h.unit, h.room, h.address, h.id, r.rel_order, r.id",
}


def _where(params: Params) -> tuple[str, dict[str, Any]]:
    binds: dict[str, Any] = {}
    hcond = grid_condition(params, binds)
    hstatus = params.filter("household_status")
    if hstatus:
        binds["hstatus"] = hstatus
        hcond += " AND h.status = :hstatus"
    else:
        hcond += " AND h.status != '迁出'"
    estate = params.filter("estate")
    if estate:
        binds["estate"] = estate
        hcond += " AND h.estate = :estate"
    rstatus = params.filter("status", "在住")
    rcond = ""
    if rstatus != "全部":
        binds["rstatus"] = rstatus
        rcond = " AND r.status = :rstatus"
    return _FROM.format(rcond=rcond, hcond=hcond), binds


def _source(session: Session, params: Params) -> Iterator[Any]:
    from_sql, binds = _where(params)
    yield from stream(session, _SELECT + from_sql + _SORTS.get(params.sort, _SORTS["grid"]), binds)


def _count(session: Session, params: Params) -> int:
    from_sql, binds = _where(params)
    return int(session.execute(text("SELECT count(*)" + from_sql), binds).scalar_one())


def screen_source(conn: Connection, ids: Sequence[int], today: date) -> list[Any]:
    """The on-screen table's rows for these residents (any status, archived too): the export's
    fields plus ``rid``, ``review``, ``archived_at`` and ``today`` (for the screen-only columns)."""
    if not ids:
        return []
    marks = ",".join(str(int(i)) for i in ids)
    result = conn.execute(text(_SCREEN_SQL.format(ids=marks)), {"today": today.isoformat()})
    make = _plain_row(tuple(result.keys()))  # named tuples, as the export streams (fields read faster)
    return list(result) if make is None else list(map(make, result))


def _age(row: Any) -> int | None:
    return age_on(to_date(row.birth_date), to_date(row.today))


def _review(row: Any) -> str:
    return "、".join(review_labels(row.review))


def _remark(row: Any) -> str:
    parts = []
    if row.status and row.status != "在住":
        parts.append(row.status)
    if row.notes:
        parts.append(row.notes)
    return "；".join(parts)


HOUSEHOLDS = register_ledger(Ledger(
    key="households",
    title=_("居民户信息台账"),
    description=_("按户列出全部在住居民（户主在前）"),
    columns=(
        Column("seq", _("序号"), 3, "seq", group_level=True, screen=False),  # numbers households on paper
        Column("grid", _("网格"), 5, group_level=True),
        Column("household_no", _("户号"), 6, "code", group_level=True),
        Column("address", _("住址"), 12, getter=address_of, group_level=True),
        Column("housing", _("住房性质"), 4, align="center", group_level=True, default=False),
        Column("household_tags", _("重点户类别"), 7, getter=lambda r: r.htags or "", group_level=True,
               default=False),
        Column("name", _("姓名"), 5),
        Column("relation", _("与户主关系"), 4, align="center"),
        Column("gender", _("性别"), 2, align="center"),
        Column("ethnicity", _("民族"), 3, align="center"),
        Column("birth_date", _("出生日期"), 6, "date", getter=lambda r: to_date(r.birth_date)),
        Column("id_number", _("公民身份号码"), 10, "id"),
        Column("political_status", _("政治面貌"), 5, align="center"),
        Column("education", _("文化程度"), 4, align="center"),
        Column("work_unit", _("工作单位"), 8, default=False),
        Column("phone", _("联系电话"), 7, "phone"),
        Column("hukou_type", _("户籍类型"), 3, align="center", default=False),
        Column("tags", _("重点人群"), 6),
        Column("remark", _("备注"), 5, getter=_remark),
    ),
    source=_source,
    count=_count,
    group_key=lambda r: r.hid,
    filters=(
        FilterSpec("grid", _("网格"), grid_choices),
        FilterSpec("estate", _("小区/村组")),
        FilterSpec("household_status", _("户状态"), lambda s: [(v, v) for v in HOUSEHOLD_STATUSES]),
        FilterSpec("status", _("居民状态"), lambda s: [(v, v) for v in (*RESIDENT_STATUSES, "全部")], "在住"),
    ),
    sorts=(("grid", _("按网格、户号")), ("household_no", _("按户号")), ("address", _("按住址"))),
    landscape=True,
    order=10,
    screen_only=(
        Column("age", _("年龄"), 2, "int", align="center", getter=_age, after="birth_date"),
        Column("review", _("待核实"), 6, getter=_review, alert=True),
    ),
))
