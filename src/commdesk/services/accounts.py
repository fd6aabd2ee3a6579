"""Accounts and logins: Argon2id password hashes, roles and what each may do, lockout after
failed logins, and an audit entry for every login, failure, lock, unlock and reset.

Nothing here knows about Qt or argparse: the GUI's login dialog and the CLI's ``--user`` both
call :func:`login`. There is no recovery backdoor: a forgotten password is reset by an
administrator; a forgotten administrator password means restoring a backup made before.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.models.account import ROLES, Account
from commdesk.models.audit import audit_event
from commdesk.models.base import now

#: Argon2id parameters (RFC 9106's second recommendation, lighter on memory for old office PCs):
#: 3 passes over 64 MiB with 2 lanes, 16-byte salt, 32-byte hash — about 0.1–0.3 s per login.
ARGON2 = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 2, "hash_len": 32, "salt_len": 16}
_HASHER = PasswordHasher(type=Type.ID, **ARGON2)
MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_LENGTH = 8
#: a role's permissions; ``full_values`` (full ID numbers and phones) is granted per account
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"view", "edit", "import", "export", "backup", "restore", "accounts", "settings", "audit"}),
    "staff": frozenset({"view", "edit", "import", "export", "backup"}),
    "readonly": frozenset({"view"}),
}
PERMISSION_NAMES = {"view": _("查看"), "edit": _("修改"), "import": _("导入"), "export": _("导出"),
                    "backup": _("备份"), "restore": _("恢复备份"), "accounts": _("管理账号"),
                    "settings": _("修改设置"), "audit": _("查看审计记录"), "full_values": _("查看完整身份证号和电话")}
_COMMON = {"12345678", "123456789", "1234567890", "87654321", "11111111", "88888888", "00000000", "password",
           "password1", "qwertyuiop", "qwerty123", "abc12345", "abcd1234", "a1234567", "iloveyou", "admin123",
           "admin888", "woaini1314", "1qaz2wsx", "zxcvbnm123", "commdesk", "commdesk1"}
_NAME = re.compile(r"^[\w\u4e00-\u9fff.\-]{1,64}$")


@dataclass(frozen=True)
class LoggedIn:
    """Who is working: the account's name, role and whether full values were granted."""

    name: str
    role: str
    full_values: bool

    def may(self, permission: str) -> bool:
        if permission == "full_values":
            return self.full_values
        return permission in PERMISSIONS.get(self.role, frozenset())

    @property
    def role_name(self) -> str:
        return ROLES.get(self.role, self.role)

    def require(self, permission: str) -> None:
        if not self.may(permission):
            raise UserError(_("用户“{user}”（{role}）没有“{what}”的权限，请找管理员").format(
                user=self.name, role=self.role_name, what=PERMISSION_NAMES.get(permission, permission)))


def has_accounts(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Account)))


def check_strength(password: str, name: str = "") -> None:
    """A password strong enough for residents' data, or a UserError saying what is missing."""
    if len(password) < MIN_LENGTH:
        raise UserError(_("密码太短：至少 {n} 位").format(n=MIN_LENGTH))
    kinds = sum(bool(re.search(p, password)) for p in (r"[A-Za-z]", r"\d", r"[^A-Za-z\d]"))
    if kinds < 2:
        raise UserError(_("密码太简单：请同时使用字母、数字、符号中的至少两种"))
    lowered = password.lower()
    if len(set(password)) <= 2 or lowered in _COMMON or (name and name.lower() in lowered):
        raise UserError(_("密码太容易被猜到（常见密码或含用户名），请换一个"))


def _hash(password: str) -> str:
    return _HASHER.hash(password)


def _check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.fullmatch(name):
        raise UserError(_("用户名“{name}”不可用：1–64 个汉字、字母、数字或 . - _").format(name=name[:64]))
    return name


def _role(role: str) -> str:
    if role not in ROLES:
        raise UserError(_("未知角色：{role}（可用：admin 管理员、staff 工作人员、readonly 只读）").format(role=role))
    return role


