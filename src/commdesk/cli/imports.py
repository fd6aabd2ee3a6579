"""``commdesk import``: import a legacy register, list import batches, undo one.

    commdesk import FILE --db DB [--kind residents|party-members|center-households] [--dry-run]
                         [--on-duplicate fill|update|skip] [--report OUT.xlsx [--report-full]] [--json]
    commdesk import --undo BATCH_ID --db DB
    commdesk import --list-batches --db DB

No questions are asked; failures are one Chinese line (``UserError``) and a non-zero exit.
(The module is ``imports``: ``import`` is a Python keyword.)
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from commdesk.cli.common import full_values_check, open_db, print_summary, record_full_values
from commdesk.cli.party import PARTY_IMPORTERS, run_import_command, undo_party_import
from commdesk.errors import UserError
from commdesk.i18n import _


def run(args: argparse.Namespace) -> int:
    if args.list_batches:
        return _list(args)
    if args.undo is not None:
        return _undo(args)
    if not args.file:
        raise UserError(_("请指定要导入的文件，例如：commdesk import 居民信息.xlsx"))
    if args.kind in PARTY_IMPORTERS:  # Party registers have their own writer
        return run_import_command(args)
    from commdesk.importers.service import ImportOptions, run_import

    options = ImportOptions(kind=args.kind, on_duplicate=args.on_duplicate, dry_run=args.dry_run,
                            backup=not args.no_backup, report_path=Path(args.report) if args.report else None,
                            report_full=args.report_full)
    reason = full_values_check(args, bool(args.report and args.report_full))
    with open_db(args) as database:
        summary = run_import(database, Path(args.file), options)
        if reason:
            record_full_values(database, _("导入问题报告 {name}").format(name=Path(args.report).name), None, reason)
    print_summary(args, summary)
    return 0


def _undo(args: argparse.Namespace) -> int:
    from commdesk.importers.undo import list_batches, undo_batch

    with open_db(args) as database:
        if getattr(database, "path", None) is not None and not getattr(args, "no_backup", False):
            from commdesk.models.backup import backup_database

            backup_database(database, reason="before-import-undo")
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

    with open_db(args) as database, database.Session() as session:
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


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("import", parents=[common], help=_("导入旧的 Excel/CSV 台账（居民信息）"))
    p.add_argument("file", nargs="?", help=_("要导入的 .xlsx/.xls/.csv 文件"))
    p.add_argument("--kind", default="residents", help=_("导入类型（默认 residents：居民信息）"))
    p.add_argument("--dry-run", action="store_true", help=_("试导入：检查并报告，不写入数据库"))
    p.add_argument("--on-duplicate", choices=("fill", "update", "skip"), default="fill",
                   help=_("与已有居民重复时：fill 只补空白（默认），update 用文件中的非空值更新，skip 跳过"))
    p.add_argument("--report", help=_("把问题行写入这个 Excel 报告（身份证号、电话脱敏）"))
    p.add_argument("--report-full", action="store_true", help=_("问题报告中显示完整身份证号和电话"))
    p.add_argument("--reason", help=_("问题报告含完整值时的用途（启用账号后必填，记入审计）"))
    p.add_argument("--json", action="store_true", help=_("以 JSON 输出结果"))
    p.add_argument("--no-backup", action="store_true", help=_("导入前不自动备份（不建议）"))
    p.add_argument("--undo", type=int, metavar="BATCH_ID", help=_("撤销一次导入（整批）"))
    p.add_argument("--list-batches", action="store_true", help=_("列出导入批次"))
    p.set_defaults(func=run)
