"""协商议事: record a consultation (topic, source, participants by side, process, outcome,
decision, implementation, publication, satisfaction) and, optionally, the 四议两公开 procedure
as a staged case.

Stages (``STAGES``): ① 党组织提议 → ② 两委会商议 → ③ 党员大会审议 → ④ 居(村)民代表会议决议 →
⑤ 决议公开 → ⑥ 实施结果公开. A stage opens only when the previous one is recorded (and, for
③ and ④, passed); dates never go backwards. Quorum (:func:`stage_quorum`): ③ needs ≥ 2/3 of
the members present and passes with more than half of those due; ④ needs ≥ 2/3 of the
representatives present and passes with more than half of those present. Stages ⑤ and ⑥ copy
their date and manner to the consultation's publication fields, so ledgers read one place.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from commdesk.errors import ValidationError
from commdesk.i18n import _
from commdesk.models.base import now
from commdesk.models.meeting import (CONSULTATION_SIDES, CONSULTATION_SOURCES, OUTCOMES, SATISFACTION, STAGES,
                                     Consultation, ConsultationParticipant, ConsultationStage, Meeting)
from commdesk.models.party import Visit
from commdesk.changes import Changes

CHANGED = ("consultation",)
QUORUM_STAGES = (3, 4)


@dataclass
class ConsultationForm:
    topic: str = ""
    source: str = "居民提出"
    source_visit_id: int | None = None
    source_meeting_id: int | None = None
    proposer: str = ""
    held_on: date | None = None
    place: str = ""
    form: str = ""
    host: str = ""
    expected: int = 0
    present: int = 0
    background: str = ""
    process: str = ""
    votes_for: int | None = None
    votes_against: int | None = None
    votes_abstain: int | None = None
    outcome: str = ""
    decision: str = ""
    executor: str = ""
    due_date: date | None = None
    result: str = ""
    result_date: date | None = None
    decision_published_on: date | None = None
    decision_published_how: str = ""
    result_published_on: date | None = None
    result_published_how: str = ""
    satisfaction: str = ""
    satisfaction_note: str = ""
    staged: bool = False
    #: side → names (居民代表: [张三, 李四])
    participants: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class StageForm:
    held_on: date | None = None
    form: str = ""
    expected: int | None = None
    present: int | None = None
    votes_for: int | None = None
    votes_against: int | None = None
    content: str = ""
    passed: bool | None = None
    officials: str = ""
    supervision: str = ""


@dataclass(frozen=True)
class StageQuorum:
    applies: bool
    attendance_ok: bool
    passed: bool | None
    text: str


@dataclass(frozen=True)
class StageRow:
    stage: int
    name: str
    held_on: date | None
    form: str
    expected: int | None
    present: int | None
    votes_for: int | None
    votes_against: int | None
    content: str
    passed: bool | None
    officials: str
    supervision: str
    quorum: str
    state: str               # 已完成 | 可办理 | 未开始 | 未通过


@dataclass(frozen=True)
class ConsultationRow:
    id: int
    topic: str
    source: str
    source_text: str
    proposer: str
    held_on: date | None
    form: str
    expected: int
    present: int
    outcome: str
    decision: str
    executor: str
    due_date: date | None
    result: str
    decision_published_on: date | None
    result_published_on: date | None
    satisfaction: str
    staged: bool
    stage_done: int
    status: str
    participants: str
    items: int
    items_done: int


@dataclass
class ConsultationDetail:
    row: ConsultationRow
    form: ConsultationForm
    stages: list[StageRow] = field(default_factory=list)
    items: list = field(default_factory=list)            # checklist ItemRow (with their progress)
    attachments: list = field(default_factory=list)
    source_detail: str = ""


def stage_quorum(stage: int, expected: int | None, present: int | None, votes_for: int | None) -> StageQuorum:
    if stage not in QUORUM_STAGES:
        return StageQuorum(False, True, None, "")
    if not expected or present is None:
        return StageQuorum(True, False, None, _("请填写应到、实到人数"))
    attendance_ok = present * 3 >= expected * 2
    base = present if stage == 4 else expected
    passed = None if votes_for is None else (attendance_ok and votes_for * 2 > base)
    who = _("党员") if stage == 3 else _("代表")
    parts = [_("应到{who} {e} 人、实到 {p} 人（{pct:.0f}%）").format(who=who, e=expected, p=present,
                                                                 pct=100.0 * present / expected)]
    parts.append(_("达到三分之二") if attendance_ok else _("不足三分之二，会议无效"))
    if votes_for is not None and attendance_ok:
        basis = _("实到人数") if stage == 4 else _("应到人数")
        parts.append(_("赞成 {v} 票，{res}（须超过{basis}的半数）").format(
            v=votes_for, res=_("通过") if passed else _("未通过"), basis=basis))
    return StageQuorum(True, attendance_ok, passed, "；".join(parts))


def status_of(c: Consultation | ConsultationRow, stage_done: int = 0) -> str:
    if c.result_published_on:
        return _("结果已公开")
    if c.result:
        return _("已落实")
    if c.outcome == "未达成":
        return _("未达成一致")
    if c.decision:
        return _("落实中")
    if c.staged and stage_done:
        return _("第{n}步已完成").format(n=stage_done)
    return _("议事中")


def _t(value: str | None) -> str:
    return (value or "").strip()


def check_consultation_form(form: ConsultationForm, today: date | None = None) -> dict[str, str]:
    today = today or date.today()
    errors: dict[str, str] = {}
    if not _t(form.topic):
        errors["topic"] = _("请填写议题")
    if form.source not in CONSULTATION_SOURCES:
        errors["source"] = _("议题来源不对")
    if form.held_on is not None and form.held_on > today:
        errors["held_on"] = _("议事日期不能晚于今天")
    if form.expected < 0 or form.present < 0:
        errors["present"] = _("人数不能为负数")
    elif form.present > form.expected > 0:
        errors["present"] = _("实到人数不能多于应到人数")
    if form.outcome and form.outcome not in OUTCOMES:
        errors["outcome"] = _("议事结果只能是达成一致、部分一致或未达成")
    if form.satisfaction and form.satisfaction not in SATISFACTION:
        errors["satisfaction"] = _("满意度只能是满意、基本满意或不满意")
    if _t(form.decision) and not form.outcome:
        errors["outcome"] = _("填写了决议，请选择议事结果")
    if form.result_published_on and not _t(form.result):
        errors["result"] = _("公开实施结果前，请填写落实结果")
    for d_key in ("decision_published_on", "result_published_on", "result_date"):
        d = getattr(form, d_key)
        if d is not None and d > today:
            errors[d_key] = _("日期不能晚于今天")
    for side in form.participants:
        if side not in CONSULTATION_SIDES:
            errors["participants"] = _("参加方“{side}”不对").format(side=side)
    return errors


def _raise_first(errors: dict[str, str]) -> None:
    if errors:
        key, message = next(iter(errors.items()))
        raise ValidationError(key, message)


_PLAIN = ("topic", "source", "source_visit_id", "source_meeting_id", "proposer", "held_on", "place", "form", "host",
          "expected", "present", "background", "process", "votes_for", "votes_against", "votes_abstain", "outcome",
          "decision", "executor", "due_date", "result", "result_date", "decision_published_on",
          "decision_published_how", "result_published_on", "result_published_how", "satisfaction",
          "satisfaction_note", "staged")


def _apply(session: Session, c: Consultation, form: ConsultationForm, today: date | None) -> None:
    _raise_first(check_consultation_form(form, today))
    if form.source_visit_id is not None and session.get(Visit, form.source_visit_id) is None:
        raise ValidationError("source", _("来源走访记录不存在"))
    if form.source_meeting_id is not None and session.get(Meeting, form.source_meeting_id) is None:
        raise ValidationError("source", _("来源会议不存在"))
    for key in _PLAIN:
        value = getattr(form, key)
        setattr(c, key, _t(value) if isinstance(value, str) else value)
    c.topic = c.topic[:200]


def _write_participants(session: Session, cid: int, participants: dict[str, list[str]]) -> None:
    session.execute(delete(ConsultationParticipant).where(ConsultationParticipant.consultation_id == cid))
    order = 0
    for side in CONSULTATION_SIDES:
        for name in participants.get(side, []):
            if _t(name):
                session.add(ConsultationParticipant(consultation_id=cid, side=side, name=_t(name)[:100],
                                                    sort_order=order))
                order += 1


def split_names(text_: str) -> list[str]:
    for sep in ("，", ",", "；", ";", " ", "\u3000", "/"):
        text_ = text_.replace(sep, "、")
    return [n for n in (p.strip() for p in text_.split("、")) if n]


def create_consultation(session: Session, form: ConsultationForm, today: date | None = None) -> tuple[Changes, int]:
    c = Consultation(topic="")
    _apply(session, c, form, today)
    session.add(c)
    session.flush()
    _write_participants(session, c.id, form.participants)
    return Changes.of(*CHANGED, ids=[c.id]), c.id


def update_consultation(session: Session, cid: int, form: ConsultationForm, today: date | None = None) -> Changes:
    c = session.get_one(Consultation, cid)
    if c.staged and not form.staged and session.scalar(
            select(ConsultationStage.id).where(ConsultationStage.consultation_id == cid,
                                               ConsultationStage.archived_at.is_(None)).limit(1)):
        raise ValidationError("staged", _("已登记了四议两公开步骤，不能取消"))
    _apply(session, c, form, today)
    _write_participants(session, cid, form.participants)
    return Changes.of(*CHANGED, ids=[cid])


def set_consultation_archived(session: Session, cid: int, archived: bool) -> Changes:
    session.get_one(Consultation, cid).archived_at = now() if archived else None
    return Changes.of(*CHANGED, ids=[cid])


def consultation_form(session: Session, cid: int) -> ConsultationForm:
    c = session.get_one(Consultation, cid)
    form = ConsultationForm(**{k: getattr(c, k) for k in _PLAIN})
    for p in session.scalars(select(ConsultationParticipant).where(ConsultationParticipant.consultation_id == cid)
                             .order_by(ConsultationParticipant.sort_order, ConsultationParticipant.id)):
        form.participants.setdefault(p.side, []).append(p.name)
    return form


# -- the staged case (四议两公开) -------------------------------------------------------------------------
def _stages(session: Session, cid: int) -> dict[int, ConsultationStage]:
    return {s.stage: s for s in session.scalars(select(ConsultationStage).where(
        ConsultationStage.consultation_id == cid, ConsultationStage.archived_at.is_(None)))}


def next_stage(session: Session, cid: int) -> int | None:
    """The stage that may be recorded now (1…6), or None when all are done or the case stopped."""
    c = session.get_one(Consultation, cid)
    if not c.staged:
        return None
    done = _stages(session, cid)
    for n in range(1, 7):
        if n not in done:
            return n
        if done[n].passed is False:
            return None
    return None


def record_stage(session: Session, cid: int, stage: int, form: StageForm, today: date | None = None) -> Changes:
    """Record (or correct) stage ``stage``; a stage opens only when the previous one is recorded."""
    today = today or date.today()
    c = session.get_one(Consultation, cid)
    if not c.staged:
        raise ValidationError("stage", _("这项协商没有采用四议两公开程序"))
    if not 1 <= stage <= 6:
        raise ValidationError("stage", _("步骤只能是 1 到 6"))
    done = _stages(session, cid)
    if stage > 1:
        prev = done.get(stage - 1)
        if prev is None:
            raise ValidationError("stage", _("请先完成上一步：{name}").format(name=_(STAGES[stage - 2])))
        if prev.passed is False:
            raise ValidationError("stage", _("上一步“{name}”未通过，不能进入下一步").format(name=_(STAGES[stage - 2])))
    if form.held_on is None:
        raise ValidationError("held_on", _("请填写日期"))
    if form.held_on > today:
        raise ValidationError("held_on", _("日期不能晚于今天"))
    if stage > 1 and form.held_on < done[stage - 1].held_on:
        raise ValidationError("held_on", _("日期不能早于上一步（{d}）").format(d=done[stage - 1].held_on.isoformat()))
    nxt = done.get(stage + 1)
    if nxt is not None and form.held_on > nxt.held_on:
        raise ValidationError("held_on", _("日期不能晚于下一步（{d}）").format(d=nxt.held_on.isoformat()))
    for key in ("expected", "present", "votes_for", "votes_against"):
        value = getattr(form, key)
        if value is not None and value < 0:
            raise ValidationError(key, _("人数不能为负数"))
    if form.expected is not None and form.present is not None and form.present > form.expected:
        raise ValidationError("present", _("实到人数不能多于应到人数"))
    passed = form.passed
    if stage in QUORUM_STAGES:
        q = stage_quorum(stage, form.expected, form.present, form.votes_for)
        if form.expected is None or form.present is None:
            raise ValidationError("present", q.text)
        if form.votes_for is None:
            raise ValidationError("votes_for", _("请填写赞成票数"))
        if form.present is not None and form.votes_for > form.present:
            raise ValidationError("votes_for", _("赞成票数不能多于实到人数"))
        passed = q.passed
    elif stage in (5, 6):
        if not _t(form.form):
            raise ValidationError("form", _("请填写公开方式（如公开栏、微信群）"))
        if stage == 6 and not _t(c.result):
            raise ValidationError("stage", _("请先填写落实结果，再公开实施结果"))
        passed = True
    elif passed is None:
        passed = True
    row = done.get(stage)
    if row is None:
        row = ConsultationStage(consultation_id=cid, stage=stage, held_on=form.held_on)
        session.add(row)
    for key in ("held_on", "form", "expected", "present", "votes_for", "votes_against", "officials"):
        value = getattr(form, key)
        setattr(row, key, _t(value) if isinstance(value, str) else value)
    row.content, row.supervision, row.passed = _t(form.content), _t(form.supervision), passed
    if stage == 4 and passed:
        c.outcome = c.outcome or "达成一致"
        c.held_on = c.held_on or form.held_on
        if _t(form.content) and not _t(c.decision):
            c.decision = _t(form.content)
        c.expected, c.present = form.expected or c.expected, form.present or c.present
        c.votes_for, c.votes_against = form.votes_for, form.votes_against
    elif stage == 4:
        c.outcome = "未达成"
    if stage == 5:
        c.decision_published_on, c.decision_published_how = form.held_on, _t(form.form)
    if stage == 6:
        c.result_published_on, c.result_published_how = form.held_on, _t(form.form)
    session.flush()
    return Changes.of(*CHANGED, ids=[cid])


def stage_rows(session: Session, cid: int) -> list[StageRow]:
    done = _stages(session, cid)
    nxt = next_stage(session, cid)
    out = []
    for n, name in enumerate(STAGES, start=1):
        s = done.get(n)
        if s is None:
            out.append(StageRow(n, _(name), None, "", None, None, None, None, "", None, "", "", "",
                                _("可办理") if nxt == n else _("未开始")))
            continue
        q = stage_quorum(n, s.expected, s.present, s.votes_for)
        state = _("未通过") if s.passed is False else _("已完成")
        out.append(StageRow(n, _(name), s.held_on, s.form, s.expected, s.present, s.votes_for, s.votes_against,
                            s.content, s.passed, s.officials, s.supervision, q.text, state))
    return out


# -- queries ----------------------------------------------------------------------------------------------
_ROW_SQL = (
    "SELECT c.id, c.topic, c.source, c.proposer, c.held_on, c.form, c.expected, c.present, c.outcome, c.decision,"
    " c.executor, c.due_date, c.result, c.decision_published_on, c.result_published_on, c.satisfaction, c.staged,"
    " (SELECT count(*) FROM consultation_stage s WHERE s.consultation_id = c.id AND s.archived_at IS NULL),"
    " (SELECT group_concat(p.side || '：' || p.names, '；') FROM (SELECT side, group_concat(name, '、') AS names,"
    "  min(sort_order) AS o FROM consultation_participant WHERE consultation_id = c.id GROUP BY side ORDER BY o) p),"
    " (SELECT count(*) FROM checklist_item i WHERE i.source_consultation_id = c.id AND i.archived_at IS NULL),"
    " (SELECT count(*) FROM checklist_item i WHERE i.source_consultation_id = c.id AND i.archived_at IS NULL"
    "  AND i.status IN ('已完成', '已销号')),"
    " v.visit_date, mt.kind, mt.start_at"
    " FROM consultation c LEFT JOIN visit v ON v.id = c.source_visit_id LEFT JOIN meeting mt ON mt.id = c.source_meeting_id"
)


def _d(value: object) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _row(r: object) -> ConsultationRow:
    (cid, topic, source, proposer, held, form, expected, present, outcome, decision, executor, due, result, dpub,
     rpub, satisfaction, staged, n_stages, parts, items, items_done, vdate, mkind, mstart) = r  # type: ignore[misc]
    source_text = source
    if vdate:
        source_text = _("{s}（{d} 走访）").format(s=source, d=str(vdate)[:10])
    elif mkind:
        source_text = _("{s}（{d} {k}）").format(s=source, d=str(mstart)[:10], k=mkind)
    row = ConsultationRow(cid, topic, source, source_text, proposer, _d(held), form, expected, present, outcome,
                          decision, executor, _d(due), result, _d(dpub), _d(rpub), satisfaction, bool(staged),
                          n_stages, "", parts or "", items, items_done)
    from dataclasses import replace

    return replace(row, status=status_of(row, n_stages))


@dataclass(frozen=True)
class ConsultationFilter:
    source: str = ""
    status: str = ""            # "" all, 进行中 (no result yet), 已落实, 四议两公开
    start: date | None = None
    end: date | None = None
    query: str = ""
    include_archived: bool = False
    limit: int = 5000


def list_consultations(session: Session, f: ConsultationFilter | None = None) -> list[ConsultationRow]:
    f = f or ConsultationFilter()
    where = ["1=1"] if f.include_archived else ["c.archived_at IS NULL"]
    binds: dict[str, object] = {"lim": f.limit}
    if f.source:
        where.append("c.source = :source")
        binds["source"] = f.source
    if f.status == "进行中":
        where.append("c.result = ''")
    elif f.status == "已落实":
        where.append("c.result != ''")
    elif f.status == "四议两公开":
        where.append("c.staged")
    if f.start:
        where.append("coalesce(c.held_on, date(c.created_at)) >= :start")
        binds["start"] = f.start.isoformat()
    if f.end:
        where.append("coalesce(c.held_on, date(c.created_at)) <= :end")
        binds["end"] = f.end.isoformat()
    if f.query.strip():
        where.append("(c.topic LIKE :q OR c.decision LIKE :q OR c.proposer LIKE :q OR c.executor LIKE :q)")
        binds["q"] = f"%{f.query.strip()}%"
    sql = _ROW_SQL + " WHERE " + " AND ".join(where) + \
        " ORDER BY coalesce(c.held_on, date(c.created_at)) DESC, c.id DESC LIMIT :lim"
    return [_row(r) for r in session.execute(text(sql), binds)]


def consultation_row(session: Session, cid: int) -> ConsultationRow:
    return _row(session.execute(text(_ROW_SQL + " WHERE c.id = :id"), {"id": cid}).one())


def consultation_detail(session: Session, cid: int) -> ConsultationDetail:
    from commdesk.services.attachments import list_attachments
    from commdesk.services.checklist import ChecklistFilter, list_items

    c = session.get_one(Consultation, cid)
    source = ""
    if c.source_visit_id is not None:
        v = session.execute(text(
            "SELECT v.visit_date, v.visitor, v.needs, h.household_no FROM visit v JOIN household h"
            " ON h.id = v.household_id WHERE v.id = :v"), {"v": c.source_visit_id}).one()
        source = _("走访：{d} {who} 走访 {no}，诉求：{needs}").format(d=str(v[0])[:10], who=v[1], no=v[3], needs=v[2])
    elif c.source_meeting_id is not None:
        m = session.get_one(Meeting, c.source_meeting_id)
        source = _("会议：{d} {kind}《{topic}》").format(d=f"{m.start_at:%Y-%m-%d}", kind=m.kind, topic=m.topic)
    return ConsultationDetail(consultation_row(session, cid), consultation_form(session, cid),
                              stage_rows(session, cid) if c.staged else [],
                              list_items(session, ChecklistFilter(source_consultation_id=cid)),
                              list_attachments(session, "consultation", cid), source)
