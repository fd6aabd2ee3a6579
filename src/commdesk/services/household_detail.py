"""One household as the detail panel shows it: its fields, members and change history."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from commdesk.models import AuditEntry, Household, Resident, ResidentEvent
from commdesk.models.household import split_tags
from commdesk.validation.idcard import age_on
from commdesk.validation.review_flags import review_labels

FIELD_LABELS = {
    "household_no": "户号", "grid_id": "网格", "estate": "小区", "building": "楼栋", "unit": "单元", "room": "室",
    "address": "地址", "housing": "住房性质", "status": "状态", "tags": "标签", "notes": "备注", "name": "姓名",
    "gender": "性别", "ethnicity": "民族", "birth_date": "出生日期", "id_number": "身份证号", "relation": "与户主关系",
    "political_status": "政治面貌", "education": "文化程度", "work_unit": "工作单位", "phone": "联系电话",
    "hukou_type": "人口类型", "move_in_date": "迁入日期", "move_out_date": "迁出日期", "death_date": "死亡日期",
    "household_id": "所在户", "archived_at": "归档", "review": "待核实", "former_name": "曾用名",
}
ACTION_LABELS = {"create": "新建", "update": "修改", "archive": "归档", "restore": "恢复", "delete": "删除",
                 "import": "导入"}
_PRIVATE = {"id_number", "phone"}


@dataclass(frozen=True)
class MemberRow:
    id: int
    name: str
    relation: str
    gender: str
    age: int | None
    status: str
    political_status: str
    tags: str
    review: str
    archived: bool


@dataclass(frozen=True)
class HistoryRow:
    at: datetime | date
    user: str
    what: str


@dataclass(frozen=True)
class HouseholdDetail:
    id: int
    household_no: str
    grid: str
    address: str
    housing: str
    status: str
    tags: list[str]
    notes: str
    archived: bool
    members: list[MemberRow]
    history: list[HistoryRow]


def _describe(entry: AuditEntry, who: str) -> str:
    action = ACTION_LABELS.get(entry.action, entry.action)
    if entry.action != "update":
        return f"{action}{who}"
    parts = []
    for key, (old, new) in entry.change_dict().items():
        label = FIELD_LABELS.get(key, key)
        if key in _PRIVATE:
            parts.append(f"{label}已修改")
        else:
            parts.append(f"{label}：{old or '（空）'} → {new or '（空）'}")
    return f"{action}{who}：" + "；".join(parts)


def household_detail(session: Session, household_id: int, today: date | None = None) -> HouseholdDetail:
    today = today or date.today()
    h = session.get_one(Household, household_id)
    members = session.scalars(select(Resident).where(Resident.household_id == household_id)
                              .order_by(Resident.archived_at.is_not(None), Resident.rel_order, Resident.id)).all()
    member_rows = [MemberRow(m.id, m.name, m.relation, m.gender, age_on(m.birth_date, today), m.status,
                             m.political_status, m.tags, "、".join(review_labels(m.review)), m.archived_at is not None)
                   for m in members]
    names = {m.id: m.name for m in members}
    history: list[HistoryRow] = []
    audit = session.scalars(select(AuditEntry).where(or_(
        (AuditEntry.table_name == "household") & (AuditEntry.record_id == household_id),
        (AuditEntry.table_name == "resident") & (AuditEntry.record_id.in_(list(names) or [0])),
    )).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(200)).all()
    for entry in audit:
        who = "本户" if entry.table_name == "household" else f"成员 {names.get(entry.record_id or 0, '')}"
        history.append(HistoryRow(entry.at, entry.user, _describe(entry, who)))
    events = session.scalars(select(ResidentEvent).where(or_(
        ResidentEvent.resident_id.in_(list(names) or [0]),
        ResidentEvent.from_household_id == household_id, ResidentEvent.to_household_id == household_id,
    )).order_by(ResidentEvent.event_date.desc()).limit(100)).all()
    for ev in events:
        place = f"（{ev.place}）" if ev.place else ""
        name = names.get(ev.resident_id) or (ev.resident.name if ev.resident else "")
        history.append(HistoryRow(ev.event_date, ev.recorded_by, f"{ev.kind}：{name}{place}"))
    history.sort(key=lambda r: (r.at if isinstance(r.at, datetime) else datetime.combine(r.at, datetime.min.time())),
                 reverse=True)
    return HouseholdDetail(h.id, h.household_no, h.grid.name if h.grid else "", h.display_address(), h.housing,
                           h.status, split_tags(h.tags), h.notes, h.archived_at is not None, member_rows, history)


def audit_changes_json(entry: AuditEntry) -> dict[str, list[object]]:
    return json.loads(entry.changes or "{}")
