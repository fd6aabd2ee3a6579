"""会议记录 (三会一课 and community meetings): record with attendance, quorum, list, detail.

Attendance is taken from the roster: :func:`roster` gives the branch's (or group's) active
members pre-marked 出席, each with whether they vote (正式党员) — the user only marks who was
away (请假/缺席) and why. The quorum rule of the 支部党员大会 (more than half of the voting
members present) is checked by :func:`quorum`; the meeting is recorded either way, and the
result is shown wherever the meeting is.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from commdesk.errors import ValidationError
from commdesk.i18n import _
from commdesk.models.base import now
from commdesk.models.meeting import ATTENDANCE, MEETING_KINDS, PARTY_KINDS, Meeting, MeetingAttendee
from commdesk.models.party import PartyOrg
from commdesk.changes import Changes
from commdesk.services.checklist import ChecklistFilter, list_items

CHANGED = ("meeting",)
QUORUM_KINDS = ("支部党员大会",)


@dataclass
class AttendeeForm:
    name: str
    member_id: int | None = None
    status: str = "出席"
    reason: str = ""
    voting: bool = True
    membership: str = ""
    post: str = ""


@dataclass
class MeetingForm:
    kind: str = "支委会"
    org_id: int | None = None
    group_id: int | None = None
    topic: str = ""
    start_at: datetime | None = None
    end_at: datetime | None = None
    place: str = ""
    host: str = ""
    recorder: str = ""
    guests: str = ""
    agenda: str = ""
    minutes: str = ""
    votes: str = ""
    resolutions: str = ""
    pending: str = ""
    attendees: list[AttendeeForm] = field(default_factory=list)


@dataclass(frozen=True)
class QuorumCheck:
    applies: bool
    ok: bool
    text: str


@dataclass(frozen=True)
class MeetingRow:
    id: int
    kind: str
    org_id: int | None
    branch: str
    group: str
    topic: str
    start_at: datetime
    end_at: datetime | None
    place: str
    host: str
    recorder: str
    expected: int
    present: int
    absent_text: str
    quorum: str
    resolutions: str
    items: int


@dataclass
class MeetingDetail:
    row: MeetingRow
    form: MeetingForm
    attachments: list = field(default_factory=list)       # AttachmentRow
    items: list = field(default_factory=list)              # checklist ItemRow
    consultations: list[tuple[int, str]] = field(default_factory=list)


def quorum(kind: str, voting_expected: int, voting_present: int) -> QuorumCheck:
    """支部党员大会: more than half of the members with a vote must be present."""
    if kind not in QUORUM_KINDS:
        return QuorumCheck(False, True, "")
    if voting_expected <= 0:
        return QuorumCheck(True, False, _("没有应到的正式党员，无法判断是否达到法定人数"))
    ok = voting_present * 2 > voting_expected
    if ok:
        return QuorumCheck(True, True, _("有表决权的党员应到 {e} 人、实到 {p} 人，超过半数，会议有效").format(
            e=voting_expected, p=voting_present))
    return QuorumCheck(True, False, _("有表决权的党员应到 {e} 人、实到 {p} 人，未超过半数，不能作出决议").format(
        e=voting_expected, p=voting_present))


def roster(session: Session, org_id: int | None, group_id: int | None = None) -> list[AttendeeForm]:
    """Active members of the branch (or of the group) as attendees, all marked 出席.

    Members away (外出流动) are pre-marked 请假 with that reason; 预备党员 have no vote."""
    if org_id is None and group_id is None:
        return []
    cond, binds = ("m.group_id = :g", {"g": group_id}) if group_id is not None else ("m.org_id = :o", {"o": org_id})
    rows = session.execute(text(
        "SELECT m.id, m.name, m.membership, m.party_post, m.status FROM party_member m"
        f" WHERE m.archived_at IS NULL AND m.status NOT IN ('已转出', '已去世') AND {cond}"
        " ORDER BY m.party_post = '', CASE m.party_post WHEN '书记' THEN 0 WHEN '副书记' THEN 1 ELSE 2 END,"
        " m.join_date IS NULL, m.join_date, m.id"), binds)
    out = []
    for mid, name, membership, post, status in rows:
        away = status == "外出流动"
        out.append(AttendeeForm(name, mid, "请假" if away else "出席", _("外出流动") if away else "",
                                membership == "正式党员", membership, post or ""))
    return out


def _text(value: str | None) -> str:
    return (value or "").strip()


def check_meeting_form(form: MeetingForm, today: date | None = None) -> dict[str, str]:
    today = today or date.today()
    errors: dict[str, str] = {}
    if form.kind not in MEETING_KINDS:
        errors["kind"] = _("会议类型不对")
    if not _text(form.topic):
        errors["topic"] = _("请填写会议名称或议题")
    if form.start_at is None:
        errors["start_at"] = _("请填写会议时间")
    elif form.start_at.date() > today:
        errors["start_at"] = _("会议时间不能晚于今天（还没开的会议不用登记）")
    if form.end_at is not None and form.start_at is not None and form.end_at < form.start_at:
        errors["end_at"] = _("结束时间不能早于开始时间")
    if form.kind in PARTY_KINDS and form.org_id is None and form.group_id is None:
        errors["org"] = _("请选择党支部")
    if form.kind == "党小组会" and form.group_id is None:
        errors["group"] = _("党小组会请选择党小组")
    names = set()
    for a in form.attendees:
        if a.status not in ATTENDANCE:
            errors["attendees"] = _("出席情况只能是出席、请假或缺席")
        if not _text(a.name):
            errors["attendees"] = _("参会人员姓名不能为空")
        key = (a.member_id, _text(a.name)) if a.member_id is not None else (None, _text(a.name))
        if key in names:
            errors["attendees"] = _("参会人员“{name}”重复").format(name=a.name)
        names.add(key)
    return errors


def _raise_first(errors: dict[str, str]) -> None:
    if errors:
        key, message = next(iter(errors.items()))
        raise ValidationError(key, message)


def _apply(session: Session, meeting: Meeting, form: MeetingForm, today: date | None) -> None:
    _raise_first(check_meeting_form(form, today))
    org_id, group_id = form.org_id, form.group_id
    if group_id is not None:
        group = session.get(PartyOrg, group_id)
        if group is None or group.kind != "党小组" or group.archived_at is not None:
            raise ValidationError("group", _("党小组不存在"))
        org_id = group.parent_id if org_id is None else org_id
        if group.parent_id != org_id:
            raise ValidationError("group", _("这个党小组不属于所选的党支部"))
    if org_id is not None:
        org = session.get(PartyOrg, org_id)
        if org is None or org.archived_at is not None:
            raise ValidationError("org", _("党组织不存在"))
    meeting.kind, meeting.org_id, meeting.group_id = form.kind, org_id, group_id
    meeting.topic = _text(form.topic)[:200]
    meeting.start_at, meeting.end_at = form.start_at, form.end_at  # type: ignore[assignment]
    for key in ("place", "host", "recorder", "guests", "agenda", "minutes", "votes", "resolutions", "pending"):
        setattr(meeting, key, _text(getattr(form, key)))
    meeting.expected = len(form.attendees)
    meeting.present = sum(1 for a in form.attendees if a.status == "出席")
    meeting.voting_expected = sum(1 for a in form.attendees if a.voting)
    meeting.voting_present = sum(1 for a in form.attendees if a.voting and a.status == "出席")


def _write_attendees(session: Session, meeting_id: int, attendees: list[AttendeeForm]) -> None:
    session.execute(delete(MeetingAttendee).where(MeetingAttendee.meeting_id == meeting_id))
    session.add_all(MeetingAttendee(meeting_id=meeting_id, member_id=a.member_id, name=_text(a.name)[:50],
                                    status=a.status, reason=_text(a.reason)[:200] if a.status != "出席" else "",
                                    voting=a.voting, sort_order=i) for i, a in enumerate(attendees))


def create_meeting(session: Session, form: MeetingForm, today: date | None = None) -> tuple[Changes, int]:
    meeting = Meeting(kind=form.kind, topic="", start_at=now())
    _apply(session, meeting, form, today)
    session.add(meeting)
    session.flush()
    _write_attendees(session, meeting.id, form.attendees)
    return Changes.of(*CHANGED, ids=[meeting.id]), meeting.id


def update_meeting(session: Session, meeting_id: int, form: MeetingForm, today: date | None = None) -> Changes:
    meeting = session.get_one(Meeting, meeting_id)
    _apply(session, meeting, form, today)
    _write_attendees(session, meeting_id, form.attendees)
    return Changes.of(*CHANGED, ids=[meeting_id])


def set_meeting_archived(session: Session, meeting_id: int, archived: bool) -> Changes:
    meeting = session.get_one(Meeting, meeting_id)
    meeting.archived_at = now() if archived else None
    return Changes.of(*CHANGED, ids=[meeting_id])


def meeting_form(session: Session, meeting_id: int) -> MeetingForm:
    m = session.get_one(Meeting, meeting_id)
    memberships = dict(session.execute(text(
        "SELECT m.id, m.membership FROM party_member m JOIN meeting_attendee a ON a.member_id = m.id"
        " WHERE a.meeting_id = :id"), {"id": meeting_id}).all())
    attendees = [AttendeeForm(a.name, a.member_id, a.status, a.reason, a.voting,
                              memberships.get(a.member_id, "") if a.member_id else "")
                 for a in session.scalars(select(MeetingAttendee).where(MeetingAttendee.meeting_id == meeting_id)
                                          .order_by(MeetingAttendee.sort_order, MeetingAttendee.id))]
    return MeetingForm(m.kind, m.org_id, m.group_id, m.topic, m.start_at, m.end_at, m.place, m.host, m.recorder,
                       m.guests, m.agenda, m.minutes, m.votes, m.resolutions, m.pending, attendees)


# -- queries ---------------------------------------------------------------------------------------
def _dt(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


_ROW_SQL = (
    "SELECT mt.id, mt.kind, mt.org_id, b.name, g.name, mt.topic, mt.start_at, mt.end_at, mt.place, mt.host,"
    " mt.recorder, mt.expected, mt.present, mt.voting_expected, mt.voting_present, mt.resolutions,"
    " (SELECT group_concat(a.name || CASE WHEN a.reason != '' THEN '（' || a.reason || '）' ELSE '' END, '、')"
    "  FROM meeting_attendee a WHERE a.meeting_id = mt.id AND a.status != '出席'),"
    " (SELECT count(*) FROM checklist_item c WHERE c.source_meeting_id = mt.id AND c.archived_at IS NULL)"
    " FROM meeting mt LEFT JOIN party_org b ON b.id = mt.org_id LEFT JOIN party_org g ON g.id = mt.group_id"
)


def _row(r: object) -> MeetingRow:
    (mid, kind, org_id, branch, group, topic, start, end, place, host, recorder, expected, present, vexp, vpres,
     resolutions, absent, items) = r  # type: ignore[misc]
    q = quorum(kind, vexp, vpres)
    qtext = "" if not q.applies else (_("有效") if q.ok else _("不足半数"))
    return MeetingRow(mid, kind, org_id, branch or "", group or "", topic, _dt(start), _dt(end),  # type: ignore[arg-type]
                      place, host, recorder, expected, present, absent or "", qtext, resolutions, items)


@dataclass(frozen=True)
class MeetingFilter:
    kind: str = ""
    org_id: int | None = None           # a branch: its meetings and its groups'
    start: date | None = None
    end: date | None = None
    query: str = ""
    include_archived: bool = False
    limit: int = 5000


def list_meetings(session: Session, f: MeetingFilter | None = None) -> list[MeetingRow]:
    f = f or MeetingFilter()
    where = ["1=1"] if f.include_archived else ["mt.archived_at IS NULL"]
    binds: dict[str, object] = {"lim": f.limit}
    if f.kind:
        where.append("mt.kind = :kind")
        binds["kind"] = f.kind
    if f.org_id is not None:
        where.append("(mt.org_id = :org OR mt.group_id = :org)")
        binds["org"] = f.org_id
    if f.start:
        where.append("mt.start_at >= :start")
        binds["start"] = datetime.combine(f.start, time.min).isoformat(" ")
    if f.end:
        where.append("mt.start_at <= :end")
        binds["end"] = datetime.combine(f.end, time.max).isoformat(" ")
    if f.query.strip():
        where.append("(mt.topic LIKE :q OR mt.agenda LIKE :q OR mt.resolutions LIKE :q OR mt.place LIKE :q"
                     " OR mt.host LIKE :q OR b.name LIKE :q)")
        binds["q"] = f"%{f.query.strip()}%"
    sql = _ROW_SQL + " WHERE " + " AND ".join(where) + " ORDER BY mt.start_at DESC, mt.id DESC LIMIT :lim"
    return [_row(r) for r in session.execute(text(sql), binds)]


def meeting_row(session: Session, meeting_id: int) -> MeetingRow:
    return _row(session.execute(text(_ROW_SQL + " WHERE mt.id = :id"), {"id": meeting_id}).one())


def meeting_detail(session: Session, meeting_id: int) -> MeetingDetail:
    from commdesk.services.attachments import list_attachments

    consultations = [(cid, topic) for cid, topic in session.execute(text(
        "SELECT id, topic FROM consultation WHERE source_meeting_id = :id AND archived_at IS NULL ORDER BY id"),
        {"id": meeting_id})]
    return MeetingDetail(meeting_row(session, meeting_id), meeting_form(session, meeting_id),
                         list_attachments(session, "meeting", meeting_id),
                         list_items(session, ChecklistFilter(source_meeting_id=meeting_id)), consultations)


def branches(session: Session) -> list[tuple[int, str]]:
    """Branches (党支部/党总支) for the meeting form, in tree order."""
    from commdesk.services.party_org import flat_orgs

    return [(oid, name) for oid, _kind, name in flat_orgs(session, ("党总支", "党支部"))]


def groups_of(session: Session, branch_id: int) -> list[tuple[int, str]]:
    return [(g.id, g.name) for g in session.scalars(
        select(PartyOrg).where(PartyOrg.parent_id == branch_id, PartyOrg.kind == "党小组",
                               PartyOrg.archived_at.is_(None)).order_by(PartyOrg.sort_order, PartyOrg.id))]
