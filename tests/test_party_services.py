"""Party services headless: organisation, members, center households, coverage, suggestions, visits."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from commdesk.errors import ValidationError
from commdesk.models import Grid, Household, Resident
from commdesk.models.party import CenterContact, PartyMember, PartyMemberEvent
from commdesk.services import community
from commdesk.services import coverage as cov
from commdesk.services import party_centers as pc
from commdesk.services import party_members as pm
from commdesk.services import party_org as po
from commdesk.services import visits as vs
from commdesk.settings.party import set_center_target, set_setting
from tests.gui_support import make_id

TODAY = date(2025, 6, 15)

# (household_no, grid index, estate, building, unit, room, head, head tags, household tags)
HOUSEHOLDS = [
    ("P001", 0, "幸福里小区", "1", "1", "101", "赵一", "", ""),
    ("P002", 0, "幸福里小区", "1", "1", "102", "钱二", "独居老人", ""),
    ("P003", 0, "幸福里小区", "1", "2", "201", "孙三", "", "低保户"),
    ("P004", 0, "幸福里小区", "2", "1", "101", "李四", "", ""),
    ("P005", 0, "幸福里二区", "1", "1", "301", "周五", "", ""),
    ("P006", 0, "幸福里小区", "1", "1", "501", "吴六", "", ""),
    ("P007", 1, "和平新村", "3", "1", "101", "郑七", "", ""),
    ("P008", 1, "和平新村", "3", "1", "102", "王八", "", ""),
]


def build_community(database: Any) -> dict[str, int]:
    """Two grids, eight households (heads only), a 党委 with two branches linked to the grids."""
    ids: dict[str, int] = {}
    with database.Session.begin() as s:
        community.create_community(s, "幸福里社区", "和平街道", "新华区", ["第一网格", "第二网格"])
    with database.Session.begin() as s:
        grids = [g.id for g in community.list_grids(s)]
        ids["grid1"], ids["grid2"] = grids
        for i, (no, gi, estate, building, unit, room, head, rtags, htags) in enumerate(HOUSEHOLDS):
            h = Household(household_no=no, grid_id=grids[gi], estate=estate, building=building, unit=unit, room=room,
                          tags=htags)
            s.add(h)
            s.flush()
            birth = date(1950 + i, 1 + i, 10)
            r = Resident(household_id=h.id, name=head, relation="户主", rel_order=0, birth_date=birth,
                         id_number=make_id("130102", birth, 11 + 2 * i), tags=rtags)
            s.add(r)
            s.flush()
            ids[no], ids[head] = h.id, r.id
        root = po.ensure_root(s)
        _c, b1 = po.save_org(s, None, name="第一网格党支部", kind="党支部", parent_id=root)
        _c, b2 = po.save_org(s, None, name="第二网格党支部", kind="党支部", parent_id=root)
        _c, g1 = po.save_org(s, None, name="第一党小组", kind="党小组", parent_id=b1)
        po.link_grids(s, b1, [grids[0]])
        po.link_grids(s, b2, [grids[1]])
        ids.update(root=root, b1=b1, b2=b2, g1=g1)
    return ids


def add_member(database: Any, ids: dict[str, int], head: str, **kw: Any) -> int:
    with database.Session.begin() as s:
        r = s.get_one(Resident, ids[head])
        values: dict[str, Any] = {"join_date": date(2000, 7, 1), "org_id": ids["b1"],
                                  "full_date": None if kw.get("membership") == "预备党员" else date(2001, 7, 1)}
        values.update(kw)
        form = pm.MemberForm(name=r.name, id_number=r.id_number or "", resident_id=r.id, **values)
        return pm.create_member(s, form, today=TODAY)[1]


@pytest.fixture
def party(db: Any) -> dict[str, int]:
    return build_community(db)


def test_org_tree_has_branches_groups_and_grids(db: Any, party: dict[str, int]) -> None:
    with db.Session() as s:
        roots = po.org_tree(s)
    assert len(roots) == 1 and roots[0].kind == "党委"
    branches = roots[0].children
    assert [b.name for b in branches] == ["第一网格党支部", "第二网格党支部"]
    assert branches[0].grids == ["第一网格"] and branches[0].children[0].name == "第一党小组"


def test_org_rules(db: Any, party: dict[str, int]) -> None:
    with db.Session() as s:
        with pytest.raises(ValidationError) as err:
            po.save_org(s, None, name="错层", kind="党小组", parent_id=party["root"])
        assert err.value.field == "kind"
        with pytest.raises(ValidationError):
            po.save_org(s, party["root"], name="幸福里社区党委", kind="党委", parent_id=party["g1"])
        with pytest.raises(ValidationError):
            po.save_org(s, None, name="第一网格党支部", kind="党支部", parent_id=party["root"])
    with db.Session.begin() as s:  # a grid moves from one branch to the other
        po.link_grids(s, party["b2"], [party["grid1"], party["grid2"]])
    with db.Session() as s:
        assert po.branch_of_grid(s, party["grid1"]) == party["b2"]


def test_member_form_validation_and_history(db: Any, party: dict[str, int]) -> None:
    with db.Session() as s:
        values, errors = pm.check_member_form(pm.MemberForm(name="张 三", id_number="130102197005010011",
                                                            org_id=None, membership="正式党员",
                                                            join_date=TODAY - timedelta(days=30)), TODAY)
        assert values["name"] == "张三"
        assert {"id_number", "org_id", "full_date"} <= set(errors)
    mid = add_member(db, party, "赵一", membership="预备党员")
    with db.Session.begin() as s:
        # a probationary member becomes full; the history records it
        pm.confirm_full_membership(s, mid, date(2001, 7, 1))
        pm.change_status(s, mid, "外出流动", date(2024, 3, 1), out_place="深圳", out_reason="务工",
                         out_contact="微信")
    with db.Session() as s:
        detail = pm.member_detail(s, mid)
        kinds = [e.kind for e in detail.events]
        assert kinds[:2] == ["入党", "转正"] and "外出" in kinds
        assert detail.row.household_no == "P001" and detail.row.branch == "第一网格党支部"
        assert detail.member["out_place"] == "深圳"
        # the same resident cannot be registered twice
        r = s.get_one(Resident, party["赵一"])
        with pytest.raises(ValidationError):
            pm.create_member(s, pm.MemberForm(name="赵一", id_number=r.id_number or "", resident_id=r.id,
                                              org_id=party["b1"], join_date=date(2000, 1, 1),
                                              full_date=date(2001, 1, 1)), today=TODAY)


def test_update_member_records_org_and_post_changes(db: Any, party: dict[str, int]) -> None:
    mid = add_member(db, party, "钱二")
    with db.Session.begin() as s:
        form = pm.member_form(s, mid)
        form.org_id, form.party_post = party["b2"], "组织委员"
        pm.update_member(s, mid, form, when=TODAY, today=TODAY)
    with db.Session() as s:
        events = s.scalars(select(PartyMemberEvent).where(PartyMemberEvent.member_id == mid,
                                                          PartyMemberEvent.event_date == TODAY,
                                                          PartyMemberEvent.kind != "登记")).all()
        assert {(e.kind, e.new_value) for e in events} == {("调整组织", "第二网格党支部"), ("职务变更", "组织委员")}


def test_roster_filters_and_search(db: Any, party: dict[str, int]) -> None:
    a = add_member(db, party, "赵一")
    b = add_member(db, party, "钱二", membership="预备党员")
    with db.Session.begin() as s:
        pm.create_member(s, pm.MemberForm(name="外单位", category="在职党员报到", org_id=party["b2"], phone="13800001111",
                                          work_unit="区税务局", join_date=date(1999, 1, 1),
                                          full_date=date(2000, 1, 1)), today=TODAY)
    with db.Session() as s:
        assert {r.id for r in pm.list_members(s)} >= {a, b}
        assert [r.name for r in pm.list_members(s, pm.MemberFilter(membership="预备党员"))] == ["钱二"]
        assert [r.name for r in pm.list_members(s, pm.MemberFilter(category="在职党员报到"))] == ["外单位"]
        assert [r.name for r in pm.list_members(s, pm.MemberFilter(query="zy"))] == ["赵一"]
        assert [r.name for r in pm.list_members(s, pm.MemberFilter(query="1111"))] == ["外单位"]
        assert len(pm.list_members(s, pm.MemberFilter(org_id=party["b2"]))) == 1


def test_reminders_probation_and_mobile_report(db: Any, party: dict[str, int]) -> None:
    with db.Session.begin() as s:
        pm.create_member(s, pm.MemberForm(name="预备甲", org_id=party["b1"], membership="预备党员",
                                          join_date=date(2024, 7, 1)), today=TODAY)
        pm.create_member(s, pm.MemberForm(name="预备乙", org_id=party["b1"], membership="预备党员",
                                          join_date=date(2025, 1, 1)), today=TODAY)
        pm.create_member(s, pm.MemberForm(name="流动丙", org_id=party["b1"], category="流动党员", out_place="上海",
                                          last_report_date=date(2024, 6, 1), join_date=date(1990, 1, 1),
                                          full_date=date(1991, 1, 1)), today=TODAY)
    with db.Session() as s:
        found = {(r.name, r.kind): r for r in pm.reminders(s, TODAY)}
    assert ("预备甲", "转正") in found and found[("预备甲", "转正")].due == date(2025, 7, 1)
    assert ("预备乙", "转正") not in found
    assert found[("流动丙", "流动报告")].days_left < 0


def _center(db: Any, party: dict[str, int], head: str = "赵一") -> tuple[int, int]:
    mid = add_member(db, party, head)
    with db.Session.begin() as s:
        _c, cid = pc.designate_center(s, mid, date(2024, 1, 1))
    return mid, cid


def test_suggestions_nearest_first(db: Any, party: dict[str, int]) -> None:
    _mid, cid = _center(db, party)
    with db.Session() as s:
        hits = cov.suggestions(s, cid)
    # same building & unit (102, 501), same building (201), same estate (2-1-101), same grid (二区); never grid 2
    assert [h.household_no for h in hits] == ["P002", "P006", "P003", "P004", "P005"]
    assert [h.rank for h in hits] == [0, 0, 1, 2, 3]


def test_one_center_per_household(db: Any, party: dict[str, int]) -> None:
    _m1, c1 = _center(db, party, "赵一")
    _m2, c2 = _center(db, party, "李四")
    with db.Session.begin() as s:
        pc.assign_contacts(s, c1, [party["P002"], party["P003"]], date(2024, 2, 1))
    with db.Session() as s:
        with pytest.raises(ValidationError) as err:
            pc.assign_contacts(s, c2, [party["P002"]], date(2024, 3, 1))
        assert "只能有一个中心户" in err.value.message
        with pytest.raises(ValidationError):   # a center household cannot be a contact
            pc.assign_contacts(s, c1, [party["P004"]], date(2024, 3, 1))
    with db.Session.begin() as s:   # moving keeps the history
        pc.assign_contacts(s, c2, [party["P002"]], date(2024, 3, 1), move=True)
    with db.Session() as s:
        rows = s.scalars(select(CenterContact).where(CenterContact.household_id == party["P002"])
                         .order_by(CenterContact.id)).all()
        assert [(r.center_id, r.end_date) for r in rows] == [(c1, date(2024, 3, 1)), (c2, None)]
        assert [c.household_no for c in pc.center_contacts(s, c1)] == ["P003"]
        assert len(pc.center_contacts(s, c1, history=True)) == 2
    # the database refuses a second open assignment even past the service
    with db.Session() as s:
        s.add(CenterContact(center_id=c1, household_id=party["P002"], start_date=date(2024, 4, 1)))
        with pytest.raises(IntegrityError):
            s.flush()


def test_coverage_per_grid_and_uncovered(db: Any, party: dict[str, int]) -> None:
    _m, cid = _center(db, party)
    with db.Session.begin() as s:
        pc.assign_contacts(s, cid, [party["P002"], party["P003"]], date(2024, 2, 1))
    with db.Session() as s:
        rows = {r.grid: r for r in cov.grid_coverage(s)}
        assert (rows["第一网格"].households, rows["第一网格"].covered, rows["第一网格"].centers) == (6, 3, 1)
        assert (rows["第二网格"].households, rows["第二网格"].covered) == (2, 0)
        total, page = cov.uncovered_households(s, party["grid1"])
        assert total == 3 and [h.household_no for h in page] == ["P005", "P006", "P004"]
        assert cov.naive_grid_coverage(s)[party["grid1"]] == (6, 3)
    with db.Session.begin() as s:   # revoking the center uncovers its households
        pc.end_center(s, cid, date(2025, 1, 1))
    with db.Session() as s:
        assert {r.grid: r.covered for r in cov.grid_coverage(s)}["第一网格"] == 0


def test_target_warnings_follow_the_setting(db: Any, party: dict[str, int]) -> None:
    _m, cid = _center(db, party)
    with db.Session.begin() as s:
        pc.assign_contacts(s, cid, [party["P002"], party["P003"]], date(2024, 2, 1))
    with db.Session() as s:
        assert pc.list_centers(s)[0].warning == "under"     # default 10–15
    with db.Session.begin() as s:
        set_center_target(s, 1, 1)
    with db.Session() as s:
        assert pc.list_centers(s)[0].warning == "over"
    with db.Session.begin() as s:
        set_center_target(s, 2, 36)
    with db.Session() as s:
        assert pc.list_centers(s)[0].warning == ""
        with pytest.raises(ValidationError):
            set_center_target(s, 5, 3)


def test_linked_members_1_10_n(db: Any, party: dict[str, int]) -> None:
    _m, cid = _center(db, party)
    other = add_member(db, party, "钱二")
    with db.Session.begin() as s:
        pc.link_member(s, cid, other, date(2024, 1, 5))
        pc.assign_contacts(s, cid, [party["P003"]], date(2024, 2, 1), member_id=other)
    with db.Session() as s:
        assert pc.linked_members(s, cid) == [(other, "钱二")]
        assert pc.center_contacts(s, cid)[0].member_name == "钱二"
        assert pc.list_centers(s)[0].members == 1
        stranger = add_member(db, party, "周五")
        with pytest.raises(ValidationError):
            pc.assign_contacts(s, cid, [party["P004"]], date(2024, 2, 1), member_id=stranger)


def test_designate_needs_a_household_and_ends_old_contact(db: Any, party: dict[str, int]) -> None:
    _m, cid = _center(db, party)
    with db.Session.begin() as s:
        _c, outsider = pm.create_member(s, pm.MemberForm(name="外住", org_id=party["b1"], category="在职党员报到",
                                                         join_date=date(1990, 1, 1), full_date=date(1991, 1, 1)),
                                        today=TODAY)
        pc.assign_contacts(s, cid, [party["P002"]], date(2024, 2, 1))
    with db.Session() as s:
        with pytest.raises(ValidationError):
            pc.designate_center(s, outsider, TODAY)
    qian = add_member(db, party, "钱二")
    with db.Session.begin() as s:
        pc.designate_center(s, qian, TODAY)
    with db.Session() as s:
        assert pc.open_center_of(s, party["P002"]) is None
        assert len(pc.list_centers(s)) == 2


def test_visits_and_overdue_by_cadence(db: Any, party: dict[str, int]) -> None:
    _m, cid = _center(db, party)
    start = TODAY - timedelta(days=200)
    with db.Session.begin() as s:
        pc.assign_contacts(s, cid, [party["P002"], party["P003"], party["P006"]], start)
    with db.Session.begin() as s:
        # 钱二 lives alone (weekly): visited 10 days ago → overdue by 3 days
        vs.record_visit(s, vs.VisitForm(TODAY - timedelta(days=10), party["P002"], "赵一", method="电话"), TODAY)
        # 低保户 (monthly): visited 20 days ago → fine
        vs.record_visit(s, vs.VisitForm(TODAY - timedelta(days=20), party["P003"], "赵一", kind="困难帮助",
                                        needs="申请临时救助"), TODAY)
        # P006 (quarterly by default): never visited since assignment 200 days ago → overdue
    with db.Session() as s:
        over = {o.household_no: o for o in vs.overdue_visits(s, TODAY)}
        assert set(over) == {"P002", "P006"}
        assert over["P002"].interval == 7 and over["P002"].days_overdue == 3 and over["P002"].groups == "独居老人"
        assert over["P006"].interval == 90 and over["P006"].last_visit is None
        rows = vs.list_visits(s, vs.VisitFilter(need_status="有诉求"))
        assert [(r.household_no, r.need_status, r.center_member) for r in rows] == [("P003", "待办理", "赵一")]
        assert len(vs.list_visits(s, vs.VisitFilter(start=TODAY - timedelta(days=12)))) == 1
        assert len(vs.open_needs(s)) == 1
    with db.Session.begin() as s:   # the cadence is a setting
        set_setting(s, "party.visit_cadence", {"独居老人": 30, "default": 365})
    with db.Session() as s:
        assert vs.overdue_visits(s, TODAY) == []


def test_visit_validation_and_checklist_link(db: Any, party: dict[str, int]) -> None:
    with db.Session() as s:
        with pytest.raises(ValidationError) as err:
            vs.record_visit(s, vs.VisitForm(TODAY + timedelta(days=1), party["P001"], "某人"), TODAY)
        assert err.value.field == "visit_date"
        with pytest.raises(ValidationError) as err:
            vs.record_visit(s, vs.VisitForm(TODAY, party["P001"], ""), TODAY)
        assert err.value.field == "visitor"
    with db.Session.begin() as s:
        _c, vid = vs.record_visit(s, vs.VisitForm(TODAY, party["P001"], "某人", needs="楼道灯坏了"), TODAY)
        vs.link_checklist_item(s, vid, "a" * 32)
    with db.Session() as s:
        row = vs.list_visits(s)[0]
        assert row.need_status == "办理中"


def test_households_counted_once_in_coverage_total(db: Any, party: dict[str, int]) -> None:
    with db.Session() as s:
        rows = cov.grid_coverage(s)
        total = cov.coverage_totals(rows)
        assert total.households == s.scalar(select(func.count()).select_from(Household)) == 8
        assert total.percent == 0.0
        assert s.scalar(select(func.count()).select_from(Grid)) == 2
        assert s.scalar(select(func.count()).select_from(PartyMember)) == 0


def populate(database: Any) -> dict[str, int]:
    """build_community + members (one probationary, one mobile), a center with contacts and visits."""
    ids = build_community(database)
    ids["m_zhao"] = add_member(database, ids, "赵一", party_post="书记")
    ids["m_qian"] = add_member(database, ids, "钱二", membership="预备党员", join_date=date(2024, 7, 1))
    with database.Session.begin() as s:
        _c, ids["m_out"] = pm.create_member(s, pm.MemberForm(
            name="流动丙", org_id=ids["b2"], category="流动党员", out_place="广东省深圳市", out_reason="务工",
            out_date=date(2023, 3, 1), out_contact="13900002222", last_report_date=date(2024, 5, 1),
            join_date=date(1990, 1, 1), full_date=date(1991, 1, 1)), today=TODAY)
        _c, ids["center"] = pc.designate_center(s, ids["m_zhao"], date(2024, 1, 1))
        pc.assign_contacts(s, ids["center"], [ids["P002"], ids["P003"], ids["P006"]], date(2024, 1, 1))
        vs.record_visit(s, vs.VisitForm(date(2025, 5, 20), ids["P002"], "赵一", kind="节庆慰问",
                                        findings="身体尚好", needs="希望安装扶手", handling="已联系物业"), TODAY)
        vs.record_visit(s, vs.VisitForm(date(2025, 5, 3), ids["P003"], "赵一", method="电话"), TODAY)
    return ids


def test_coverage_counters_follow_every_change(db: Any, party: dict[str, int]) -> None:
    """The trigger-kept per-grid counters equal a full recount after each kind of change."""
    def agree() -> None:
        with db.Session() as s:
            assert cov.stats_agree(s)

    _m, cid = _center(db, party)
    agree()
    with db.Session.begin() as s:
        pc.assign_contacts(s, cid, [party["P002"], party["P003"], party["P005"]], date(2024, 2, 1))
    agree()
    with db.Session.begin() as s:     # a covered household moves to the other grid, another moves out
        s.get_one(Household, party["P002"]).grid_id = party["grid2"]
        s.get_one(Household, party["P003"]).status = "迁出"
    agree()
    with db.Session.begin() as s:     # archived, restored; a contact ends; a new household arrives
        from commdesk.services.households import set_archived

        set_archived(s, "household", party["P005"], True)
        pc.unassign_contacts(s, cid, [party["P002"]], date(2024, 5, 1))
        s.add(Household(household_no="P009", grid_id=party["grid1"]))
    agree()
    with db.Session.begin() as s:
        set_archived(s, "household", party["P005"], False)
        pc.end_center(s, cid, date(2025, 1, 1))
    agree()
    with db.Session.begin() as s:     # rows deleted outright (an import undone)
        s.query(CenterContact).delete()
    agree()
    with db.Session.begin() as s:
        # the counter table is SQLite's (triggers); a server counts with grouped queries
        assert cov.rebuild_grid_stats(s) == (2 if s.get_bind().dialect.name == "sqlite" else 0)
    agree()


def test_party_demo_on_demo_households(db: Any) -> None:
    from commdesk.demo.households import generate_demo
    from commdesk.demo.party import generate_party_demo

    generate_demo(db, households=400, seed=3, today=TODAY)
    summary = generate_party_demo(db, seed=3, today=TODAY)
    assert summary["members"] > 20 and summary["centers"] > 10 and summary["visits"] > 100
    assert summary["links"] > 0                   # "1+10+N": some centers have a fellow member
    with db.Session() as s:
        for center in [c for c in pc.list_centers(s) if c.members]:
            fellows = {name for _mid, name in pc.linked_members(s, center.id)}
            covering = {c.member_name for c in pc.center_contacts(s, center.id)} - {""}
            assert covering and covering <= fellows
        total = cov.coverage_totals(cov.grid_coverage(s))
        assert 80 < total.percent < 100          # most, not all
        assert cov.stats_agree(s)
        assert vs.overdue_visits(s, TODAY)       # some households fall behind
        roots = po.org_tree(s)
        assert roots[0].children and roots[0].children[0].grids
    from commdesk.errors import UserError

    with pytest.raises(UserError):
        generate_party_demo(db, seed=3, today=TODAY)   # not twice


def test_coverage_counters_under_random_changes(db: Any) -> None:
    """Random assignments, moves, archives and status changes: counters always equal a recount."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from commdesk.services.households import set_archived

    party = build_community(db)
    _m, cid = _center(db, party)
    _m2, cid2 = _center(db, party, "郑七")
    households = [party[h[0]] for h in HOUSEHOLDS if h[0] not in ("P001", "P007")]
    op = st.tuples(st.sampled_from(("assign", "move", "unassign", "grid", "status", "archive", "restore")),
                   st.sampled_from(households), st.sampled_from((cid, cid2)))

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(op, min_size=1, max_size=6))
    def run(ops: list[tuple[str, int, int]]) -> None:
        for kind, hid, center in ops:
            with db.Session.begin() as s:
                h = s.get_one(Household, hid)
                try:
                    if kind in ("assign", "move") and h.archived_at is None:
                        pc.assign_contacts(s, center, [hid], TODAY, move=kind == "move")
                    elif kind == "unassign":
                        pc.unassign_contacts(s, center, [hid], TODAY)
                    elif kind == "grid":
                        h.grid_id = party["grid2"] if h.grid_id == party["grid1"] else party["grid1"]
                    elif kind == "status":
                        h.status = "迁出" if h.status == "在住" else "在住"
                    elif kind in ("archive", "restore"):
                        set_archived(s, "household", hid, kind == "archive")
                except ValidationError:
                    pass
            with db.Session() as s:
                assert cov.stats_agree(s)

    run()
