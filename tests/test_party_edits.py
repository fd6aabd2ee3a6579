"""Party services headless: the corrections a clerk makes after the fact — unlinking a fellow
member, choosing who covers a contact, editing and archiving visits, linking a member to a
resident. History stays (end dates, events) and the audit trail has the old and new values."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from commdesk.errors import ValidationError
from commdesk.models import AuditEntry, Resident
from commdesk.models.party import CenterContact, CenterMember, PartyMember, PartyMemberEvent, Visit
from commdesk.services import party_centers as pc
from commdesk.services import party_members as pm
from commdesk.services import visits as vs
from tests.test_party_services import TODAY, add_member, build_community, populate


@pytest.fixture
def ids(db: Any) -> dict[str, int]:
    return populate(db)


def audit(db: Any, table: str, record_id: int) -> list[AuditEntry]:
    with db.Session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.table_name == table,
                                                       AuditEntry.record_id == record_id).order_by(AuditEntry.id)))


def test_unlink_member_ends_the_link_and_returns_its_contacts(db: Any, ids: dict[str, int]) -> None:
    cid, qian = ids["center"], ids["m_qian"]
    with db.Session.begin() as s:
        pc.link_member(s, cid, qian, date(2024, 2, 1))
        pc.set_contacts_member(s, cid, [ids["P003"], ids["P006"]], qian)
    with db.Session() as s:
        links = pc.center_links(s, cid)
        assert [(r.name, r.contacts) for r in links] == [("钱二", 2)]
        assert {c.household_no: c.member_name for c in pc.center_contacts(s, cid)} == \
            {"P002": "", "P003": "钱二", "P006": "钱二"}
        with pytest.raises(ValidationError) as err:      # not before the link began
            pc.unlink_member(s, cid, qian, date(2024, 1, 1))
        assert err.value.field == "date"
    with db.Session.begin() as s:
        pc.unlink_member(s, cid, qian, TODAY)
    with db.Session() as s:
        assert pc.center_links(s, cid) == [] and pc.linked_members(s, cid) == []
        history = pc.center_links(s, cid, history=True)
        assert [(r.name, r.start_date, r.end_date) for r in history] == [("钱二", date(2024, 2, 1), TODAY)]
        # the households stay with the center, back with its own member
        assert {c.household_no: c.member_name for c in pc.center_contacts(s, cid)} == \
            {"P002": "", "P003": "", "P006": ""}
        assert pc.list_centers(s)[0].members == 0
        link = s.scalars(select(CenterMember).where(CenterMember.center_id == cid)).one()   # kept, not deleted
        with pytest.raises(ValidationError):            # unlinking twice
            pc.unlink_member(s, cid, qian, TODAY)
    changes = [e.change_dict() for e in audit(db, "center_member", link.id)]
    assert changes[-1] == {"end_date": [None, TODAY.isoformat()]}
    contact = next(c for c in audit(db, "center_contact", _contact_id(db, ids["P003"])) if c.action == "update")
    assert contact.change_dict() == {"member_id": [None, qian]}


def _contact_id(db: Any, household_id: int) -> int:
    with db.Session() as s:
        return s.scalars(select(CenterContact.id).where(CenterContact.household_id == household_id)).one()


def test_contacts_member_must_be_linked_and_center_open(db: Any, ids: dict[str, int]) -> None:
    cid = ids["center"]
    with db.Session() as s:
        with pytest.raises(ValidationError):
            pc.set_contacts_member(s, cid, [ids["P003"]], ids["m_qian"])       # not linked
        with pytest.raises(ValidationError):
            pc.link_member(s, cid, ids["m_zhao"], TODAY)                       # the center's own member
    with db.Session.begin() as s:
        pc.link_member(s, cid, ids["m_qian"], TODAY)
        pc.set_contacts_member(s, cid, [ids["P003"]], ids["m_qian"])
        pc.set_contacts_member(s, cid, [ids["P003"]], ids["m_zhao"])           # back to the center's member
        pc.end_center(s, cid, TODAY)
    with db.Session() as s:
        assert s.scalars(select(CenterContact.member_id).where(CenterContact.household_id == ids["P003"])).one() \
            is None
        with pytest.raises(ValidationError):
            pc.link_member(s, cid, ids["m_qian"], TODAY)                       # a revoked center


def test_contact_history_has_end_reason(db: Any, ids: dict[str, int]) -> None:
    with db.Session.begin() as s:
        pc.unassign_contacts(s, ids["center"], [ids["P006"]], TODAY, reason="搬走")
    with db.Session() as s:
        rows = pc.center_contacts(s, ids["center"], history=True)
    ended = [r for r in rows if r.end_date is not None]
    assert [(r.household_no, r.end_date, r.end_reason) for r in ended] == [("P006", TODAY, "搬走")]


def test_update_visit_keeps_old_values_in_the_audit(db: Any, ids: dict[str, int]) -> None:
    with db.Session() as s:
        vid = s.scalars(select(Visit.id).where(Visit.household_id == ids["P002"])).one()
        form = vs.visit_form(s, vid)
    form.handling, form.need_status, form.method = "扶手已安装", "已办结", "微信"
    with db.Session.begin() as s:
        vs.update_visit(s, vid, form, TODAY)
    with db.Session() as s:
        row = vs.list_visits(s, vs.VisitFilter(household_id=ids["P002"]))[0]
        assert (row.handling, row.need_status, row.method) == ("扶手已安装", "已办结", "微信")
    last = audit(db, "visit", vid)[-1]
    assert last.action == "update" and last.change_dict()["handling"] == ["已联系物业", "扶手已安装"]
    assert last.change_dict()["method"] == ["入户", "微信"]


def test_update_visit_to_another_household_takes_its_center(db: Any, ids: dict[str, int]) -> None:
    with db.Session.begin() as s:
        _c, vid = vs.record_visit(s, vs.VisitForm(date(2025, 6, 1), ids["P008"], "某人"), TODAY)
    with db.Session() as s:
        assert s.get_one(Visit, vid).center_id is None
        form = vs.visit_form(s, vid)
    form.household_id = ids["P006"]          # recorded on the wrong household
    with db.Session.begin() as s:
        vs.update_visit(s, vid, form, TODAY)
    with db.Session() as s:
        assert s.get_one(Visit, vid).center_id == ids["center"]


def test_archived_visits_leave_the_list_and_come_back(db: Any, ids: dict[str, int]) -> None:
    with db.Session() as s:
        vid = s.scalars(select(Visit.id).where(Visit.household_id == ids["P003"])).one()
    with db.Session.begin() as s:
        vs.set_visit_archived(s, vid, True)
    with db.Session() as s:
        assert vid not in {r.id for r in vs.list_visits(s)}
        archived = {r.id: r for r in vs.list_visits(s, vs.VisitFilter(include_archived=True))}
        assert archived[vid].archived
        with pytest.raises(ValidationError):
            vs.update_visit(s, vid, vs.visit_form(s, vid), TODAY)
    assert [e.action for e in audit(db, "visit", vid)][-1] == "archive"
    with db.Session.begin() as s:
        vs.set_visit_archived(s, vid, False)
    with db.Session() as s:
        assert vid in {r.id for r in vs.list_visits(s)}


def test_visit_rows_say_when_the_need_is_on_the_checklist(db: Any, ids: dict[str, int]) -> None:
    with db.Session() as s:
        vid = s.scalars(select(Visit.id).where(Visit.household_id == ids["P002"])).one()
    with db.Session.begin() as s:
        vs.link_checklist_item(s, vid, "b" * 32)
    with db.Session() as s:
        linked = {r.id: r.checklist_linked for r in vs.list_visits(s)}
    assert linked[vid] and sum(linked.values()) == 1


def test_find_residents_and_link_a_member(db: Any) -> None:
    party = build_community(db)
    with db.Session.begin() as s:     # imported without a match: kept as a member living elsewhere, for review
        _c, mid = pm.create_member(s, pm.MemberForm(name="孙三", org_id=party["b1"], join_date=date(2000, 1, 1),
                                                    full_date=date(2001, 1, 1)), today=TODAY)
        s.get_one(PartyMember, mid).review = "not_resident:未在居民信息中找到此人"
    with db.Session() as s:
        hits = pm.find_residents(s, "孙三")
        assert [(h.name, h.household_no, h.member) for h in hits] == [("孙三", "P003", "")]
        assert "P003" in hits[0].label and (hits[0].id_number or "x") not in hits[0].label
        assert [h.name for h in pm.find_residents(s, "P00")][:2] == ["赵一", "钱二"]
        form = pm.member_form(s, mid)
    form.resident_id, form.id_number = hits[0].id, hits[0].id_number or ""
    with db.Session.begin() as s:
        pm.update_member(s, mid, form, when=TODAY, today=TODAY)
    with db.Session() as s:
        row = pm.member_row(s, mid)
        assert (row.household_no, row.review) == ("P003", "")
        event = s.scalars(select(PartyMemberEvent).where(PartyMemberEvent.member_id == mid)
                          .order_by(PartyMemberEvent.id.desc())).first()
        assert event is not None and event.new_value == "孙三 P003" and event.kind == "登记"
        assert pm.find_residents(s, "孙三")[0].member == "孙三"
        assert pm.find_residents(s, "孙三", exclude_member=mid)[0].member == ""      # the member being edited
        assert pm.resident_hit(s, party["孙三"], exclude_member=mid).member == ""  # type: ignore[union-attr]
        # a resident whose ID number differs is refused
        other = s.get_one(Resident, party["李四"])
        form = pm.member_form(s, mid)
        form.resident_id = other.id
        with pytest.raises(ValidationError) as err:
            pm.update_member(s, mid, form, when=TODAY, today=TODAY)
        assert err.value.field == "id_number"


def test_archived_members_can_be_listed_and_restored(db: Any) -> None:
    party = build_community(db)
    mid = add_member(db, party, "赵一")
    with db.Session.begin() as s:
        pm.set_member_archived(s, mid, True)
    with db.Session() as s:
        assert mid not in {r.id for r in pm.list_members(s)}
        rows = {r.id: r for r in pm.list_members(s, pm.MemberFilter(include_archived=True))}
        assert rows[mid].archived
    with db.Session.begin() as s:
        pm.set_member_archived(s, mid, False)
    with db.Session() as s:
        assert not {r.id: r for r in pm.list_members(s)}[mid].archived


def test_a_party_group_moved_to_another_branch_takes_its_members(db: Any) -> None:
    from commdesk.services import party_org as po

    party = build_community(db)
    mid = add_member(db, party, "赵一", group_id=party["g1"])
    with db.Session.begin() as s:
        po.save_org(s, party["g1"], name="第一党小组", kind="党小组", parent_id=party["b2"])
    with db.Session() as s:
        m = s.get_one(PartyMember, mid)
        assert (m.org_id, m.group_id) == (party["b2"], party["g1"])
        event = s.scalars(select(PartyMemberEvent).where(PartyMemberEvent.member_id == mid,
                                                         PartyMemberEvent.kind == "调整组织")).one()
        assert (event.old_value, event.new_value) == ("第一网格党支部", "第二网格党支部")
        roots = po.org_tree(s)
        assert [c.name for c in roots[0].children[1].children] == ["第一党小组"]
        # the member's form still passes the group-belongs-to-branch rule
        pm.update_member(s, mid, pm.member_form(s, mid), today=TODAY)
