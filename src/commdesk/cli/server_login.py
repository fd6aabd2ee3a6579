"""The command line's part of a server password (``models.connection``): typed at the terminal
(never echoed, on a terminal only), optionally kept in the OS keyring; the once-per-server warning
about a password written in ``--db`` in clear, on stderr."""
from __future__ import annotations

import sys

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.models import connection


def prompt(request: connection.PasswordRequest) -> tuple[str, bool] | None:
    """``getpass`` on a terminal; without one a UserError saying how else to give it."""
    if not sys.stdin.isatty():
        raise UserError(request.error or connection.no_password_message())
    import getpass

    if request.error:
        print(f"commdesk: {request.error}", file=sys.stderr)
    password = getpass.getpass(_("数据库服务器 {key} 的密码：").format(key=request.address.key))
    if not password:
        return None
    remember = False
    if request.can_remember:
        answer = input(_("保存到系统凭据管理器，下次不再询问？[y/N] ")).strip().lower()
        remember = answer in ("y", "yes", "是")
    return password, remember


def notice(address: connection.ServerAddress) -> None:
    print("commdesk: " + connection.clear_password_warning(address), file=sys.stderr)


def install() -> None:
    """For the rest of this process (one command)."""
    connection.set_password_prompt(prompt)
    connection.set_clear_password_notice(notice)
