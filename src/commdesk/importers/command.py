"""``commdesk import``: import a legacy register, list import batches, undo one.

    commdesk import FILE --db DB [--kind residents] [--dry-run] [--on-duplicate fill|update|skip]
                         [--report OUT.xlsx] [--json]
    commdesk import --undo BATCH_ID --db DB
    commdesk import --list-batches --db DB

No questions are asked; failures are one Chinese line (``UserError``) and a non-zero exit.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from commdesk.errors import UserError
from commdesk.i18n import _


def register(subparsers: Any, common: argparse.ArgumentParser | None = None) -> None:
    parents = [common] if common is not None else []
    p = subparsers.add_parser("import", parents=parents, help=_("导入旧的 Excel/CSV 台账（居民信息）"))
    if common is None:
        p.add_argument("--db", default=None, help=_("数据库：SQLite 文件路径或 SQLAlchemy URL"))
    p.add_argument("file", nargs="?", help=_("要导入的 .xlsx/.xls/.csv 文件"))
    p.add_argument("--kind", default="residents", help=_("导入类型（默认 residents：居民信息）"))
    p.add_argument("--dry-run", action="store_true", help=_("试导入：检查并报告，不写入数据库"))
    p.add_argument("--on-duplicate", choices=("fill", "update", "skip"), default="fill",
                   help=_("与已有居民重复时：fill 只补空白（默认），update 用文件中的非空值更新，skip 跳过"))
    p.add_argument("--report", help=_("把问题行写入这个 Excel 报告"))
    p.add_argument("--json", action="store_true", help=_("以 JSON 输出结果"))
    p.add_argument("--no-backup", action="store_true", help=_("导入前不自动备份（不建议）"))
    p.add_argument("--undo", type=int, metavar="BATCH_ID", help=_("撤销一次导入（整批）"))
    p.add_argument("--list-batches", action="store_true", help=_("列出导入批次"))
    p.set_defaults(func=run)


def _open(args: argparse.Namespace) -> Any:
    from commdesk.models.db import open_database

    return open_database(getattr(args, "db", None))


def run(args: argparse.Namespace) -> int:
    if args.list_batches:
        return _list(args)
    if args.undo is not None:
        return _undo(args)
    if not args.file:
        raise UserError(_("请指定要导入的文件，例如：commdesk import 居民信息.xlsx"))
    from commdesk.party_command import PARTY_IMPORTERS, run_import_command

    if args.kind in PARTY_IMPORTERS:  # Party registers have their own writer
        return run_import_command(args)
    from commdesk.importers.service import ImportOptions, run_import

    path = Path(args.file)
    options = ImportOptions(kind=args.kind, on_duplicate=args.on_duplicate, dry_run=args.dry_run,
                            backup=not args.no_backup, report_path=Path(args.report) if args.report else None)
    with _open(args) as database:
        summary = run_import(database, path, options)
    if args.json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False, default=str))
    else:
        print("\n".join(summary.lines()))
    return 0


def _undo(args: argparse.Namespace) -> int:
    from commdesk.importers.undo import undo_batch

    with _open(args) as database:
        if getattr(database, "path", None) is not None and not getattr(args, "no_backup", False):
            from commdesk.models.backup import backup_database

            backup_database(database, reason="before-import-undo")
        from commdesk.importers.undo import list_batches
        from commdesk.party_command import PARTY_IMPORTERS, undo_party_import

        with database.Session() as session:
            kind = next((b.kind for b in list_batches(session) if b.id == args.undo), "residents")
        counts = undo_party_import(database, args.undo) if kind in PARTY_IMPORTERS else undo_batch(database, args.undo)
    if args.json:
        print(json.dumps(counts, ensure_ascii=False))
    elif "residents_removed" in counts:
        print(_("已撤销导入批次 {id}：删除 {r} 名居民、{h} 户，恢复 {c} 条被修改的记录").format(
            id=args.undo, r=counts["residents_removed"], h=counts["households_removed"], c=counts["records_restored"]))
    else:
        print(_("已撤销导入批次 {id}：{detail}").format(
            id=args.undo, detail="，".join(f"{k} {v}" for k, v in counts.items())))
    return 0


def _list(args: argparse.Namespace) -> int:
    from commdesk.importers.undo import list_batches

    with _open(args) as database, database.Session() as session:
        rows = list_batches(session)
    if args.json:
        print(json.dumps([dict(r.__dict__) for r in rows], ensure_ascii=False, default=str))
        return 0
    if not rows:
        print(_("还没有导入过数据"))
    for r in rows:
        status = _("已撤销") if r.status == "undone" else _("有效")
        print(f"{r.id}\t{r.created_at:%Y-%m-%d %H:%M}\t{r.user}\t{status}\t{r.file_name}\t"
              + _("新增 {a} 人，合并 {m} 人").format(a=r.counts.get("imported", 0), m=r.counts.get("merged", 0)))
    sys.stdout.flush()
    return 0
