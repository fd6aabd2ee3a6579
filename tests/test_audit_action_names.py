"""Every kind of audit entry the program writes has its Chinese name on the 审计记录 page and in
``audit list`` (an entry shown as ``db_encrypt`` is a bug a clerk sees)."""
from __future__ import annotations

import re
from pathlib import Path

from commdesk.services.audit_trail import ACTION_NAMES

SRC = Path(__file__).resolve().parent.parent / "src" / "commdesk"
#: audit_event(session, "kind", …) and the ORM hook's / importer's action="kind"
WRITTEN = re.compile(r"""audit_event\(\s*\w+,\s*["']([a-z_]+)["']|action=["']([a-z_]+)["']""")
ARGPARSE = {"store_true", "store_false", "version"}     # argparse's action= in cli/, not audit kinds


def test_every_written_kind_has_a_chinese_name() -> None:
    kinds = set()
    for path in SRC.rglob("*.py"):
        for m in WRITTEN.finditer(path.read_text(encoding="utf-8")):
            kinds.add(m.group(1) or m.group(2))
    kinds -= ARGPARSE
    assert len(kinds) >= 10, kinds            # the pattern still finds the writers
    assert sorted(k for k in kinds if k not in ACTION_NAMES) == []
