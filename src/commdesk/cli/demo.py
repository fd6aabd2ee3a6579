"""``commdesk demo [--households N] [--seed S]``: a generated community (deterministic per seed)."""
from __future__ import annotations

import argparse
import json
from typing import Any

from commdesk.cli.common import open_db
from commdesk.i18n import _


def run(args: argparse.Namespace) -> int:
    from commdesk.demo import generate_full_demo

    with open_db(args) as db:
        summary = generate_full_demo(db, households=args.households, seed=args.seed)
    print(json.dumps(summary, ensure_ascii=False, default=str))
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("demo", parents=[common], help=_("生成演示数据"))
    p.add_argument("--households", type=int, default=300)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=run)
