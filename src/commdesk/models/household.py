"""Households (户), residents (居民) and the dated life events behind the monthly change figures."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commdesk.models.base import Base, RecordMixin, current_user, now
from commdesk.models.community import Grid

HOUSEHOLD_STATUSES = ("在住", "空挂", "迁出")
HOUSING_KINDS = ("自有", "租住", "借住", "其他")
HOUSEHOLD_TAGS = ("低保户", "特困户", "独居老人户", "空巢家庭", "残疾人家庭", "退役军人家庭", "流动人口户",
                  "军烈属")
RESIDENT_STATUSES = ("在住", "迁出", "死亡")
POLITICAL_STATUSES = ("中共党员", "中共预备党员", "共青团员", "民主党派", "群众")
RESIDENT_TAGS = ("低保", "特困供养", "独居老人", "空巢老人", "高龄老人", "残疾人", "退役军人", "留守儿童",
                 "重点优抚对象", "流动人口", "失能失智")
HUKOU_TYPES = ("户籍", "流动", "境外")
#: Relations to the head in the order a register lists them.
RELATIONS = ("户主", "配偶", "子", "女", "儿媳", "女婿", "孙子", "孙女", "外孙子", "外孙女", "父亲", "母亲",
             "岳父", "岳母", "公公", "婆婆", "兄弟", "姐妹", "祖父母", "其他")
RELATION_ORDER = {rel: i for i, rel in enumerate(RELATIONS)}
EVENT_KINDS = ("迁入", "迁出", "出生", "死亡", "户内迁移")
TAG_SEPARATOR = "、"


def join_tags(tags: list[str] | tuple[str, ...] | set[str]) -> str:
    """Canonical stored form: unique, sorted, joined with 、."""
    return TAG_SEPARATOR.join(sorted({t.strip() for t in tags if t and t.strip()}))


def split_tags(text: str | None) -> list[str]:
    return [t for t in (text or "").split(TAG_SEPARATOR) if t]


#: Endings that already say what a part is (8号楼, 3单元, 1601室): no 栋 / 单元 / 室 added after them.
#: ``models.search_index.TRI_BODY_SQL`` applies the same rule.
BUILDING_ENDS, UNIT_ENDS, ROOM_ENDS = ("栋", "楼", "幢", "座"), ("单元",), ("室", "号", "户")


def format_address(estate: str, building: str, unit: str, room: str, address: str = "") -> str:
    """The address as people write it: the register's own text, else 小区 + 栋 + 单元 + 室 (a part
    that already ends with its word keeps it once: 8号楼 + 3单元 → 8号楼3单元)."""
    if address:
        return address
    parts = [estate or "",
             building + ("" if building.endswith(BUILDING_ENDS) else "栋") if building else "",
             unit + ("" if unit.endswith(UNIT_ENDS) else "单元") if unit else "",
             room + ("" if room.endswith(ROOM_ENDS) else "室") if room else ""]
    return "".join(parts)


class Household(RecordMixin, Base):
    __tablename__ = "household"
    # status and archived_at make it covering for counts of live households by grid (the dashboard)
    __table_args__ = (Index("ix_household_grid_no", "grid_id", "household_no", "status", "archived_at"),)

    household_no: Mapped[str] = mapped_column(String(40), default="", index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)
    estate: Mapped[str] = mapped_column(String(100), default="")     # 小区 / 村组
    building: Mapped[str] = mapped_column(String(20), default="")    # 楼栋
    unit: Mapped[str] = mapped_column(String(20), default="")        # 单元
    room: Mapped[str] = mapped_column(String(20), default="")        # 室 / 门牌
    address: Mapped[str] = mapped_column(String(300), default="")    # full text as the register had it
    housing: Mapped[str] = mapped_column(String(10), default="自有")
    status: Mapped[str] = mapped_column(String(10), default="在住")
    tags: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    #: token shared by the household and the members archived together with it
    archive_batch: Mapped[str | None] = mapped_column(String(32), default=None)
    #: optimistic locking (several PCs on one server): every ORM update checks and bumps it
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    __mapper_args__ = {"version_id_col": version}

    grid: Mapped[Grid | None] = relationship()
    members: Mapped[list[Resident]] = relationship(back_populates="household",
                                                   order_by="(Resident.rel_order, Resident.id)")

    def display_address(self) -> str:
        return format_address(self.estate, self.building, self.unit, self.room, self.address)


class Resident(RecordMixin, Base):
    __tablename__ = "resident"
    __table_args__ = (
        # the ledger's walk in household order; status and archived_at make it covering for its
        # filters and for counting live residents (the dashboard)
        Index("ix_resident_order", "household_id", "rel_order", "id", "status", "archived_at"),
        Index("ix_resident_name_birth", "name", "birth_date"),
        # the dashboard's count of flagged residents (partial: holds only the few flagged ones). No
        # index on status: nearly every resident is 在住, and without ANALYZE SQLite would take such
        # an index for a selective one and walk it in the ledger's queries.
        Index("ix_resident_review", "review", sqlite_where=text("archived_at IS NULL AND review != ''")),
    )

    #: optimistic locking (several PCs on one server): every ORM update checks and bumps it
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    __mapper_args__ = {"version_id_col": version}

    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    name: Mapped[str] = mapped_column(String(50))
    former_name: Mapped[str] = mapped_column(String(50), default="")
    gender: Mapped[str] = mapped_column(String(2), default="")
    ethnicity: Mapped[str] = mapped_column(String(20), default="汉族")
    birth_date: Mapped[date | None] = mapped_column(default=None)
    #: A valid, normalised 18-character ID number only. Damaged values never go here.
    id_number: Mapped[str | None] = mapped_column(String(18), default=None, index=True)
    relation: Mapped[str] = mapped_column(String(10), default="")
    rel_order: Mapped[int] = mapped_column(default=99)
    political_status: Mapped[str] = mapped_column(String(10), default="群众")
    education: Mapped[str] = mapped_column(String(20), default="")
    work_unit: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    hukou_type: Mapped[str] = mapped_column(String(10), default="户籍")
    tags: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(10), default="在住")
    move_in_date: Mapped[date | None] = mapped_column(default=None)
    move_out_date: Mapped[date | None] = mapped_column(default=None)
    death_date: Mapped[date | None] = mapped_column(default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: Review flags (待核实), "code:reason" joined by newlines; empty when nothing to review.
    review: Mapped[str] = mapped_column(Text, default="")
    #: Search keys (pinyin), maintained by commdesk.models.search_index.
    py_initials: Mapped[str] = mapped_column(String(50), default="", index=True)
    py_full: Mapped[str] = mapped_column(String(200), default="", index=True)
    #: set when archived together with the household (see services.households.set_archived)
    archive_batch: Mapped[str | None] = mapped_column(String(32), default=None)

    household: Mapped[Household] = relationship(back_populates="members")

    def review_flags(self) -> list[str]:
        return [line for line in self.review.splitlines() if line]


class ResidentEvent(Base):
    """A dated life event: 迁入, 迁出, 出生, 死亡, 户内迁移 (moved to another household)."""

    __tablename__ = "resident_event"
    __table_args__ = (Index("ix_resident_event_date", "event_date", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    event_date: Mapped[date]
    from_household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), default=None)
    to_household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), default=None)
    place: Mapped[str] = mapped_column(String(200), default="")   # 迁入来源 / 迁出去向
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(default=now)
    recorded_by: Mapped[str] = mapped_column(String(64), default=current_user)

    resident: Mapped[Resident] = relationship()
