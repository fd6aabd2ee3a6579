"""Party organisation (党组织), members (党员), center households (党员中心户) and visits (走访).

- ``PartyOrg`` is one tree: 党委/党总支 → 党支部 → 党小组 (``parent_id``); grids are linked to
  their branch through ``PartyOrgGrid`` (a grid belongs to at most one branch).
- ``PartyMember`` links to a ``Resident`` when the member lives in the community; in-service
  members (在职党员报到) and mobile members (流动党员) who do not live here keep their own name,
  ID number and contact. Status changes are kept in ``PartyMemberEvent``.
- ``CenterHousehold`` is a member's household designated 党员中心户; ``CenterContact`` assigns a
  contact household (联系户) with from/to dates (history kept; at most one *open* assignment per
  household, enforced by a partial unique index); ``CenterMember`` links fellow members
  ("1+10+N": a center household with several members, each covering households).
- ``Visit`` is one 走访 record; a need raised (诉求) can later become a responsibility-checklist
  item: ``checklist_item_uuid`` holds that link (the checklist module owns the other side).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commdesk.models.base import Base, RecordMixin, current_user, now
from commdesk.models.community import Grid
from commdesk.models.household import Household, Resident

ORG_KINDS = ("党委", "党总支", "党支部", "党小组")
#: kinds a child of each kind may have
ORG_CHILD_KINDS = {"党委": ("党总支", "党支部"), "党总支": ("党支部",), "党支部": ("党小组",), "党小组": ()}
MEMBER_CATEGORIES = ("居住党员", "在职党员报到", "流动党员")
MEMBERSHIPS = ("正式党员", "预备党员")
MEMBER_STATUSES = ("正常", "外出流动", "失联", "已转出", "已去世")
PARTY_POSTS = ("", "书记", "副书记", "组织委员", "宣传委员", "纪检委员", "青年委员", "统战委员", "党小组长")
MEMBER_EVENT_KINDS = ("入党", "转正", "状态变更", "外出", "返回", "流动报告", "转入", "转出", "职务变更", "调整组织",
                      "登记")
CENTER_STATUSES = ("在册", "已撤销")
VISIT_METHODS = ("入户", "电话", "微信", "其他")
VISIT_KINDS = ("日常走访", "节庆慰问", "困难帮助", "生病看望", "喜事祝贺", "丧事吊唁")
NEED_STATUSES = ("无诉求", "待办理", "办理中", "已办结")


class PartyOrg(RecordMixin, Base):
    __tablename__ = "party_org"

    parent_id: Mapped[int | None] = mapped_column(ForeignKey("party_org.id"), index=True, default=None)
    kind: Mapped[str] = mapped_column(String(10), default="党支部")
    name: Mapped[str] = mapped_column(String(100))
    secretary: Mapped[str] = mapped_column(String(50), default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str] = mapped_column(Text, default="")


class PartyOrgGrid(Base):
    """A grid linked to its branch (网格党支部). One branch may hold several grids."""

    __tablename__ = "party_org_grid"

    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("party_org.id"), index=True)

    grid: Mapped[Grid] = relationship()


class PartyMember(RecordMixin, Base):
    __tablename__ = "party_member"
    __table_args__ = (Index("ix_party_member_name_birth", "name", "birth_date"),)

    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), index=True, default=None)
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[str] = mapped_column(String(2), default="")
    ethnicity: Mapped[str] = mapped_column(String(20), default="")
    birth_date: Mapped[date | None] = mapped_column(default=None)
    #: A valid, normalised 18-character ID number only; damaged cells go to ``review``.
    id_number: Mapped[str | None] = mapped_column(String(18), default=None, index=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    category: Mapped[str] = mapped_column(String(10), default="居住党员")
    org_id: Mapped[int | None] = mapped_column(ForeignKey("party_org.id"), index=True, default=None)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("party_org.id"), index=True, default=None)
    membership: Mapped[str] = mapped_column(String(10), default="正式党员")
    join_date: Mapped[date | None] = mapped_column(default=None)
    full_date: Mapped[date | None] = mapped_column(default=None)
    party_post: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[str] = mapped_column(String(10), default="正常")
    work_unit: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(300), default="")      # where a non-resident member lives
    # mobile members (流动党员)
    out_place: Mapped[str] = mapped_column(String(200), default="")
    out_date: Mapped[date | None] = mapped_column(default=None)
    out_reason: Mapped[str] = mapped_column(String(200), default="")
    out_contact: Mapped[str] = mapped_column(String(100), default="")
    last_report_date: Mapped[date | None] = mapped_column(default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: Review flags (待核实), "code:reason" per line, as on residents.
    review: Mapped[str] = mapped_column(Text, default="")

    resident: Mapped[Resident | None] = relationship()

    def review_flags(self) -> list[str]:
        return [line for line in self.review.splitlines() if line]


class PartyMemberEvent(Base):
    """A dated change of a member: status, membership, organisation, mobility, post."""

    __tablename__ = "party_member_event"
    __table_args__ = (Index("ix_party_member_event_date", "event_date", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("party_member.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    event_date: Mapped[date]
    old_value: Mapped[str] = mapped_column(String(200), default="")
    new_value: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(default=now)
    recorded_by: Mapped[str] = mapped_column(String(64), default=current_user)


class CenterHousehold(RecordMixin, Base):
    __tablename__ = "center_household"

    member_id: Mapped[int] = mapped_column(ForeignKey("party_member.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True, default=None)
    designated_on: Mapped[date | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(10), default="在册")
    ended_on: Mapped[date | None] = mapped_column(default=None)
    notes: Mapped[str] = mapped_column(Text, default="")

    member: Mapped[PartyMember] = relationship()
    household: Mapped[Household] = relationship()


class CenterContact(RecordMixin, Base):
    """A contact household (联系户) of a center household, from ``start_date`` to ``end_date``."""

    __tablename__ = "center_contact"
    __table_args__ = (
        # the schema itself comes from the migrations (0003 also gives PostgreSQL its partial
        # index); naming postgresql_where here would import the PostgreSQL dialect at start-up
        Index("ix_center_contact_open_household", "household_id", unique=True,
              sqlite_where=text("end_date IS NULL AND archived_at IS NULL")),
        Index("ix_center_contact_center", "center_id", "end_date"),
    )

    center_id: Mapped[int] = mapped_column(ForeignKey("center_household.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    #: the fellow member covering this household ("1+10+N"), optional
    member_id: Mapped[int | None] = mapped_column(ForeignKey("party_member.id"), index=True, default=None)
    start_date: Mapped[date]
    end_date: Mapped[date | None] = mapped_column(default=None)
    end_reason: Mapped[str] = mapped_column(String(100), default="")


class CenterMember(RecordMixin, Base):
    """A fellow member linked to a center household ("1+10+N")."""

    __tablename__ = "center_member"
    __table_args__ = (Index("ix_center_member_center", "center_id", "end_date"),)

    center_id: Mapped[int] = mapped_column(ForeignKey("center_household.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("party_member.id"), index=True)
    start_date: Mapped[date]
    end_date: Mapped[date | None] = mapped_column(default=None)


class Visit(RecordMixin, Base):
    __tablename__ = "visit"
    __table_args__ = (
        Index("ix_visit_household_date", "household_id", "visit_date"),
        Index("ix_visit_date", "visit_date"),
        # a center household's latest visit (the dashboard's idle centers), live visits only
        Index("ix_visit_center_date", "center_id", "visit_date", sqlite_where=text("archived_at IS NULL")),
    )

    visit_date: Mapped[date]
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    center_id: Mapped[int | None] = mapped_column(ForeignKey("center_household.id"), index=True, default=None)
    visitor_member_id: Mapped[int | None] = mapped_column(ForeignKey("party_member.id"), index=True, default=None)
    visitor: Mapped[str] = mapped_column(String(100), default="")      # who visited (names as written)
    method: Mapped[str] = mapped_column(String(10), default="入户")
    kind: Mapped[str] = mapped_column(String(10), default="日常走访")
    findings: Mapped[str] = mapped_column(Text, default="")            # 了解情况
    needs: Mapped[str] = mapped_column(Text, default="")               # 诉求
    handling: Mapped[str] = mapped_column(Text, default="")            # 办理/反馈情况
    follow_up: Mapped[str] = mapped_column(Text, default="")           # 后续计划
    need_status: Mapped[str] = mapped_column(String(10), default="无诉求")
    #: the responsibility-checklist item this need became (uuid of that record), when it exists
    checklist_item_uuid: Mapped[str | None] = mapped_column(String(32), default=None, index=True)

    household: Mapped[Household] = relationship()


class PartyGridStat(Base):
    """Live households and covered households per grid (``grid_key`` = grid id, 0 for none).

    Kept exact by SQLite triggers on household, center_contact and center_household (created by
    migration 0003), so the coverage view reads a few hundred rows instead of scanning 100,000
    households. ``commdesk.services.coverage.rebuild_grid_stats`` recomputes it from scratch.
    """

    __tablename__ = "party_grid_stat"

    grid_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    households: Mapped[int] = mapped_column(default=0)
    covered: Mapped[int] = mapped_column(default=0)
