"""Demo Party data on top of the demo households: organisation, members, center households, visits.

``generate_party_demo(database, seed=1)`` expects a database that already holds households and
residents (``commdesk.demo.households.generate_demo``) and no Party data yet. It adds:

- a 党委 for the community, one 党支部 per grid (linked to it) with one or two 党小组;
- a member for every living resident whose political status is 中共党员/中共预备党员 (join and
  full-membership dates that fit the age; probationary members joined in the last year), a few
  in-service members (在职党员报到) without a household and ~4 % mobile members (外出流动);
- center households: the households of a grid in address order are cut into runs of about the
  target size; in each run a member's household becomes the center and the rest its contacts.
  Runs without a member stay uncovered, and a few contacts are left out, so coverage is high but
  not complete (as in a real community);
- a year of visits to the contact households at about their key-group cadence, a share of them
  late, so that the overdue list has content; some visits raise needs (诉求), most answered.

All rows go in with Core ``executemany`` inside one transaction; one audit entry records it.
"""
from __future__ import annotations

import json
import random
import time
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.models.base import current_user, now
from commdesk.models.household import split_tags
from commdesk.models.party import VISIT_KINDS
from commdesk.services.visits import interval_for
from commdesk.settings.party import DEFAULT_CADENCE

_RECORD = ("id", "uuid", "created_at", "updated_at", "updated_by")
OUT_PLACES = ("北京市朝阳区", "天津市滨海新区", "广东省深圳市", "上海市浦东新区", "江苏省苏州市", "浙江省杭州市",
              "河北省雄安新区", "山东省青岛市")
OUT_REASONS = ("务工", "经商", "随子女居住", "求学", "就医")
WORK_UNITS = ("区人民医院", "市第二中学", "区税务局", "新华区人民法院", "市供电公司", "和平街道办事处", "区实验小学")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "建国华明丽军红英伟芳志强秀兰玉梅海涛静敏"
FINDINGS = ("身体状况良好，生活正常", "老人腿脚不便，子女每周探望", "家中有病人住院，情绪稳定", "孩子上学，家庭和睦",
            "对小区环境比较满意", "反映楼道堆放杂物", "收入不稳定，生活有困难")
NEEDS = ("楼道灯损坏，请求维修", "希望协助申请低保", "希望安装楼梯扶手", "反映小区停车难", "咨询养老保险办理",
         "希望社区组织健康讲座", "下水道堵塞")
HANDLING = ("已转物业维修，已修好", "已联系民政专干，正在办理", "已上报社区，列入议事议题", "已电话答复",
            "已协调相关部门处理")


