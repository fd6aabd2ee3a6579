"""Start-up pays only for the page in view: the other pages' modules, the report writers and
the spreadsheet/pinyin libraries are imported when first needed (issue 2's start-up target)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from commdesk.models.db import open_database
from commdesk.demo.households import generate_demo

_START = r"""
import json, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from commdesk.models.db import open_database
from commdesk.ui.app import create_main_window, make_app
from commdesk.ui.ledger_page import LedgerPage
app = make_app()
database = open_database(sys.argv[1])
window = create_main_window(database, first_page=LedgerPage)
window.show()
window.start()
for _ in range(50):
    app.processEvents()
loaded = sorted(m for m in sys.modules if m.startswith("commdesk.ui.") or m.split(".")[0] in
                ("reportlab", "xlsxwriter", "openpyxl", "python_calamine", "pypinyin", "alembic",
                 "sqlalchemy.dialects.postgresql"))
print(json.dumps({"loaded": loaded, "nav": [window.nav.item(i).text() for i in range(window.nav.count())],
                  "built": sorted(type(p).__name__ for p in window.built.values())}))
window.runner.shutdown()
window.close()
database.close()
"""


def test_start_imports_only_the_page_in_view(tmp_path: Path) -> None:
    db_path = tmp_path / "c.sqlite3"
    database = open_database(db_path)
    generate_demo(database, households=20, seed=3)
    database.close()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-c", _START, str(db_path)], capture_output=True, text=True,
                            timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["built"] == ["LedgerPage"]
    assert out["nav"][:2] == ["工作台", "住户台账"] and "台账与报表" in out["nav"]
    loaded = set(out["loaded"])
    for lazy in ("commdesk.ui.dashboard_page", "commdesk.ui.reports_page", "commdesk.ui.party.members_page",
                 "commdesk.ui.meetings.meetings_page", "commdesk.ui.import_wizard", "reportlab", "xlsxwriter",
                 "openpyxl", "python_calamine", "pypinyin", "alembic", "sqlalchemy.dialects.postgresql"):
        assert lazy not in loaded, lazy


def test_registry_titles_match_the_page_classes() -> None:
    from commdesk.ui.page_registry import available_pages

    for entry in available_pages():
        assert entry.load().title == entry.title
        assert entry.is_for(entry.load())
