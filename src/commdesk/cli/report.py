"""``commdesk report monthly --month YYYY-MM -o FILE.pdf|.xlsx``: the monthly report (月报)."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from commdesk.cli.common import open_db
from commdesk.errors import UserError
from commdesk.i18n import _


def run(args: argparse.Namespace) -> int:
    from commdesk.reports.export import parse_month
    from commdesk.reports.monthly import build_monthly_report

    if args.kind != "monthly":
        raise UserError(_("未知的报表：{kind}（可用：monthly）").format(kind=args.kind))
    month = parse_month(args.month)
    if month is None:
        raise UserError(_("请用 --month YYYY-MM 指定月份"))
    with open_db(args) as db:
        path = build_monthly_report(db, month[0], month[1], Path(args.output))
    print(_("已生成 {y}年{m}月 月报：{path}").format(y=month[0], m=month[1], path=path))
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("report", parents=[common], help=_("生成报表（月报）"))
    p.add_argument("kind", choices=("monthly",), help=_("报表种类：monthly（月报）"))
    p.add_argument("--month", required=True, help="YYYY-MM")
    p.add_argument("-o", "--output", required=True, help=_("输出文件（.pdf 或 .xlsx）"))
    p.set_defaults(func=run)
