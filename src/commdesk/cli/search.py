"""``commdesk search QUERY [--limit N] [--format text|json] [--full]``: the ledger's search box on
the command line.

The same query as the 住户台账 page's search as you type (``reports.ledger_query.ordered_ids``
with the page's default filter: residents living here, household order), on SQLite or a
PostgreSQL server alike; the rows are the page's columns. ID numbers and phones are masked
unless ``--full`` is given.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from commdesk.cli.common import open_db
from commdesk.errors import UserError
from commdesk.i18n import _

#: The page's columns the command prints (text format), in this order.
TEXT_COLUMNS = ("name", "gender", "birth_date", "id_number", "phone", "household_no", "address")
MAX_LIMIT = 10_000


def search(database: Any, query: str, limit: int, *, full: bool = False,
           today: date | None = None) -> tuple[list[dict[str, Any]], bool]:
    """(rows, more): the first ``limit`` residents the ledger's search box shows for ``query``,
    and whether there are more."""
    from commdesk.reports.ledger_query import LedgerFilter, fetch_rows, ordered_ids
    from commdesk.search.query import is_too_short, normalise_query
    from commdesk.validation.idcard import mask_id
    from commdesk.validation.phone import mask_phone

    q = normalise_query(query)
    if not q:
        raise UserError(_("请输入要搜索的内容（姓名、拼音首字母、身份证号或电话的一部分、户号、地址）"))
    if is_too_short(q):
        raise UserError(_("“{q}”太短：请再输入一个字（1-2 位数字不能搜索）").format(q=q))
    with database.engine.connect() as conn:
        ids = ordered_ids(conn, LedgerFilter(search=q), today, limit=limit + 1)
        more = len(ids) > limit
        ids = ids[:limit]
        raw = fetch_rows(conn, ids, today)
    rows = []
    for rid in ids:
        row = {k: v for k, v in raw[rid].items() if k != "archived"}
        if not full:
            row["id_number"] = mask_id(row.get("id_number"))
            row["phone"] = mask_phone(row.get("phone"))
        rows.append(row)
    return rows, more


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= MAX_LIMIT:
        raise UserError(_("--limit 应在 1 到 {n} 之间").format(n=MAX_LIMIT))
    with open_db(args, create=False) as db:
        rows, more = search(db, args.query, args.limit, full=args.full)
    if args.format == "json":
        json.dump({"query": args.query, "count": len(rows), "more": more,
                   "rows": [{k: _text(v) if isinstance(v, date) else v for k, v in r.items()} for r in rows]},
                  sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    for r in rows:
        print("\t".join(_text(r.get(k)) for k in TEXT_COLUMNS))
    if not rows:
        print(_("没有找到“{q}”").format(q=args.query), file=sys.stderr)
    elif more:
        print(_("只列出前 {n} 名，还有更多：请输入更多内容或加大 --limit").format(n=len(rows)), file=sys.stderr)
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("search", parents=[common], help=_("搜索居民（与台账搜索框相同）"))
    p.add_argument("query", help=_("姓名、拼音首字母、身份证号或电话的一部分、户号、地址"))
    p.add_argument("--limit", type=int, default=50, help=_("最多列出多少名（默认 50）"))
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--full", action="store_true", help=_("显示完整身份证号和电话（默认脱敏）"))
    p.set_defaults(func=run)
