"""Two kinds of failure: ``UserError`` (the user can fix it; a calm Chinese message) and bugs.

SQLite's errors are classified here so that a full disk, a read-only file, a locked or a
damaged database reach the user as a sentence, never as a traceback. Messages never contain
residents' ID numbers or phone numbers.
"""
from __future__ import annotations

import sqlite3

from commdesk.i18n import _


class UserError(Exception):
    """Something the user can understand and fix. ``str(err)`` is the message to show."""

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return self.message


class DatabaseLocked(UserError):
    """Another commdesk holds this database."""


class DatabaseTooNew(UserError):
    """The file was written by a newer commdesk."""


class DatabaseDamaged(UserError):
    """The file is not a usable commdesk database."""


class ValidationError(UserError):
    """A form value is invalid. ``field`` names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _root(exc: BaseException) -> BaseException:
    orig = getattr(exc, "orig", None)
    return orig if isinstance(orig, BaseException) else exc


def classify_db_error(exc: BaseException) -> UserError | None:
    """Map a database exception to a UserError, or None when it is a bug."""
    root = _root(exc)
    if not isinstance(root, (sqlite3.Error, OSError)):
        return None
    text = str(root).lower()
    if "disk is full" in text or "database or disk is full" in text or getattr(root, "errno", None) == 28:
        return UserError(_("磁盘空间已满，本次修改未保存。请清理磁盘后重试。"))
    if "readonly" in text or "read-only" in text or "attempt to write a readonly" in text:
        return UserError(_("数据库文件是只读的（或所在磁盘只读），本次修改未保存。"))
    if "database is locked" in text or "database table is locked" in text:
        return UserError(_("数据库正被其他程序占用，请稍后重试。"))
    if "malformed" in text or "not a database" in text or "file is encrypted" in text:
        return DatabaseDamaged(_("数据库文件已损坏或不是 commdesk 数据库。请从备份恢复或打开其他文件。"))
    if "unable to open" in text:
        return UserError(_("无法打开数据库文件，请检查路径和权限。"))
    return None
