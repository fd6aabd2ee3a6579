"""Party ledgers (Excel, PDF, rows), the monthly-report section and the JSON exports."""
from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import commdesk.reports.party_ledgers  # noqa: F401  (registers the ledgers)
import commdesk.reports.party_section  # noqa: F401  (registers the section)
from commdesk.reports import Params, Row, Section, export_ledger, get_ledger
from commdesk.reports.monthly import build_monthly_report, collect
from commdesk.reports.party_json import CENTER_KEYS, MEMBER_KEYS, export_party
from tests.test_party_services import TODAY, populate

HAVE_PDFTOTEXT = shutil.which("pdftotext") is not None


@pytest.fixture
def party(db: Any) -> dict[str, int]:
    return populate(db)


def rows_of(db: Any, key: str, **kw: Any) -> list[Any]:
    ledger = get_ledger(key)
    with db.Session() as s:
        return list(ledger.rows(s, Params(today=TODAY, masked=False, **kw)))


def test_roster_rows_by_branch(db: Any, party: dict[str, int]) -> None:
    items = rows_of(db, "party-members")
    sections = [i.label for i in items if isinstance(i, Section)]
    assert sections == ["第一网格党支部（2人）", "第二网格党支部（1人）"]
    ledger = get_ledger("party-members")
    keys = [c.key for c in ledger.visible_columns()]
    first = next(i for i in items if isinstance(i, Row))
    values = dict(zip(keys, first.values))
    assert values["name"] == "赵一" and values["join_date"] == "2000.07" and values["party_post"] == "书记"
    assert values["household_no"] == "P001"
    only = rows_of(db, "party-members", filters={"membership": "预备党员"})
    assert [dict(zip(keys, r.values))["name"] for r in only if isinstance(r, Row)] == ["钱二"]


def test_center_ledger_groups_contacts(db: Any, party: dict[str, int]) -> None:
    items = [i for i in rows_of(db, "center-households") if isinstance(i, Row)]
    assert len(items) == 3 and [i.first for i in items] == [True, False, False]
    keys = [c.key for c in get_ledger("center-households").visible_columns()]
    assert [dict(zip(keys, i.values))["head"] for i in items] == ["钱二", "吴六", "孙三"]


def test_visits_and_mobile_ledgers(db: Any, party: dict[str, int]) -> None:
    assert len([i for i in rows_of(db, "visits") if isinstance(i, Row)]) == 2
    assert len([i for i in rows_of(db, "visits", month=(2025, 4)) if isinstance(i, Row)]) == 0
    assert len([i for i in rows_of(db, "visits", filters={"needs": "有诉求"}) if isinstance(i, Row)]) == 1
    mobile = [i for i in rows_of(db, "mobile-members") if isinstance(i, Row)]
    keys = [c.key for c in get_ledger("mobile-members").visible_columns()]
    values = dict(zip(keys, mobile[0].values))
    assert values["out_place"] == "广东省深圳市" and values["next_report"] == date(2025, 5, 1)


@pytest.mark.parametrize("key", ["party-members", "center-households", "visits", "mobile-members"])
def test_excel_and_pdf(db: Any, party: dict[str, int], tmp_path: Path, key: str) -> None:
    xlsx = export_ledger(db, key, "xlsx", tmp_path / f"{key}.xlsx", today=TODAY)
    wb = openpyxl.load_workbook(xlsx)
    text = "\n".join(str(c.value) for row in wb.active.iter_rows() for c in row if c.value is not None)
    assert get_ledger(key).title in text
    pdf = export_ledger(db, key, "pdf", tmp_path / f"{key}.pdf", today=TODAY)
    assert pdf.stat().st_size > 1000
    if HAVE_PDFTOTEXT:
        out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                             check=True).stdout
        assert get_ledger(key).title in out


def test_ids_masked_by_default(db: Any, party: dict[str, int], tmp_path: Path) -> None:
    xlsx = export_ledger(db, "party-members", "xlsx", tmp_path / "m.xlsx", today=TODAY)
    wb = openpyxl.load_workbook(xlsx)
    cells = [str(c.value) for row in wb.active.iter_rows() for c in row if c.value]
    assert any("****" in c for c in cells)


def test_monthly_section(db: Any, party: dict[str, int], tmp_path: Path) -> None:
    with db.Session() as s:
        data = collect(s, 2025, 5, TODAY)
    section = next(blocks for sec, blocks in data.sections if sec.key == "party")
    titles = [getattr(b, "title", "") for b in section]
    texts = " ".join(getattr(b, "text", "") for b in section)
    assert "在册党员 3 名" in texts and "本月走访 2 户次，收集诉求 1 件，已办结 1 件" in texts
    assert any("覆盖情况" in t for t in titles)
    assert any("逾期未走访" in t for t in titles)     # P006 never visited since 2024-01
    for suffix in ("pdf", "xlsx"):
        out = build_monthly_report(db, 2025, 5, tmp_path / f"m.{suffix}", today=TODAY)
        assert out.stat().st_size > 1000


def test_json_exports(db: Any, party: dict[str, int], tmp_path: Path) -> None:
    with db.Session() as s:
        n = export_party(s, "party-members", "json", tmp_path / "m.json")
        export_party(s, "center-households", "json", tmp_path / "c.json")
    members = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert n == 3 and set(MEMBER_KEYS) <= set(members[0])
    zhao = next(m for m in members if m["name"] == "赵一")
    assert zhao["household_no"] == "P001" and zhao["status"] == "正式党员" and zhao["join_date"] == "2000-07-01"
    assert len(zhao["id_number"]) == 18 and zhao["issues"] == []
    centers = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert set(CENTER_KEYS) <= set(centers[0])
    assert centers[0]["center_household_no"] == "P001" and centers[0]["member_name"] == "赵一"
    assert sorted(c["household_no"] for c in centers[0]["contacts"]) == ["P002", "P003", "P006"]
    assert {"household_no": "P002", "head": "钱二"} in centers[0]["contacts"]
