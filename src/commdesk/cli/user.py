"""``commdesk user``: accounts.

    commdesk user add NAME --role admin|staff|readonly   (the first account: no login, must be admin)
    commdesk user list
    commdesk user reset-password NAME
    commdesk user unlock NAME
    commdesk user role NAME --role ROLE
    commdesk user grant-full NAME | revoke-full NAME
    commdesk user disable NAME
    commdesk --user NAME user change-password

The new password comes from ``COMMDESK_NEW_PASSWORD``, else ``COMMDESK_PASSWORD``, else a prompt
(typed twice). Everything but the first ``add`` needs an administrator's login (``--user``, the
password from ``COMMDESK_ADMIN_PASSWORD``, else ``COMMDESK_PASSWORD``, else a prompt).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from commdesk.cli.common import PASSWORD_ENV, account_password, login_for
from commdesk.errors import UserError
from commdesk.i18n import _

ADMIN_PASSWORD_ENV = "COMMDESK_ADMIN_PASSWORD"
NEW_PASSWORD_ENV = "COMMDESK_NEW_PASSWORD"


def _new_password(name: str) -> str:
    return os.environ.get(NEW_PASSWORD_ENV) or account_password(_("{user} 的新密码：").format(user=name), confirm=True)


def _admin(args: argparse.Namespace, session: Any) -> Any:
    """The administrator's login for a command that also takes a new password."""
    from commdesk.models.base import acting_user
    from commdesk.services.accounts import has_accounts, login

    if not has_accounts(session):
        return None
    if not getattr(args, "user", None):
        raise UserError(_("管理账号需要管理员登录：请用 --user 指定管理员（密码用 {env} 或在提示时输入）").format(
            env=ADMIN_PASSWORD_ENV))
    password = os.environ.get(ADMIN_PASSWORD_ENV) or os.environ.get(PASSWORD_ENV)
    if not password:
        if not sys.stdin.isatty():
            raise UserError(_("需要管理员密码：请设置环境变量 {env}，或在终端中运行以输入密码").format(env=ADMIN_PASSWORD_ENV))
        import getpass

        password = getpass.getpass(_("{user} 的密码：").format(user=args.user))
    me = login(session, args.user, password)
    me.require("accounts")
    acting_user.set(me.name)
    return me


def _db(args: argparse.Namespace) -> Any:
    from commdesk.models.db import open_database

    return open_database(getattr(args, "db", None))


def run_add(args: argparse.Namespace) -> int:
    from commdesk.services.accounts import add_account, has_accounts

    with _db(args) as db, db.Session() as session:
        first = not has_accounts(session)
        me = _admin(args, session)
        account = add_account(session, args.name, args.role, _new_password(args.name), me)
        session.commit()
        print((_("已创建第一个管理员账号 {name}；从现在起，打开此数据库需要登录") if first
               else _("已创建账号 {name}（{role}）")).format(name=account.name, role=account.role_name))
    return 0


def run_reset(args: argparse.Namespace) -> int:
    from commdesk.services.accounts import reset_password

    with _db(args) as db, db.Session() as session:
        me = _admin(args, session)
        if me is None:
            raise UserError(_("此数据库还没有账号"))
        reset_password(session, args.name, _new_password(args.name), me)
        session.commit()
    print(_("已重设 {name} 的密码（账号同时解锁）").format(name=args.name))
    return 0


def run_change(args: argparse.Namespace) -> int:
    """``user change-password``: the logged-in account's own password (the old one is the login's)."""
    from commdesk.services.accounts import change_own_password

    old = os.environ.get(PASSWORD_ENV) or account_password(_("原密码："))
    me = login_for(args, "view")
    if me is None:
        raise UserError(_("此数据库还没有账号"))
    with _db(args) as db, db.Session() as session:
        change_own_password(session, me, old, _new_password(me.name))
        session.commit()
    print(_("已修改 {name} 的密码").format(name=me.name))
    return 0


def _simple(action: str) -> Any:
    def run(args: argparse.Namespace) -> int:
        from commdesk.services import accounts

        me = login_for(args, "accounts")
        if me is None:
            raise UserError(_("此数据库还没有账号：先用 commdesk user add 名字 --role admin 创建管理员"))
        with _db(args) as db, db.Session() as session:
            if action == "unlock":
                accounts.unlock(session, args.name, me)
                done = _("已解锁 {name}")
            elif action == "role":
                accounts.set_role(session, args.name, args.role, me)
                done = _("已修改 {name} 的角色")
            elif action == "disable":
                accounts.disable(session, args.name, me)
                done = _("已停用 {name}")
            else:
                accounts.set_full_values(session, args.name, action == "grant-full", me)
                done = _("已允许 {name} 查看完整身份证号和电话") if action == "grant-full" else \
                    _("已收回 {name} 查看完整身份证号和电话的权限")
            session.commit()
        print(done.format(name=args.name))
        return 0
    return run


def run_list(args: argparse.Namespace) -> int:
    from commdesk.services.accounts import list_accounts

    login_for(args, "accounts")            # none needed while the database has no accounts
    with _db(args) as db, db.Session() as session:
        rows = list_accounts(session)
    if args.json:
        print(json.dumps([{"name": r.name, "role": r.role, "full_values": r.full_values, "state": r.state,
                           "last_login_at": r.last_login_at.isoformat() if r.last_login_at else None}
                          for r in rows], ensure_ascii=False))
        return 0
    if not rows:
        print(_("还没有账号（任何人都能打开此数据库）。创建管理员：commdesk user add 名字 --role admin"))
        return 0
    for r in rows:
        full = _("，可看完整身份证号") if r.full_values else ""
        last = r.last_login_at.strftime("%Y-%m-%d %H:%M") if r.last_login_at else _("从未登录")
        print(f"{r.name}\t{r.role_name}{full}\t{r.state}\t{_('上次登录')} {last}")
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("user", parents=[common], help=_("账号：添加、列出、重设密码、解锁"))
    actions = p.add_subparsers(dest="user_action", metavar="ACTION", required=True)
    a = actions.add_parser("add", parents=[common], help=_("添加账号（第一个账号必须是管理员）"))
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=("admin", "staff", "readonly"))
    a.set_defaults(func=run_add)
    ls = actions.add_parser("list", parents=[common], help=_("列出账号"))
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_list)
    r = actions.add_parser("reset-password", parents=[common], help=_("重设密码（新密码见 {env}）").format(env=PASSWORD_ENV))
    r.add_argument("name")
    r.set_defaults(func=run_reset)
    for action, text in (("unlock", _("解锁（多次输错密码被锁定的）账号")), ("disable", _("停用账号")),
                         ("grant-full", _("允许查看和导出完整身份证号和电话")),
                         ("revoke-full", _("收回查看完整身份证号和电话的权限"))):
        x = actions.add_parser(action, parents=[common], help=text)
        x.add_argument("name")
        x.set_defaults(func=_simple(action))
    cp = actions.add_parser("change-password", parents=[common], help=_("修改自己的密码（新密码见 COMMDESK_NEW_PASSWORD）"))
    cp.set_defaults(func=run_change)
    ro = actions.add_parser("role", parents=[common], help=_("修改账号的角色"))
    ro.add_argument("name")
    ro.add_argument("--role", required=True, choices=("admin", "staff", "readonly"))
    ro.set_defaults(func=_simple("role"))
