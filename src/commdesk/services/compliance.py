"""The 三会一课 compliance calendar: per branch (or Party group), which meetings are due, done or
missing in each month / quarter / half-year / year, from the frequency rules in the settings.

One indexed query reads the year's meetings (branch, group, kind, month); everything else is
arithmetic over branches × rules × periods (some 15,000 cells for a street office of 700 Party
organisations), each period's state decided once per possible count.

A period's state: ``done`` (held at least the required number of times), ``missing`` (the
period is over and it was not), ``due`` (the current period, not yet held), ``upcoming``
(a later period).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.orm import Session

from commdesk.i18n import _
from commdesk.settings.meetings import Rule, get_setting, meeting_rules

STATES = ("done", "missing", "due", "upcoming")
STATE_LABELS = {"done": "已开", "missing": "缺开", "due": "待开", "upcoming": "未到期"}


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date
    months: tuple[int, ...]


class Cell(NamedTuple):
    """One period of one row (a tuple: a street office's calendar has ~15,000 of them)."""
    period: Period
    required: int
    done: int
    state: str


@dataclass
class ComplianceRow:
    org_id: int              # the branch (or the group, for per-group rules)
    branch_id: int
    unit: str                # 第一党支部 / 第一党支部·第一党小组
    kind: str
    rule: Rule
    cells: list[Cell] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for c in self.cells if c.state == state)


@dataclass(frozen=True)
class ComplianceIssue:
    org_id: int
    branch_id: int
    unit: str
    kind: str
    period: Period
    state: str               # due | missing
    required: int
    done: int
    days_left: int           # due: days to the period's end; missing: negative days since

    @property
    def text(self) -> str:
        if self.state == "due":
            return _("{unit}：{kind}本期（{p}）尚未召开，{d} 天后到期").format(
                unit=self.unit, kind=self.kind, p=self.period.label, d=self.days_left)
        return _("{unit}：{kind}（{p}）应开 {r} 次，实开 {n} 次").format(
            unit=self.unit, kind=self.kind, p=self.period.label, r=self.required, n=self.done)


def _month_end(year: int, month: int) -> date:
    return (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)


def periods(year: int, period: str) -> list[Period]:
    return list(_periods(year, period))


@lru_cache(maxsize=64)
def _periods(year: int, period: str) -> tuple[Period, ...]:
    return tuple(_make_periods(year, period))


def _make_periods(year: int, period: str) -> list[Period]:
    if period == "month":
        return [Period(_("{m}月").format(m=m), date(year, m, 1), _month_end(year, m), (m,)) for m in range(1, 13)]
    if period == "quarter":
        names = ("一", "二", "三", "四")
        return [Period(_("第{q}季度").format(q=names[q]), date(year, 3 * q + 1, 1), _month_end(year, 3 * q + 3),
                       tuple(range(3 * q + 1, 3 * q + 4))) for q in range(4)]
    if period == "half":
        return [Period(_("上半年"), date(year, 1, 1), date(year, 6, 30), tuple(range(1, 7))),
                Period(_("下半年"), date(year, 7, 1), date(year, 12, 31), tuple(range(7, 13)))]
    return [Period(_("{y}年").format(y=year), date(year, 1, 1), date(year, 12, 31), tuple(range(1, 13)))]


def period_of(day: date, period: str) -> Period:
    for p in periods(day.year, period):
        if p.start <= day <= p.end:
            return p
    raise AssertionError(day)


def _units(session: Session, org_id: int | None) -> tuple[list[tuple[int, str, int]], dict[int, list[tuple[int, str]]]]:
    """Branches [(id, name, sort)] and their groups {branch: [(id, name)]}."""
    rows = session.execute(text(
        "SELECT id, parent_id, kind, name FROM party_org WHERE archived_at IS NULL AND kind IN ('党支部', '党小组')"
        " ORDER BY sort_order, id")).all()
    branches = [(oid, name, i) for i, (oid, _p, kind, name) in enumerate(rows) if kind == "党支部"
                and (org_id is None or oid == org_id)]
    groups: dict[int, list[tuple[int, str]]] = {}
    for oid, parent, kind, name in rows:
        if kind == "党小组" and parent is not None:
            groups.setdefault(parent, []).append((oid, name))
    return branches, groups


