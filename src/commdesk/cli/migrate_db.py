"""``commdesk migrate-db --from SQLITE_FILE --to postgresql://…``: move a one-PC database to a server.

Copies every table (audit trail included, with its hashes) into an empty target database in one
transaction, rebuilds the target's search index, then reads both back and compares, per table,
the number of rows and a SHA-256 of the content (``models.store_copy``). A target that holds
any data is refused untouched. The source file is opened as usual (migrated first, after a
backup, if it is older than this program) and is not changed by the copy.
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from commdesk.errors import UserError
from commdesk.i18n import _


def run(args: argparse.Namespace) -> int:
    from commdesk.models.db import open_database, resolve_url
    from commdesk.models.dialect import url_for_display
    from commdesk.models.store_copy import copy_store, prove

    _source_url, source_path = resolve_url(args.source)
    target_url, target_path = resolve_url(args.target)
    if source_path is None:
        raise UserError(_("--from 应是一个 SQLite 数据库文件"))
    if target_path is not None and target_path == source_path:
        raise UserError(_("--from 和 --to 是同一个数据库"))
    started = time.perf_counter()
    from commdesk.models.audit_chain import verify_chain

    with open_database(source_path, create=False) as source, open_database(args.target) as target:
        # copy, compare and check the chain in the target's one transaction: any difference and
        # nothing is committed
        with source.engine.connect() as src, target.engine.begin() as dst:
            tables = copy_store(src, dst, _progress if args.verbose else None)
            proofs = prove(src, dst, tables)
            chain = verify_chain(dst)
            if not chain.ok:
                raise UserError(_("复制后的审计记录校验不通过：{problem}。目标数据库没有改动。").format(
                    problem=chain.problem))
    for p in proofs:
        print(f"{p.table}\t{p.rows}\t{p.sha256[:16]}")
    print(_("已复制 {t} 张表、{n} 行到 {url}，逐表核对行数和内容校验值一致（用时 {s:.1f} 秒）").format(
        t=len(proofs), n=sum(p.rows for p in proofs), url=url_for_display(target_url),
        s=time.perf_counter() - started))
    return 0


def _progress(table: str, rows: int) -> None:
    print(f"  {table}: +{rows}", file=sys.stderr)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("migrate-db", parents=[common], help=_("把 SQLite 数据库整体复制到数据库服务器（PostgreSQL）"))
    p.add_argument("--from", dest="source", required=True, help=_("SQLite 数据库文件"))
    p.add_argument("--to", dest="target", required=True,
                   help=_("目标数据库地址，例如 postgresql://用户名@服务器/数据库（必须是空的）"))
    p.add_argument("--verbose", action="store_true", help=_("显示每张表的复制进度"))
    p.set_defaults(func=run)
