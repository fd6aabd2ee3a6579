"""工作台 (dashboard): counts, alerts and chart series in one read, for the first page after start.

Every figure is one grouped SQL statement (or a few-hundred-cell computation such as the
compliance calendar), never a Python loop over households or residents, so the whole dashboard
is read in well under the 300 ms budget on a 100,000-household database
(``benchmarks/bench_dashboard.py`` times it beside a naive ORM-loop baseline).

Each :class:`Alert` names the list behind it (``target`` + ``filter``) so the page can open it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from commdesk.i18n import _
# imported with the page, not on the database thread at the first read (that read is the page's
# first paint; these imports took ~0.1 s of it)
from commdesk.services.checklist import status_counts
from commdesk.services.compliance import compliance_calendar, compliance_issues, done_vs_due
from commdesk.services.coverage import coverage_totals, grid_coverage
from commdesk.settings.meetings import get_setting
from commdesk.services.party_members import reminders
from commdesk.services.visits import overdue_visits

log = logging.getLogger("commdesk.dashboard")


@dataclass(frozen=True)
class Alert:
    key: str
    level: str              # "high" | "medium" | "info"
    text: str
    count: int
    target: str             # page: checklist | meetings | visits | centers | ledger | members | consultations
    filter: str = ""        # what the target page should show
    details: tuple[str, ...] = ()


@dataclass
class DashboardData:
    today: date
    counts: dict[str, Any] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)
    households_per_grid: list[tuple[str, int, int]] = field(default_factory=list)   # grid, households, covered
    checklist: dict[str, int] = field(default_factory=dict)
    meetings: list[tuple[str, int, int]] = field(default_factory=list)              # kind, held, due
    timings: dict[str, float] = field(default_factory=dict)


def _timed(data: DashboardData, key: str, fn: Any) -> Any:
    import time

    t0 = time.perf_counter()
    try:
        return fn()
    finally:
        data.timings[key] = round((time.perf_counter() - t0) * 1000, 2)


def _has_table(session: Session, name: str) -> bool:
    return bool(session.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"),
                                {"n": name}).first()) if session.bind.dialect.name == "sqlite" else True


def _basic_counts(session: Session) -> dict[str, int]:
    households = session.execute(text(
        "SELECT count(*) FROM household WHERE archived_at IS NULL AND status != '迁出'")).scalar_one()
    # counted from narrow covering indexes (ix_household_grid_no and ix_resident_order hold status
    # and archived_at), the flagged ones from their partial index (ix_resident_review)
    residents = session.execute(text(
        "SELECT count(*) FROM resident WHERE archived_at IS NULL AND status = '在住'")).scalar_one()
    review = session.execute(text(
        "SELECT count(*) FROM resident WHERE archived_at IS NULL AND review != ''")).scalar_one()
    return {"households": households, "residents": residents, "review": review}


def _party_counts(session: Session) -> dict[str, int]:
    members, probationary = session.execute(text(
        "SELECT count(*), sum(membership = '预备党员') FROM party_member WHERE archived_at IS NULL"
        " AND status NOT IN ('已转出', '已去世')")).one()
    centers = session.execute(text(
        "SELECT count(*) FROM center_household WHERE status = '在册' AND archived_at IS NULL")).scalar_one()
    return {"members": members or 0, "probationary": probationary or 0, "centers": centers}


def _idle_centers(session: Session, today: date, days: int = 30) -> int:
    """Active center households with no visit in the last ``days`` days (one indexed query)."""
    since = (today - timedelta(days=days)).isoformat()
    return session.execute(text(
        "SELECT count(*) FROM center_household c WHERE c.status = '在册' AND c.archived_at IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM visit v WHERE v.center_id = c.id AND v.archived_at IS NULL"
        " AND v.visit_date >= :since)"), {"since": since}).scalar_one()


def dashboard_data(session: Session, today: date | None = None, *, slow: bool = True) -> DashboardData:
    """Everything the dashboard shows. ``slow=False`` leaves out the alerts that take longest
    (overdue visits over every contact household): the page paints first and asks for those
    with :func:`slow_alerts` right after."""
    today = today or date.today()
    data = DashboardData(today)
    data.counts.update(_timed(data, "counts", lambda: _basic_counts(session)))
    party = _has_table(session, "party_member")
    meetings = _has_table(session, "meeting")
    if party:
        data.counts.update(_timed(data, "party_counts", lambda: _party_counts(session)))
        rows = _timed(data, "coverage", lambda: grid_coverage(session))
        total = coverage_totals(rows)
        data.counts["covered"] = total.covered
        data.counts["coverage"] = round(total.percent, 1)
        data.households_per_grid = [(r.grid, r.households, r.covered) for r in rows]
    else:
        data.households_per_grid = [(g, n, 0) for g, n in session.execute(text(
            "SELECT coalesce(g.name, '（未分网格）'), count(*) FROM household h LEFT JOIN grid g ON g.id = h.grid_id"
            " WHERE h.archived_at IS NULL AND h.status != '迁出' GROUP BY h.grid_id ORDER BY g.code, g.id"))]
    if meetings:
        _meeting_alerts(session, data, today)
    if party:
        _party_alerts(session, data, today, slow=slow)
    if data.counts.get("review"):
        data.alerts.append(Alert("review", "medium", _("待核实的居民记录 {n} 条").format(n=data.counts["review"]),
                                 data.counts["review"], "ledger", "review"))
    sort_alerts(data.alerts)
    return data


def sort_alerts(alerts: list[Alert]) -> None:
    order = {"high": 0, "medium": 1, "info": 2}
    alerts.sort(key=lambda a: order[a.level])


def slow_alerts(session: Session, today: date | None = None) -> list[Alert]:
    """The alerts ``dashboard_data(slow=False)`` leaves out."""
    if not _has_table(session, "party_member"):
        return []
    overdue = overdue_visits(session, today or date.today())
    if not overdue:
        return []
    return [Alert("visits_overdue", "high", _("逾期未走访的联系户 {n} 户").format(n=len(overdue)), len(overdue),
                  "visits", "overdue")]


def _meeting_alerts(session: Session, data: DashboardData, today: date) -> None:
    soon_days = get_setting(session, "checklist.due_soon_days")
    counts = _timed(data, "checklist", lambda: status_counts(session, today, soon_days))
    data.checklist = counts
    data.counts["checklist_open"] = counts["未启动"] + counts["推进中"]
    if counts["逾期"]:
        data.alerts.append(Alert("checklist_overdue", "high", _("逾期未完成的责任清单事项 {n} 项").format(n=counts["逾期"]),
                                 counts["逾期"], "checklist", "逾期"))
    if counts["即将到期"]:
        data.alerts.append(Alert("checklist_due_soon", "medium",
                                 _("{d} 天内到期的责任清单事项 {n} 项").format(d=soon_days, n=counts["即将到期"]),
                                 counts["即将到期"], "checklist", "未完成"))
    rows = _timed(data, "compliance", lambda: compliance_calendar(session, today.year, today))
    # missing: this year so far, and last year's final quarter early in a year
    since = date(today.year, 1, 1) if today.month > 3 else date(today.year - 1, 10, 1)
    if since.year < today.year:
        rows_prev = compliance_calendar(session, since.year, today)
        issues = compliance_issues(session, today, missing_since=since, rows=rows_prev + rows)
    else:
        issues = compliance_issues(session, today, missing_since=since, rows=rows)
    lead = get_setting(session, "meetings.alert_days")
    due = [i for i in issues if i.state == "due"]
    due_soon = [i for i in due if i.days_left <= lead]
    missing = [i for i in issues if i.state == "missing"]
    if missing:
        data.alerts.append(Alert("meetings_missing", "high", _("三会一课缺开 {n} 项（{y}年）").format(
            n=len(missing), y=since.year if since.year == today.year else f"{since.year}–{today.year}"),
            len(missing), "meetings", "missing", tuple(i.text for i in missing[:5])))
    if due:
        level = "medium" if due_soon else "info"
        data.alerts.append(Alert("meetings_due", level, _("本期应开未开的三会一课 {n} 项（{m} 项 {d} 天内到期）").format(
            n=len(due), m=len(due_soon), d=lead), len(due), "meetings", "due", tuple(i.text for i in due[:5])))
    data.meetings = [(kind, held, due_n) for kind, (held, due_n) in done_vs_due(rows, today).items()]
    open_consult = session.execute(text(
        "SELECT count(*) FROM consultation WHERE archived_at IS NULL AND decision != '' AND result = ''"
        " AND outcome != '未达成'")).scalar_one()
    data.counts["consultations_open"] = open_consult


def _party_alerts(session: Session, data: DashboardData, today: date, slow: bool = True) -> None:
    if slow:
        data.alerts += _timed(data, "visits_overdue", lambda: slow_alerts(session, today))
    idle = _timed(data, "idle_centers", lambda: _idle_centers(session, today))
    if idle:
        data.alerts.append(Alert("centers_idle", "medium", _("30 天内没有走访记录的党员中心户 {n} 户").format(n=idle),
                                 idle, "centers", "idle"))
    due = _timed(data, "reminders", lambda: reminders(session, today))
    probation = [r for r in due if r.kind == "转正"]
    mobile = [r for r in due if r.kind == "流动报告"]
    if probation:
        data.alerts.append(Alert("probation", "medium", _("预备党员转正到期 {n} 名").format(n=len(probation)),
                                 len(probation), "members", "预备党员", tuple(f"{r.name}：{r.text}" for r in probation[:5])))
    if mobile:
        data.alerts.append(Alert("mobile_report", "info", _("流动党员报告到期 {n} 名").format(n=len(mobile)),
                                 len(mobile), "members", "流动党员"))


# -- the naive baseline (benchmark only) ------------------------------------------------------------------
def naive_dashboard(session: Session, today: date | None = None) -> dict[str, Any]:
    """The same figures computed the obvious way: load ORM objects and loop in Python."""
    from sqlalchemy import select

    import commdesk.models.meeting as mm
    from commdesk.models import Household, Resident
    from commdesk.models.party import CenterContact, CenterHousehold, PartyMember, Visit
    today = today or date.today()
    households = [h for h in session.scalars(select(Household)) if h.archived_at is None and h.status != "迁出"]
    residents = list(session.scalars(select(Resident)))
    live = sum(1 for r in residents if r.archived_at is None and r.status == "在住")
    review = sum(1 for r in residents if r.archived_at is None and r.review)
    members = [m for m in session.scalars(select(PartyMember)) if m.archived_at is None
               and m.status not in ("已转出", "已去世")]
    contacts = {c.household_id for c in session.scalars(select(CenterContact))
                if c.end_date is None and c.archived_at is None}
    centers = [c for c in session.scalars(select(CenterHousehold)) if c.status == "在册" and c.archived_at is None]
    center_households = {c.household_id for c in centers}
    per_grid: dict[Any, list[int]] = {}
    for h in households:
        cell = per_grid.setdefault(h.grid_id, [0, 0])
        cell[0] += 1
        cell[1] += h.id in contacts or h.id in center_households
    items = [i for i in session.scalars(select(mm.ChecklistItem)) if i.archived_at is None]
    overdue_items = sum(1 for i in items if i.status in mm.OPEN_STATUSES and i.deadline and i.deadline < today)
    since = today - timedelta(days=30)
    recent = {v.center_id for v in session.scalars(select(Visit)) if v.visit_date >= since and v.archived_at is None}
    idle = sum(1 for c in centers if c.id not in recent)
    return {"households": len(households), "residents": live, "review": review, "members": len(members),
            "per_grid": per_grid, "overdue_items": overdue_items, "idle": idle,
            "meetings": len(compliance_issues(session, today)), "visits_overdue": len(overdue_visits(session, today))}
