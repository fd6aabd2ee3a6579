"""Community (社区) and its grids (网格)."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commdesk.models.base import Base, RecordMixin


class Community(RecordMixin, Base):
    __tablename__ = "community"

    name: Mapped[str] = mapped_column(String(100))
    street_office: Mapped[str] = mapped_column(String(100), default="")
    district: Mapped[str] = mapped_column(String(100), default="")
    grids: Mapped[list[Grid]] = relationship(back_populates="community", order_by="Grid.code")


class Grid(RecordMixin, Base):
    __tablename__ = "grid"

    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), default="")
    name: Mapped[str] = mapped_column(String(100))
    leader: Mapped[str] = mapped_column(String(50), default="")
    workers: Mapped[str] = mapped_column(String(200), default="")
    community: Mapped[Community] = relationship(back_populates="grids")