def add_account(session: Session, name: str, role: str, password: str, by: LoggedIn | None) -> Account:
    """A new account. The database's first account must be an administrator and needs no login;
    after that only an administrator adds accounts."""
    name, role = _check_name(name), _role(role)
    first = not has_accounts(session)
    if first:
        if role != "admin":
            raise UserError(_("这是数据库的第一个账号，必须是管理员（--role admin）"))
    else:
        if by is None:
            raise UserError(_("添加账号需要管理员登录"))
        by.require("accounts")
    if session.scalar(select(Account).where(func.lower(Account.name) == name.lower())) is not None:
        raise UserError(_("用户名“{name}”已经存在").format(name=name))
    check_strength(password, name)
    account = Account(name=name, role=role, password_hash=_hash(password), full_values=False)
    session.add(account)
    session.flush()
    audit_event(session, "account_add", _("新建账号 {name}（{role}）").format(name=name, role=ROLES[role]),
                table_name="account", record_id=account.id, user=by.name if by else name)
    return account


def _account(session: Session, name: str) -> Account:
    account = session.scalar(select(Account).where(Account.name == name))
    if account is None:
        raise UserError(_("没有用户“{name}”").format(name=name[:64]))
    return account


def login(session: Session, name: str, password: str, *, clock: Callable[[], datetime] = now,
          write: bool = True) -> LoggedIn:
    """Check a login (committing its audit entry and the lockout state whatever the outcome).

    Wrong name and wrong password read the same; after ``MAX_FAILURES`` failures in a row the
    account is locked for ``LOCK_MINUTES`` minutes, even for the right password. ``write=False``
    (a database opened read-only): checked the same, nothing recorded."""
    if not write:
        return _check_only(session, name, password, clock())
    at = clock()
    account = session.scalar(select(Account).where(Account.name == name.strip()))
    wrong = UserError(_("用户名或密码不正确"))
    if account is None or account.disabled_at is not None:
        audit_event(session, "login_failed", _("登录失败：用户名 {name} 不存在或已停用").format(name=name[:40]),
                    table_name="account", user=name[:64] or "?")
        session.commit()
        raise wrong
    if account.locked_until is not None and account.locked_until > at:
        audit_event(session, "login_failed", _("登录失败：账号已锁定"), table_name="account",
                    record_id=account.id, user=account.name)
        session.commit()
        raise UserError(_("账号“{name}”因多次输错密码已锁定，请在 {until} 后再试，或请管理员解锁").format(
            name=account.name, until=account.locked_until.strftime("%H:%M")))
    try:
        _HASHER.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        account.failed_logins = (account.failed_logins or 0) + 1
        audit_event(session, "login_failed", _("登录失败：密码错误（连续第 {n} 次）").format(n=account.failed_logins),
                    table_name="account", record_id=account.id, user=account.name)
        if account.failed_logins >= MAX_FAILURES:
            account.locked_until = at + timedelta(minutes=LOCK_MINUTES)
            account.failed_logins = 0
            audit_event(session, "account_locked", _("连续 {n} 次输错密码，账号锁定 {m} 分钟").format(
                n=MAX_FAILURES, m=LOCK_MINUTES), table_name="account", record_id=account.id, user=account.name)
            session.commit()
            raise UserError(_("连续 {n} 次输错密码，账号“{name}”已锁定 {m} 分钟").format(
                n=MAX_FAILURES, name=account.name, m=LOCK_MINUTES)) from None
        session.commit()
        left = MAX_FAILURES - account.failed_logins
        raise UserError(_("用户名或密码不正确（再错 {n} 次账号将锁定 {m} 分钟）").format(n=left, m=LOCK_MINUTES)) from None
    if _HASHER.check_needs_rehash(account.password_hash):
        account.password_hash = _hash(password)
    account.failed_logins, account.locked_until, account.last_login_at = 0, None, at
    audit_event(session, "login", _("登录（{role}）").format(role=account.role_name), table_name="account",
                record_id=account.id, user=account.name)
    session.commit()
    return LoggedIn(account.name, account.role, bool(account.full_values))


def _check_only(session: Session, name: str, password: str, at: datetime) -> LoggedIn:
    account = session.scalar(select(Account).where(Account.name == name.strip()))
    if account is None or account.disabled_at is not None:
        raise UserError(_("用户名或密码不正确"))
    if account.locked_until is not None and account.locked_until > at:
        raise UserError(_("账号“{name}”因多次输错密码已锁定，请在 {until} 后再试，或请管理员解锁").format(
            name=account.name, until=account.locked_until.strftime("%H:%M")))
    try:
        _HASHER.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise UserError(_("用户名或密码不正确")) from None
    return LoggedIn(account.name, account.role, bool(account.full_values))


