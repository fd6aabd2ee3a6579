"""User accounts: who may open the database, in which role, and the state of their logins.

A password is stored only as an Argon2id hash (``services.accounts`` makes and checks it); the
lockout state (failed logins in a row, locked until) lives with the account so it holds across
programs and PCs that share the database. Accounts are never deleted, only disabled, so the audit
trail's user names always point at one.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from commdesk.models.base import Base, now

#: role key → the name staff read
ROLES = {"admin": "管理员", "staff": "工作人员", "readonly": "只读"}


class Account(Base):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    #: granted by an administrator: may view and export full ID numbers and phones (each use audited)
    full_values: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=now)
    password_changed_at: Mapped[datetime] = mapped_column(default=now)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def role_name(self) -> str:
        return ROLES.get(self.role, self.role)
