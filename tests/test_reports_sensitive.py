"""A ledger exported with full ID numbers and phones says so on every page (敏感信息), a masked
one does not; every export is one audit entry (what, rows, masked or full)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from commdesk.models import AuditEntry
from commdesk.reports import export_ledger
from tests.gui_support import seed_small_community


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_full_values_carry_the_notice_and_every_export_is_audited(db, tmp_path: Path, fmt: str) -> None:
    seed_small_community(db)
    full, masked = tmp_path / f"full.{fmt}", tmp_path / f"masked.{fmt}"
    export_ledger(db, "households", fmt, full, masked=False)
    export_ledger(db, "households", fmt, masked, masked=True)
    if fmt == "pdf":
        def text(p: Path) -> str:
            return subprocess.run(["pdftotext", str(p), "-"], capture_output=True, text=True, check=True).stdout
        assert "敏感信息" in text(full) and "敏感信息" not in text(masked)
    else:
        assert "敏感信息" in (openpyxl.load_workbook(full).active.oddHeader.center.text or "")
        assert "敏感信息" not in (openpyxl.load_workbook(masked).active.oddHeader.center.text or "")
    with db.Session() as s:
        summaries = [e for (e,) in s.execute(select(AuditEntry.summary).where(AuditEntry.action == "export"))]
    assert len(summaries) == 2
    assert "完整身份证号和电话" in summaries[0] and "脱敏" in summaries[1] and "6 行" in summaries[1]
