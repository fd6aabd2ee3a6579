"""Meetings (会议, 三会一课), consultations (协商议事) and responsibility checklists (责任清单).

- ``Meeting`` is one meeting of a branch (or of a Party group, for 党小组会) or of the community
  (居民议事会, 联席会议); ``MeetingAttendee`` lists the expected attendees (from the roster) with
  出席/请假/缺席 and a reason; ``voting`` keeps whether the member had a vote at the time
  (预备党员 do not), for the quorum check. ``expected``/``present``/``voting_expected``/
  ``voting_present`` are kept in step by the service so that ledgers and the dashboard need no
  per-meeting counting.
- ``Consultation`` is one 协商议事 with its source (a visit, a meeting, …), participants by
  side (``ConsultationParticipant``), decision, implementation and publication; when ``staged``
  it follows 四议两公开, one ``ConsultationStage`` per step (1…6).
- ``ChecklistItem`` is one 责任清单 item, linked back to the meeting, consultation or visit it
  came from; ``ChecklistProgress`` holds its dated progress entries.
- ``Attachment`` is a file copied into the attachments folder (sign-in sheets, photos, evidence),
  owned by any of the records above (``owner_table``/``owner_id``), with its original name, size
  and SHA-256.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commdesk.models.base import Base, RecordMixin
from commdesk.models.party import PartyMember, PartyOrg, Visit  # noqa: F401  (FK targets registered first)

MEETING_KINDS = ("支部党员大会", "支委会", "党小组会", "党课", "主题党日", "组织生活会", "居民议事会", "联席会议", "其他")
#: kinds held by a Party branch (or group) — these need a branch and draw attendees from its roster
PARTY_KINDS = ("支部党员大会", "支委会", "党小组会", "党课", "主题党日", "组织生活会")
ATTENDANCE = ("出席", "请假", "缺席")
ATTACHMENT_KINDS = ("签到表", "现场照片", "会议纪要", "通知", "决议", "证明材料", "其他")

CONSULTATION_SOURCES = ("居民提出", "网格走访", "党组织提议", "上级交办", "线上留言", "会议提出", "其他")
CONSULTATION_SIDES = ("居民代表", "党员", "物业", "业委会", "驻区单位", "社会组织", "社区干部", "其他")
OUTCOMES = ("达成一致", "部分一致", "未达成")
SATISFACTION = ("满意", "基本满意", "不满意")
STAGES = ("党组织提议", "两委会商议", "党员大会审议", "居(村)民代表会议决议", "决议公开", "实施结果公开")

CHECKLIST_CATEGORIES = ("党建工作", "民生服务", "环境整治", "平安建设", "矛盾调解", "基础设施", "其他")
CHECKLIST_SOURCES = ("会议决议", "协商议事", "走访诉求", "上级交办", "年度计划", "其他")
CHECKLIST_STATUSES = ("未启动", "推进中", "已完成", "已销号")
OPEN_STATUSES = ("未启动", "推进中")


class Meeting(RecordMixin, Base):
    __tablename__ = "meeting"
    __table_args__ = (Index("ix_meeting_kind_start", "kind", "start_at"),
                      Index("ix_meeting_org_start", "org_id", "start_at"))

    kind: Mapped[str] = mapped_column(String(10))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("party_org.id"), default=None)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("party_org.id"), index=True, default=None)
    topic: Mapped[str] = mapped_column(String(200))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime | None] = mapped_column(default=None)
    place: Mapped[str] = mapped_column(String(200), default="")
    host: Mapped[str] = mapped_column(String(50), default="")            # 主持人
    recorder: Mapped[str] = mapped_column(String(50), default="")        # 记录人
    guests: Mapped[str] = mapped_column(Text, default="")                # 列席人员
    agenda: Mapped[str] = mapped_column(Text, default="")                # 议题
    minutes: Mapped[str] = mapped_column(Text, default="")               # 发言/讨论摘要
    votes: Mapped[str] = mapped_column(Text, default="")                 # 表决情况
    resolutions: Mapped[str] = mapped_column(Text, default="")           # 决议/决定, one per line
    pending: Mapped[str] = mapped_column(Text, default="")               # 遗留事项
    expected: Mapped[int] = mapped_column(default=0)
    present: Mapped[int] = mapped_column(default=0)
    voting_expected: Mapped[int] = mapped_column(default=0)
    voting_present: Mapped[int] = mapped_column(default=0)


class MeetingAttendee(Base):
    __tablename__ = "meeting_attendee"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("party_member.id"), index=True, default=None)
    name: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(4), default="出席")
    reason: Mapped[str] = mapped_column(String(200), default="")
    voting: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class Consultation(RecordMixin, Base):
    __tablename__ = "consultation"
    __table_args__ = (Index("ix_consultation_held_on", "held_on"),)

    topic: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(10), default="居民提出")
    source_visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"), index=True, default=None)
    source_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"), index=True, default=None)
    proposer: Mapped[str] = mapped_column(String(100), default="")
    held_on: Mapped[date | None] = mapped_column(default=None)
    place: Mapped[str] = mapped_column(String(200), default="")
    form: Mapped[str] = mapped_column(String(50), default="")            # 议事形式
    host: Mapped[str] = mapped_column(String(50), default="")
    expected: Mapped[int] = mapped_column(default=0)
    present: Mapped[int] = mapped_column(default=0)
    background: Mapped[str] = mapped_column(Text, default="")            # 情况说明
    process: Mapped[str] = mapped_column(Text, default="")               # 讨论意见/过程
    votes_for: Mapped[int | None] = mapped_column(default=None)
    votes_against: Mapped[int | None] = mapped_column(default=None)
    votes_abstain: Mapped[int | None] = mapped_column(default=None)
    outcome: Mapped[str] = mapped_column(String(6), default="")
    decision: Mapped[str] = mapped_column(Text, default="")
    executor: Mapped[str] = mapped_column(String(100), default="")       # 责任人/单位
    due_date: Mapped[date | None] = mapped_column(default=None)
    result: Mapped[str] = mapped_column(Text, default="")                # 落实结果
    result_date: Mapped[date | None] = mapped_column(default=None)
    decision_published_on: Mapped[date | None] = mapped_column(default=None)
    decision_published_how: Mapped[str] = mapped_column(String(100), default="")
    result_published_on: Mapped[date | None] = mapped_column(default=None)
    result_published_how: Mapped[str] = mapped_column(String(100), default="")
    satisfaction: Mapped[str] = mapped_column(String(6), default="")
    satisfaction_note: Mapped[str] = mapped_column(Text, default="")
    staged: Mapped[bool] = mapped_column(default=False)                  # 四议两公开


class ConsultationParticipant(Base):
    __tablename__ = "consultation_participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    side: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(default=0)


class ConsultationStage(RecordMixin, Base):
    __tablename__ = "consultation_stage"
    __table_args__ = (UniqueConstraint("consultation_id", "stage", name="uq_consultation_stage_step"),)

    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    stage: Mapped[int]                                                   # 1…6
    held_on: Mapped[date]
    form: Mapped[str] = mapped_column(String(50), default="")            # 会议形式 / 公开方式
    expected: Mapped[int | None] = mapped_column(default=None)
    present: Mapped[int | None] = mapped_column(default=None)
    votes_for: Mapped[int | None] = mapped_column(default=None)
    votes_against: Mapped[int | None] = mapped_column(default=None)
    content: Mapped[str] = mapped_column(Text, default="")
    passed: Mapped[bool | None] = mapped_column(default=None)
    officials: Mapped[str] = mapped_column(String(200), default="")      # 乡镇(街道)参会人员
    supervision: Mapped[str] = mapped_column(Text, default="")           # 监督意见 (steps 5, 6)


class ChecklistItem(RecordMixin, Base):
    __tablename__ = "checklist_item"
    __table_args__ = (Index("ix_checklist_item_status_deadline", "status", "deadline"),)

    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(10), default="其他")
    content: Mapped[str] = mapped_column(Text, default="")               # 工作任务(具体内容)
    measures: Mapped[str] = mapped_column(Text, default="")              # 工作措施
    source: Mapped[str] = mapped_column(String(10), default="其他")
    source_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"), index=True, default=None)
    source_consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultation.id"), index=True,
                                                               default=None)
    source_visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"), index=True, default=None)
    source_ref: Mapped[str] = mapped_column(String(200), default="")     # 文号 / 计划名称
    responsible_unit: Mapped[str] = mapped_column(String(100), default="")
    responsible_person: Mapped[str] = mapped_column(String(50), default="")
    collaborators: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date | None] = mapped_column(default=None)
    deadline: Mapped[date | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(4), default="未启动")
    completed_on: Mapped[date | None] = mapped_column(default=None)
    closed_on: Mapped[date | None] = mapped_column(default=None)         # 销号
    overdue_reason: Mapped[str] = mapped_column(Text, default="")        # 未按期完成的书面说明
    score: Mapped[int | None] = mapped_column(default=None)              # 考评 (0–100)
    evaluation: Mapped[str] = mapped_column(Text, default="")
    feedback: Mapped[str] = mapped_column(Text, default="")              # 群众评价
    satisfaction: Mapped[str] = mapped_column(String(6), default="")
    published_on: Mapped[date | None] = mapped_column(default=None)      # 公示


class ChecklistProgress(RecordMixin, Base):
    __tablename__ = "checklist_progress"

    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_item.id"), index=True)
    entry_date: Mapped[date]
    text: Mapped[str] = mapped_column(Text)
    percent: Mapped[int | None] = mapped_column(default=None)


class Attachment(RecordMixin, Base):
    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_owner", "owner_table", "owner_id"),)

    owner_table: Mapped[str] = mapped_column(String(30))
    owner_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10), default="其他")
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(255))               # relative to the attachments folder
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(String(200), default="")
