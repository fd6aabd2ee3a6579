"""Command line: ``commdesk`` (GUI) and the sub-commands over the same services.

One module per command group, each with ``register(subparsers, common)``: :mod:`.gui`,
:mod:`.demo`, :mod:`.imports`, :mod:`.export`, :mod:`.report`, :mod:`.check`, :mod:`.audit`, :mod:`.backup`
(with restore), :mod:`.db_cipher` (encrypt-db, decrypt-db), :mod:`.search`, :mod:`.migrate_db`; :mod:`.party` is the Party registers' part of import and export. What they share
(``--db``, opening the database, error → one line) is in :mod:`.common`.

Every command takes ``--db`` (a SQLite path or an SQLAlchemy URL; default: the file in the user
data folder) and returns non-zero with a one-line reason on failure — never a traceback for a
user error. Unexpected errors are logged with their traceback and reported in one line.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from commdesk import __version__
from commdesk.cli import audit, backup, check, db_cipher, demo, export, gui, imports, migrate_db, report, search, user
from commdesk.cli import server_login
from commdesk.cli.common import CommdeskParser, common_parent, login_for, run_reporting_errors
from commdesk.errors import UserError
from commdesk.i18n import _

#: The command groups, in the order ``commdesk --help`` lists them.
COMMANDS = (gui, demo, export, check, audit, backup, db_cipher, imports, report, search, migrate_db, user)


def build_parser() -> argparse.ArgumentParser:
    common = common_parent()
    parser = CommdeskParser(prog="commdesk", parents=[common],
                            description=_("社区工作台：住户台账、党建、会议与责任清单"))
    parser.add_argument("--version", action="version", version=f"commdesk {__version__}")
    parser.add_argument("--readonly", action="store_true", help=_("以只读方式打开数据库"))
    parser.add_argument("--startup-probe", metavar="OUT.json", default=None, help=argparse.SUPPRESS)
    parser.set_defaults(func=gui.run)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in COMMANDS:
        group.register(sub, common)
    return parser


def _logged_in(func: Any) -> Any:
    """``func`` after the login its command needs (the GUI asks in a dialog; ``user`` commands
    log in themselves, the first account needing none; ``encrypt-db``/``decrypt-db`` after
    refusing a server database or a missing driver, which need no login to be said)."""
    if func is gui.run or getattr(func, "__module__", "") in (user.__name__, db_cipher.__name__):
        return func

    def run(args: argparse.Namespace) -> int | None:
        login_for(args)
        return func(args)
    run.__name__ = getattr(func, "__name__", "run")
    return run


def _reads_only(args: argparse.Namespace) -> bool:
    """Whether the command only reads the database (it may then run on a read-only open)."""
    command = getattr(args, "command", None)
    return (command == "audit" or (command == "search" and not args.full)
            or (command == "check" and not args.repair))


def _folder_checked(func: Any, args: argparse.Namespace) -> Any:
    """``func`` after the data-folder check (models.data_folder): in a folder that is read-only,
    on a network share or (nearly) full, a command that only reads runs on a read-only open (a
    note says why) and any other command is refused naming the folder. The GUI asks instead."""
    if func is gui.run or (getattr(args, "command", None) == "export" and (args.list or not args.ledger)):
        return func

    def run(args: argparse.Namespace) -> int | None:
        from commdesk.models.data_folder import check_data_folders

        fault = None if args.readonly else check_data_folders(args.db)
        if fault is not None:
            if not _reads_only(args):
                raise UserError(_("{fault}（这个命令要写入数据，没有执行。）").format(fault=fault))
            print(_("commdesk: 注意：{fault}（以只读方式执行。）").format(fault=fault), file=sys.stderr)
            args.readonly = True
        return func(args)
    run.__name__ = getattr(func, "__name__", "run")
    return run


def main(argv: list[str] | None = None) -> int:
    from commdesk.logsetup import setup_logging
    from commdesk.models.base import acting_user

    parser = build_parser()
    args = parser.parse_args(argv)
    args.db = getattr(args, "db", None)
    setup_logging()
    server_login.install()       # a server password: keyring, COMMDESK_DB_PASSWORD or the terminal
    db_cipher.install()          # an encrypted database whose keyring key is gone: the backup password
    token = acting_user.set("cli") if args.func is not gui.run else None
    try:
        return run_reporting_errors(_folder_checked(_logged_in(args.func), args), args)
    finally:
        if token is not None:
            acting_user.reset(token)
