"""A small community with a Party organisation for the meeting/consultation/checklist tests."""
from __future__ import annotations

from datetime import date
from typing import Any

import commdesk.models.meeting  # noqa: F401  (until commdesk.models registers it)
from commdesk.models import Household, Resident
from commdesk.models.party import PartyMember
from commdesk.services import community
from commdesk.services import party_org as po


def build_party(database: Any, members: int = 30, probationary: int = 2) -> dict[str, Any]:
    """One community, two households, a 党委 with two branches (the first with two groups) and
    ``members`` members in the first branch (the last ``probationary`` of them 预备党员)."""
    ids: dict[str, Any] = {}
    with database.Session.begin() as s:
        community.create_community(s, "幸福里社区", "和平街道", "新华区", ["第一网格", "第二网格"])
    with database.Session.begin() as s:
        grids = [g.id for g in community.list_grids(s)]
        h = Household(household_no="M001", grid_id=grids[0], estate="幸福里小区", building="1", unit="1", room="101")
        s.add(h)
        s.flush()
        r = Resident(household_id=h.id, name="赵大", relation="户主", rel_order=0, birth_date=date(1960, 1, 1))
        s.add(r)
        s.flush()
        ids["household"], ids["resident"] = h.id, r.id
        root = po.ensure_root(s)
        _c, b1 = po.save_org(s, None, name="第一党支部", kind="党支部", parent_id=root)
        _c, b2 = po.save_org(s, None, name="第二党支部", kind="党支部", parent_id=root)
        _c, g1 = po.save_org(s, None, name="第一党小组", kind="党小组", parent_id=b1)
        _c, g2 = po.save_org(s, None, name="第二党小组", kind="党小组", parent_id=b1)
        ids.update(root=root, b1=b1, b2=b2, g1=g1, g2=g2)
        member_ids = []
        surnames = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
        for i in range(members):
            m = PartyMember(name=f"{surnames[i % len(surnames)]}党员{i + 1:02d}", org_id=b1,
                            group_id=g1 if i % 2 == 0 else g2,
                            membership="预备党员" if i >= members - probationary else "正式党员",
                            join_date=date(2000 + i % 20, 7, 1), party_post="书记" if i == 0 else "")
            s.add(m)
            s.flush()
            member_ids.append(m.id)
        ids["members"] = member_ids
        other = PartyMember(name="钱二支部", org_id=b2, membership="正式党员", join_date=date(1990, 7, 1))
        s.add(other)
        s.flush()
        ids["other_member"] = other.id
    return ids