def _insert(conn: Any, table: str, cols: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    if rows:
        marks = ", ".join("?" for _c in cols)
        conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def generate_party_demo(database: Any, seed: int = 1, *, today: date | None = None, per_center: int = 12,
                        visits: bool = True) -> dict[str, Any]:
    """Add demo Party data to a database with demo households; returns summary counts."""
    started = time.perf_counter()
    rng = random.Random(f"party-{seed}")
    today = today or date.today()
    stamp = now().isoformat(sep=" ")
    user = current_user()
    counts = {"branches": 0, "groups": 0, "members": 0, "centers": 0, "contacts": 0, "links": 0, "visits": 0,
              "events": 0}

    def uuid() -> str:
        return f"{rng.getrandbits(128):032x}"

    def rec(i: int) -> tuple[Any, ...]:
        return (i, uuid(), stamp, stamp, user)

    with database.engine.begin() as conn:
        if conn.execute(text("SELECT EXISTS (SELECT 1 FROM party_org) OR EXISTS (SELECT 1 FROM party_member)"))\
                .scalar():
            raise UserError(_("数据库里已有党组织或党员数据，未生成党建演示数据。"))
        community = conn.execute(text("SELECT name FROM community WHERE archived_at IS NULL ORDER BY id")).scalar()
        grids = conn.execute(text("SELECT id, name FROM grid WHERE archived_at IS NULL ORDER BY code, id")).all()
        if community is None or not grids:
            raise UserError(_("请先生成演示住户数据。"))
        # -- organisation --------------------------------------------------------------------------
        org_id = conn.execute(text("SELECT coalesce(max(id), 0) FROM party_org")).scalar_one()
        org_rows: list[tuple[Any, ...]] = []
        org_id += 1
        root = org_id
        org_rows.append((*rec(root), None, "党委", f"{community}党委", "", 0, ""))
        branch_of: dict[int, int] = {}
        groups_of: dict[int, list[int]] = {}
        link_rows = []
        for n, (gid, gname) in enumerate(grids, start=1):
            org_id += 1
            branch_of[gid] = org_id
            org_rows.append((*rec(org_id), root, "党支部", f"{gname}党支部", "", n, ""))
            link_rows.append((gid, org_id))
            groups_of[org_id] = []
            for k in range(1 + (n % 2)):
                org_id += 1
                groups_of[branch_of[gid]].append(org_id)
                org_rows.append((*rec(org_id), branch_of[gid], "党小组", f"{gname}第{'一二'[k]}党小组", "", k, ""))
                counts["groups"] += 1
        counts["branches"] = len(grids)
        _insert(conn, "party_org", (*_RECORD, "parent_id", "kind", "name", "secretary", "sort_order", "notes"),
                org_rows)
        _insert(conn, "party_org_grid", ("grid_id", "org_id"), link_rows)

        # -- members -------------------------------------------------------------------------------
        member_id = conn.execute(text("SELECT coalesce(max(id), 0) FROM party_member")).scalar_one()
        residents = conn.execute(text(
            "SELECT r.id, r.name, r.gender, r.ethnicity, r.birth_date, r.id_number, r.phone, r.political_status,"
            " h.grid_id, h.id FROM resident r JOIN household h ON h.id = r.household_id"
            " WHERE r.archived_at IS NULL AND h.archived_at IS NULL AND r.status = '在住' AND h.status != '迁出'"
            " AND r.political_status IN ('中共党员', '中共预备党员') ORDER BY r.id")).all()
        m_cols = (*_RECORD, "resident_id", "name", "gender", "ethnicity", "birth_date", "id_number", "phone", "category",
                  "org_id", "group_id", "membership", "join_date", "full_date", "party_post", "status", "work_unit",
                  "address", "out_place", "out_date", "out_reason", "out_contact", "last_report_date", "notes",
                  "review")
        m_rows: list[tuple[Any, ...]] = []
        e_rows: list[tuple[Any, ...]] = []
        members_by_household: dict[int, int] = {}
        members_by_grid: dict[int, list[int]] = {}      # resident members at home (fellow members, "1+10+N")
        posts_left = {b: ["书记", "组织委员", "宣传委员"] for b in branch_of.values()}

        def event(mid: int, kind: str, on: date, old: str = "", new: str = "", note: str = "") -> None:
            e_rows.append((mid, kind, on.isoformat(), old, new, note, stamp, user))

        for rid, name, gender, eth, birth, idn, phone, political, gid, hid in residents:
            born = date.fromisoformat(str(birth)[:10]) if birth else date(1970, 1, 1)
            member_id += 1
            branch = branch_of.get(gid, branch_of[grids[0][0]])
            group = rng.choice(groups_of[branch]) if groups_of[branch] else None
            probationary = political == "中共预备党员"
            if probationary:
                join = today - timedelta(days=rng.randint(20, 360))
                full = None
            else:
                earliest = _add_years(born, 18)
                latest = today - timedelta(days=400)
                span = max(0, (latest - earliest).days)
                join = earliest + timedelta(days=rng.randint(0, span)) if span else latest
                join = join.replace(day=1)
                full = _add_years(join, 1)
            post = posts_left[branch].pop(0) if posts_left[branch] and not probationary and rng.random() < 0.5 else ""
            status, out = "正常", ("", None, "", "", None)
            if not probationary and rng.random() < 0.04:
                out_date = today - timedelta(days=rng.randint(60, 900))
                last = out_date + timedelta(days=rng.randint(0, 500))
                out = (rng.choice(OUT_PLACES), out_date.isoformat(), rng.choice(OUT_REASONS), phone or "",
                       min(last, today).isoformat())
                status = "外出流动"
            m_rows.append((*rec(member_id), rid, name, gender, eth or "", born.isoformat(), idn, phone or "",
                           "居住党员", branch, group, "预备党员" if probationary else "正式党员", join.isoformat(),
                           full.isoformat() if full else None, post, status, "", "", out[0], out[1], out[2], out[3],
                           out[4], "", ""))
            event(member_id, "入党", join, "", "预备党员")
            if full:
                event(member_id, "转正", full, "预备党员", "正式党员")
            if status == "外出流动":
                event(member_id, "外出", date.fromisoformat(out[1]), "正常", "外出流动", f"{out[0]} {out[2]}")
            members_by_household.setdefault(hid, member_id)
            if status == "正常":
                members_by_grid.setdefault(gid, []).append(member_id)
        # in-service members who registered with the community (no household here)
        for k in range(max(2, len(residents) // 25)):
            member_id += 1
            gid = grids[k % len(grids)][0]
            born = date(rng.randint(1965, 1995), rng.randint(1, 12), rng.randint(1, 28))
            join = _add_years(born, rng.randint(20, 28)).replace(day=1)
            if join > today - timedelta(days=400):
                join = (today - timedelta(days=800)).replace(day=1)
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
            phone = f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
            m_rows.append((*rec(member_id), None, name, rng.choice("男女"), "汉族", born.isoformat(), None, phone,
                           "在职党员报到", branch_of[gid], None, "正式党员", join.isoformat(),
                           _add_years(join, 1).isoformat(), "", "正常", rng.choice(WORK_UNITS), "", "", None, "", "",
                           None, _("到社区报到，参加志愿服务"), ""))
            event(member_id, "登记", today - timedelta(days=rng.randint(30, 700)), "", "在职党员报到")
        _insert(conn, "party_member", m_cols, m_rows)
        _insert(conn, "party_member_event", ("member_id", "kind", "event_date", "old_value", "new_value", "note",
                                             "recorded_at", "recorded_by"), e_rows)
        counts["members"] = len(m_rows)
        counts["events"] = len(e_rows)
        conn.execute(text("UPDATE party_org SET secretary = coalesce((SELECT m.name FROM party_member m"
                          " WHERE m.org_id = party_org.id AND m.party_post = '书记' ORDER BY m.id LIMIT 1), '')"
                          " WHERE kind = '党支部'"))
        conn.execute(text("UPDATE party_org SET secretary = coalesce((SELECT m.name FROM party_member m"
                          " WHERE m.group_id = party_org.id ORDER BY m.join_date, m.id LIMIT 1), '')"
                          " WHERE kind = '党小组'"))

        # -- center households and contacts ----------------------------------------------------------
        center_id = conn.execute(text("SELECT coalesce(max(id), 0) FROM center_household")).scalar_one()
        contact_id = conn.execute(text("SELECT coalesce(max(id), 0) FROM center_contact")).scalar_one()
        c_rows: list[tuple[Any, ...]] = []
        cc_rows: list[tuple[Any, ...]] = []
        contacts_of: dict[int, list[tuple[int, date]]] = {}
        by_grid: dict[int, list[int]] = {}
        for hid, gid in conn.execute(text(
                "SELECT id, grid_id FROM household WHERE archived_at IS NULL AND status != '迁出'"
                " ORDER BY grid_id, estate, length(building), building, length(unit), unit, length(room), room,"
                " id")):
            by_grid.setdefault(gid, []).append(hid)
        for gid, hids in by_grid.items():
            for start in range(0, len(hids), per_center + 1):
                run = hids[start:start + per_center + 1]
                holders = [h for h in run if h in members_by_household]
                if not holders:
                    continue      # no member in this stretch: it stays uncovered
                home = holders[len(holders) // 2]
                center_id += 1
                designated = today - timedelta(days=rng.randint(380, 1200))
                c_rows.append((*rec(center_id), members_by_household[home], home, gid, designated.isoformat(), "在册",
                               None, ""))
                contacts_of[center_id] = []
                for hid in run:
                    if hid == home or rng.random() < 0.03:
                        continue
                    contact_id += 1
                    since = designated + timedelta(days=rng.randint(0, 30))
                    cc_rows.append((*rec(contact_id), center_id, hid, None, since.isoformat(), None, ""))
                    contacts_of[center_id].append((hid, since, len(cc_rows) - 1))
        # "1+10+N": every third center household has a fellow member of its grid covering half its contacts
        # (its own generator, so the rest of the demo stays as it was for a seed)
        link_rng = random.Random(f"party-links-{seed}")
        holders = {row[5] for row in c_rows}
        cm_rows: list[tuple[Any, ...]] = []
        covered_by: dict[int, int] = {}                 # index in cc_rows → the fellow member covering it
        cm_id = conn.execute(text("SELECT coalesce(max(id), 0) FROM center_member")).scalar_one()
        for n, row in enumerate(c_rows):
            cid, gid, designated = row[0], row[7], date.fromisoformat(row[8])
            free = [m for m in members_by_grid.get(gid, []) if m not in holders]
            if n % 3 or not free or len(contacts_of[cid]) < 4:
                continue
            fellow = link_rng.choice(free)
            holders.add(fellow)
            cm_id += 1
            cm_rows.append((*rec(cm_id), cid, fellow, (designated + timedelta(days=link_rng.randint(0, 20))).isoformat(),
                            None))
            for _hid, _since, index in contacts_of[cid][len(contacts_of[cid]) // 2:]:
                covered_by[index] = fellow
        for index, fellow in covered_by.items():
            r = cc_rows[index]
            cc_rows[index] = (*r[:7], fellow, *r[8:])
        _insert(conn, "center_household", (*_RECORD, "member_id", "household_id", "grid_id", "designated_on",
                                           "status", "ended_on", "notes"), c_rows)
        _insert(conn, "center_member", (*_RECORD, "center_id", "member_id", "start_date", "end_date"), cm_rows)
        counts["links"] = len(cm_rows)
        _insert(conn, "center_contact", (*_RECORD, "center_id", "household_id", "member_id", "start_date",
                                         "end_date", "end_reason"), cc_rows)
        counts["centers"], counts["contacts"] = len(c_rows), len(cc_rows)

        # -- a year of visits ----------------------------------------------------------------------
        if visits and cc_rows:
            tags: dict[int, set[str]] = {}
            for hid, htags in conn.execute(text("SELECT id, tags FROM household WHERE tags != ''")):
                tags.setdefault(hid, set()).update(split_tags(htags))
            for hid, rtags in conn.execute(text("SELECT household_id, tags FROM resident WHERE tags != ''"
                                                " AND status = '在住' AND archived_at IS NULL")):
                tags.setdefault(hid, set()).update(split_tags(rtags))
            member_name = {row[0]: row[6] for row in m_rows}
            center_member = {row[0]: row[5] for row in c_rows}
            visit_id = conn.execute(text("SELECT coalesce(max(id), 0) FROM visit")).scalar_one()
            v_rows: list[tuple[Any, ...]] = []
            year_ago = today - timedelta(days=365)
            for cid, contacts in contacts_of.items():
                for hid, since, index in contacts:
                    mid = covered_by.get(index, center_member[cid])      # the member covering the household visits
                    visitor = member_name.get(mid, "")
                    interval, _groups = interval_for(tags.get(hid, set()), DEFAULT_CADENCE)
                    day = max(since, year_ago) + timedelta(days=rng.randint(0, interval))
                    late = rng.random() < 0.08          # some households fall behind
                    while day <= today:
                        if late and (today - day).days < interval * 2:
                            break
                        visit_id += 1
                        kind = VISIT_KINDS[0] if rng.random() < 0.75 else rng.choice(VISIT_KINDS[1:])
                        has_need = rng.random() < 0.12
                        handled = has_need and rng.random() < 0.8
                        v_rows.append((*rec(visit_id), day.isoformat(), hid, cid, mid, visitor,
                                       "入户" if rng.random() < 0.7 else rng.choice(("电话", "微信")), kind,
                                       rng.choice(FINDINGS), rng.choice(NEEDS) if has_need else "",
                                       rng.choice(HANDLING) if handled else "", "",
                                       ("已办结" if handled else "待办理") if has_need else "无诉求"))
                        day += timedelta(days=max(1, int(interval * rng.uniform(0.6, 1.0))))
                    if len(v_rows) >= 20000:
                        _insert(conn, "visit", V_COLS, v_rows)
                        counts["visits"] += len(v_rows)
                        v_rows = []
            _insert(conn, "visit", V_COLS, v_rows)
            counts["visits"] += len(v_rows)
        summary = {"community": community, **counts, "seed": seed}
        conn.exec_driver_sql(
            "INSERT INTO audit_log (at, \"user\", table_name, record_id, record_uuid, action, changes, summary)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (stamp, user, "party_org", root, org_rows[0][1], "demo", json.dumps(summary, ensure_ascii=False),
             _("生成党建演示数据：党员 {m} 名，中心户 {c} 个，联系户 {k} 户，走访 {v} 次").format(
                 m=counts["members"], c=counts["centers"], k=counts["contacts"], v=counts["visits"])))
    summary["seconds"] = round(time.perf_counter() - started, 2)
    return summary


V_COLS = (*_RECORD, "visit_date", "household_id", "center_id", "visitor_member_id", "visitor", "method", "kind",
          "findings", "needs", "handling", "follow_up", "need_status")
