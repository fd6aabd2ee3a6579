"""Sample data for the report tests (built through the ORM in the temporary database)."""
from __future__ import annotations

from datetime import date
from typing import Any

from commdesk.models import Community, Grid, Household, Resident, ResidentEvent
from commdesk.validation.idcard import check_char

MALICIOUS = ("=HYPERLINK(\"http://x.invalid\",\"点我\")", "+cmd|' /C calc'!A0", "-1+1", "@SUM(1+1)", "\t=1+2")


def id_number(region: str, born: date, seq: int) -> str:
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def build_sample(database: Any, *, extra_households: int = 0) -> dict[str, Any]:
    """A community with two grids, households with members, key groups and May-2024 events."""
    with database.Session.begin() as s:
        c = Community(name="幸福里社区", street_office="和平街道", district="长安区")
        s.add(c)
        s.flush()
        g1 = Grid(community_id=c.id, code="01", name="第一网格", leader="王网格")
        g2 = Grid(community_id=c.id, code="02", name="第二网格", leader="李网格")
        s.add_all([g1, g2])
        s.flush()
        h1 = Household(household_no="0001", grid_id=g1.id, estate="阳光小区", building="3", unit="2", room="301",
                       tags="低保户")
        h2 = Household(household_no="0002", grid_id=g1.id, estate="阳光小区", building="3", unit="2", room="302")
        h3 = Household(household_no="0003", grid_id=g2.id, address=MALICIOUS[0])
        s.add_all([h1, h2, h3])
        s.flush()
        people = [
            Resident(household_id=h1.id, name="张建国", gender="男", birth_date=date(1950, 3, 8),
                     id_number=id_number("130102", date(1950, 3, 8), 11), relation="户主", rel_order=0,
                     political_status="中共党员", phone="13812345678", tags="低保、独居老人"),
            Resident(household_id=h1.id, name="李秀英", gender="女", birth_date=date(1952, 7, 1),
                     id_number=id_number("130102", date(1952, 7, 1), 22), relation="配偶", rel_order=1,
                     phone="0311-87654321", tags="残疾人"),
            Resident(household_id=h2.id, name="王小明", gender="男", birth_date=date(1985, 12, 30),
                     id_number=id_number("130104", date(1985, 12, 30), 33), relation="户主", rel_order=0,
                     phone="13900001111", work_unit="石家庄市第一中学"),
            Resident(household_id=h2.id, name="王乐乐", gender="女", birth_date=date(2024, 5, 10),
                     relation="女", rel_order=3, move_in_date=date(2024, 5, 10)),
            Resident(household_id=h3.id, name=MALICIOUS[1], gender="男", birth_date=date(1990, 1, 1),
                     id_number=id_number("130105", date(1990, 1, 1), 44), relation="户主", rel_order=0,
                     phone="13700002222", notes=MALICIOUS[2], tags="退役军人"),
            Resident(household_id=h3.id, name=MALICIOUS[3], gender="女", birth_date=date(1992, 2, 2),
                     relation="配偶", rel_order=1, notes=MALICIOUS[4]),
            Resident(household_id=h3.id, name="赵迁走", gender="男", birth_date=date(1970, 2, 2), relation="子",
                     rel_order=2, status="迁出", move_out_date=date(2024, 5, 20)),
            Resident(household_id=h2.id, name="钱已故", gender="男", birth_date=date(1930, 2, 2), relation="父亲",
                     rel_order=10, status="死亡", death_date=date(2024, 5, 3), tags="高龄老人"),
            Resident(household_id=h1.id, name="孙已删", gender="男", birth_date=date(1960, 1, 1), relation="子",
                     rel_order=2, archived_at=date(2024, 1, 1)),
        ]
        s.add_all(people)
        s.flush()
        byname = {p.name: p for p in people}
        s.add_all([
            ResidentEvent(resident_id=byname["王乐乐"].id, kind="出生", event_date=date(2024, 5, 10),
                          to_household_id=h2.id),
            ResidentEvent(resident_id=byname["王小明"].id, kind="迁入", event_date=date(2024, 5, 2),
                          to_household_id=h2.id, place="北京市朝阳区"),
            ResidentEvent(resident_id=byname["赵迁走"].id, kind="迁出", event_date=date(2024, 5, 20),
                          from_household_id=h3.id, place="天津市"),
            ResidentEvent(resident_id=byname["钱已故"].id, kind="死亡", event_date=date(2024, 5, 3),
                          from_household_id=h2.id),
            ResidentEvent(resident_id=byname["张建国"].id, kind="迁入", event_date=date(2024, 4, 30),
                          to_household_id=h1.id, place="四月不算"),
        ])
        for i in range(extra_households):
            h = Household(household_no=f"1{i:04d}", grid_id=(g1.id if i % 2 else g2.id), estate="幸福家园",
                          building=str(i // 40 + 1), unit=str(i % 4 + 1), room=f"{i % 40 + 101}")
            s.add(h)
            s.flush()
            for j in range(1 + i % 4):
                born = date(1940 + (i * 7 + j * 13) % 80, 1 + (i + j) % 12, 1 + (i * 3 + j) % 28)
                s.add(Resident(household_id=h.id, name=f"居民{i}号{j}", gender="男" if (i + j) % 2 else "女",
                               birth_date=born, id_number=id_number("130102", born, (i * 4 + j) % 1000),
                               relation="户主" if j == 0 else "子", rel_order=0 if j == 0 else 2,
                               phone=f"139{i:04d}{j:04d}", tags="空巢老人" if born.year < 1960 else "",
                               work_unit="某某单位某某部门某某科室很长很长的名字" if j == 1 else ""))
    return {"community": "幸福里社区"}


def test_sample_builds(db: Any) -> None:
    build_sample(db)
    from sqlalchemy import func, select

    with db.Session() as s:
        assert s.scalar(select(func.count()).select_from(Resident)) == 9
