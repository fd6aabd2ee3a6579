"""人口变动情况: move-ins, move-outs, births and deaths in one month (from ResidentEvent)."""
from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from commdesk.i18n import _
from commdesk.reports.ledger import Column, FilterSpec, Ledger, Params, register_ledger, to_date
from commdesk.reports.ledger_sql import address_of, grid_choices, grid_condition, stream

#: The kinds the monthly figures count, in the order the report lists them.
CHANGE_KINDS = ("迁入", "迁出", "出生", "死亡")
_KIND_ORDER = "CASE e.kind WHEN '迁入' THEN 1 WHEN '迁出' THEN 2 WHEN '出生' THEN 3 WHEN '死亡' THEN 4 ELSE 5 END"
_HOUSEHOLD = ("CASE WHEN e.kind IN ('迁出', '死亡') THEN coalesce(e.from_household_id, r.household_id)"
              " ELSE coalesce(e.to_household_id, r.household_id) END")
_FROM = (
    " FROM resident_event e JOIN resident r ON r.id = e.resident_id"
    f" LEFT JOIN household h ON h.id = {_HOUSEHOLD} LEFT JOIN grid g ON g.id = h.grid_id"
    " JOIN (SELECT e2.kind AS kind, count(*) AS n FROM resident_event e2 JOIN resident r2 ON r2.id = e2.resident_id"
    "  WHERE r2.archived_at IS NULL AND e2.event_date BETWEEN :first AND :last GROUP BY e2.kind) c"
    " ON c.kind = e.kind"
    " WHERE r.archived_at IS NULL AND e.event_date BETWEEN :first AND :last AND e.kind IN ({kinds}){cond}"
)
_SELECT = (
    "SELECT e.kind, e.event_date, e.place, e.note, r.name, r.gender, r.birth_date, r.id_number,"
    " h.household_no, h.estate, h.building, h.unit, h.room, h.address, g.name AS grid, c.n"
)


def month_range(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _where(params: Params) -> tuple[str, dict[str, Any]]:
    assert params.month is not None
    first, last = month_range(*params.month)
    binds: dict[str, Any] = {"first": first.isoformat(), "last": last.isoformat()}
    kind = params.filter("kind")
    kinds = [kind] if kind in CHANGE_KINDS else list(CHANGE_KINDS)
    for i, k in enumerate(kinds):
        binds[f"k{i}"] = k
    marks = ", ".join(f":k{i}" for i in range(len(kinds)))
    cond = grid_condition(params, binds)
    return _FROM.format(kinds=marks, cond=cond), binds


def _source(session: Session, params: Params) -> Iterator[Any]:
    from_sql, binds = _where(params)
    order = f" ORDER BY {_KIND_ORDER}, e.event_date, e.id"
    yield from stream(session, _SELECT + from_sql + order, binds)


def _count(session: Session, params: Params) -> int:
    from_sql, binds = _where(params)
    return int(session.execute(text("SELECT count(*)" + from_sql), binds).scalar_one())


def _section(row: Any) -> str:
    # The count is over the whole community (a grid filter narrows the rows, not the heading).
    return _("{kind}（本月共{n}人）").format(kind=row.kind, n=row.n)


CHANGES = register_ledger(Ledger(
    key="changes",
    title=_("人口变动情况"),
    description=_("某月的迁入、迁出、出生、死亡人员名单（需要 --month）"),
    columns=(
        Column("seq", _("序号"), 3, "seq"),
        Column("kind", _("变动类别"), 4, align="center"),
        Column("event_date", _("变动日期"), 6, "date", getter=lambda r: to_date(r.event_date)),
        Column("name", _("姓名"), 5),
        Column("gender", _("性别"), 2, align="center"),
        Column("birth_date", _("出生日期"), 6, "date", getter=lambda r: to_date(r.birth_date)),
        Column("id_number", _("公民身份号码"), 10, "id"),
        Column("household_no", _("户号"), 6, "code", getter=lambda r: r.household_no or ""),
        Column("grid", _("网格"), 5, getter=lambda r: r.grid or ""),
        Column("address", _("住址"), 12, getter=lambda r: address_of(r) if r.household_no is not None else ""),
        Column("place", _("迁入来源/迁出去向"), 9, getter=lambda r: r.place or ""),
        Column("note", _("备注"), 6, getter=lambda r: r.note or ""),
    ),
    source=_source,
    count=_count,
    section_key=_section,
    filters=(
        FilterSpec("grid", _("网格"), grid_choices),
        FilterSpec("kind", _("变动类别"), lambda s: [(k, k) for k in CHANGE_KINDS]),
    ),
    landscape=True,
    order=30,
    needs_month=True,
))
