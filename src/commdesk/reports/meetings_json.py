"""``commdesk export meetings|consultations|checklist --format json``: objects for other systems.

meetings: uuid, kind, branch, group, topic, start_at/end_at (ISO), place, host, recorder, guests,
agenda, minutes, votes, resolutions (list), expected, present, quorum_ok (null when no rule
applies), attendees [{name, status, reason, voting}].

consultations: uuid, topic, source, source_ref {visit|meeting: uuid}, proposer, held_on, form,
participants {side: [names]}, expected, present, outcome, decision, executor, due_date, result,
result_date, decision_published {on, how}, result_published {on, how}, satisfaction, staged,
stages [{stage, name, held_on, form, expected, present, votes_for, votes_against, passed, content}].

checklist: uuid, title, category, content, source, source_uuid, responsible_unit,
responsible_person, collaborators, start_date, deadline, status, overdue (bool, as of today),
completed_on, closed_on, overdue_reason, score, evaluation, feedback, satisfaction, published_on,
progress [{date, text, percent}], evidence (count).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.models.meeting import STAGES

EXPORTS = {"meetings": _("会议记录（json，供其他系统使用）"),
           "consultations": _("协商议事记录（json，供其他系统使用）"),
           "checklist": _("责任清单（json，供其他系统使用）")}


def _iso(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)[:10]


def _iso_dt(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)[:19].replace(" ", "T")


def meeting_records(session: Session) -> list[dict[str, Any]]:
    from commdesk.services.checklist import resolution_lines
    from commdesk.services.meetings import quorum

    attendees: dict[int, list[dict[str, Any]]] = {}
    for mid, name, status, reason, voting in session.execute(text(
            "SELECT meeting_id, name, status, reason, voting FROM meeting_attendee ORDER BY meeting_id, sort_order, id")):
        attendees.setdefault(mid, []).append({"name": name, "status": status, "reason": reason,
                                              "voting": bool(voting)})
    out = []
    for r in session.execute(text(
            "SELECT m.id, m.uuid, m.kind, b.name, g.name, m.topic, m.start_at, m.end_at, m.place, m.host, m.recorder,"
            " m.guests, m.agenda, m.minutes, m.votes, m.resolutions, m.expected, m.present, m.voting_expected,"
            " m.voting_present FROM meeting m LEFT JOIN party_org b ON b.id = m.org_id"
            " LEFT JOIN party_org g ON g.id = m.group_id WHERE m.archived_at IS NULL ORDER BY m.start_at, m.id")):
        q = quorum(r[2], r[18], r[19])
        out.append({"uuid": r[1], "kind": r[2], "branch": r[3], "group": r[4], "topic": r[5],
                    "start_at": _iso_dt(r[6]), "end_at": _iso_dt(r[7]), "place": r[8], "host": r[9],
                    "recorder": r[10], "guests": r[11], "agenda": r[12], "minutes": r[13], "votes": r[14],
                    "resolutions": resolution_lines(r[15]), "expected": r[16], "present": r[17],
                    "quorum_ok": q.ok if q.applies else None, "attendees": attendees.get(r[0], [])})
    return out


def consultation_records(session: Session) -> list[dict[str, Any]]:
    parts: dict[int, dict[str, list[str]]] = {}
    for cid, side, name in session.execute(text(
            "SELECT consultation_id, side, name FROM consultation_participant ORDER BY consultation_id, sort_order, id")):
        parts.setdefault(cid, {}).setdefault(side, []).append(name)
    stages: dict[int, list[dict[str, Any]]] = {}
    for (cid, n, held, form, exp, pres, vf, va, passed, content) in session.execute(text(
            "SELECT consultation_id, stage, held_on, form, expected, present, votes_for, votes_against, passed,"
            " content FROM consultation_stage WHERE archived_at IS NULL ORDER BY consultation_id, stage")):
        stages.setdefault(cid, []).append({
            "stage": n, "name": STAGES[n - 1], "held_on": _iso(held), "form": form, "expected": exp, "present": pres,
            "votes_for": vf, "votes_against": va, "passed": None if passed is None else bool(passed),
            "content": content})
    out = []
    for r in session.execute(text(
            "SELECT c.id, c.uuid, c.topic, c.source, v.uuid, m.uuid, c.proposer, c.held_on, c.form, c.expected,"
            " c.present, c.outcome, c.decision, c.executor, c.due_date, c.result, c.result_date,"
            " c.decision_published_on, c.decision_published_how, c.result_published_on, c.result_published_how,"
            " c.satisfaction, c.staged FROM consultation c LEFT JOIN visit v ON v.id = c.source_visit_id"
            " LEFT JOIN meeting m ON m.id = c.source_meeting_id WHERE c.archived_at IS NULL"
            " ORDER BY coalesce(c.held_on, date(c.created_at)), c.id")):
        ref = {"visit": r[4]} if r[4] else {"meeting": r[5]} if r[5] else None
        out.append({"uuid": r[1], "topic": r[2], "source": r[3], "source_ref": ref, "proposer": r[6],
                    "held_on": _iso(r[7]), "form": r[8], "participants": parts.get(r[0], {}), "expected": r[9],
                    "present": r[10], "outcome": r[11], "decision": r[12], "executor": r[13],
                    "due_date": _iso(r[14]), "result": r[15], "result_date": _iso(r[16]),
                    "decision_published": {"on": _iso(r[17]), "how": r[18]} if r[17] else None,
                    "result_published": {"on": _iso(r[19]), "how": r[20]} if r[19] else None,
                    "satisfaction": r[21], "staged": bool(r[22]), "stages": stages.get(r[0], [])})
    return out


def checklist_records(session: Session, today: date | None = None) -> list[dict[str, Any]]:
    from commdesk.services.checklist import is_overdue

    today = today or date.today()
    progress: dict[int, list[dict[str, Any]]] = {}
    for iid, d, txt, pct in session.execute(text(
            "SELECT item_id, entry_date, text, percent FROM checklist_progress WHERE archived_at IS NULL"
            " ORDER BY item_id, entry_date, id")):
        progress.setdefault(iid, []).append({"date": _iso(d), "text": txt, "percent": pct})
    evidence = dict(session.execute(text(
        "SELECT owner_id, count(*) FROM attachment WHERE owner_table = 'checklist_item' AND archived_at IS NULL"
        " GROUP BY owner_id")).all())
    out = []
    for r in session.execute(text(
            "SELECT c.id, c.uuid, c.title, c.category, c.content, c.source, coalesce(m.uuid, cs.uuid, v.uuid),"
            " c.responsible_unit, c.responsible_person, c.collaborators, c.start_date, c.deadline, c.status,"
            " c.completed_on, c.closed_on, c.overdue_reason, c.score, c.evaluation, c.feedback, c.satisfaction,"
            " c.published_on, c.measures FROM checklist_item c LEFT JOIN meeting m ON m.id = c.source_meeting_id"
            " LEFT JOIN consultation cs ON cs.id = c.source_consultation_id LEFT JOIN visit v ON v.id = c.source_visit_id"
            " WHERE c.archived_at IS NULL ORDER BY c.deadline, c.id")):
        deadline = date.fromisoformat(str(r[11])[:10]) if r[11] else None
        out.append({"uuid": r[1], "title": r[2], "category": r[3], "content": r[4], "measures": r[21],
                    "source": r[5], "source_uuid": r[6], "responsible_unit": r[7], "responsible_person": r[8],
                    "collaborators": r[9], "start_date": _iso(r[10]), "deadline": _iso(r[11]), "status": r[12],
                    "overdue": is_overdue(r[12], deadline, today), "completed_on": _iso(r[13]),
                    "closed_on": _iso(r[14]), "overdue_reason": r[15], "score": r[16], "evaluation": r[17],
                    "feedback": r[18], "satisfaction": r[19], "published_on": _iso(r[20]),
                    "progress": progress.get(r[0], []), "evidence": evidence.get(r[0], 0)})
    return out


def _write_json(records: list[dict[str, Any]], out: Path) -> None:
    from commdesk.reports.export import write_json

    write_json(records, out)


def export_json(database: Any, key: str, out_path: str | Path, *, today: date | None = None) -> int:
    """Write ``meetings``, ``consultations`` or ``checklist`` as a JSON list; returns how many objects."""
    builders = {"meetings": meeting_records, "consultations": consultation_records,
                "checklist": lambda s: checklist_records(s, today)}
    if key not in builders:
        raise UserError(_("没有名为“{key}”的导出（可用：{keys}）").format(key=key, keys="、".join(builders)))
    with database.Session() as session:
        records = builders[key](session)
    _write_json(records, Path(out_path))
    return len(records)
