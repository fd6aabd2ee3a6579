"""Demo meetings, consultations and checklist items on top of the demo households and Party data.

``generate_meeting_demo(database, seed=1)`` expects the Party demo (branches, groups, members,
visits: :mod:`commdesk.demo.party`) and no meetings yet. It adds, for the twelve months
up to today:

- per branch: 支委会 and 主题党日 monthly, 党小组会 monthly per group, 支部党员大会 and 党课
  quarterly, 组织生活会 once — about one in fifteen left out so the compliance calendar has
  something to show, and nothing for the rest of the current period;
  attendance from the roster (committee members for 支委会), a few 请假 with reasons;
- consultations (协商议事) from visit needs, meetings and residents, a fifth of them through the
  四议两公开 stages (some part-way), with decisions, results, publication and satisfaction;
- checklist items from meeting resolutions, consultation decisions, visit needs (linked both
  ways), upper-level assignments and the annual plan, in every state — some overdue, some
  finished late with a written reason — with progress entries, evaluations and public notice.

Rows go in with Core ``executemany`` in one transaction; one audit entry records it.
"""
from __future__ import annotations

import json
import random
import time
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import text

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.models.base import current_user, now

_RECORD = ("id", "uuid", "created_at", "updated_at", "updated_by")
PLACES = ("社区党群服务中心", "社区会议室", "党员活动室", "新时代文明实践站")
LEAVE_REASONS = ("工作原因", "身体原因", "外出", "家中有事", "外出流动")
TOPICS = {
    "支委会": ("研究本月党建工作安排", "研究发展党员工作", "研究党员中心户调整", "研究走访中发现的问题", "研究主题党日活动方案"),
    "主题党日": ("学习党的理论", "志愿服务进小区", "重温入党誓词", "参观红色教育基地", "环境整治义务劳动"),
    "党小组会": ("学习交流心得", "讨论联系户走访情况", "收集群众意见", "学习党章党规"),
    "支部党员大会": ("讨论接收预备党员", "通报半年工作", "民主评议党员", "学习贯彻上级精神"),
    "党课": ("书记讲党课：基层治理", "党史学习", "廉洁教育专题党课", "党员先锋作用专题"),
    "组织生活会": ("年度组织生活会暨民主评议党员",),
}
RESOLUTIONS = ("整治小区楼道堆放杂物", "维修3号楼楼道灯", "组织党员志愿者为独居老人上门服务", "增设电动车充电桩",
               "开展垃圾分类宣传", "清理小区绿化带", "建立楼栋微信群", "为困难家庭申请临时救助", "修补小区破损路面",
               "开展反诈宣传进楼栋")
CONSULT_TOPICS = ("老旧小区加装电梯", "小区停车难问题", "电动车充电桩建设", "物业费调整", "小区绿化改造", "公共区域噪音扰民",
                  "垃圾分类投放点设置", "楼顶漏水维修资金使用", "健身器材更新", "社区食堂选址")
UNITS = ("社区居委会", "物业公司", "社区党委", "网格工作站", "业委会", "街道城管科", "社区卫生服务站")
PEOPLE = ("王建国", "李红", "张志强", "刘芳", "陈明", "杨丽", "赵军", "黄英")
PROGRESS = ("已召开协调会", "已完成现场勘查", "已联系施工单位", "已完成一半", "材料已采购", "正在施工", "已提交街道审批")
CATEGORIES = ("党建工作", "民生服务", "环境整治", "平安建设", "矛盾调解", "基础设施")


def _insert(conn: Any, table: str, cols: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    if rows:
        conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _c in cols)})", rows)


def _month_start(d: date, back: int) -> date:
    y, m = d.year, d.month - back
    while m <= 0:
        y, m = y - 1, m + 12
    return date(y, m, 1)


def _month_len(first: date) -> int:
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return (nxt - first).days


M_COLS = (*_RECORD, "kind", "org_id", "group_id", "topic", "start_at", "end_at", "place", "host", "recorder", "guests",
          "agenda", "minutes", "votes", "resolutions", "pending", "expected", "present", "voting_expected",
          "voting_present")
A_COLS = ("meeting_id", "member_id", "name", "status", "reason", "voting", "sort_order")
C_COLS = (*_RECORD, "topic", "source", "source_visit_id", "source_meeting_id", "proposer", "held_on", "place", "form",
          "host", "expected", "present", "background", "process", "votes_for", "votes_against", "votes_abstain",
          "outcome", "decision", "executor", "due_date", "result", "result_date", "decision_published_on",
          "decision_published_how", "result_published_on", "result_published_how", "satisfaction",
          "satisfaction_note", "staged")
