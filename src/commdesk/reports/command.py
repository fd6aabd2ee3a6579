"""Command line for reports: ``commdesk report monthly`` and the ledger half of ``commdesk export``.

``register(subparsers)`` adds the ``report`` sub-command; the lead's ``export`` sub-command calls
:func:`run_export` for ledger keys and :func:`list_text` for ``export --list``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.reports.export import FORMATS, export_ledger, parse_month
from commdesk.reports.ledger import get_ledger, ledger_keys


def list_text() -> str:
    lines = []
    keys = ledger_keys()
    width = max((len(k) for k, _t in keys), default=0) + 2
    for key, title in keys:
        ledger = get_ledger(key)
        note = f"  {ledger.description}" if ledger.description else ""
        lines.append(f"{key:<{width}}{title}（xlsx/pdf）{note}")
    return "\n".join(lines)


def _open(db: Any) -> Any:
    from commdesk.models.db import open_database

    return open_database(db, readonly=False)


def _format_of(args: argparse.Namespace, output: Path) -> str:
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
        if total:
            stream.write(f"\r{done}/{total}")
        else:
            stream.write(f"\r{done}")
        stream.flush()
    return show


def run_export(args: argparse.Namespace) -> int:
    """``commdesk export LEDGER --format xlsx|pdf [--month YYYY-MM] [--masked|--full] -o FILE``."""
    key = args.ledger
    get_ledger(key)  # unknown ledger → UserError listing the known ones
    output = getattr(args, "output", None)
    if not output:
        raise UserError(_("请用 -o 指定输出文件"))
    out = Path(output)
    fmt = _format_of(args, out)
    month = parse_month(getattr(args, "month", None))
    masked = bool(getattr(args, "masked", True))
    progress = _progress(sys.stderr)
    with _open(getattr(args, "db", None)) as db:
        path = export_ledger(db, key, fmt, out, month=month, masked=masked, progress=progress)
    if progress is not None:
        sys.stderr.write("\n")
    print(_("已导出 {title} 到 {path}（{mask}）").format(
        title=get_ledger(key).title, path=path, mask=_("身份证号、电话已脱敏") if masked else _("完整信息")))
    return 0


def run(args: argparse.Namespace) -> int:
    """``commdesk report monthly --db DB --month YYYY-MM -o FILE.pdf|.xlsx``."""
    from commdesk.reports.monthly import build_monthly_report

    if args.kind != "monthly":
        raise UserError(_("未知的报表：{kind}（可用：monthly）").format(kind=args.kind))
    month = parse_month(args.month)
    if month is None:
        raise UserError(_("请用 --month YYYY-MM 指定月份"))
    out = Path(args.output)
    with _open(getattr(args, "db", None)) as db:
        path = build_monthly_report(db, month[0], month[1], out)
    print(_("已生成 {y}年{m}月 月报：{path}").format(y=month[0], m=month[1], path=path))
    return 0


def register(subparsers: Any, common: argparse.ArgumentParser | None = None) -> None:
    parents = [common] if common is not None else []
    p = subparsers.add_parser("report", parents=parents, help=_("生成报表（月报）"))
    if common is None:
        p.add_argument("--db", help=_("数据库：SQLite 文件路径或 SQLAlchemy URL（默认在用户数据目录）"))
    p.add_argument("kind", choices=("monthly",), help=_("报表种类：monthly（月报）"))
    p.add_argument("--month", required=True, help="YYYY-MM")
    p.add_argument("-o", "--output", required=True, help=_("输出文件（.pdf 或 .xlsx）"))
    p.set_defaults(func=run)