def reset_password(session: Session, name: str, password: str, by: LoggedIn) -> None:
    """An administrator sets a new password (also unlocks the account)."""
    by.require("accounts")
    account = _account(session, name)
    check_strength(password, account.name)
    account.password_hash = _hash(password)
    account.password_changed_at = now()
    account.failed_logins, account.locked_until = 0, None
    audit_event(session, "password_reset", _("管理员 {by} 重设了 {name} 的密码").format(by=by.name, name=account.name),
                table_name="account", record_id=account.id, user=by.name)


def change_own_password(session: Session, me: LoggedIn, old: str, new: str) -> None:
    account = _account(session, me.name)
    try:
        _HASHER.verify(account.password_hash, old)
    except (VerificationError, InvalidHashError):
        raise UserError(_("原密码不正确")) from None
    check_strength(new, account.name)
    account.password_hash = _hash(new)
    account.password_changed_at = now()
    audit_event(session, "password_change", _("修改了自己的密码"), table_name="account", record_id=account.id,
                user=me.name)


def unlock(session: Session, name: str, by: LoggedIn) -> None:
    by.require("accounts")
    account = _account(session, name)
    account.failed_logins, account.locked_until = 0, None
    audit_event(session, "account_unlock", _("管理员 {by} 解锁了 {name}").format(by=by.name, name=account.name),
                table_name="account", record_id=account.id, user=by.name)


def set_role(session: Session, name: str, role: str, by: LoggedIn) -> None:
    by.require("accounts")
    account = _account(session, name)
    role = _role(role)
    if account.role == "admin" and role != "admin" and _admins(session) <= 1:
        raise UserError(_("“{name}”是唯一的管理员，不能改为其他角色").format(name=account.name))
    old, account.role = account.role, role
    audit_event(session, "account_role", _("{name} 的角色：{old} → {new}").format(
        name=account.name, old=ROLES.get(old, old), new=ROLES[role]), table_name="account", record_id=account.id,
        user=by.name)


def set_full_values(session: Session, name: str, allowed: bool, by: LoggedIn) -> None:
    """Grant or withdraw the permission to view and export full ID numbers and phones."""
    by.require("accounts")
    account = _account(session, name)
    account.full_values = allowed
    audit_event(session, "grant_full" if allowed else "revoke_full",
                (_("允许 {name} 查看完整身份证号和电话") if allowed else _("收回 {name} 查看完整身份证号和电话的权限")).format(
                    name=account.name), table_name="account", record_id=account.id, user=by.name)


def disable(session: Session, name: str, by: LoggedIn) -> None:
    by.require("accounts")
    account = _account(session, name)
    if account.name == by.name:
        raise UserError(_("不能停用自己正在使用的账号"))
    if account.role == "admin" and _admins(session) <= 1:
        raise UserError(_("“{name}”是唯一的管理员，不能停用").format(name=account.name))
    account.disabled_at = now()
    audit_event(session, "account_disable", _("停用账号 {name}").format(name=account.name), table_name="account",
                record_id=account.id, user=by.name)


def _admins(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Account).where(
        Account.role == "admin", Account.disabled_at.is_(None))) or 0)


@dataclass(frozen=True)
class AccountRow:
    name: str
    role: str
    role_name: str
    full_values: bool
    state: str
    last_login_at: datetime | None


def list_accounts(session: Session, *, clock: Callable[[], datetime] = now) -> list[AccountRow]:
    at = clock()
    rows = []
    for a in session.scalars(select(Account).order_by(Account.id)):
        if a.disabled_at is not None:
            state = _("已停用")
        elif a.locked_until is not None and a.locked_until > at:
            state = _("锁定至 {t}").format(t=a.locked_until.strftime("%H:%M"))
        else:
            state = _("正常")
        rows.append(AccountRow(a.name, a.role, a.role_name, bool(a.full_values), state, a.last_login_at))
    return rows


def record_full_values(session: Session, what: str, rows: int | None, reason: str) -> None:
    """The audit entry of a view or output with full ID numbers and phones (who, what, how many
    rows, why). Callers check the permission and that a reason was typed first."""
    count = "" if rows is None else _("，{n} 行").format(n=rows)
    audit_event(session, "full_values", _("{what}（完整身份证号和电话{n}）用途：{reason}").format(
        what=what, n=count, reason=reason.strip()[:120]))