P_COLS = ("consultation_id", "side", "name", "sort_order")
S_COLS = (*_RECORD, "consultation_id", "stage", "held_on", "form", "expected", "present", "votes_for", "votes_against",
          "content", "passed", "officials", "supervision")
I_COLS = (*_RECORD, "title", "category", "content", "measures", "source", "source_meeting_id", "source_consultation_id",
          "source_visit_id", "source_ref", "responsible_unit", "responsible_person", "collaborators", "start_date",
          "deadline", "status", "completed_on", "closed_on", "overdue_reason", "score", "evaluation", "feedback",
          "satisfaction", "published_on")
PR_COLS = (*_RECORD, "item_id", "entry_date", "text", "percent")


def generate_meeting_demo(database: Any, seed: int = 1, *, today: date | None = None) -> dict[str, Any]:
    """Add demo meetings, consultations and checklist items; returns summary counts."""
    import commdesk.models.meeting  # noqa: F401  (the tables exist through the migration)

    started = time.perf_counter()
    rng = random.Random(f"meetings-{seed}")
    today = today or date.today()
    stamp = now().isoformat(sep=" ")
    user = current_user()
    counts = {"meetings": 0, "attendees": 0, "missing": 0, "consultations": 0, "staged": 0, "items": 0,
              "progress": 0}

    def uuid() -> str:
        return f"{rng.getrandbits(128):032x}"

    def rec(i: int) -> tuple[Any, ...]:
        return (i, uuid(), stamp, stamp, user)

    with database.engine.begin() as conn:
        if conn.execute(text("SELECT EXISTS (SELECT 1 FROM meeting) OR EXISTS (SELECT 1 FROM checklist_item)")).scalar():
            raise UserError(_("数据库里已有会议或责任清单数据，未生成会议演示数据。"))
        orgs = conn.execute(text("SELECT id, parent_id, kind, name FROM party_org WHERE archived_at IS NULL"
                                 " ORDER BY sort_order, id")).all()
        branches = [(oid, name) for oid, _p, kind, name in orgs if kind == "党支部"]
        if not branches:
            raise UserError(_("请先生成党建演示数据（党支部和党员）。"))
        groups: dict[int, list[int]] = {}
        for oid, parent, kind, _name in orgs:
            if kind == "党小组":
                groups.setdefault(parent, []).append(oid)
        roster: dict[int, list[tuple[int, str, bool, str, str]]] = {}
        by_group: dict[int, list[tuple[int, str, bool, str, str]]] = {}
        for mid, name, org, grp, membership, post, status in conn.execute(text(
                "SELECT id, name, org_id, group_id, membership, party_post, status FROM party_member"
                " WHERE archived_at IS NULL AND status NOT IN ('已转出', '已去世') ORDER BY join_date, id")):
            entry = (mid, name, membership == "正式党员", post or "", status)
            roster.setdefault(org, []).append(entry)
            if grp is not None:
                by_group.setdefault(grp, []).append(entry)

        # -- meetings -----------------------------------------------------------------------------------
        meeting_id = conn.execute(text("SELECT coalesce(max(id), 0) FROM meeting")).scalar_one()
        m_rows: list[tuple[Any, ...]] = []
        a_rows: list[tuple[Any, ...]] = []
        resolutions: list[tuple[int, int, date, str, str]] = []     # meeting, branch, day, text, branch name

        def add_meeting(kind: str, branch: int, bname: str, group: int | None, first: date, people: list[Any],
                        period_months: int) -> None:
            nonlocal meeting_id
            days = sum(_month_len(_month_start(first, -k)) for k in range(period_months))
            if rng.random() < 0.065:
                counts["missing"] += 1
                return
            day = first + timedelta(days=rng.randrange(days))
            if day > today:
                if first > today or rng.random() < 0.5:
                    return
                day = first + timedelta(days=rng.randrange(max(1, (today - first).days + 1)))
            meeting_id += 1
            start = datetime.combine(day, datetime.min.time()).replace(hour=rng.choice((9, 14, 15, 19)))
            host = people[0][1] if people else ""
            recorder = people[min(1, len(people) - 1)][1] if people else ""
            present = voting_exp = voting_pres = 0
            for i, (mid, name, voting, _post, status) in enumerate(people):
                if status == "外出流动":
                    st, reason = "请假", "外出流动"
                elif rng.random() < 0.08:
                    st, reason = "请假", rng.choice(LEAVE_REASONS[:4])
                elif rng.random() < 0.01:
                    st, reason = "缺席", ""
                else:
                    st, reason = "出席", ""
                present += st == "出席"
                voting_exp += voting
                voting_pres += voting and st == "出席"
                a_rows.append((meeting_id, mid, name, st, reason, voting, i))
            topic = rng.choice(TOPICS[kind])
            res = ""
            if kind in ("支委会", "支部党员大会") and rng.random() < 0.45:
                picks = rng.sample(RESOLUTIONS, rng.randint(1, 2))
                res = "\n".join(f"{i + 1}. {p}" for i, p in enumerate(picks))
                for p in picks:
                    resolutions.append((meeting_id, branch, day, p, bname))
            m_rows.append((*rec(meeting_id), kind, branch, group, topic, start.isoformat(sep=" "),
                           (start + timedelta(hours=rng.choice((1, 2)))).isoformat(sep=" "), rng.choice(PLACES), host,
                           recorder, "", f"1. {topic}\n2. 其他事项", f"围绕“{topic}”进行了讨论，大家积极发言。",
                           "举手表决，全体通过" if res else "", res, "", len(people), present, voting_exp, voting_pres))
            counts["meetings"] += 1
            if len(a_rows) >= 50000:
                flush()

        def flush() -> None:
            _insert(conn, "meeting", M_COLS, m_rows)
            _insert(conn, "meeting_attendee", A_COLS, a_rows)
            counts["attendees"] += len(a_rows)
            m_rows.clear()
            a_rows.clear()

        first_month = _month_start(today, 11)
        for branch, bname in branches:
            people = roster.get(branch, [])
            committee = [p for p in people if p[3]] or people[:5]
            for back in range(11, -1, -1):
                first = _month_start(today, back)
                add_meeting("支委会", branch, bname, None, first, committee, 1)
                add_meeting("主题党日", branch, bname, None, first, people, 1)
                for grp in groups.get(branch, []):
                    add_meeting("党小组会", branch, bname, grp, first, by_group.get(grp, []), 1)
                if first.month in (1, 4, 7, 10) or first == first_month:
                    q_first = date(first.year, 3 * ((first.month - 1) // 3) + 1, 1)
                    add_meeting("支部党员大会", branch, bname, None, max(q_first, first_month), people,
                                3 - (max(q_first, first_month).month - q_first.month))
                    add_meeting("党课", branch, bname, None, max(q_first, first_month), people,
                                3 - (max(q_first, first_month).month - q_first.month))
                if first.month == 1 or (first == first_month and first.month > 1 and today.month < first.month):
                    add_meeting("组织生活会", branch, bname, None, first, people, 1)
        flush()

        # -- consultations ------------------------------------------------------------------------------
        visits = conn.execute(text(
            "SELECT v.id, v.visit_date, v.needs, v.visitor FROM visit v WHERE v.archived_at IS NULL AND v.needs != ''"
            " AND v.need_status IN ('待办理', '办理中') AND v.checklist_item_uuid IS NULL ORDER BY v.visit_date DESC, v.id"
        )).all()
        c_id = conn.execute(text("SELECT coalesce(max(id), 0) FROM consultation")).scalar_one()
        c_rows, p_rows, s_rows = [], [], []
        stage_id = conn.execute(text("SELECT coalesce(max(id), 0) FROM consultation_stage")).scalar_one()
        decisions: list[tuple[int, str, str, date, date]] = []
        n_consult = max(6, len(branches) * 3)
        visit_pool = list(visits[: n_consult // 3])
        meeting_pool = [r for r in resolutions[::7]]
        for k in range(n_consult):
            c_id += 1
            held = today - timedelta(days=rng.randint(5, 350))
            source, src_visit, src_meeting, proposer = "居民提出", None, None, rng.choice(PEOPLE)
            if visit_pool and k % 3 == 0:
                vid, vdate, needs, visitor = visit_pool.pop()
                source, src_visit, proposer = "网格走访", vid, visitor
                held = max(held, date.fromisoformat(str(vdate)[:10]))
            elif meeting_pool and k % 3 == 1:
                mid, _b, mday, _t, _bn = meeting_pool.pop()
                source, src_meeting, proposer = "党组织提议", mid, _("社区党委")
                held = max(held, mday)
            topic = rng.choice(CONSULT_TOPICS)
            staged = k % 5 == 0
            expected = rng.randint(15, 30)
            present = expected - rng.randint(0, 4)
            votes_for = present - rng.randint(0, 3)
            decided = held < today - timedelta(days=10) or not staged
            outcome = rng.choice(("达成一致", "达成一致", "部分一致", "未达成")) if decided else ""
            decision = f"同意{topic}方案，按程序实施" if outcome in ("达成一致", "部分一致") else ""
            executor = rng.choice(UNITS) if decision else ""
            due = held + timedelta(days=rng.choice((30, 60, 90))) if decision else None
            finished = decision and due is not None and (due < today or rng.random() < 0.3)
            result = "已按决议落实完成" if finished else ""
            result_date = min(today, due) if finished and due else None
            dpub = held + timedelta(days=3) if decision and held + timedelta(days=3) <= today else None
            rpub = result_date + timedelta(days=2) if result_date and result_date + timedelta(days=2) <= today else None
            satisfaction = rng.choice(("满意", "满意", "基本满意", "不满意")) if rpub else ""
            c_rows.append((*rec(c_id), topic, source, src_visit, src_meeting, proposer, held.isoformat(),
                           rng.choice(PLACES), rng.choice(("居民议事会", "协商恳谈会", "楼栋议事会")), rng.choice(PEOPLE),
                           expected, present, f"居民反映{topic}，需要协商解决。", "各方代表充分发表意见，形成共识。",
                           votes_for if decided else None, expected - votes_for if decided else None, 0, outcome,
                           decision, executor, due.isoformat() if due else None, result,
                           result_date.isoformat() if result_date else None, dpub.isoformat() if dpub else None,
                           "公开栏" if dpub else "", rpub.isoformat() if rpub else None, "公开栏、微信群" if rpub else "",
                           satisfaction, "", staged))
            order = 0
            for side in ("居民代表", "党员", "物业", "业委会", "驻区单位", "社会组织"):
                for _i in range(rng.randint(0, 3) if side not in ("居民代表", "党员") else rng.randint(2, 4)):
                    p_rows.append((c_id, side, rng.choice(PEOPLE), order))
                    order += 1
            counts["consultations"] += 1
            if staged:
                counts["staged"] += 1
                steps = 6 if rpub else 5 if dpub else 4 if decided else rng.randint(1, 3)
                day = held - timedelta(days=12)
                for n in range(1, steps + 1):
                    stage_id += 1
                    if n == 5:
                        day = dpub or day
                    elif n == 6:
                        day = rpub or day
                    else:
                        day = min(held, day + timedelta(days=3)) if n < 4 else held
                    exp = {3: 40, 4: expected}.get(n)
                    pres = {3: 33, 4: present}.get(n)
                    vf = {3: 30, 4: votes_for}.get(n)
                    form = {1: "支委会", 2: "两委联席会议", 3: "党员大会", 4: "居民代表会议", 5: "公开栏", 6: "公开栏、微信群"}[n]
                    s_rows.append((*rec(stage_id), c_id, n, day.isoformat(), form, exp, pres, vf,
                                   (exp - vf) if exp and vf else None, f"{topic}：第{n}步", True, "",
                                   "无异议" if n >= 5 else ""))
            if decision:
                decisions.append((c_id, topic, decision, held, due or held + timedelta(days=60)))
        _insert(conn, "consultation", C_COLS, c_rows)
        _insert(conn, "consultation_participant", P_COLS, p_rows)
        _insert(conn, "consultation_stage", S_COLS, s_rows)

        # -- checklist items ----------------------------------------------------------------------------
        item_id = conn.execute(text("SELECT coalesce(max(id), 0) FROM checklist_item")).scalar_one()
        progress_id = conn.execute(text("SELECT coalesce(max(id), 0) FROM checklist_progress")).scalar_one()
        i_rows, pr_rows, visit_links = [], [], []

        def add_item(title: str, source: str, start: date, deadline: date, *, meeting: int | None = None,
                     consultation: int | None = None, visit: int | None = None, ref: str = "",
                     unit: str = "") -> None:
            nonlocal item_id, progress_id
            item_id += 1
            item_uuid = uuid()
            roll = rng.random()
            if deadline < today:
                status = "已销号" if roll < 0.45 else "已完成" if roll < 0.8 else "推进中" if roll < 0.93 else "未启动"
            else:
                status = "未启动" if roll < 0.3 else "推进中" if roll < 0.8 else "已完成"
            completed = closed = None
            reason = ""
            if status in ("已完成", "已销号"):
                latest = min(today, deadline + timedelta(days=20))
                span = max(0, (latest - start).days)
                completed = start + timedelta(days=rng.randint(min(span, 3), span) if span else 0)
                if completed > deadline:
                    reason = "施工材料未按时到位，延期完成"
                if status == "已销号":
                    closed = min(today, completed + timedelta(days=rng.randint(1, 10)))
            elif deadline < today and rng.random() < 0.5:
                reason = "涉及多个部门协调，进度滞后"
            n_progress = 0 if status == "未启动" else rng.randint(1, 3)
            last = completed or today
            for k in range(n_progress):
                progress_id += 1
                day = start + timedelta(days=int((last - start).days * (k + 1) / (n_progress + 1)))
                pr_rows.append((*rec(progress_id), item_id, day.isoformat(), rng.choice(PROGRESS),
                                min(100, 30 * (k + 1))))
            if completed:
                progress_id += 1
                pr_rows.append((*rec(progress_id), item_id, completed.isoformat(), "已完成", 100))
            scored = status == "已销号"
            published = start + timedelta(days=2) if start + timedelta(days=2) <= today and rng.random() < 0.6 else None
            i_rows.append((item_id, item_uuid, stamp, stamp, user, title[:200], rng.choice(CATEGORIES), title,
                           "明确责任人，倒排工期，按期完成", source, meeting, consultation, visit, ref,
                           unit or rng.choice(UNITS), rng.choice(PEOPLE), rng.choice(UNITS) if rng.random() < 0.4 else "",
                           start.isoformat(), deadline.isoformat(), status,
                           completed.isoformat() if completed else None, closed.isoformat() if closed else None, reason,
                           rng.randint(75, 100) if scored else None, "按期完成，效果良好" if scored else "",
                           "居民反映问题已解决" if scored else "", rng.choice(("满意", "基本满意")) if scored else "",
                           published.isoformat() if published else None))
            if visit is not None:
                visit_links.append((item_uuid, visit))
            counts["items"] += 1

        for mid, _branch, day, res, bname in resolutions[::3]:
            add_item(res, "会议决议", day, day + timedelta(days=rng.choice((15, 30, 45, 60))), meeting=mid,
                     ref=f"{day.isoformat()} 会议决议", unit=bname)
        for cid, topic, decision, held, due in decisions:
            add_item(topic, "协商议事", held, due, consultation=cid)
        for vid, vdate, needs, visitor in visits[n_consult // 3: n_consult // 3 + max(5, len(branches) * 2)]:
            vday = date.fromisoformat(str(vdate)[:10])
            add_item(needs.splitlines()[0], "走访诉求", vday, vday + timedelta(days=30), visit=vid,
                     ref=f"{vday.isoformat()} 走访")
        for k in range(max(4, len(branches))):
            start = today - timedelta(days=rng.randint(10, 300))
            add_item(rng.choice(("落实街道社区治理专项任务", "完成人口信息核查", "开展安全隐患排查", "推进“红色物业”建设")),
                     "上级交办", start, start + timedelta(days=rng.choice((30, 60, 90))), ref=f"街道〔{today.year}〕{k + 1}号")
        for k, title in enumerate(("年度党员发展计划", "全年主题党日活动计划", "党员中心户全覆盖", "年度为民办实事项目")):
            add_item(title, "年度计划", date(today.year, 1, 10), date(today.year, 12, 20), ref=f"{today.year}年度计划")
        _insert(conn, "checklist_item", I_COLS, i_rows)
        _insert(conn, "checklist_progress", PR_COLS, pr_rows)
        if visit_links:
            conn.exec_driver_sql("UPDATE visit SET checklist_item_uuid = ?, need_status = '办理中' WHERE id = ?",
                                 visit_links)
        counts["progress"] = len(pr_rows)
        summary = {**counts, "seed": seed}
        conn.exec_driver_sql(
            "INSERT INTO audit_log (at, \"user\", table_name, record_id, record_uuid, action, changes, summary)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (stamp, user, "meeting", None, "", "demo", json.dumps(summary, ensure_ascii=False),
             _("生成会议演示数据：会议 {m} 次，协商议事 {c} 项，责任清单 {i} 项").format(
                 m=counts["meetings"], c=counts["consultations"], i=counts["items"])))
    summary["seconds"] = round(time.perf_counter() - started, 2)
    return summary
