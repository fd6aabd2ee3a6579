"""责任清单: items with a responsible unit and person, a deadline, dated progress, evidence,
a written reason when the deadline is missed, evaluation (考评), residents' feedback and public
notice (公示) — each linked back to the meeting resolution, consultation decision or visit need
it came from.

Status moves 未启动 → 推进中 (the first progress entry) → 已完成 (needs progress or evidence,
and a written reason when later than the deadline) → 已销号 (closed after checking). *Overdue*
is never stored: an open item (未启动/推进中) whose deadline is before today is overdue.

Creating an item from its source is one action (:func:`create_item_from`): the item, its link
and, for a visit, the visit's side of the link (``Visit.checklist_item_uuid``) are written in one
transaction; :func:`draft_from` pre-fills the form from the source.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from commdesk.errors import ValidationError
from commdesk.i18n import _
from commdesk.models.base import now
from commdesk.models.meeting import (CHECKLIST_CATEGORIES, CHECKLIST_SOURCES, OPEN_STATUSES, SATISFACTION,
                                     ChecklistItem, ChecklistProgress, Consultation, Meeting)
from commdesk.models.party import Visit
from commdesk.changes import Changes

CHANGED = ("checklist_item",)
SOURCE_LINKS = {"会议决议": "source_meeting_id", "协商议事": "source_consultation_id", "走访诉求": "source_visit_id"}


@dataclass
class ChecklistForm:
    title: str = ""
    category: str = "其他"
    content: str = ""
    measures: str = ""
    source: str = "其他"
    source_meeting_id: int | None = None
    source_consultation_id: int | None = None
    source_visit_id: int | None = None
    source_ref: str = ""
    responsible_unit: str = ""
    responsible_person: str = ""
    collaborators: str = ""
    start_date: date | None = None
    deadline: date | None = None


@dataclass(frozen=True)
class ItemRow:
    id: int
    uuid: str
    title: str
    category: str
    source: str
    source_text: str
    responsible_unit: str
    responsible_person: str
    collaborators: str
    start_date: date | None
    deadline: date | None
    status: str
    completed_on: date | None
    closed_on: date | None
    overdue: bool
    days_overdue: int
    late: bool                  # finished after the deadline
    overdue_reason: str
    last_progress: str
    last_progress_date: date | None
    progress_count: int
    evidence_count: int
    score: int | None
    evaluation: str
    feedback: str
    satisfaction: str
    published_on: date | None
    content: str

    @property
    def shown_status(self) -> str:
        return _("已逾期") if self.overdue else self.status


@dataclass(frozen=True)
class ProgressRow:
    id: int
    entry_date: date
    text: str
    percent: int | None
    recorded_by: str
    evidence: int


@dataclass
class ItemDetail:
    row: ItemRow
    form: ChecklistForm
    progress: list[ProgressRow] = field(default_factory=list)
    attachments: list = field(default_factory=list)


def is_overdue(status: str, deadline: date | None, today: date) -> bool:
    return status in OPEN_STATUSES and deadline is not None and deadline < today


def _d(value: object) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _t(value: str | None) -> str:
    return (value or "").strip()


def check_item_form(form: ChecklistForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not _t(form.title):
        errors["title"] = _("请填写事项名称")
    if form.category not in CHECKLIST_CATEGORIES:
        errors["category"] = _("类别不对")
    if form.source not in CHECKLIST_SOURCES:
        errors["source"] = _("来源不对")
    link = SOURCE_LINKS.get(form.source)
    if link is not None and getattr(form, link) is None:
        errors["source"] = _("来源是“{s}”时请选择对应的记录").format(s=form.source)
    if not _t(form.responsible_unit) and not _t(form.responsible_person):
        errors["responsible_unit"] = _("请填写责任单位或责任人")
    if form.deadline is None:
        errors["deadline"] = _("请填写完成时限")
    elif form.start_date is not None and form.deadline < form.start_date:
        errors["deadline"] = _("完成时限不能早于开始日期")
    return errors


def _raise_first(errors: dict[str, str]) -> None:
    if errors:
        key, message = next(iter(errors.items()))
        raise ValidationError(key, message)


def _apply(session: Session, item: ChecklistItem, form: ChecklistForm) -> None:
    _raise_first(check_item_form(form))
    for key, model in (("source_meeting_id", Meeting), ("source_consultation_id", Consultation),
                       ("source_visit_id", Visit)):
        value = getattr(form, key)
        if value is not None:
            rec = session.get(model, value)
            if rec is None or rec.archived_at is not None:
                raise ValidationError("source", _("来源记录不存在或已归档"))
    for f in fields(ChecklistForm):
        value = getattr(form, f.name)
        setattr(item, f.name, _t(value) if isinstance(value, str) else value)
    # only the link of the chosen source is kept
    link = SOURCE_LINKS.get(form.source)
    for key in SOURCE_LINKS.values():
        if key != link:
            setattr(item, key, None)


def create_item(session: Session, form: ChecklistForm) -> tuple[Changes, int]:
    item = ChecklistItem(title="")
    _apply(session, item, form)
    session.add(item)
    session.flush()
    changes = Changes.of(*CHANGED, ids=[item.id])
    if item.source_visit_id is not None:
        from commdesk.services.visits import link_checklist_item

        changes = changes | link_checklist_item(session, item.source_visit_id, item.uuid)
    return changes, item.id


def update_item(session: Session, item_id: int, form: ChecklistForm) -> Changes:
    item = session.get_one(ChecklistItem, item_id)
    old_visit = item.source_visit_id
    _apply(session, item, form)
    changes = Changes.of(*CHANGED, ids=[item_id])
    if item.source_visit_id != old_visit:
        if old_visit is not None:
            visit = session.get_one(Visit, old_visit)
            if visit.checklist_item_uuid == item.uuid:
                visit.checklist_item_uuid = None
        if item.source_visit_id is not None:
            from commdesk.services.visits import link_checklist_item

            changes = changes | link_checklist_item(session, item.source_visit_id, item.uuid)
        changes = changes | Changes.of("visit")
    return changes


def set_item_archived(session: Session, item_id: int, archived: bool) -> Changes:
    item = session.get_one(ChecklistItem, item_id)
    item.archived_at = now() if archived else None
    return Changes.of(*CHANGED, ids=[item_id])


def item_form(session: Session, item_id: int) -> ChecklistForm:
    item = session.get_one(ChecklistItem, item_id)
    return ChecklistForm(**{f.name: getattr(item, f.name) for f in fields(ChecklistForm)})


_NUMBERING = re.compile(r"^\s*(?:[（(]?[0-9一二三四五六七八九十]+[)）.、．]|[①-⑳])\s*")


def resolution_lines(resolutions: str) -> list[str]:
    """A meeting's's resolutions, one per line, numbering ("1." "（一）") left as written."""
    return [line.strip() for line in (resolutions or "").splitlines() if line.strip()]


def strip_numbering(line: str) -> str:
    """"1. 修路" / "（二）装灯" / "③ 清理" → the text without its number."""
    return _NUMBERING.sub("", line, count=1).strip() or line.strip()


# -- from a source, as one action --------------------------------------------------------------------
def draft_from(session: Session, source: str, source_id: int, line: int | None = None,
               today: date | None = None) -> ChecklistForm:
    """A form pre-filled from a meeting resolution (``line``: which one), a consultation decision
    or a visit need."""
    today = today or date.today()
    default_deadline = today + timedelta(days=30)
    if source == "会议决议":
        m = session.get_one(Meeting, source_id)
        lines = resolution_lines(m.resolutions)
        if not lines:
            raise ValidationError("resolutions", _("这次会议没有记录决议"))
        chosen = lines[line if line is not None and 0 <= line < len(lines) else 0]
        unit = session.scalar(text("SELECT name FROM party_org WHERE id = :o"), {"o": m.org_id}) if m.org_id else ""
        return ChecklistForm(title=strip_numbering(chosen)[:200], category="党建工作" if m.kind != "居民议事会" else "民生服务",
                             content=chosen, source=source, source_meeting_id=m.id,
                             source_ref=f"{m.start_at:%Y-%m-%d} {m.kind}", responsible_unit=unit or "",
                             start_date=today, deadline=default_deadline)
    if source == "协商议事":
        c = session.get_one(Consultation, source_id)
        if not _t(c.decision):
            raise ValidationError("decision", _("这次协商还没有形成决议"))
        return ChecklistForm(title=c.topic[:200], category="民生服务", content=c.decision, source=source,
                             source_consultation_id=c.id, responsible_unit=c.executor, start_date=today,
                             deadline=c.due_date if c.due_date and c.due_date >= today else default_deadline)
    if source == "走访诉求":
        v = session.get_one(Visit, source_id)
        if not _t(v.needs):
            raise ValidationError("needs", _("这次走访没有记录诉求"))
        if v.checklist_item_uuid:
            raise ValidationError("needs", _("这条诉求已经转为清单事项"))
        hno = session.scalar(text("SELECT household_no FROM household WHERE id = :h"), {"h": v.household_id})
        return ChecklistForm(title=v.needs.splitlines()[0][:200], category="民生服务", content=v.needs,
                             source=source, source_visit_id=v.id,
                             source_ref=_("{d} 走访 {no}").format(d=v.visit_date.isoformat(), no=hno or ""),
                             responsible_person=v.visitor, start_date=today, deadline=default_deadline)
    raise ValidationError("source", _("只能从会议决议、协商决议或走访诉求生成清单事项"))


def create_item_from(session: Session, source: str, source_id: int, form: ChecklistForm | None = None,
                     line: int | None = None) -> tuple[Changes, int]:
    """Create a checklist item from its source in one transaction (the link written both ways
    for a visit). ``form`` is what the user confirmed; None takes the draft as it is."""
    draft = draft_from(session, source, source_id, line)
    form = form or draft
    form.source = source
    key = SOURCE_LINKS[source]
    for other in SOURCE_LINKS.values():
        setattr(form, other, None)
    setattr(form, key, source_id)
    return create_item(session, form)


# -- progress, completion, evaluation ------------------------------------------------------------------
def add_progress(session: Session, item_id: int, when: date, text_: str, percent: int | None = None,
                 today: date | None = None) -> tuple[Changes, int]:
    today = today or date.today()
    item = session.get_one(ChecklistItem, item_id)
    if item.status == "已销号":
        raise ValidationError("progress", _("已销号的事项不能再登记进展"))
    if not _t(text_):
        raise ValidationError("progress", _("请填写进展情况"))
    if when is None or when > today:
        raise ValidationError("entry_date", _("进展日期不能晚于今天"))
    if percent is not None and not (0 <= percent <= 100):
        raise ValidationError("percent", _("完成比例应在 0 到 100 之间"))
    entry = ChecklistProgress(item_id=item_id, entry_date=when, text=_t(text_), percent=percent)
    session.add(entry)
    if item.status == "未启动":
        item.status = "推进中"
    session.flush()
    return Changes.of(*CHANGED, ids=[item_id]), entry.id


def explain_overdue(session: Session, item_id: int, reason: str) -> Changes:
    item = session.get_one(ChecklistItem, item_id)
    if not _t(reason):
        raise ValidationError("overdue_reason", _("请填写未按期完成的原因"))
    item.overdue_reason = _t(reason)
    return Changes.of(*CHANGED, ids=[item_id])


def _evidence_count(session: Session, item_id: int) -> int:
    return session.execute(text(
        "SELECT (SELECT count(*) FROM attachment WHERE archived_at IS NULL AND ((owner_table = 'checklist_item'"
        " AND owner_id = :i) OR (owner_table = 'checklist_progress' AND owner_id IN"
        " (SELECT id FROM checklist_progress WHERE item_id = :i AND archived_at IS NULL))))"), {"i": item_id}
    ).scalar_one()


def complete_item(session: Session, item_id: int, when: date, *, note: str = "", overdue_reason: str = "",
                  today: date | None = None) -> Changes:
    """已完成: needs progress or evidence on record, and a written reason when late."""
    today = today or date.today()
    item = session.get_one(ChecklistItem, item_id)
    if item.status not in OPEN_STATUSES:
        raise ValidationError("status", _("只有未启动或推进中的事项可以登记完成"))
    if when is None or when > today:
        raise ValidationError("completed_on", _("完成日期不能晚于今天"))
    if _t(overdue_reason):
        item.overdue_reason = _t(overdue_reason)
    if item.deadline is not None and when > item.deadline and not _t(item.overdue_reason):
        raise ValidationError("overdue_reason", _("超过完成时限（{d}）完成的，请书面说明未按期完成的原因").format(
            d=item.deadline.isoformat()))
    if _t(note):
        add_progress(session, item_id, when, note, 100, today)
    progress = session.scalar(text("SELECT count(*) FROM checklist_progress WHERE item_id = :i AND archived_at IS NULL"),
                              {"i": item_id})
    if not progress and not _evidence_count(session, item_id):
        raise ValidationError("evidence", _("请先登记进展或上传佐证材料，再登记完成"))
    item.status, item.completed_on = "已完成", when
    return Changes.of(*CHANGED, ids=[item_id])


def close_item(session: Session, item_id: int, when: date) -> Changes:
    """销号: a completed item is checked and closed."""
    item = session.get_one(ChecklistItem, item_id)
    if item.status != "已完成":
        raise ValidationError("status", _("只有已完成的事项可以销号"))
    if item.completed_on and when < item.completed_on:
        raise ValidationError("closed_on", _("销号日期不能早于完成日期"))
    item.status, item.closed_on = "已销号", when
    return Changes.of(*CHANGED, ids=[item_id])


def reopen_item(session: Session, item_id: int) -> Changes:
    item = session.get_one(ChecklistItem, item_id)
    if item.status not in ("已完成", "已销号"):
        raise ValidationError("status", _("事项还没有完成"))
    item.status, item.completed_on, item.closed_on = "推进中", None, None
    return Changes.of(*CHANGED, ids=[item_id])


def evaluate_item(session: Session, item_id: int, score: int | None, remark: str = "") -> Changes:
    item = session.get_one(ChecklistItem, item_id)
    if score is not None and not (0 <= score <= 100):
        raise ValidationError("score", _("考评分数应在 0 到 100 之间"))
    item.score, item.evaluation = score, _t(remark)
    return Changes.of(*CHANGED, ids=[item_id])


def record_feedback(session: Session, item_id: int, feedback: str, satisfaction: str = "") -> Changes:
    item = session.get_one(ChecklistItem, item_id)
    if satisfaction and satisfaction not in SATISFACTION:
        raise ValidationError("satisfaction", _("满意度只能是满意、基本满意或不满意"))
    item.feedback, item.satisfaction = _t(feedback), satisfaction
    return Changes.of(*CHANGED, ids=[item_id])


def publish_items(session: Session, item_ids: list[int], when: date) -> Changes:
    for item_id in item_ids:
        session.get_one(ChecklistItem, item_id).published_on = when
    return Changes.of(*CHANGED, ids=item_ids)


# -- queries -----------------------------------------------------------------------------------------
_ROW_SQL = (
    "SELECT c.id, c.uuid, c.title, c.category, c.source, c.responsible_unit, c.responsible_person, c.collaborators,"
    " c.start_date, c.deadline, c.status, c.completed_on, c.closed_on, c.overdue_reason, c.score, c.evaluation,"
    " c.feedback, c.satisfaction, c.published_on, c.content, c.source_ref,"
    " mt.kind, mt.start_at, cs.topic, v.visit_date,"
    " (SELECT p.text FROM checklist_progress p WHERE p.item_id = c.id AND p.archived_at IS NULL"
    "  ORDER BY p.entry_date DESC, p.id DESC LIMIT 1),"
    " (SELECT max(p.entry_date) FROM checklist_progress p WHERE p.item_id = c.id AND p.archived_at IS NULL),"
    " (SELECT count(*) FROM checklist_progress p WHERE p.item_id = c.id AND p.archived_at IS NULL),"
    " (SELECT count(*) FROM attachment a WHERE a.archived_at IS NULL AND ((a.owner_table = 'checklist_item'"
    "  AND a.owner_id = c.id) OR (a.owner_table = 'checklist_progress' AND a.owner_id IN"
    "  (SELECT p.id FROM checklist_progress p WHERE p.item_id = c.id))))"
    " FROM checklist_item c LEFT JOIN meeting mt ON mt.id = c.source_meeting_id"
    " LEFT JOIN consultation cs ON cs.id = c.source_consultation_id LEFT JOIN visit v ON v.id = c.source_visit_id"
)


def _source_text(source: str, ref: str, mkind: str | None, mstart: object, ctopic: str | None,
                 vdate: object) -> str:
    if source == "会议决议" and mkind:
        return f"{str(mstart)[:10]} {mkind}"
    if source == "协商议事" and ctopic:
        return _("协商：{t}").format(t=ctopic)
    if source == "走访诉求" and vdate:
        return ref or _("{d} 走访").format(d=str(vdate)[:10])
    return ref or source


def _row(r: object, today: date) -> ItemRow:
    (iid, uuid, title, category, source, unit, person, collab, start, deadline, status, completed, closed, reason,
     score, evaluation, feedback, satisfaction, published, content, ref, mkind, mstart, ctopic, vdate, last, last_d,
     n_progress, n_evidence) = r  # type: ignore[misc]
    deadline_d, completed_d = _d(deadline), _d(completed)
    overdue = is_overdue(status, deadline_d, today)
    days = (today - deadline_d).days if overdue and deadline_d else 0
    late = bool(completed_d and deadline_d and completed_d > deadline_d)
    return ItemRow(iid, uuid, title, category, source, _source_text(source, ref, mkind, mstart, ctopic, vdate),
                   unit, person, collab, _d(start), deadline_d, status, completed_d, _d(closed), overdue, days, late,
                   reason, last or "", _d(last_d), n_progress, n_evidence, score, evaluation, feedback, satisfaction,
                   _d(published), content)


@dataclass(frozen=True)
class ChecklistFilter:
    status: str = ""             # one status, "逾期", "未完成" (open) or "" (all)
    category: str = ""
    source: str = ""
    query: str = ""
    source_meeting_id: int | None = None
    source_consultation_id: int | None = None
    source_visit_id: int | None = None
    published_only: bool = False
    include_archived: bool = False
    limit: int = 5000


def _where(f: ChecklistFilter, today: date) -> tuple[str, dict[str, object]]:
    where = ["1=1"] if f.include_archived else ["c.archived_at IS NULL"]
    binds: dict[str, object] = {"today": today.isoformat()}
    if f.status == "逾期":
        where.append("c.status IN ('未启动', '推进中') AND c.deadline < :today")
    elif f.status == "未完成":
        where.append("c.status IN ('未启动', '推进中')")
    elif f.status:
        where.append("c.status = :status")
        binds["status"] = f.status
    for key in ("category", "source"):
        if getattr(f, key):
            where.append(f"c.{key} = :{key}")
            binds[key] = getattr(f, key)
    for key in ("source_meeting_id", "source_consultation_id", "source_visit_id"):
        if getattr(f, key) is not None:
            where.append(f"c.{key} = :{key}")
            binds[key] = getattr(f, key)
    if f.published_only:
        where.append("c.published_on IS NOT NULL")
    if f.query.strip():
        where.append("(c.title LIKE :q OR c.content LIKE :q OR c.responsible_unit LIKE :q"
                     " OR c.responsible_person LIKE :q OR c.collaborators LIKE :q)")
        binds["q"] = f"%{f.query.strip()}%"
    return " WHERE " + " AND ".join(where), binds


def list_items(session: Session, f: ChecklistFilter | None = None, today: date | None = None) -> list[ItemRow]:
    f = f or ChecklistFilter()
    today = today or date.today()
    where, binds = _where(f, today)
    binds["lim"] = f.limit
    sql = (_ROW_SQL + where + " ORDER BY CASE WHEN c.status IN ('未启动', '推进中') AND c.deadline < :today THEN 0"
           " WHEN c.status IN ('未启动', '推进中') THEN 1 ELSE 2 END, c.deadline, c.id LIMIT :lim")
    return [_row(r, today) for r in session.execute(text(sql), binds)]


def item_row(session: Session, item_id: int, today: date | None = None) -> ItemRow:
    return _row(session.execute(text(_ROW_SQL + " WHERE c.id = :id"), {"id": item_id}).one(), today or date.today())


def item_detail(session: Session, item_id: int, today: date | None = None) -> ItemDetail:
    from commdesk.services.attachments import list_attachments

    progress = [ProgressRow(p.id, p.entry_date, p.text, p.percent, p.updated_by,
                            len(list_attachments(session, "checklist_progress", p.id)))
                for p in session.scalars(select(ChecklistProgress).where(
                    ChecklistProgress.item_id == item_id, ChecklistProgress.archived_at.is_(None))
                    .order_by(ChecklistProgress.entry_date, ChecklistProgress.id))]
    return ItemDetail(item_row(session, item_id, today), item_form(session, item_id), progress,
                      list_attachments(session, "checklist_item", item_id))


def status_counts(session: Session, today: date | None = None, due_soon_days: int = 7) -> dict[str, int]:
    """Counts by status plus 逾期 (overdue) and 即将到期 (due within ``due_soon_days``), in one query."""
    today = today or date.today()
    soon = (today + timedelta(days=due_soon_days)).isoformat()
    out = {s: 0 for s in ("未启动", "推进中", "已完成", "已销号")}
    overdue = due_soon = 0
    for status, n, n_over, n_soon in session.execute(text(
            "SELECT status, count(*), sum(deadline < :today), sum(deadline >= :today AND deadline <= :soon)"
            " FROM checklist_item WHERE archived_at IS NULL GROUP BY status"), {"today": today.isoformat(), "soon": soon}):
        out[status] = n
        if status in OPEN_STATUSES:
            overdue += n_over or 0
            due_soon += n_soon or 0
    out["逾期"] = overdue
    out["即将到期"] = due_soon
    return out
