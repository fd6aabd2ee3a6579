"""``commdesk`` / ``commdesk gui [--readonly]``: the main window (the only command that imports Qt)."""
from __future__ import annotations

import argparse
from typing import Any

from commdesk.i18n import _


def run(args: argparse.Namespace) -> int:
    from commdesk.ui.app import run_gui

    return run_gui(getattr(args, "db", None), readonly=getattr(args, "readonly", False))


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("gui", parents=[common], help=_("打开图形界面（默认）"))
    p.add_argument("--readonly", action="store_true", help=_("以只读方式打开数据库"))
    p.set_defaults(func=run)
