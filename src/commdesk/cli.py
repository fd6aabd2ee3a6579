"""Command line: ``commdesk`` (GUI) and the sub-commands over the same services.

Every command takes ``--db`` (a SQLite path or an SQLAlchemy URL; default: the file in the user
data folder) and returns non-zero with a one-line reason on failure — never a traceback for a
user error. Unexpected errors are logged with their traceback and reported in one line.
"""
from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from commdesk import __version__
from commdesk.errors import UserError, classify_db_error
from commdesk.i18n import _

log = logging.getLogger("commdesk.cli")

#: Modules that add their own sub-commands with ``register(subparsers, common)``.
PLUGINS = ("commdesk.importers.command", "commdesk.reports.command")


class CommdeskParser(argparse.ArgumentParser):
    """Usage errors in one line (the reason and where to look), not the whole usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message}（{self.prog} --help 查看用法）\n")


def _common() -> argparse.ArgumentParser:
    common = CommdeskParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help=_("数据库：SQLite 文件路径或 SQLAlchemy URL（默认在用户数据目录）"))
    return common


def _open(args: argparse.Namespace, **kw: object) -> object:
    from commdesk.models.db import open_database

    return open_database(args.db, **kw)  # type: ignore[arg-type]


def cmd_gui(args: argparse.Namespace) -> int:
    from commdesk.ui.app import run_gui

    return run_gui(args.db, readonly=getattr(args, "readonly", False))


def cmd_demo(args: argparse.Namespace) -> int:
    from commdesk.services.demo_full import generate_full_demo

    with _open(args) as db:  # type: ignore[attr-defined]
        summary = generate_full_demo(db, households=args.households, seed=args.seed)
    print(json.dumps(summary, ensure_ascii=False, default=str))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    if args.list or not args.ledger:
        from commdesk.reports.command import list_text

        print(_("residents  居民信息（json/csv/xlsx，供其他系统使用）"))
        print(list_text())
        print(_("json 格式另有：{keys}").format(keys="、".join(JSON_EXPORTS)))
        return 0
    if args.format == "json" and args.ledger in JSON_EXPORTS:
        if not args.output:
            raise UserError(_("请用 -o 指定输出文件"))
        with _open(args, create=False) as db:  # type: ignore[attr-defined]
            n = JSON_EXPORTS[args.ledger](db, args.ledger, Path(args.output))
        print(_("已导出 {n} 条记录到 {path}").format(n=n, path=args.output))
        return 0
    if args.ledger == "residents":
        from commdesk.services.export_residents import export_residents

        fmt = args.format or "json"
        if not args.output:
            raise UserError(_("请用 -o 指定输出文件"))
        with _open(args, create=False) as db:  # type: ignore[attr-defined]
            with db.Session() as session:
                n = export_residents(session, fmt, Path(args.output))
        print(_("已导出 {n} 名居民到 {path}").format(n=n, path=args.output))
        return 0
    from commdesk.reports.command import run_export

    return run_export(args)


def _party_json(db: Any, key: str, out: Path) -> int:
    from commdesk.reports.party_json import export_party

    with db.Session() as session:
        return export_party(session, key, "json", out)


def _meeting_json(db: Any, key: str, out: Path) -> int:
    from commdesk.reports.meetings_json import export_json

    return export_json(db, key, out)


#: ``export KEY --format json`` for other systems (the ledgers themselves are xlsx/pdf).
JSON_EXPORTS: dict[str, Callable[[Any, str, Path], int]] = {
    "party-members": _party_json, "center-households": _party_json,
    "meetings": _meeting_json, "consultations": _meeting_json, "checklist": _meeting_json,
}


def cmd_check(args: argparse.Namespace) -> int:
    from commdesk.services.integrity import check_database, repair_search_index

    with _open(args, create=False) as db:  # type: ignore[attr-defined]
        if args.repair:
            with db.engine.begin() as conn:
                n = repair_search_index(conn)
            print(_("已重建搜索索引：{n} 名居民").format(n=n))
        with db.engine.connect() as conn:
            report = check_database(conn)
    for key, value in report.figures.items():
        print(f"{key}: {value}")
    if report.ok:
        print(_("检查通过：数据库完整"))
        return 0
    for problem in report.problems:
        print(problem, file=sys.stderr)
    return 1


def cmd_backup(args: argparse.Namespace) -> int:
    from commdesk.models.backup import backup_database

    with _open(args, create=False) as db:  # type: ignore[attr-defined]
        target = backup_database(db, reason="manual", dest_dir=Path(args.output) if args.output else None)
    print(_("已备份到 {path}").format(path=target))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from commdesk.models.db import resolve_url
    from commdesk.models.lock import InstanceLock
    from commdesk.models.backup import restore_backup

    _url, path = resolve_url(args.db)
    if path is None:
        raise UserError(_("只能恢复本机 SQLite 数据库"))
    lock = InstanceLock(path)
    lock.acquire()
    try:
        safety = restore_backup(Path(args.backup), path)
    finally:
        lock.release()
    print(_("已从备份恢复。恢复前的数据库已另存为 {path}").format(path=safety))
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = CommdeskParser(prog="commdesk", parents=[common],
                                     description=_("社区工作台：住户台账、党建、会议与责任清单"))
    parser.add_argument("--version", action="version", version=f"commdesk {__version__}")
    parser.add_argument("--readonly", action="store_true", help=_("以只读方式打开数据库"))
    parser.set_defaults(func=cmd_gui)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("gui", parents=[common], help=_("打开图形界面（默认）"))
    p.add_argument("--readonly", action="store_true", help=_("以只读方式打开数据库"))
    p.set_defaults(func=cmd_gui)

    p = sub.add_parser("demo", parents=[common], help=_("生成演示数据"))
    p.add_argument("--households", type=int, default=300)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("export", parents=[common], help=_("导出台账或居民数据"))
    p.add_argument("ledger", nargs="?", help=_("台账名称（--list 查看）"))
    p.add_argument("--list", action="store_true", help=_("列出可导出的台账"))
    p.add_argument("--format", choices=("json", "csv", "xlsx", "pdf"))
    p.add_argument("--month", help="YYYY-MM")
    mask = p.add_mutually_exclusive_group()
    mask.add_argument("--masked", dest="masked", action="store_true", default=True,
                      help=_("身份证号、电话脱敏（默认）"))
    mask.add_argument("--full", dest="masked", action="store_false", help=_("导出完整身份证号和电话"))
    p.add_argument("-o", "--output")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("check", parents=[common], help=_("检查数据库完整性"))
    p.add_argument("--repair", action="store_true", help=_("重建搜索索引"))
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("backup", parents=[common], help=_("备份数据库"))
    p.add_argument("-o", "--output", help=_("备份目录（默认在用户数据目录）"))
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", parents=[common], help=_("从备份恢复整个数据库（不是导入）"))
    p.add_argument("backup")
    p.set_defaults(func=cmd_restore)

    for name in PLUGINS:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            if exc.name != name:
                raise
            continue
        register: Callable[..., None] = module.register
        try:
            register(sub, common)
        except TypeError:
            register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from commdesk.logsetup import setup_logging
    from commdesk.models.base import acting_user

    parser = build_parser()
    args = parser.parse_args(argv)
    args.db = getattr(args, "db", None)
    setup_logging()
    token = acting_user.set("cli") if args.func is not cmd_gui else None
    try:
        return int(args.func(args) or 0)
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
    finally:
        if token is not None:
            acting_user.reset(token)
