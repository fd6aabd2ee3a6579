"""Two kinds of failure: ``UserError`` (the user can fix it; a calm Chinese message) and bugs.

SQLite's errors are classified here so that a full disk, a read-only file, a locked or a
damaged database reach the user as a sentence, never as a traceback; so are a PostgreSQL
server's (unreachable, wrong password, connection lost, conflicting writers), recognised by the
driver's SQLSTATE without importing it. Messages never contain
residents' ID numbers or phone numbers.
"""
from __future__ import annotations

import sqlite3

from commdesk.i18n import _


def disk_full(exc: BaseException) -> bool:
    """An OSError or an SQLite error that means the disk took no more: full, a quota, a file size
    limit, or a write error (a failing or pulled-out stick reports disk I/O errors)."""
    import errno

    text = str(exc).lower()
    return getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO) \
        or "full" in text or "too large" in text or "disk i/o" in text


def write_failure(exc: BaseException) -> str:
    """Why a file could not be written, in Chinese, from an OSError or an SQLite error: a full
    disk (:func:`disk_full`), a read-only disk, no permission, a missing folder; else the
    system's own words."""
    import errno

    code = getattr(exc, "errno", None)
    text = str(exc).lower()
    if disk_full(exc):
        return _("磁盘空间不足或写入磁盘出错")
    if code == errno.EROFS or "read-only" in text or "readonly" in text:
        return _("磁盘是只读的")
    if code in (errno.EACCES, errno.EPERM) or "permission" in text:
        return _("没有写入权限")
    if code == errno.ENOENT:
        return _("文件夹不存在")
    return str(getattr(exc, "strerror", None) or exc or type(exc).__name__)


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
    if type(root).__name__ == "PendingRollbackError":
        # raised by a clean-up statement after the connection broke: the cause is the error before it
        earlier = exc.__context__ or exc.__cause__
        if earlier is not None and earlier is not exc:
            return classify_db_error(earlier)
    if type(root).__name__ == "StaleDataError":   # sqlalchemy.orm: the row's version moved on
        return UserError(_("这条记录刚刚被其他人修改并保存了，您的修改没有保存。请重新打开后再改。"))
    if type(root).__module__.split(".")[0] == "psycopg":
        return _classify_server_error(root)
    sqlcipher = type(root).__module__.split(".")[0] == "sqlcipher3"   # the encrypted file's driver (models.db_cipher)
    if not isinstance(root, (sqlite3.Error, OSError)) and not sqlcipher:
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


#: PostgreSQL error classes (SQLSTATE) a user can act on.
_LOST = ("57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004")


def _classify_server_error(root: BaseException) -> UserError | None:
    """A PostgreSQL (psycopg) error → a sentence; None for a bug (bad SQL, a constraint we broke)."""
    state = getattr(root, "sqlstate", None) or ""
    text = str(root).lower()
    if "password authentication failed" in text or "no password supplied" in text or state == "28P01":
        return UserError(_("数据库服务器拒绝登录：用户名或密码不对。请向管理员确认后重试。"))
    if state.startswith("28") or "no pg_hba.conf entry" in text:
        return UserError(_("数据库服务器不允许这台电脑用这个账号登录（或要求加密连接）。请向服务器管理员确认。"))
    if state == "3D000" or ("database" in text and "does not exist" in text):
        return UserError(_("服务器上没有这个数据库，请检查地址中的数据库名。"))
    if state in ("40001", "40P01"):
        return UserError(_("其他电脑同时修改了同样的数据，本次修改未保存。请重试。"))
    if state in ("55P03", "57014"):
        return UserError(_("数据正被其他电脑占用，等待超时，本次修改未保存。请稍后重试。"))
    if state in ("53100",):
        return UserError(_("数据库服务器磁盘已满，本次修改未保存。请联系服务器管理员。"))
    if state in ("53300",):
        return UserError(_("数据库服务器连接数已满，请稍后重试或联系服务器管理员。"))
    if "ssl" in text and ("required" in text or "not support" in text or "unsupported" in text):
        return UserError(_("无法建立加密连接：服务器和本机的加密设置（sslmode）不一致。请向管理员确认。"))
    if state in _LOST or "server closed the connection" in text or "terminating connection" in text \
            or "connection is lost" in text or "consuming input failed" in text or "connection is closed" in text:
        return UserError(_("与数据库服务器的连接中断了，本次操作没有保存（已全部撤回）。请检查网络和服务器后重试。"))
    if "connection refused" in text or "could not connect" in text or "could not translate host name" in text \
            or "timeout expired" in text or "no route to host" in text or "connection failed" in text \
            or "name or service not known" in text or "is the server running" in text:
        return UserError(_("连接不上数据库服务器：请检查服务器是否开着、网络是否连通、地址和端口是否正确。"))
    return None
