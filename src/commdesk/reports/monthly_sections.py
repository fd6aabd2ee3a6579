"""The monthly report's built-in sections: overview, grids, changes, key groups, age structure.

Figures are for residents living here (在住, not archived) at the time the report is made;
ages are taken on the last day of the month; changes are the month's ResidentEvents.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from commdesk.i18n import _
from commdesk.models.household import RESIDENT_TAGS, split_tags
from commdesk.reports.change_ledger import CHANGE_KINDS
from commdesk.reports.ledger import Params, Row, format_cell, get_ledger
from commdesk.reports.monthly_blocks import Block, Chart, ReportContext, ReportSection, Table, Text, register_section

AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-6岁", 0, 6), ("7-17岁", 7, 17), ("18-34岁", 18, 34), ("35-59岁", 35, 59), ("60-79岁", 60, 79),
    ("80岁及以上", 80, None),
)
PARTY = ("中共党员", "中共预备党员")
_LIVING = (" FROM resident r JOIN household h ON h.id = r.household_id"
           " WHERE r.archived_at IS NULL AND h.archived_at IS NULL AND r.status = '在住'")


@dataclass
class _Grid:
    id: int | None
    name: str
    leader: str = ""
    households: int = 0
    residents: int = 0
    male: int = 0
    female: int = 0
    elderly: int = 0
    party: int = 0


def _grids(session: Session) -> dict[int | None, _Grid]:
    grids: dict[int | None, _Grid] = {}
    for gid, name, leader in session.execute(text(
            "SELECT id, name, leader FROM grid WHERE archived_at IS NULL ORDER BY code, id")):
        grids[gid] = _Grid(gid, name, leader or "")
    return grids


def _grid(grids: dict[int | None, _Grid], gid: int | None) -> _Grid:
    if gid not in grids:
        grids[gid] = _Grid(gid, _("未分网格"))
    return grids[gid]


def band_of(age: int | None) -> str:
    if age is None or age < 0:
        return _("出生日期不详")
    for label, lo, hi in AGE_BANDS:
        if age >= lo and (hi is None or age <= hi):
            return _(label)
    return _("出生日期不详")


@dataclass
class Figures:
    grids: dict[int | None, _Grid]
    ages: dict[str, Counter[str]]
    hukou: Counter[str]
    tags: dict[str, Counter[int | None]]     # tag → grid id → residents
    tagged: int                              # residents with at least one tag


def _resident_figures(session: Session, ctx: ReportContext) -> Figures:
    """Every resident-level figure of the report from one scan (cached for the report's session)."""
    cache: dict[Any, Figures] = session.info.setdefault("commdesk.monthly.figures", {})
    if ctx not in cache:
        cache[ctx] = _scan_residents(session, ctx)
    return cache[ctx]


def _scan_residents(session: Session, ctx: ReportContext) -> Figures:
    grids = _grids(session)
    for gid, n in session.execute(text("SELECT grid_id, count(*) FROM household WHERE archived_at IS NULL"
                                       " AND status != '迁出' GROUP BY grid_id")):
        _grid(grids, gid).households += n
    ages: dict[str, Counter[str]] = defaultdict(Counter)
    hukou: Counter[str] = Counter()
    tags: dict[str, Counter[int | None]] = defaultdict(Counter)
    tagged = 0
    day = ctx.last
    # One GROUP BY over plain columns (age = year difference minus "birthday still to come").
    sql = ("SELECT h.grid_id, r.gender, substr(r.birth_date, 1, 4), substr(r.birth_date, 6, 5) > :md,"
           " r.political_status IN ('中共党员', '中共预备党员'), r.hukou_type, r.tags, count(*)" + _LIVING
           + " GROUP BY 1, 2, 3, 4, 5, 6, 7")
    for gid, gender, born_year, later, party, kind, tag_text, n in session.execute(
            text(sql), {"md": f"{day.month:02d}-{day.day:02d}"}):
        g = _grid(grids, gid)
        g.residents += n
        if gender == "男":
            g.male += n
        elif gender == "女":
            g.female += n
        age = day.year - int(born_year) - int(later or 0) if born_year and born_year.isdigit() else None
        if age is not None and age >= 60:
            g.elderly += n
        if party:
            g.party += n
        ages[band_of(age)][gender or ""] += n
        hukou[kind or ""] += n
        if tag_text:
            tagged += n
            for tag in split_tags(tag_text):
                tags[tag][gid] += n
    return Figures(grids, ages, hukou, tags, tagged)


def _event_counts(session: Session, ctx: ReportContext) -> Counter[str]:
    sql = ("SELECT e.kind, count(*) FROM resident_event e JOIN resident r ON r.id = e.resident_id"
           " WHERE r.archived_at IS NULL AND e.event_date BETWEEN :first AND :last GROUP BY e.kind")
    return Counter(dict(session.execute(text(sql), {"first": ctx.first.isoformat(), "last": ctx.last.isoformat()})
                        .all()))


def overview(session: Session, ctx: ReportContext) -> list[Block]:
    fig = _resident_figures(session, ctx)
    grids, hukou, tagged = fig.grids, fig.hukou, fig.tagged
    events = _event_counts(session, ctx)
    households = sum(g.households for g in grids.values())
    residents = sum(g.residents for g in grids.values())
    party = sum(g.party for g in grids.values())
    rows = [
        [_("网格数"), len([g for g in grids.values() if g.id is not None])],
        [_("户数（户）"), households],
        [_("在住人口（人）"), residents],
        [_("其中：男性"), sum(g.male for g in grids.values())],
        [_("其中：女性"), sum(g.female for g in grids.values())],
        [_("其中：户籍人口"), hukou.get("户籍", 0)],
        [_("其中：流动人口"), hukou.get("流动", 0)],
        [_("其中：60岁及以上"), sum(g.elderly for g in grids.values())],
        [_("其中：党员"), party],
        [_("重点人群（人）"), tagged],
    ] + [[_("本月{kind}（人）").format(kind=k), events.get(k, 0)] for k in CHANGE_KINDS]
    summary = _("截至{label}末，本社区共有{h}户、在住人口{r}人。本月迁入{a}人、迁出{b}人、出生{c}人、死亡{d}人。").format(
        label=ctx.label, h=households, r=residents, a=events.get("迁入", 0), b=events.get("迁出", 0),
        c=events.get("出生", 0), d=events.get("死亡", 0))
    return [Text(summary), Table(_("基本情况"), [_("项目"), _("数量")], rows, ("left", "right"), widths=(16, 8))]


def per_grid(session: Session, ctx: ReportContext) -> list[Block]:
    grids = _resident_figures(session, ctx).grids
    rows: list[list[Any]] = []
    shown = [g for g in grids.values() if g.id is not None or g.households or g.residents]
    for g in shown:
        rows.append([g.name, g.leader, g.households, g.residents, g.male, g.female, g.elderly, g.party])
    rows.append([_("合计"), "", *(sum(r[i] for r in rows) for i in range(2, 8))])
    headers = [_("网格"), _("网格长"), _("户数"), _("人口"), _("男"), _("女"), _("60岁及以上"), _("党员")]
    chart = Chart(_("各网格户数与人口"), "column", [g.name for g in shown],
                  [(_("户数"), [g.households for g in shown]), (_("人口"), [g.residents for g in shown])])
    return [Table(_("各网格户数与人口"), headers, rows, ("left", "left") + ("right",) * 6, total=True), chart]


def changes(session: Session, ctx: ReportContext) -> list[Block]:
    counts = _event_counts(session, ctx)
    blocks: list[Block] = [
        Table(_("本月人口变动"), [_("类别"), _("人数")], [[k, counts.get(k, 0)] for k in CHANGE_KINDS]
              + [[_("合计"), sum(counts.get(k, 0) for k in CHANGE_KINDS)]], ("left", "right"), total=True,
              widths=(10, 8)),
        Chart(_("本月人口变动"), "column", list(CHANGE_KINDS), [(_("人数"), [counts.get(k, 0) for k in CHANGE_KINDS])]),
    ]
    ledger = get_ledger("changes")
    keys = ("seq", "event_date", "name", "gender", "birth_date", "household_no", "grid", "address", "place")
    columns = [ledger.column(k) for k in keys]
    headers = [c.header for c in columns]
    for kind in CHANGE_KINDS:
        params = Params(month=(ctx.year, ctx.month), filters={"kind": kind}, columns=keys, today=ctx.today)
        rows = [[format_cell(c, v) if c.kind not in ("seq",) else v for c, v in zip(columns, item.values)]
                for item in ledger.rows(session, params) if isinstance(item, Row)]
        title = _("本月{kind}人员名单（{n}人）").format(kind=kind, n=len(rows))
        if rows:
            blocks.append(Table(title, headers, rows, [c.alignment for c in columns],
                                widths=[c.width for c in columns]))
        else:
            blocks.append(Text(_("本月无{kind}人员。").format(kind=kind)))
    return blocks


def key_groups(session: Session, ctx: ReportContext) -> list[Block]:
    fig = _resident_figures(session, ctx)
    grids, counts = fig.grids, fig.tags
    order = [t for t in RESIDENT_TAGS if counts.get(t)] + sorted(set(counts) - set(RESIDENT_TAGS))
    shown = [g for g in grids.values() if g.id is not None or any(counts[t].get(None) for t in order)]
    if not order:
        return [Text(_("暂无重点人群登记。"))]
    title = _("重点人群分网格统计（人）")
    if len(shown) <= 8:   # a few grids: one row per category, one column per grid
        headers = [_("类别")] + [g.name for g in shown] + [_("合计")]
        rows = [[t] + [counts[t].get(g.id, 0) for g in shown] + [sum(counts[t].values())] for t in order]
        table = Table(title, headers, rows, ("left",) + ("right",) * (len(headers) - 1))
    else:                 # many grids (a street office): one row per grid, one column per category
        headers = [_("网格")] + order + [_("合计")]
        rows = [[g.name] + [counts[t].get(g.id, 0) for t in order] + [sum(counts[t].get(g.id, 0) for t in order)]
                for g in shown]
        rows.append([_("合计")] + [sum(counts[t].values()) for t in order]
                    + [sum(sum(counts[t].values()) for t in order)])
        table = Table(title, headers, rows, ("left",) + ("right",) * (len(headers) - 1), total=True)
    chart = Chart(_("重点人群人数"), "bar", order, [(_("人数"), [sum(counts[t].values()) for t in order])])
    note = Text(_("一人可属于多个类别，各类别人数之和可能大于重点人群总人数。"))
    return [table, note, chart]


def age_structure(session: Session, ctx: ReportContext) -> list[Block]:
    ages = _resident_figures(session, ctx).ages
    labels = [_(b[0]) for b in AGE_BANDS]
    if ages.get(_("出生日期不详")):
        labels.append(_("出生日期不详"))
    total = sum(sum(c.values()) for c in ages.values()) or 1
    rows = []
    for label in labels:
        c = ages.get(label, Counter())
        n = sum(c.values())
        rows.append([label, c.get("男", 0), c.get("女", 0), n, f"{n * 100 / total:.1f}%"])
    rows.append([_("合计"), sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows), "100.0%"])
    chart = Chart(_("年龄结构"), "pie", labels, [(_("人数"), [r[3] for r in rows[:-1]])])
    return [Table(_("年龄结构（截至{date}）").format(date=ctx.last.isoformat()),
                  [_("年龄段"), _("男"), _("女"), _("合计"), _("占比")], rows, ("left",) + ("right",) * 4, total=True),
            chart]


register_section(ReportSection("overview", _("基本情况"), overview, order=10))
register_section(ReportSection("grids", _("各网格户数与人口"), per_grid, order=20))
register_section(ReportSection("changes", _("本月人口变动"), changes, order=30))
register_section(ReportSection("key-groups", _("重点人群"), key_groups, order=40))
register_section(ReportSection("age", _("年龄结构"), age_structure, order=50))
