"""``commdesk check [--repair]``: the database's integrity figures; non-zero when a problem is found."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from commdesk.cli.common import open_db
from commdesk.i18n import _


def run(args: argparse.Namespace) -> int:
    from commdesk.services.integrity import check_database, repair_search_index

    with open_db(args, create=False) as db:
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


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("check", parents=[common], help=_("检查数据库完整性"))
    p.add_argument("--repair", action="store_true", help=_("重建搜索索引"))
    p.set_defaults(func=run)
