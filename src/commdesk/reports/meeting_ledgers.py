"""Meeting and consultation ledgers: 三会一课记录台账, 三会一课落实情况表, 协商议事记录台账 (Excel, PDF, screen)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from types import SimpleNamespace
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from commdesk.i18n import _
from commdesk.models.meeting import CONSULTATION_SOURCES, MEETING_KINDS
from commdesk.reports.ledger import Column, FilterSpec, Ledger, Params, register_ledger, to_date
from commdesk.reports.ledger_sql import stream


def branch_choices(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(text("SELECT name FROM party_org WHERE archived_at IS NULL AND kind IN ('党支部', '党总支')"
                                " ORDER BY sort_order, id")).all()
    return [(r[0], r[0]) for r in rows]


def year_choices(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(text("SELECT DISTINCT strftime('%Y', start_at) FROM meeting WHERE archived_at IS NULL"
                                " ORDER BY 1 DESC")).all()
    return [(r[0], _("{y}年").format(y=r[0])) for r in rows if r[0]]


def _month_bounds(params: Params) -> tuple[str, str] | None:
    if params.month:
        from commdesk.reports.change_ledger import month_range

        first, last = month_range(*params.month)
        return first.isoformat(), last.isoformat() + " 23:59:59.999999"
    year = params.filter("year")
    if year:
        return f"{int(year):04d}-01-01", f"{int(year):04d}-12-31 23:59:59.999999"
    return None


# -- 三会一课记录台账 ---------------------------------------------------------------------------------------
_MEETINGS_FROM = (
    " FROM meeting mt LEFT JOIN party_org b ON b.id = mt.org_id LEFT JOIN party_org g ON g.id = mt.group_id"
    " WHERE mt.archived_at IS NULL{cond}"
)
_MEETINGS_SELECT = (
    "SELECT coalesce(b.name, '') AS branch, g.name AS party_group, mt.kind, mt.topic, mt.start_at, mt.end_at,"
    " mt.place, mt.host, mt.recorder, mt.expected, mt.present, mt.voting_expected, mt.voting_present, mt.guests,"
    " mt.agenda, mt.resolutions,"
    " (SELECT group_concat(a.name || CASE WHEN a.reason != '' THEN '（' || a.reason || '）' ELSE '' END, '、')"
    "  FROM meeting_attendee a WHERE a.meeting_id = mt.id AND a.status != '出席') AS absent,"
    " (SELECT count(*) FROM attachment x WHERE x.owner_table = 'meeting' AND x.owner_id = mt.id"
    "  AND x.archived_at IS NULL) AS files"
)


def _meetings_where(params: Params) -> tuple[str, dict[str, Any]]:
    binds: dict[str, Any] = {}
    cond = ""
    branch = params.filter("branch")
    if branch:
        cond += " AND b.name = :branch"
        binds["branch"] = str(branch)
    kind = params.filter("kind")
    if kind:
        cond += " AND mt.kind = :kind"
        binds["kind"] = kind
    elif params.filter("scope") == "三会一课":
        cond += " AND mt.org_id IS NOT NULL"
    bounds = _month_bounds(params)
    if bounds:
        cond += " AND mt.start_at >= :a AND mt.start_at <= :b"
        binds.update(a=bounds[0], b=bounds[1])
    return _MEETINGS_FROM.format(cond=cond), binds


def _meetings_source(session: Session, params: Params) -> Iterator[Any]:
    from_sql, binds = _meetings_where(params)
    order = " ORDER BY b.sort_order IS NULL, b.sort_order, b.id, mt.start_at, mt.id"
    if params.sort == "kind":
        order = " ORDER BY b.sort_order IS NULL, b.sort_order, b.id, mt.kind, mt.start_at, mt.id"
    yield from stream(session, _MEETINGS_SELECT + from_sql + order, binds)


def _meetings_count(session: Session, params: Params) -> int:
    from_sql, binds = _meetings_where(params)
    return int(session.execute(text("SELECT count(*)" + from_sql), binds).scalar_one())


def _when(r: Any) -> str:
    start = str(r.start_at or "")[:16]
    end = str(r.end_at or "")[11:16]
    return f"{start}–{end}" if end else start


def _quorum(r: Any) -> str:
    from commdesk.services.meetings import quorum

    q = quorum(r.kind, r.voting_expected, r.voting_present)
    return "" if not q.applies else (_("有效") if q.ok else _("不足半数"))


MEETINGS = register_ledger(Ledger(
    key="meetings",
    title=_("三会一课记录台账"),
    description=_("会议记录：类型、时间、地点、主持人、记录人、应到实到、缺席及原因、议题、决议（可加 --month）"),
    columns=(
        Column("seq", _("序号"), 3, "seq"),
        Column("kind", _("会议类型"), 6, align="center"),
        Column("party_group", _("党小组"), 6, getter=lambda r: r.party_group or ""),
        Column("when", _("会议时间"), 10, align="center", getter=_when),
        Column("place", _("地点"), 7),
        Column("topic", _("会议名称/议题"), 12),
        Column("host", _("主持人"), 4, align="center"),
        Column("recorder", _("记录人"), 4, align="center"),
        Column("expected", _("应到"), 3, "int"),
        Column("present", _("实到"), 3, "int"),
        Column("absent", _("缺席人员及原因"), 10, getter=lambda r: r.absent or ""),
        Column("guests", _("列席人员"), 6, default=False),
        Column("agenda", _("议程"), 10, default=False),
        Column("resolutions", _("决议/决定"), 12),
        Column("quorum", _("法定人数"), 4, align="center", getter=_quorum),
        Column("files", _("附件"), 3, "int", default=False),
    ),
    source=_meetings_source,
    count=_meetings_count,
    section_key=lambda r: r.branch or _("社区（非支部会议）"),
    filters=(
        FilterSpec("branch", _("党支部"), branch_choices),
        FilterSpec("kind", _("会议类型"), lambda s: [(k, k) for k in MEETING_KINDS]),
        FilterSpec("year", _("年度"), year_choices),
        FilterSpec("scope", _("范围"), lambda s: [("三会一课", _("只含党组织会议"))]),
    ),
    sorts=(("start_at", _("按时间")), ("kind", _("按会议类型"))),
    landscape=True,
    order=70,
))


# -- 三会一课落实情况表 -------------------------------------------------------------------------------------
def _compliance_source(session: Session, params: Params) -> Iterator[Any]:
    from commdesk.services.compliance import STATE_LABELS, compliance_calendar

    today = params.day
    year = int(params.filter("year") or (params.month[0] if params.month else today.year))
    branch = params.filter("branch")
    for row in compliance_calendar(session, year, today):
        if branch and not row.unit.startswith(str(branch)):
            continue
        started = [c for c in row.cells if c.period.start <= today]
        current = next((c for c in row.cells if c.period.start <= today <= c.period.end), None)
        yield SimpleNamespace(
            unit=row.unit, kind=row.kind, rule=row.rule.label, due=len(started),
            held=sum(c.done for c in row.cells), done=sum(1 for c in started if c.state == "done"),
            missing=sum(1 for c in started if c.state == "missing"),
            missing_periods="、".join(c.period.label for c in started if c.state == "missing"),
            current=(f"{current.period.label}：{_(STATE_LABELS[current.state])}" if current else ""))


MEETING_COMPLIANCE = register_ledger(Ledger(
    key="meeting-compliance",
    title=_("三会一课落实情况表"),
    description=_("每个党支部（党小组）各类会议应开、已开、缺开情况（按年度，默认今年）"),
    columns=(
        Column("seq", _("序号"), 3, "seq"),
        Column("unit", _("党组织"), 12),
        Column("kind", _("会议类型"), 6, align="center"),
        Column("rule", _("频次要求"), 12),
        Column("due", _("应开期数"), 4, "int"),
        Column("done", _("已开期数"), 4, "int"),
        Column("held", _("召开次数"), 4, "int"),
        Column("missing", _("缺开期数"), 4, "int"),
        Column("missing_periods", _("缺开时段"), 14),
        Column("current", _("本期情况"), 9),
    ),
    source=_compliance_source,
    filters=(FilterSpec("branch", _("党支部"), branch_choices), FilterSpec("year", _("年度"), year_choices)),
    landscape=True,
    order=71,
))


# -- 协商议事记录台账 ---------------------------------------------------------------------------------------
_CONSULT_FROM = " FROM consultation c WHERE c.archived_at IS NULL{cond}"
_CONSULT_SELECT = (
    "SELECT c.id, c.topic, c.source, c.proposer, c.held_on, c.form, c.expected, c.present, c.outcome, c.decision,"
    " c.executor, c.due_date, c.result, c.decision_published_on, c.decision_published_how, c.result_published_on,"
    " c.result_published_how, c.satisfaction, c.staged, c.votes_for, c.votes_against,"
    " (SELECT count(*) FROM consultation_stage s WHERE s.consultation_id = c.id AND s.archived_at IS NULL) AS stages,"
    " (SELECT group_concat(p.side || '：' || p.names, '；') FROM (SELECT side, group_concat(name, '、') AS names,"
    "  min(sort_order) AS o FROM consultation_participant WHERE consultation_id = c.id GROUP BY side ORDER BY o) p)"
    "  AS participants,"
    " (SELECT count(*) FROM checklist_item i WHERE i.source_consultation_id = c.id AND i.archived_at IS NULL) AS items"
)


def _consult_where(params: Params) -> tuple[str, dict[str, Any]]:
    binds: dict[str, Any] = {}
    cond = ""
    if params.month:
        from commdesk.reports.change_ledger import month_range

        first, last = month_range(*params.month)
        cond += " AND coalesce(c.held_on, date(c.created_at)) BETWEEN :a AND :b"
        binds.update(a=first.isoformat(), b=last.isoformat())
    source = params.filter("source")
    if source:
        cond += " AND c.source = :source"
        binds["source"] = source
    if params.filter("staged") in ("1", True, "四议两公开"):
        cond += " AND c.staged"
    return _CONSULT_FROM.format(cond=cond), binds


def _consult_source(session: Session, params: Params) -> Iterator[Any]:
    from_sql, binds = _consult_where(params)
    yield from stream(session, _CONSULT_SELECT + from_sql + " ORDER BY coalesce(c.held_on, date(c.created_at)), c.id",
                      binds)


def _consult_count(session: Session, params: Params) -> int:
    from_sql, binds = _consult_where(params)
    return int(session.execute(text("SELECT count(*)" + from_sql), binds).scalar_one())


def _published(on: Any, how: str) -> str:
    d = to_date(on)
    return f"{d.isoformat()} {how}".strip() if d else ""


def _votes(r: Any) -> str:
    if r.votes_for is None:
        return ""
    return _("赞成{f} 反对{a}").format(f=r.votes_for, a=r.votes_against or 0)


CONSULTATIONS = register_ledger(Ledger(
    key="consultations",
    title=_("协商议事记录台账"),
    description=_("协商议事：议题、来源、参加人员、结果、决议、责任人、落实、公开、满意度（可加 --month）"),
    columns=(
        Column("seq", _("序号"), 3, "seq"),
        Column("topic", _("议题"), 9),
        Column("source", _("来源"), 5, align="center"),
        Column("proposer", _("提出人"), 4),
        Column("held_on", _("议事日期"), 6, "date", getter=lambda r: to_date(r.held_on)),
        Column("form", _("形式"), 5, default=False),
        Column("participants", _("参加人员"), 12, getter=lambda r: r.participants or ""),
        Column("attendance", _("应到/实到"), 4, align="center",
               getter=lambda r: f"{r.expected}/{r.present}" if r.expected else ""),
        Column("votes", _("表决情况"), 6, getter=_votes, default=False),
        Column("outcome", _("议事结果"), 5, align="center"),
        Column("decision", _("形成决议"), 10),
        Column("executor", _("责任人/单位"), 6),
        Column("due_date", _("完成时限"), 6, "date", getter=lambda r: to_date(r.due_date)),
        Column("result", _("落实结果"), 8),
        Column("decision_published", _("决议公开"), 7,
               getter=lambda r: _published(r.decision_published_on, r.decision_published_how)),
        Column("result_published", _("结果公开"), 7,
               getter=lambda r: _published(r.result_published_on, r.result_published_how)),
        Column("satisfaction", _("群众满意度"), 5, align="center"),
        Column("staged", _("四议两公开"), 5, align="center",
               getter=lambda r: _("第{n}/6步").format(n=r.stages) if r.staged else ""),
        Column("items", _("清单事项"), 4, "int", default=False),
    ),
    source=_consult_source,
    count=_consult_count,
    filters=(
        FilterSpec("source", _("议题来源"), lambda s: [(k, k) for k in CONSULTATION_SOURCES]),
        FilterSpec("staged", _("只含四议两公开"), lambda s: [("四议两公开", _("四议两公开"))]),
    ),
    landscape=True,
    order=72,
))


def today_year() -> int:
    return date.today().year
