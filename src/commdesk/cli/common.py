"""What every command shares: the parser class, ``--db``, opening the database, and the one place
where an error becomes the one Chinese line the user reads (and the exit code scripts test)."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from commdesk.errors import UserError, classify_db_error
from commdesk.i18n import _

log = logging.getLogger("commdesk.cli")


class CommdeskParser(argparse.ArgumentParser):
    """Usage errors in one line (the reason and where to look), not the whole usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message}（{self.prog} --help 查看用法）\n")


def common_parent() -> argparse.ArgumentParser:
    """The options every sub-command takes (``parents=[...]``)."""
    common = CommdeskParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help=_("数据库：SQLite 文件路径或 SQLAlchemy URL（默认在用户数据目录）"))
    common.add_argument("--user", default=argparse.SUPPRESS,
                        help=_("登录用户名（数据库启用账号后必填；密码用 {env} 或在提示时输入）").format(env=PASSWORD_ENV))
    return common


PASSWORD_ENV = "COMMDESK_PASSWORD"
#: what each command needs of the logged-in account (a command not listed needs "edit")
PERMISSION_BY_COMMAND = {"demo": "edit", "import": "import", "export": "export", "report": "export",
                         "check": "view", "audit": "audit", "backup": "backup", "restore": "restore",
                         "search": "view", "user": "accounts", "migrate-db": "accounts",
                         "encrypt-db": "settings", "decrypt-db": "settings"}
_UNSET = object()


def account_password(prompt: str, confirm: bool = False) -> str:
    """A password from ``COMMDESK_PASSWORD``, else typed at the terminal (never echoed)."""
    value = os.environ.get(PASSWORD_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        raise UserError(_("需要密码：请设置环境变量 {env}，或在终端中运行以输入密码").format(env=PASSWORD_ENV))
    import getpass

    value = getpass.getpass(prompt)
    if confirm and getpass.getpass(_("再输入一次：")) != value:
        raise UserError(_("两次输入的密码不一致"))
    return value


def login_for(args: argparse.Namespace, permission: str | None = None) -> Any:
    """The account logged in with ``--user`` (checked once per command), or None on a database
    that has no accounts yet. On a database with accounts a missing or wrong login, or a role
    without ``permission`` (default: what the command needs), is a UserError."""
    from commdesk.models.base import acting_user

    me = getattr(args, "_login", _UNSET)
    if me is _UNSET:
        me = _login(args)
        args._login = me
        if me is not None:
            acting_user.set(me.name)
    if me is not None:
        me.require(permission or PERMISSION_BY_COMMAND.get(getattr(args, "command", None) or "", "edit"))
    return me


def _login(args: argparse.Namespace) -> Any:
    from commdesk.models.db import open_database, resolve_url
    from commdesk.services.accounts import has_accounts, login

    _url, path = resolve_url(getattr(args, "db", None))
    if path is not None and not path.exists():
        return None                       # a new database: no accounts yet
    readonly = bool(getattr(args, "readonly", False))   # e.g. a data folder that cannot be written
    with open_database(getattr(args, "db", None), create=False, readonly=readonly) as db, db.Session() as session:
        if not has_accounts(session):
            return None
        name = getattr(args, "user", None)
        if not name:
            raise UserError(_("此数据库已启用账号登录：请用 --user 指定用户名（密码用环境变量 {env} 或在提示时输入）").format(
                env=PASSWORD_ENV))
        return login(session, name, account_password(_("{user} 的密码：").format(user=name)), write=not readonly)


def open_db(args: argparse.Namespace, **kw: Any) -> Any:
    """The database named by ``--db`` (the default file when absent), after the login the command
    needs; ``kw`` go to ``open_database``."""
    from commdesk.models.db import open_database

    login_for(args)
    if getattr(args, "readonly", False):
        kw.update(readonly=True, create=False)
    return open_database(getattr(args, "db", None), **kw)


def full_values_check(args: argparse.Namespace, wanted: bool) -> str:
    """Full ID numbers and phones asked for: with accounts, only for an account granted them and
    with the reason typed (``--reason``); the reason ("" when masked)."""
    if not wanted:
        return ""
    me = login_for(args)
    reason = (getattr(args, "reason", None) or "").strip()
    if me is not None:
        me.require("full_values")
        if len(reason) < 2:
            raise UserError(_("导出完整身份证号和电话需要用 --reason 写明用途（例如：--reason 报送街道低保复核）"))
    return reason or _("（未启用账号）")


def record_full_values(db: Any, what: str, rows: int | None, reason: str) -> None:
    """The audit entry of an output with full values (see ``services.accounts``)."""
    from commdesk.services.accounts import record_full_values as record

    with db.Session() as session:
        record(session, what, rows, reason)
        session.commit()


def output_path(args: argparse.Namespace) -> Path:
    """``-o FILE``, required by every export."""
    if not getattr(args, "output", None):
        raise UserError(_("请用 -o 指定输出文件"))
    return Path(args.output)


def print_summary(args: argparse.Namespace, summary: Any) -> None:
    """An import's summary: JSON with ``--json``, else its Chinese lines."""
    if getattr(args, "json", False):
        print(json.dumps(summary.to_dict(), ensure_ascii=False, default=str))
    else:
        print("\n".join(summary.lines()))


def run_reporting_errors(func: Callable[[argparse.Namespace], int | None], args: argparse.Namespace) -> int:
    """Run one command: 0 on success; a user error, a database problem or Ctrl+C is one line on
    stderr and a non-zero code; anything else is logged with its traceback and reported in one line."""
    try:
        return int(func(args) or 0)
    except UserError as exc:
        print(f"commdesk: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(_("commdesk: 已取消"), file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - last line of defence: log, one line to the user
        user = classify_db_error(exc)
        if user is not None:
            print(f"commdesk: {user}", file=sys.stderr)
            return 1
        log.exception("unexpected error in command %s", getattr(args, "command", "gui"))
        from commdesk.paths import logs_dir

        print(_("commdesk: 内部错误（{kind}），详情已写入日志 {path}").format(
            kind=type(exc).__name__, path=logs_dir() / "commdesk.log"), file=sys.stderr)
        return 2
