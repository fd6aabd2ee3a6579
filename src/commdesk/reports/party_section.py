"""Monthly report section 党建引领: members and their changes, coverage per grid, the month's
visits and the overdue visits (as of the month's last day, or today for the running month)."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import text
from sqlalchemy.orm import Session

from commdesk.i18n import _
from commdesk.models.party import VISIT_KINDS
from commdesk.reports.monthly_blocks import Block, Chart, ReportContext, ReportSection, Table, Text, register_section

MAX_LISTED = 30


def _members(session: Session, ctx: ReportContext) -> list[Block]:
    counts = Counter()
    for membership, category, n in session.execute(text(
            "SELECT membership, category, count(*) FROM party_member WHERE archived_at IS NULL"
            " AND status NOT IN ('已转出', '已去世') GROUP BY membership, category")):
        counts[membership] += n
        counts[category] += n
        counts["total"] += n
    mobile = session.execute(text("SELECT count(*) FROM party_member WHERE archived_at IS NULL"
                                  " AND status = '外出流动'")).scalar_one()
    blocks: list[Block] = [Text(_("在册党员 {n} 名：正式党员 {full} 名、预备党员 {prob} 名；居住党员 {res} 名、"
                                  "在职党员报到 {work} 名、流动党员 {mob} 名（外出流动 {out} 名）。").format(
        n=counts["total"], full=counts["正式党员"], prob=counts["预备党员"], res=counts["居住党员"],
        work=counts["在职党员报到"], mob=counts["流动党员"], out=mobile))]
    events = session.execute(text(
        "SELECT e.event_date, m.name, e.kind, e.old_value, e.new_value, e.note FROM party_member_event e"
        " JOIN party_member m ON m.id = e.member_id WHERE m.archived_at IS NULL AND e.kind != '登记'"
        " AND e.event_date BETWEEN :a AND :b ORDER BY e.event_date, e.id"),
        {"a": ctx.first.isoformat(), "b": ctx.last.isoformat()}).all()
    if events:
        rows = [[str(d)[:10], name, kind, f"{old} → {new}" if old or new else "", note]
                for d, name, kind, old, new, note in events[:MAX_LISTED]]
        title = _("本月党员变动（{n}项）").format(n=len(events))
        if len(events) > MAX_LISTED:
            title += _("，列出前 {n} 项").format(n=MAX_LISTED)
        blocks.append(Table(title, [_("日期"), _("姓名"), _("变动"), _("内容"), _("说明")], rows,
                            align=("center", "left", "center", "left", "left"), widths=(6, 5, 5, 12, 10)))
    else:
        blocks.append(Text(_("本月无党员变动。")))
    return blocks


def _coverage(session: Session) -> list[Block]:
    from commdesk.services.coverage import coverage_totals, grid_coverage
    from commdesk.settings.party import center_target

    rows = grid_coverage(session)
    if not rows:
        return []
    total = coverage_totals(rows)
    low, high = center_target(session)
    table_rows = [[r.grid, r.households, r.centers, r.covered, r.uncovered, f"{r.percent:.1f}%"] for r in rows]
    table_rows.append([_("合计"), total.households, total.centers, total.covered, total.uncovered,
                       f"{total.percent:.1f}%"])
    out: list[Block] = [
        Table(_("党员中心户覆盖情况（每户联系 {low}–{high} 户为宜）").format(low=low, high=high),
              [_("网格"), _("户数"), _("中心户"), _("已覆盖"), _("未覆盖"), _("覆盖率")], table_rows,
              align=("left", "right", "right", "right", "right", "right"), total=True),
        Chart(_("各网格覆盖率"), "bar", [r.grid for r in rows], [(_("覆盖率"), [round(r.percent, 1) for r in rows])]),
    ]
    from commdesk.services.party_centers import center_counts

    c = center_counts(session)
    if c["over"] or c["under"]:
        out.append(Text(_("联系户数超出目标的中心户 {over} 个，不足的 {under} 个。").format(over=c["over"],
                                                                                  under=c["under"])))
    return out


def _visits(session: Session, ctx: ReportContext) -> list[Block]:
    from commdesk.services.visits import month_visit_counts, overdue_visits

    counts = month_visit_counts(session, ctx.first, ctx.last)
    needs = session.execute(text(
        "SELECT count(*), sum(CASE WHEN need_status = '已办结' THEN 1 ELSE 0 END) FROM visit WHERE archived_at IS NULL AND needs != ''"
        " AND visit_date BETWEEN :a AND :b"), {"a": ctx.first.isoformat(), "b": ctx.last.isoformat()}).one()
    total = sum(counts.values())
    blocks: list[Block] = [Text(_("本月走访 {n} 户次，收集诉求 {needs} 件，已办结 {done} 件。").format(
        n=total, needs=needs[0] or 0, done=needs[1] or 0))]
    if total:
        kinds = [k for k in VISIT_KINDS if counts.get(k)] + sorted(set(counts) - set(VISIT_KINDS))
        blocks.append(Table(_("本月走访（按类别）"), [_("类别"), _("户次")],
                            [[k, counts[k]] for k in kinds] + [[_("合计"), total]], align=("left", "right"),
                            total=True))
    as_of = min(ctx.last, ctx.today)
    overdue = overdue_visits(session, as_of)
    if overdue:
        title = _("逾期未走访的联系户（截至 {d}，共 {n} 户）").format(d=as_of.isoformat(), n=len(overdue))
        if len(overdue) > MAX_LISTED:
            title += _("，列出逾期最久的 {n} 户").format(n=MAX_LISTED)
        rows = [[o.grid, o.head, o.address, o.center_member, o.last_visit.isoformat() if o.last_visit else _("未走访"),
                 o.interval, o.days_overdue] for o in overdue[:MAX_LISTED]]
        blocks.append(Table(title, [_("网格"), _("户主"), _("住址"), _("中心户"), _("上次走访"), _("周期(天)"),
                                    _("逾期(天)")], rows,
                            align=("left", "left", "left", "left", "center", "right", "right"),
                            widths=(5, 5, 12, 5, 6, 4, 4)))
    else:
        blocks.append(Text(_("截至 {d}，没有逾期未走访的联系户。").format(d=as_of.isoformat())))
    return blocks


def build_party_blocks(session: Session, ctx: ReportContext) -> list[Block]:
    has_party = session.execute(text("SELECT EXISTS (SELECT 1 FROM party_member) OR EXISTS"
                                     " (SELECT 1 FROM center_household)")).scalar()
    if not has_party:
        return [Text(_("尚未登记党员和党员中心户。"))]
    return _members(session, ctx) + _coverage(session) + _visits(session, ctx)


PARTY_SECTION = register_section(ReportSection("party", _("党建引领：党员、中心户与走访"), build_party_blocks, order=60))
