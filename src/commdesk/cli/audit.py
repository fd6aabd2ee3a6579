"""``commdesk audit verify`` and ``commdesk audit list``: the tamper-evident audit trail.

    commdesk audit verify [--db DB] [--reset-anchor]   exit 0 on an intact trail, 1 naming the first bad entry
    commdesk audit list [--by USER] [--table T] [--action A] [--since YYYY-MM-DD] [--until YYYY-MM-DD]
                        [--limit N] [--json]
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


def run_verify(args: argparse.Namespace) -> int:
    from commdesk.models.audit_anchor import verify_trail

    if args.reset_anchor:
        return _reset_anchor(args)
    with open_db(args, create=False, readonly=True) as db, db.engine.connect() as conn:
        report = verify_trail(conn, db)
    for warning in report.warnings:
        print(_("注意：{w}").format(w=warning), file=sys.stderr)
    if report.ok:
        print(_("审计记录完整：共 {n} 条，最后一条为第 {last} 号").format(n=report.chain.entries,
                                                                 last=report.chain.last_id or 0))
        return 0
    print(_("审计记录被改动过：{problem}").format(problem=report.problem), file=sys.stderr)
    if report.chain.ok:
        print(_("如果是有意把数据库换成了旧的副本，管理员可以运行 commdesk audit verify --reset-anchor 从现在重新记起"),
              file=sys.stderr)
    return 1


def _reset_anchor(args: argparse.Namespace) -> int:
    """An administrator accepts today's trail as the start of this PC's anchor (audited)."""
    from commdesk.cli.common import login_for
    from commdesk.models.audit import audit_event
    from commdesk.models.audit_anchor import reset_anchor
    from commdesk.models.audit_chain import verify_chain

    login_for(args, "settings")
    with open_db(args, create=False) as db:
        with db.engine.connect() as conn:
            chain = verify_chain(conn)
        if not chain.ok:
            raise UserError(_("审计记录本身被改动过（{problem}），不能从现在重新记起").format(problem=chain.problem))
        with db.Session() as session:
            audit_event(session, "audit_anchor", _("从第 {id} 号审计记录重新记下本机的核对点").format(id=chain.last_id or 0))
            session.commit()
        anchor = reset_anchor(db, "reset")
    print(_("已从第 {id} 号审计记录重新记下本机的核对点").format(id=anchor.id if anchor else 0))
    return 0


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(_("日期格式不对：{value}（应为 YYYY-MM-DD）").format(value=value)) from None


def run_list(args: argparse.Namespace) -> int:
    from commdesk.services.audit_trail import list_entries

    if args.limit <= 0:
        raise UserError(_("--limit 必须大于 0"))
    since, until = _day(args.since), _day(args.until)
    with open_db(args, create=False, readonly=True) as db, db.engine.connect() as conn:
        rows = list_entries(conn, by=args.by, table=args.table, action=args.action, since=since, until=until,
                            limit=args.limit)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, default=str))
        return 0
    if not rows:
        print(_("没有符合条件的审计记录"))
    for r in rows:
        print(f"{r['id']}\t{str(r['at'])[:19]}\t{r['user']}\t{r['action']}\t{r['table_name']}"
              f"{'#' + str(r['record_id']) if r['record_id'] is not None else ''}\t{r['summary']}")
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("audit", parents=[common], help=_("审计记录：检查是否被改动、列出记录"))
    actions = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = actions.add_parser("verify", parents=[common], help=_("逐条核对审计记录的校验链"))
    v.add_argument("--reset-anchor", action="store_true",
                   help=_("（管理员）数据库文件有意换成旧副本后，从现在重新记下本机的核对点"))
    v.set_defaults(func=run_verify)
    ls = actions.add_parser("list", parents=[common], help=_("列出审计记录（最新的在前）"))
    ls.add_argument("--by", metavar="USER", help=_("只看这个用户的记录"))
    ls.add_argument("--table", help=_("只看这张表（如 resident、household、import_batch）"))
    ls.add_argument("--action", help=_("只看这种操作（create/update/archive/restore/delete/import …）"))
    ls.add_argument("--since", help=_("从这天起（YYYY-MM-DD）"))
    ls.add_argument("--until", help=_("到这天止（YYYY-MM-DD）"))
    ls.add_argument("--limit", type=int, default=50, help=_("最多列出多少条（默认 50）"))
    ls.add_argument("--json", action="store_true", help=_("以 JSON 输出"))
    ls.set_defaults(func=run_list)
