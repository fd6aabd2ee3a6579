"""Declarative base and the columns every record carries.

Every record has an integer primary key (fast joins, compact indexes, cheap id lists for the
lazy table models) and a stable UUID (for exchange with other systems and for the audit trail),
created/updated timestamps, who changed it last, and ``archived_at`` instead of deletion.
"""
from __future__ import annotations

import contextvars
import uuid
from datetime import datetime

from sqlalchemy import MetaData, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Who is acting (user name). Set by the CLI for a command ("cli", or the logged-in account);
#: the GUI sets the process-wide default after its login (its database thread sees that too).
acting_user: contextvars.ContextVar[str] = contextvars.ContextVar("acting_user")
_PROCESS_USER = ["system"]


def set_process_user(name: str) -> None:
    """Who works in this process from now on, on every thread (the GUI after a login)."""
    _PROCESS_USER[0] = name


def new_uuid() -> str:
    return uuid.uuid4().hex


def now() -> datetime:
    """Local wall-clock time, second precision (offices think in local time)."""
    return datetime.now().replace(microsecond=0)


def current_user() -> str:
    return acting_user.get(_PROCESS_USER[0])


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class RecordMixin:
    """UUID, timestamps, last editor and soft deletion."""

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), default=new_uuid, unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now, server_default=func.current_timestamp())
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now,
                                                 server_default=func.current_timestamp())
    updated_by: Mapped[str] = mapped_column(String(64), default=current_user, onupdate=current_user,
                                            server_default="system")
    archived_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def archived(self) -> bool:
        return self.archived_at is not None
