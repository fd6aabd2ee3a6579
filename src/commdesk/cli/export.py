"""``commdesk export``: a ledger as xlsx/pdf (any declared ledger), residents for other systems
(json/csv/xlsx), and the Party and meeting records as JSON.

    commdesk export --list
    commdesk export LEDGER --format xlsx|pdf [--month YYYY-MM] [--masked|--full] -o FILE
    commdesk export residents --format json|csv|xlsx -o FILE
    commdesk export party-members|center-households|meetings|consultations|checklist --format json -o FILE
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from commdesk.cli.common import full_values_check, open_db, output_path, record_full_values
from commdesk.cli.party import export_party_json
from commdesk.errors import UserError
from commdesk.i18n import _


def _meeting_json(db: Any, key: str, out: Path) -> int:
    from commdesk.reports.meetings_json import export_json

    return export_json(db, key, out)


#: ``export KEY --format json`` for other systems (the ledgers themselves are xlsx/pdf).
JSON_EXPORTS: dict[str, Callable[[Any, str, Path], int]] = {
    "party-members": export_party_json, "center-households": export_party_json,
    "meetings": _meeting_json, "consultations": _meeting_json, "checklist": _meeting_json,
}


def list_text() -> str:
    """The declared ledgers, one a line: key, title, formats and description."""
    from commdesk.reports.ledger import get_ledger, ledger_keys

    lines = []
    keys = ledger_keys()
    width = max((len(k) for k, _t in keys), default=0) + 2
    for key, title in keys:
        ledger = get_ledger(key)
        note = f"  {ledger.description}" if ledger.description else ""
        lines.append(f"{key:<{width}}{title}（xlsx/pdf）{note}")
    return "\n".join(lines)


def _format_of(args: argparse.Namespace, output: Path) -> str:
    from commdesk.reports.export import FORMATS

    fmt = getattr(args, "format", None)
    if not fmt:
        fmt = output.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UserError(_("台账只能导出为 xlsx 或 pdf（用 --format 指定，或输出文件以 .xlsx/.pdf 结尾）"))
    return fmt


def _progress(stream: Any) -> Any:
    if not stream.isatty():
        return None

    def show(done: int, total: int | None) -> None:
        stream.write(f"\r{done}/{total}" if total else f"\r{done}")
        stream.flush()
    return show


def export_ledger_command(args: argparse.Namespace) -> int:
    """``commdesk export LEDGER --format xlsx|pdf [--month YYYY-MM] [--masked|--full] -o FILE``."""
    from commdesk.reports.export import export_ledger, parse_month
    from commdesk.reports.ledger import get_ledger

    key = args.ledger
    get_ledger(key)  # unknown ledger → UserError listing the known ones
    out = output_path(args)
    fmt = _format_of(args, out)
    month = parse_month(getattr(args, "month", None))
    masked = bool(getattr(args, "masked", True))
    reason = full_values_check(args, not masked)
    progress = _progress(sys.stderr)
    with open_db(args, readonly=False) as db:
        path = export_ledger(db, key, fmt, out, month=month, masked=masked, progress=progress)
        if not masked:
            record_full_values(db, _("导出 {title}（{fmt}）").format(title=get_ledger(key).title, fmt=fmt), None, reason)
    if progress is not None:
        sys.stderr.write("\n")
    print(_("已导出 {title} 到 {path}（{mask}）").format(
        title=get_ledger(key).title, path=path, mask=_("身份证号、电话已脱敏") if masked else _("完整信息")))
    return 0


def run(args: argparse.Namespace) -> int:
    if args.list or not args.ledger:
        print(_("residents  居民信息（json/csv/xlsx，供其他系统使用）"))
        print(list_text())
        print(_("json 格式另有：{keys}").format(keys="、".join(JSON_EXPORTS)))
        return 0
    if args.format == "json" and args.ledger in JSON_EXPORTS:
        out = output_path(args)
        with open_db(args, create=False) as db:
            n = JSON_EXPORTS[args.ledger](db, args.ledger, out)
        print(_("已导出 {n} 条记录到 {path}").format(n=n, path=args.output))
        return 0
    if args.ledger == "residents":
        from commdesk.services.export_residents import export_residents

        out = output_path(args)
        reason = full_values_check(args, True)       # for other systems: always full values
        with open_db(args, create=False) as db, db.Session() as session:
            n = export_residents(session, args.format or "json", out)
            record_full_values(db, _("导出居民信息（{fmt}）").format(fmt=args.format or "json"), n, reason)
        print(_("已导出 {n} 名居民到 {path}").format(n=n, path=args.output))
        return 0
    return export_ledger_command(args)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("export", parents=[common], help=_("导出台账或居民数据"))
    p.add_argument("ledger", nargs="?", help=_("台账名称（--list 查看）"))
    p.add_argument("--list", action="store_true", help=_("列出可导出的台账"))
    p.add_argument("--format", choices=("json", "csv", "xlsx", "pdf"))
    p.add_argument("--month", help="YYYY-MM")
    mask = p.add_mutually_exclusive_group()
    mask.add_argument("--masked", dest="masked", action="store_true", default=True,
                      help=_("身份证号、电话脱敏（默认）"))
    mask.add_argument("--full", dest="masked", action="store_false", help=_("导出完整身份证号和电话"))
    p.add_argument("--reason", help=_("导出完整身份证号和电话的用途（启用账号后必填，记入审计）"))
    p.add_argument("-o", "--output")
    p.set_defaults(func=run)
