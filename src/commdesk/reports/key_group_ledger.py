"""重点人群台账: residents with key-group tags, one section per tag, by grid within a tag."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from commdesk.i18n import _
from commdesk.models.household import split_tags
from commdesk.reports.ledger import Column, FilterSpec, Ledger, Params, register_ledger, to_date
from commdesk.reports.ledger_sql import address_of, grid_choices, grid_condition, stream, tag_choices, tag_order

_FROM = (
    " FROM resident r JOIN household h ON h.id = r.household_id LEFT JOIN grid g ON g.id = h.grid_id"
    " WHERE r.archived_at IS NULL AND h.archived_at IS NULL AND r.status = '在住' AND r.tags != ''{cond}"
)
_SELECT = (
    "SELECT :section AS section, :tag AS tag, g.name AS grid, r.name, r.gender, r.birth_date, r.id_number,"
    " r.phone, h.household_no, h.estate, h.building, h.unit, h.room, h.address, r.tags, r.notes,"
    " CAST(substr(:day, 1, 4) AS INTEGER) - CAST(substr(r.birth_date, 1, 4) AS INTEGER)"
    " - CASE WHEN substr(:day, 6, 5) < substr(r.birth_date, 6, 5) THEN 1 ELSE 0 END AS age"
)
_HAS_TAG = " AND instr('、' || r.tags || '、', :needle) > 0"
_ORDER = " ORDER BY g.code, g.id, h.household_no, h.id, r.rel_order, r.id"


def _counts(session: Session, params: Params) -> tuple[list[str], Counter[str]]:
    binds: dict[str, Any] = {}
    cond = grid_condition(params, binds)
    counts: Counter[str] = Counter()
    for tags, n in session.execute(text("SELECT r.tags, count(*)" + _FROM.format(cond=cond) + " GROUP BY r.tags"),
                                   binds):
        for tag in split_tags(tags):
            counts[tag] += n
    wanted = params.filter("tag")
    order = [t for t in tag_order(session) if counts.get(t)]
    if wanted:
        order = [t for t in order if t == wanted]
    return order, counts


def _source(session: Session, params: Params) -> Iterator[Any]:
    order, counts = _counts(session, params)
    for tag in order:
        binds: dict[str, Any] = {"tag": tag, "needle": f"、{tag}、", "day": params.day.isoformat(),
                                 "section": _("{tag}（{n}人）").format(tag=tag, n=counts[tag])}
        cond = grid_condition(params, binds) + _HAS_TAG
        yield from stream(session, _SELECT + _FROM.format(cond=cond) + _ORDER, binds)


def _count(session: Session, params: Params) -> int:
    order, counts = _counts(session, params)
    return sum(counts[t] for t in order)


def _other_tags(row: Any) -> str:
    return "、".join(t for t in split_tags(row.tags) if t != row.tag)


KEY_GROUPS = register_ledger(Ledger(
    key="key-groups",
    title=_("重点人群台账"),
    description=_("有重点人群标签的在住居民，按类别分节、按网格排列"),
    columns=(
        Column("seq", _("序号"), 3, "seq"),
        Column("tag", _("类别"), 5, align="center"),
        Column("grid", _("网格"), 5),
        Column("name", _("姓名"), 5),
        Column("gender", _("性别"), 2, align="center"),
        Column("birth_date", _("出生日期"), 6, "date", getter=lambda r: to_date(r.birth_date)),
        Column("age", _("年龄"), 3, "int"),
        Column("id_number", _("公民身份号码"), 10, "id"),
        Column("phone", _("联系电话"), 7, "phone"),
        Column("household_no", _("户号"), 6, "code"),
        Column("address", _("住址"), 12, getter=address_of),
        Column("other_tags", _("其他类别"), 6, getter=_other_tags),
        Column("notes", _("备注"), 5, getter=lambda r: r.notes or ""),
    ),
    source=_source,
    count=_count,
    section_key=lambda r: r.section,
    filters=(
        FilterSpec("grid", _("网格"), grid_choices),
        FilterSpec("tag", _("重点人群类别"), tag_choices),
    ),
    landscape=True,
    order=20,
))