def _counts(session: Session, year: int) -> tuple[dict[tuple[int, str], list[int]], dict[tuple[int, str], list[int]]]:
    """(by (branch, kind), by (group, kind)) → meetings held per month (index 1–12) in ``year``.

    The year's live meetings are read as plain rows and counted here: nearly every meeting is
    its own (branch, group, kind, month) group, so a GROUP BY would only add a sort."""
    by_branch: dict[tuple[int, str], list[int]] = {}
    by_group: dict[tuple[int, str], list[int]] = {}
    rows = session.execute(text(
        "SELECT org_id, group_id, kind, substr(start_at, 6, 2) FROM meeting"
        " WHERE archived_at IS NULL AND start_at >= :a AND start_at < :b"),
        {"a": f"{year:04d}-01-01", "b": f"{year + 1:04d}-01-01"}).all()  # one fetch, not row by row
    for org, grp, kind, mm in rows:
        month = int(mm)
        if org is not None:
            by_branch.setdefault((org, kind), [0] * 13)[month] += 1
        if grp is not None:
            by_group.setdefault((grp, kind), [0] * 13)[month] += 1
    return by_branch, by_group


def _state(p: Period, done: int, required: int, today: date) -> str:
    if done >= required:
        return "done"
    if p.end < today:
        return "missing"
    if p.start <= today:
        return "due"
    return "upcoming"


def compliance_calendar(session: Session, year: int, today: date | None = None, *,
                        org_id: int | None = None) -> list[ComplianceRow]:
    """One row per (branch or group, rule) with a cell per period of ``year``."""
    today = today or date.today()
    rules = meeting_rules(session)
    branches, groups = _units(session, org_id)
    by_branch, by_group = _counts(session, year)
    none = [0] * 13
    per_rule = [(rule, periods(year, rule.period)) for rule in rules]
    # a period's state only depends on how many were held (0 … required): decide each once
    states = [[[_state(p, done, rule.times, today) for done in range(rule.times + 1)] for p in ps]
              for rule, ps in per_rule]
    out: list[ComplianceRow] = []
    for bid, bname, _sort in branches:
        for r, (rule, ps) in enumerate(per_rule):
            units = [(gid, f"{bname}·{gname}", by_group) for gid, gname in groups.get(bid, [])] \
                if rule.per_group else [(bid, bname, by_branch)]
            for uid, uname, counts in units:
                months = counts.get((uid, rule.kind), none)
                row = ComplianceRow(uid, bid, uname, rule.kind, rule)
                cells = row.cells
                by_count = states[r]
                times = rule.times
                for i, p in enumerate(ps):
                    done = sum(months[m] for m in p.months) if len(p.months) > 1 else months[p.months[0]]
                    cells.append(Cell(p, times, done, by_count[i][done] if done <= times else "done"))
                out.append(row)
    return out


def compliance_issues(session: Session, today: date | None = None, *, missing_since: date | None = None,
                      rows: list[ComplianceRow] | None = None) -> list[ComplianceIssue]:
    """What to chase: meetings due in the current period and those missed this year (or since
    ``missing_since``, e.g. the start of last quarter). Due ones first, by days left."""
    today = today or date.today()
    rows = rows if rows is not None else compliance_calendar(session, today.year, today)
    since = missing_since or date(today.year, 1, 1)
    out: list[ComplianceIssue] = []
    for row in rows:
        for c in row.cells:
            if c.state == "due":
                out.append(ComplianceIssue(row.org_id, row.branch_id, row.unit, row.kind, c.period, "due",
                                           c.required, c.done, (c.period.end - today).days))
            elif c.state == "missing" and c.period.end >= since:
                out.append(ComplianceIssue(row.org_id, row.branch_id, row.unit, row.kind, c.period, "missing",
                                           c.required, c.done, (c.period.end - today).days))
    out.sort(key=lambda i: (i.state != "due", i.days_left if i.state == "due" else -i.days_left, i.unit, i.kind))
    return out


def alert_counts(session: Session, today: date | None = None) -> dict[str, int]:
    """For the dashboard: due soon (within ``meetings.alert_days`` of the period end) and missing this year."""
    today = today or date.today()
    lead = get_setting(session, "meetings.alert_days")
    issues = compliance_issues(session, today)
    return {"due": sum(1 for i in issues if i.state == "due"),
            "due_soon": sum(1 for i in issues if i.state == "due" and i.days_left <= lead),
            "missing": sum(1 for i in issues if i.state == "missing")}


def done_vs_due(rows: list[ComplianceRow], until: date) -> dict[str, tuple[int, int]]:
    """Per kind: (periods held, periods due) counting periods that started by ``until``."""
    out: dict[str, tuple[int, int]] = {}
    for row in rows:
        held, due = out.get(row.kind, (0, 0))
        for c in row.cells:
            if c.period.start <= until:
                due += 1
                held += c.state == "done"
        out[row.kind] = (held, due)
    return out
