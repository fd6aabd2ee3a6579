"""Responsibility-checklist ledgers: 责任清单台账 (with progress) and 责任清单公示表 (for the notice board)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from commdesk.i18n import _
from commdesk.models.meeting import CHECKLIST_CATEGORIES, CHECKLIST_SOURCES, CHECKLIST_STATUSES
from commdesk.reports.ledger import Column, FilterSpec, Ledger, Params, register_ledger, to_date
from commdesk.reports.ledger_sql import stream

_FROM = " FROM checklist_item c WHERE c.archived_at IS NULL{cond}"
_SELECT = (
    "SELECT c.id, c.title, c.category, c.content, c.measures, c.source, c.source_ref, c.responsible_unit,"
    " c.responsible_person, c.collaborators, c.start_date, c.deadline, c.status, c.completed_on, c.closed_on,"
    " c.overdue_reason, c.score, c.evaluation, c.feedback, c.satisfaction, c.published_on,"
    " (SELECT group_concat(x.line, '；') FROM (SELECT p.entry_date || ' ' || p.text AS line FROM checklist_progress p"
    "  WHERE p.item_id = c.id AND p.archived_at IS NULL ORDER BY p.entry_date, p.id) x) AS progress,"
    " (SELECT p.text FROM checklist_progress p WHERE p.item_id = c.id AND p.archived_at IS NULL"
    "  ORDER BY p.entry_date DESC, p.id DESC LIMIT 1) AS last_progress,"
    " (SELECT count(*) FROM attachment a WHERE a.owner_table = 'checklist_item' AND a.owner_id = c.id"
    "  AND a.archived_at IS NULL) AS evidence,"
    " CASE WHEN c.status IN ('未启动', '推进中') AND c.deadline < :today THEN '已逾期（' || c.status || '）'"
    "  WHEN c.completed_on > c.deadline THEN c.status || '（逾期完成）' ELSE c.status END AS shown_status,"
    " CASE WHEN :masked AND length(c.responsible_person) >= 2 THEN substr(c.responsible_person, 1, 1) || '某'"
    "  ELSE c.responsible_person END AS masked_person"
)


def _where(params: Params, notice: bool = False) -> tuple[str, dict[str, Any]]:
    binds: dict[str, Any] = {"today": params.day.isoformat(), "masked": bool(params.masked)}
    cond = ""
    status = params.filter("status")
    if status == "逾期":
        cond += " AND c.status IN ('未启动', '推进中') AND c.deadline < :today"
    elif status == "未完成":
        cond += " AND c.status IN ('未启动', '推进中')"
    elif status:
        cond += " AND c.status = :status"
        binds["status"] = status
    for key in ("category", "source"):
        value = params.filter(key)
        if value:
            cond += f" AND c.{key} = :{key}"
            binds[key] = value
    if params.month:
        from commdesk.reports.change_ledger import month_range

        first, last = month_range(*params.month)
        cond += " AND c.start_date <= :last AND (c.completed_on IS NULL OR c.completed_on >= :first)"
        binds.update(first=first.isoformat(), last=last.isoformat())
    if notice and params.filter("published") in ("1", True, "已公示"):
        cond += " AND c.published_on IS NOT NULL"
    return _FROM.format(cond=cond), binds


def _source(notice: bool) -> Any:
    def source(session: Session, params: Params) -> Iterator[Any]:
        from_sql, binds = _where(params, notice)
        order = (" ORDER BY CASE c.category " + " ".join(f"WHEN '{c}' THEN {i}" for i, c in
                                                         enumerate(CHECKLIST_CATEGORIES)) + " ELSE 99 END,"
                 " c.deadline, c.id") if params.sort == "category" else " ORDER BY c.deadline, c.id"
        yield from stream(session, _SELECT + from_sql + order, binds)
    return source


def _count(notice: bool) -> Any:
    def count(session: Session, params: Params) -> int:
        from_sql, binds = _where(params, notice)
        return int(session.execute(text("SELECT count(*)" + from_sql), binds).scalar_one())
    return count


def _source_text(r: Any) -> str:
    return f"{r.source}：{r.source_ref}" if r.source_ref else r.source


_FILTERS = (
    FilterSpec("status", _("状态"), lambda s: [(k, k) for k in (*CHECKLIST_STATUSES, "未完成", "逾期")]),
    FilterSpec("category", _("类别"), lambda s: [(k, k) for k in CHECKLIST_CATEGORIES]),
    FilterSpec("source", _("来源"), lambda s: [(k, k) for k in CHECKLIST_SOURCES]),
)


CHECKLIST = register_ledger(Ledger(
    key="checklist",
    title=_("责任清单台账"),
    description=_("责任清单事项及其进展、完成、考评和群众评价（逾期按导出当天计算）"),
    columns=(
        Column("seq", _("序号"), 3, "seq"),
        Column("category", _("类别"), 4, align="center"),
        Column("title", _("工作任务"), 11),
        Column("measures", _("工作措施"), 8, default=False),
        Column("source", _("来源"), 7, getter=_source_text),
        Column("responsible_unit", _("责任单位"), 6),
        Column("responsible_person", _("责任人"), 4, align="center"),
        Column("collaborators", _("配合单位"), 5),
        Column("start_date", _("开始日期"), 6, "date", getter=lambda r: to_date(r.start_date), default=False),
        Column("deadline", _("完成时限"), 6, "date", getter=lambda r: to_date(r.deadline)),
        Column("status", _("状态"), 5, align="center", getter=lambda r: r.shown_status),
        Column("progress", _("工作进展"), 14, getter=lambda r: r.progress or ""),
        Column("completed_on", _("完成日期"), 6, "date", getter=lambda r: to_date(r.completed_on)),
        Column("overdue_reason", _("未按期完成原因"), 7),
        Column("evidence", _("佐证材料"), 3, "int", default=False),
        Column("score", _("考评"), 3, "int"),
        Column("evaluation", _("考评意见"), 6, default=False),
        Column("feedback", _("群众评价"), 6, getter=lambda r: "；".join(x for x in (r.satisfaction, r.feedback) if x)),
        Column("published_on", _("公示日期"), 6, "date", getter=lambda r: to_date(r.published_on), default=False),
    ),
    source=_source(False),
    count=_count(False),
    filters=_FILTERS,
    sorts=(("deadline", _("按完成时限")), ("category", _("按类别"))),
    landscape=True,
    order=75,
))


CHECKLIST_NOTICE = register_ledger(Ledger(
    key="checklist-notice",
    title=_("责任清单公示表"),
    description=_("张贴用：事项、责任单位、责任人（脱敏时只显示姓氏）、时限、进度，不含住户信息"),
    columns=(
        Column("seq", _("序号"), 3, "seq"),
        Column("category", _("类别"), 5, align="center"),
        Column("title", _("工作任务"), 16),
        Column("responsible_unit", _("责任单位"), 9),
        Column("responsible_person", _("责任人"), 5, align="center", getter=lambda r: r.masked_person),
        Column("deadline", _("完成时限"), 7, "date", getter=lambda r: to_date(r.deadline)),
        Column("status", _("进度"), 6, align="center", getter=lambda r: r.shown_status),
        Column("last_progress", _("最新进展"), 14, getter=lambda r: r.last_progress or ""),
    ),
    source=_source(True),
    count=_count(True),
    filters=(*_FILTERS, FilterSpec("published", _("只含已公示"), lambda s: [("已公示", _("已公示"))])),
    sorts=(("deadline", _("按完成时限")), ("category", _("按类别"))),
    landscape=False,
    order=76,
))
