"""Meetings, the compliance rules engine, consultations (四议两公开), checklists and their links."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from commdesk.errors import ValidationError
from commdesk.models.meeting import Attachment, ChecklistItem, MeetingAttendee
from commdesk.models.party import Visit
from commdesk.services.checklist import resolution_lines
from commdesk.services import checklist as ck
from commdesk.services import compliance as cp
from commdesk.services import consultations as cs
from commdesk.services import meetings as ms
from commdesk.settings.meetings import meeting_rules, set_meeting_rule
from tests.meetings_support import build_party

TODAY = date(2025, 6, 15)


@pytest.fixture
def org(db: Any) -> dict[str, Any]:
    return build_party(db)


def _meeting(s: Any, org: dict[str, Any], kind: str, when: datetime, **kw: Any) -> int:
    group = kw.pop("group_id", None)
    attendees = ms.roster(s, org["b1"], group) if kind in ms.PARTY_KINDS else []
    form = ms.MeetingForm(kind=kind, org_id=org["b1"], group_id=group, topic=kw.pop("topic", f"{kind}"),
                          start_at=when, attendees=attendees, **kw)
    return ms.create_meeting(s, form, today=TODAY)[1]


# -- meetings and quorum ---------------------------------------------------------------------------------
def test_roster_prefills_present_and_votes(db: Any, org: dict[str, Any]) -> None:
    with db.Session() as s:
        att = ms.roster(s, org["b1"])
        assert len(att) == 30 and all(a.status == "出席" for a in att)
        assert sum(not a.voting for a in att) == 2          # 预备党员 have no vote
        assert att[0].post == "书记"
        assert len(ms.roster(s, org["b1"], org["g1"])) == 15
        assert ms.roster(s, None) == []


@pytest.mark.parametrize("present, ok", [(15, True), (14, False), (28, True)])
def test_quorum_of_the_general_meeting(present: int, ok: bool) -> None:
    q = ms.quorum("支部党员大会", 28, present)
    assert q.applies and q.ok is ok
    assert not ms.quorum("支委会", 5, 1).applies


def test_record_meeting_with_attendance(db: Any, org: dict[str, Any]) -> None:
    with db.Session.begin() as s:
        att = ms.roster(s, org["b1"])
        for a in att[:14]:
            a.status, a.reason = "请假", "外出"
        form = ms.MeetingForm(kind="支部党员大会", org_id=org["b1"], topic="接收预备党员", start_at=datetime(2025, 5, 8, 9),
                              attendees=att, resolutions="1. 同意接收\n2. 整治楼道")
        _c, mid = ms.create_meeting(s, form, today=TODAY)
    with db.Session() as s:
        row = ms.meeting_row(s, mid)
        assert (row.expected, row.present) == (30, 16)
        assert row.quorum == "不足半数"                     # 28 voting, 14 present of them (the 2 probationary came)
        assert "外出" in row.absent_text
        assert s.scalar(select(func.count()).select_from(MeetingAttendee)) == 30
        assert resolution_lines(row.resolutions) == ["1. 同意接收", "2. 整治楼道"]
        form = ms.meeting_form(s, mid)
        assert [a.status for a in form.attendees].count("请假") == 14
    with db.Session.begin() as s:
        form.attendees[0].status = "出席"
        ms.update_meeting(s, mid, form, today=TODAY)
    with db.Session() as s:
        assert ms.meeting_row(s, mid).quorum == "有效"
        assert s.scalar(select(func.count()).select_from(MeetingAttendee)) == 30


@pytest.mark.parametrize("change, field", [
    ({"topic": " "}, "topic"), ({"start_at": None}, "start_at"), ({"start_at": datetime(2025, 7, 1)}, "start_at"),
    ({"org_id": None}, "org"), ({"kind": "党小组会"}, "group"), ({"end_at": datetime(2025, 5, 1)}, "end_at"),
])
def test_meeting_validation(db: Any, org: dict[str, Any], change: dict[str, Any], field: str) -> None:
    form = ms.MeetingForm(kind="支委会", org_id=org["b1"], topic="例会", start_at=datetime(2025, 5, 2, 9))
    for k, v in change.items():
        setattr(form, k, v)
    with db.Session.begin() as s, pytest.raises(ValidationError) as err:
        ms.create_meeting(s, form, today=TODAY)
    assert err.value.field == field


def test_group_must_belong_to_branch(db: Any, org: dict[str, Any]) -> None:
    form = ms.MeetingForm(kind="党小组会", org_id=org["b2"], group_id=org["g1"], topic="学习", start_at=datetime(2025, 5, 2))
    with db.Session.begin() as s, pytest.raises(ValidationError):
        ms.create_meeting(s, form, today=TODAY)


def test_attachment_is_copied_with_hash(db: Any, org: dict[str, Any], tmp_path: Path, commdesk_home: Path) -> None:
    from commdesk.services.attachments import add_attachment, list_attachments, verify_attachment

    scan = tmp_path / "签到表.jpg"
    scan.write_bytes(b"\xff\xd8scan" * 100)
    with db.Session.begin() as s:
        mid = _meeting(s, org, "支委会", datetime(2025, 5, 2, 9))
        _c, aid = add_attachment(s, "meeting", mid, scan, kind="签到表")
    scan.unlink()                                          # the original goes away; the copy stays
    with db.Session() as s:
        (row,) = list_attachments(s, "meeting", mid)
        assert row.original_name == "签到表.jpg" and row.size == 600 and len(row.sha256) == 64
        assert row.path.is_file() and commdesk_home in row.path.parents
        assert verify_attachment(s, aid)
        assert s.get_one(Attachment, aid).stored_name.endswith(".jpg")


# -- compliance rules engine ----------------------------------------------------------------------------
def test_rules_default_and_setting(db: Any) -> None:
    with db.Session.begin() as s:
        rules = {r.kind: (r.period, r.times) for r in meeting_rules(s)}
        assert rules == {"支部党员大会": ("quarter", 1), "支委会": ("month", 1), "党小组会": ("month", 1),
                         "党课": ("quarter", 1), "主题党日": ("month", 1), "组织生活会": ("year", 1)}
        set_meeting_rule(s, "党课", "half", 2)
        set_meeting_rule(s, "主题党日", None)
        with pytest.raises(ValidationError):
            set_meeting_rule(s, "居民议事会", "month")
        with pytest.raises(ValidationError):
            set_meeting_rule(s, "党课", "week")
    with db.Session() as s:
        rules = {r.kind: (r.period, r.times) for r in meeting_rules(s)}
        assert rules["党课"] == ("half", 2) and "主题党日" not in rules


def test_calendar_due_done_missing(db: Any, org: dict[str, Any]) -> None:
    with db.Session.begin() as s:
        for month in (1, 2, 4, 6):                         # 3 and 5 missing
            _meeting(s, org, "支委会", datetime(2025, month, 10, 9))
        _meeting(s, org, "支部党员大会", datetime(2025, 2, 20, 9))
        _meeting(s, org, "党小组会", datetime(2025, 6, 3, 9), group_id=org["g1"])
        _meeting(s, org, "支委会", datetime(2024, 12, 10, 9))   # another year: not counted
    with db.Session() as s:
        rows = {(r.unit, r.kind): r for r in cp.compliance_calendar(s, 2025, TODAY)}
        committee = rows[("第一党支部", "支委会")]
        assert [c.state for c in committee.cells[:7]] == ["done", "done", "missing", "done", "missing", "done",
                                                          "upcoming"]
        general = rows[("第一党支部", "支部党员大会")]
        assert [c.state for c in general.cells] == ["done", "due", "upcoming", "upcoming"]
        g1 = rows[("第一党支部·第一党小组", "党小组会")]
        g2 = rows[("第一党支部·第二党小组", "党小组会")]
        assert g1.cells[5].state == "done" and g2.cells[5].state == "due"
        assert g1.count("missing") == 5
        assert rows[("第二党支部", "组织生活会")].cells[0].state == "due"
        issues = cp.compliance_issues(s, TODAY)
        assert issues[0].state == "due"
        missing = [i for i in issues if i.state == "missing" and i.unit == "第一党支部" and i.kind == "支委会"]
        assert [i.period.label for i in missing] == ["5月", "3月"]
        assert "应开 1 次，实开 0 次" in missing[0].text
        counts = cp.alert_counts(s, TODAY)
        assert counts["missing"] == len([i for i in issues if i.state == "missing"])
        held, due = cp.done_vs_due(cp.compliance_calendar(s, 2025, TODAY), TODAY)["支委会"]
        assert (held, due) == (4, 12)                      # 2 branches × 6 months started


def test_archived_meeting_does_not_count(db: Any, org: dict[str, Any]) -> None:
    with db.Session.begin() as s:
        mid = _meeting(s, org, "支委会", datetime(2025, 6, 10, 9))
        ms.set_meeting_archived(s, mid, True)
    with db.Session() as s:
        rows = {(r.unit, r.kind): r for r in cp.compliance_calendar(s, 2025, TODAY)}
        assert rows[("第一党支部", "支委会")].cells[5].state == "due"


@pytest.mark.parametrize("period, n_cells", [("month", 12), ("quarter", 4), ("half", 2), ("year", 1)])
def test_periods_cover_the_year(period: str, n_cells: int) -> None:
    ps = cp.periods(2024, period)
    assert len(ps) == n_cells and ps[0].start == date(2024, 1, 1) and ps[-1].end == date(2024, 12, 31)
    assert all(a.end + timedelta(days=1) == b.start for a, b in zip(ps, ps[1:]))
    assert cp.period_of(date(2024, 2, 29), period).start <= date(2024, 2, 29)


# -- consultations and the staged procedure ---------------------------------------------------------------
def _staged(s: Any) -> int:
    form = cs.ConsultationForm(topic="老旧小区加装电梯", source="居民提出", proposer="3号楼居民", staged=True,
                               participants={"居民代表": ["甲", "乙"], "物业": ["丙"]})
    return cs.create_consultation(s, form, today=TODAY)[1]


def test_stages_open_in_order(db: Any) -> None:
    with db.Session.begin() as s:
        cid = _staged(s)
        assert cs.next_stage(s, cid) == 1
        with pytest.raises(ValidationError, match="上一步"):
            cs.record_stage(s, cid, 2, cs.StageForm(held_on=date(2025, 5, 1)), today=TODAY)
        cs.record_stage(s, cid, 1, cs.StageForm(held_on=date(2025, 5, 1), form="支委会", content="提议加装"), today=TODAY)
        with pytest.raises(ValidationError, match="早于上一步"):
            cs.record_stage(s, cid, 2, cs.StageForm(held_on=date(2025, 4, 30)), today=TODAY)
        cs.record_stage(s, cid, 2, cs.StageForm(held_on=date(2025, 5, 3)), today=TODAY)
        assert cs.next_stage(s, cid) == 3


@pytest.mark.parametrize("expected, present, votes, attendance_ok, passed", [
    (30, 20, 16, True, True),        # 2/3 present, more than half of those due
    (30, 19, 19, False, False),      # under 2/3: the meeting is not valid
    (30, 25, 15, True, False),       # 15 is not more than half of 30
])
def test_party_assembly_quorum(expected: int, present: int, votes: int, attendance_ok: bool, passed: bool) -> None:
    q = cs.stage_quorum(3, expected, present, votes)
    assert (q.applies, q.attendance_ok, q.passed) == (True, attendance_ok, passed)


def test_representatives_vote_on_those_present(db: Any) -> None:
    assert cs.stage_quorum(4, 30, 21, 11).passed is True      # 11 > 21/2
    assert cs.stage_quorum(4, 30, 21, 10).passed is False
    assert cs.stage_quorum(4, 30, 19, 19).passed is False     # under 2/3
    assert not cs.stage_quorum(1, None, None, None).applies


def test_full_staged_case_and_failed_stage_stops(db: Any) -> None:
    with db.Session.begin() as s:
        cid = _staged(s)
        for n, d in ((1, 1), (2, 2)):
            cs.record_stage(s, cid, n, cs.StageForm(held_on=date(2025, 5, d)), today=TODAY)
        cs.record_stage(s, cid, 3, cs.StageForm(held_on=date(2025, 5, 5), expected=30, present=24, votes_for=20),
                        today=TODAY)
        cs.record_stage(s, cid, 4, cs.StageForm(held_on=date(2025, 5, 8), expected=21, present=18, votes_for=15,
                                                content="同意加装，费用按楼层分摊"), today=TODAY)
        c = cs.consultation_row(s, cid)
        assert c.outcome == "达成一致" and c.decision == "同意加装，费用按楼层分摊"
        with pytest.raises(ValidationError, match="公开方式"):
            cs.record_stage(s, cid, 5, cs.StageForm(held_on=date(2025, 5, 9)), today=TODAY)
        cs.record_stage(s, cid, 5, cs.StageForm(held_on=date(2025, 5, 9), form="公开栏"), today=TODAY)
        with pytest.raises(ValidationError, match="落实结果"):
            cs.record_stage(s, cid, 6, cs.StageForm(held_on=date(2025, 6, 9), form="公开栏"), today=TODAY)
        form = cs.consultation_form(s, cid)
        form.result, form.result_date = "电梯已安装运行", date(2025, 6, 1)
        cs.update_consultation(s, cid, form, today=TODAY)
        cs.record_stage(s, cid, 6, cs.StageForm(held_on=date(2025, 6, 9), form="微信群"), today=TODAY)
        row = cs.consultation_row(s, cid)
        assert row.decision_published_on == date(2025, 5, 9) and row.result_published_on == date(2025, 6, 9)
        assert row.status == "结果已公开" and cs.next_stage(s, cid) is None
        assert [r.state for r in cs.stage_rows(s, cid)] == ["已完成"] * 6
        # a second case whose assembly vote fails stops there
        cid2 = _staged(s)
        cs.record_stage(s, cid2, 1, cs.StageForm(held_on=date(2025, 5, 1)), today=TODAY)
        cs.record_stage(s, cid2, 2, cs.StageForm(held_on=date(2025, 5, 2)), today=TODAY)
        cs.record_stage(s, cid2, 3, cs.StageForm(held_on=date(2025, 5, 3), expected=30, present=18, votes_for=18),
                        today=TODAY)
        assert cs.next_stage(s, cid2) is None
        with pytest.raises(ValidationError, match="未通过"):
            cs.record_stage(s, cid2, 4, cs.StageForm(held_on=date(2025, 5, 4), expected=20, present=20, votes_for=20),
                            today=TODAY)
        assert [r.state for r in cs.stage_rows(s, cid2)][:4] == ["已完成", "已完成", "未通过", "未开始"]


def test_unstaged_consultation_refuses_stages_and_validates(db: Any) -> None:
    with db.Session.begin() as s:
        _c, cid = cs.create_consultation(s, cs.ConsultationForm(topic="停车难", held_on=date(2025, 5, 1)), today=TODAY)
        with pytest.raises(ValidationError):
            cs.record_stage(s, cid, 1, cs.StageForm(held_on=date(2025, 5, 1)), today=TODAY)
        for bad in (cs.ConsultationForm(topic=""), cs.ConsultationForm(topic="x", expected=5, present=6),
                    cs.ConsultationForm(topic="x", decision="做", outcome=""),
                    cs.ConsultationForm(topic="x", satisfaction="很好")):
            with pytest.raises(ValidationError):
                cs.create_consultation(s, bad, today=TODAY)


# -- checklist: overdue, transitions, links -----------------------------------------------------------------
def _item(s: Any, deadline: date, **kw: Any) -> int:
    form = ck.ChecklistForm(title=kw.pop("title", "修复楼道灯"), category="民生服务", source="上级交办",
                            responsible_unit="物业公司", deadline=deadline, **kw)
    return ck.create_item(s, form)[1]


@pytest.mark.parametrize("status, deadline, overdue", [
    ("未启动", date(2025, 6, 14), True), ("推进中", date(2025, 6, 14), True), ("推进中", date(2025, 6, 15), False),
    ("已完成", date(2025, 1, 1), False), ("已销号", date(2025, 1, 1), False), ("未启动", None, False),
])
def test_overdue_rule(status: str, deadline: date | None, overdue: bool) -> None:
    assert ck.is_overdue(status, deadline, TODAY) is overdue


def test_item_lifecycle(db: Any, tmp_path: Path) -> None:
    from commdesk.services.attachments import add_attachment

    with db.Session.begin() as s:
        iid = _item(s, date(2025, 6, 10))
        assert ck.item_row(s, iid, TODAY).overdue and ck.item_row(s, iid, TODAY).days_overdue == 5
        assert [r.id for r in ck.list_items(s, ck.ChecklistFilter(status="逾期"), TODAY)] == [iid]
        with pytest.raises(ValidationError, match="进展或上传佐证"):
            ck.complete_item(s, iid, date(2025, 6, 9), today=TODAY)
        ck.add_progress(s, iid, date(2025, 6, 1), "已联系电工", 30, today=TODAY)
        assert ck.item_row(s, iid, TODAY).status == "推进中"
        with pytest.raises(ValidationError) as err:
            ck.complete_item(s, iid, date(2025, 6, 12), today=TODAY)
        assert err.value.field == "overdue_reason"
        photo = tmp_path / "完工.png"
        photo.write_bytes(b"png")
        add_attachment(s, "checklist_item", iid, photo, kind="证明材料")
        ck.complete_item(s, iid, date(2025, 6, 12), note="灯已修好", overdue_reason="配件缺货", today=TODAY)
        row = ck.item_row(s, iid, TODAY)
        assert (row.status, row.overdue, row.late, row.evidence_count, row.progress_count) == ("已完成", False, True, 1, 2)
        with pytest.raises(ValidationError):
            ck.add_progress(s, iid, date(2025, 6, 20), "未来", today=TODAY)
        ck.evaluate_item(s, iid, 90, "及时")
        ck.record_feedback(s, iid, "居民满意", "满意")
        ck.publish_items(s, [iid], date(2025, 6, 13))
        ck.close_item(s, iid, date(2025, 6, 14))
        with pytest.raises(ValidationError):
            ck.add_progress(s, iid, date(2025, 6, 14), "再记", today=TODAY)
        counts = ck.status_counts(s, TODAY)
        assert counts["已销号"] == 1 and counts["逾期"] == 0
        ck.reopen_item(s, iid)
        assert ck.item_row(s, iid, TODAY).overdue


def test_status_counts_and_due_soon(db: Any) -> None:
    with db.Session.begin() as s:
        _item(s, date(2025, 6, 1))
        _item(s, date(2025, 6, 20))
        _item(s, date(2025, 8, 1))
    with db.Session() as s:
        c = ck.status_counts(s, TODAY, 7)
        assert (c["未启动"], c["逾期"], c["即将到期"]) == (3, 1, 1)


def test_item_needs_its_source_record(db: Any) -> None:
    with db.Session.begin() as s, pytest.raises(ValidationError) as err:
        ck.create_item(s, ck.ChecklistForm(title="x", source="会议决议", responsible_unit="u", deadline=TODAY))
    assert err.value.field == "source"


def test_item_from_meeting_resolution(db: Any, org: dict[str, Any]) -> None:
    with db.Session.begin() as s:
        mid = _meeting(s, org, "支委会", datetime(2025, 6, 2, 9), resolutions="1. 同意接收\n（二）整治3号楼楼道杂物")
        draft = ck.draft_from(s, "会议决议", mid, 1, today=TODAY)
        assert draft.title == "整治3号楼楼道杂物" and draft.responsible_unit == "第一党支部"
        assert draft.deadline == TODAY + timedelta(days=30)
        draft.responsible_person = "王党员01"
        _c, iid = ck.create_item_from(s, "会议决议", mid, draft)
    with db.Session() as s:
        detail = ms.meeting_detail(s, mid)
        assert [i.id for i in detail.items] == [iid] and detail.row.items == 1
        assert ck.item_row(s, iid).source_text.endswith("支委会")


def test_item_from_visit_need_links_both_ways(db: Any, org: dict[str, Any]) -> None:
    with db.Session.begin() as s:
        v = Visit(visit_date=date(2025, 6, 1), household_id=org["household"], visitor="网格员小李",
                  needs="楼道灯损坏，请求维修", need_status="待办理")
        s.add(v)
        s.flush()
        vid = v.id
        _c, iid = ck.create_item_from(s, "走访诉求", vid)
    with db.Session() as s:
        item = s.get_one(ChecklistItem, iid)
        visit = s.get_one(Visit, vid)
        assert visit.checklist_item_uuid == item.uuid and visit.need_status == "办理中"
        assert item.source_visit_id == vid and item.responsible_person == "网格员小李"
    with db.Session.begin() as s, pytest.raises(ValidationError, match="已经转为"):
        ck.create_item_from(s, "走访诉求", vid)


def test_item_from_consultation_and_detail(db: Any) -> None:
    with db.Session.begin() as s:
        _c, cid = cs.create_consultation(s, cs.ConsultationForm(
            topic="停车难", outcome="达成一致", decision="划定临时停车位", executor="物业公司",
            due_date=date(2025, 7, 1)), today=TODAY)
        _c, iid = ck.create_item_from(s, "协商议事", cid)
        ck.add_progress(s, iid, date(2025, 6, 10), "已划线 20 个", 50, today=TODAY)
        with pytest.raises(ValidationError):
            _c, other = cs.create_consultation(s, cs.ConsultationForm(topic="空"), today=TODAY)
            ck.create_item_from(s, "协商议事", other)
    with db.Session() as s:
        d = cs.consultation_detail(s, cid)
        assert [i.title for i in d.items] == ["停车难"] and d.items[0].last_progress == "已划线 20 个"
        assert d.items[0].deadline == date(2025, 7, 1) or d.items[0].deadline > date.today()
        assert d.row.items == 1 and d.row.items_done == 0


# -- JSON export -------------------------------------------------------------------------------------------
def test_export_json(db: Any, org: dict[str, Any], tmp_path: Path) -> None:
    from commdesk.reports.meetings_json import export_json

    with db.Session.begin() as s:
        mid = _meeting(s, org, "支部党员大会", datetime(2025, 5, 8, 9), resolutions="整治楼道")
        ck.create_item_from(s, "会议决议", mid)
        _staged(s)
    for key, n in (("meetings", 1), ("consultations", 1), ("checklist", 1)):
        out = tmp_path / f"{key}.json"
        assert export_json(db, key, out) == n
        data = json.loads(out.read_text(encoding="utf-8"))
        assert len(data) == n
    meeting = json.loads((tmp_path / "meetings.json").read_text(encoding="utf-8"))[0]
    assert meeting["quorum_ok"] is True and len(meeting["attendees"]) == 30
    assert meeting["start_at"] == "2025-05-08T09:00:00"
    item = json.loads((tmp_path / "checklist.json").read_text(encoding="utf-8"))[0]
    assert item["source"] == "会议决议" and item["source_uuid"]
    consult = json.loads((tmp_path / "consultations.json").read_text(encoding="utf-8"))[0]
    assert consult["participants"] == {"居民代表": ["甲", "乙"], "物业": ["丙"]} and consult["staged"] is True
