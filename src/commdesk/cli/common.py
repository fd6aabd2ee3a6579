"""What every command shares: the parser class, ``--db``, opening the database, and the one place
where an error becomes the one Chinese line the user reads (and the exit code scripts test)."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from commdesk.errors import UserError, classify_db_error
from commdesk.i18n import _

log = logging.getLogger("commdesk.cli")


class CommdeskParser(argparse.ArgumentParser):
    """Usage errors in one line (the reason and where to look), not the whole usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message}（{self.prog} --help 查看用法）\n")


def common_parent() -> argparse.ArgumentParser:
    """The options every sub-command takes (``parents=[...]``)."""
    common = CommdeskParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help=_("数据库：SQLite 文件路径或 SQLAlchemy URL（默认在用户数据目录）"))
    return common


def open_db(args: argparse.Namespace, **kw: Any) -> Any:
    """The database named by ``--db`` (the default file when absent); ``kw`` go to ``open_database``."""
    from commdesk.models.db import open_database

    return open_database(getattr(args, "db", None), **kw)


def output_path(args: argparse.Namespace) -> Path:
    """``-o FILE``, required by every export."""
    if not getattr(args, "output", None):
        raise UserError(_("请用 -o 指定输出文件"))
    return Path(args.output)


def print_summary(args: argparse.Namespace, summary: Any) -> None:
    """An import's summary: JSON with ``--json``, else its Chinese lines."""
    if getattr(args, "json", False):
        print(json.dumps(summary.to_dict(), ensure_ascii=False, default=str))
    else:
        print("\n".join(summary.lines()))


def run_reporting_errors(func: Callable[[argparse.Namespace], int | None], args: argparse.Namespace) -> int:
    """Run one command: 0 on success; a user error, a database problem or Ctrl+C is one line on
    stderr and a non-zero code; anything else is logged with its traceback and reported in one line."""
    try:
        return int(func(args) or 0)
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
