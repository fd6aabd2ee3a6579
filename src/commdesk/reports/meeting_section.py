"""Monthly report sections: 三会一课 done vs due per branch, the month's consultations, and the
responsibility checklist (created / completed / overdue as of the month's end)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from commdesk.i18n import _
from commdesk.reports.monthly_blocks import Block, Chart, ReportContext, ReportSection, Table, Text, register_section

MAX_LISTED = 30


def _meetings(session: Session, ctx: ReportContext) -> list[Block]:
    from commdesk.services.compliance import STATE_LABELS, compliance_calendar, compliance_issues
    from commdesk.settings.meetings import meeting_rules

    as_of = min(ctx.last, ctx.today)
    rules = meeting_rules(session)
    rows = compliance_calendar(session, ctx.year, as_of)
    if not rows:
        return [Text(_("尚未建立党支部，没有三会一课统计。"))]
    held_month = session.execute(text(
        "SELECT count(*) FROM meeting WHERE archived_at IS NULL AND start_at >= :a AND start_at < :b"),
        {"a": ctx.first.isoformat(), "b": (ctx.last + timedelta(days=1)).isoformat()}).scalar_one()
    blocks: list[Block] = [Text(_("本月共召开各类会议 {n} 次。三会一课按本期（截至 {d}）统计：").format(
        n=held_month, d=as_of.isoformat()))]
    kinds = [r.kind for r in rules]
    table: dict[str, dict[str, str]] = {}
    done = due = 0
    for row in rows:
        cell = next((c for c in row.cells if c.period.start <= ctx.last <= c.period.end), None)
        if cell is None:
            continue
        branch = row.unit.split("·")[0]
        mark = table.setdefault(branch, {})
        prev = mark.get(row.kind, "")
        text_ = f"{cell.done}/{cell.required}" if not row.rule.per_group else _(STATE_LABELS[cell.state])
        if row.rule.per_group:
            # groups: "已开 2/3 组"
            n_ok, n_all = (int(x) for x in (prev.split("/") if prev else ("0", "0")))
            n_ok += cell.state == "done"
            n_all += 1
            text_ = f"{n_ok}/{n_all}"
        mark[row.kind] = text_
        due += 1
        done += cell.state == "done"
    headers = [_("党支部")] + [f"{k}（{_('小组')}）" if k == "党小组会" else k for k in kinds]
    t_rows = [[b] + [marks.get(k, "") for k in kinds] for b, marks in table.items()]
    blocks.append(Table(_("三会一课落实情况（已开/应开；党小组会为已开组数/小组数）"), headers, t_rows,
                        align=("left",) + ("center",) * len(kinds)))
    blocks.append(Chart(_("本期三会一课完成情况"), "pie", [_("已开"), _("未开")], [(_("项"), [done, due - done])]))
    missing = [i for i in compliance_issues(session, as_of, rows=rows) if i.state == "missing"]
    if missing:
        title = _("本年度缺开的三会一课（截至 {d}，共 {n} 项）").format(d=as_of.isoformat(), n=len(missing))
        if len(missing) > MAX_LISTED:
            title += _("，列出最近的 {n} 项").format(n=MAX_LISTED)
        blocks.append(Table(title, [_("党组织"), _("会议类型"), _("时段"), _("应开"), _("实开")],
                            [[i.unit, i.kind, i.period.label, i.required, i.done] for i in missing[:MAX_LISTED]],
                            align=("left", "center", "center", "right", "right"), widths=(12, 6, 6, 3, 3)))
    else:
        blocks.append(Text(_("本年度截至 {d} 没有缺开的三会一课。").format(d=as_of.isoformat())))
    return blocks


def _consultations(session: Session, ctx: ReportContext) -> list[Block]:
    rows = session.execute(text(
        "SELECT c.topic, c.source, c.held_on, c.outcome, c.executor, c.result, c.staged,"
        " (SELECT count(*) FROM consultation_stage s WHERE s.consultation_id = c.id AND s.archived_at IS NULL)"
        " FROM consultation c WHERE c.archived_at IS NULL AND c.held_on BETWEEN :a AND :b ORDER BY c.held_on, c.id"),
        {"a": ctx.first.isoformat(), "b": ctx.last.isoformat()}).all()
    published = session.execute(text(
        "SELECT sum(decision_published_on BETWEEN :a AND :b), sum(result_published_on BETWEEN :a AND :b),"
        " sum(decision != '' AND result = '' AND outcome != '未达成') FROM consultation WHERE archived_at IS NULL"),
        {"a": ctx.first.isoformat(), "b": ctx.last.isoformat()}).one()
    blocks: list[Block] = [Text(_("本月开展协商议事 {n} 项（其中“四议两公开” {s} 项）；本月公开决议 {d} 项、公开实施结果 {r} 项；"
                                  "已形成决议尚在落实的共 {o} 项。").format(
        n=len(rows), s=sum(1 for r in rows if r[6]), d=published[0] or 0, r=published[1] or 0, o=published[2] or 0))]
    if rows:
        blocks.append(Table(_("本月协商议事"), [_("议题"), _("来源"), _("日期"), _("结果"), _("责任单位"), _("落实")],
                            [[r[0], r[1], str(r[2])[:10], r[3] or _("议事中"), r[4],
                              (_("已落实") if r[5] else _("落实中")) if r[3] in ("达成一致", "部分一致") else ""]
                             for r in rows[:MAX_LISTED]],
                            align=("left", "center", "center", "center", "left", "center"), widths=(12, 5, 6, 5, 7, 4)))
    return blocks


def _checklist(session: Session, ctx: ReportContext) -> list[Block]:
    as_of = min(ctx.last, ctx.today)
    binds = {"a": ctx.first.isoformat(), "b": ctx.last.isoformat(), "d": as_of.isoformat()}
    created, completed, overdue, open_n, late = session.execute(text(
        "SELECT sum(date(created_at) BETWEEN :a AND :b OR start_date BETWEEN :a AND :b),"
        " sum(completed_on BETWEEN :a AND :b),"
        " sum(deadline < :d AND (completed_on IS NULL OR completed_on > :d)),"
        " sum(start_date <= :d AND (completed_on IS NULL OR completed_on > :d)),"
        " sum(completed_on BETWEEN :a AND :b AND completed_on > deadline)"
        " FROM checklist_item WHERE archived_at IS NULL"), binds).one()
    blocks: list[Block] = [Text(_("本月新增责任清单事项 {c} 项，完成 {d} 项（其中逾期完成 {l} 项）；截至 {day}，"
                                  "在办 {o} 项，逾期未完成 {x} 项。").format(
        c=created or 0, d=completed or 0, l=late or 0, day=as_of.isoformat(), o=open_n or 0, x=overdue or 0))]
    by_status = dict(session.execute(text(
        "SELECT status, count(*) FROM checklist_item WHERE archived_at IS NULL GROUP BY status")).all())
    order = ("未启动", "推进中", "已完成", "已销号")
    if by_status:
        blocks.append(Chart(_("责任清单事项状态"), "column", [_(s) for s in order],
                            [(_("事项数"), [by_status.get(s, 0) for s in order])]))
    rows = session.execute(text(
        "SELECT title, responsible_unit, responsible_person, deadline, status, overdue_reason FROM checklist_item"
        " WHERE archived_at IS NULL AND deadline < :d AND (completed_on IS NULL OR completed_on > :d)"
        " ORDER BY deadline, id LIMIT :n"), {"d": as_of.isoformat(), "n": MAX_LISTED}).all()
    if rows:
        blocks.append(Table(_("逾期未完成的责任清单事项（截至 {d}）").format(d=as_of.isoformat()),
                            [_("事项"), _("责任单位"), _("责任人"), _("完成时限"), _("逾期(天)"), _("原因说明")],
                            [[r[0], r[1], r[2], str(r[3])[:10],
                              (as_of - __import__("datetime").date.fromisoformat(str(r[3])[:10])).days,
                              r[5] or _("（未说明）")] for r in rows],
                            align=("left", "left", "center", "center", "right", "left"), widths=(12, 7, 4, 6, 4, 10)))
    return blocks


def build_meeting_blocks(session: Session, ctx: ReportContext) -> list[Block]:
    has_any = session.execute(text("SELECT EXISTS (SELECT 1 FROM meeting) OR EXISTS (SELECT 1 FROM party_org)")).scalar()
    if not has_any:
        return [Text(_("尚未登记会议。"))]
    return _meetings(session, ctx)


def build_consultation_blocks(session: Session, ctx: ReportContext) -> list[Block]:
    return _consultations(session, ctx)


def build_checklist_blocks(session: Session, ctx: ReportContext) -> list[Block]:
    has_items = session.execute(text("SELECT EXISTS (SELECT 1 FROM checklist_item)")).scalar()
    if not has_items:
        return [Text(_("尚未建立责任清单。"))]
    return _checklist(session, ctx)


MEETING_SECTION = register_section(ReportSection("meetings", _("组织生活：三会一课"), build_meeting_blocks, order=70))
CONSULTATION_SECTION = register_section(ReportSection("consultations", _("协商议事"), build_consultation_blocks,
                                                      order=71))
CHECKLIST_SECTION = register_section(ReportSection("checklist", _("责任清单"), build_checklist_blocks, order=72))
