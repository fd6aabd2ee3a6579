"""Meeting, consultation and checklist ledgers (Excel, PDF), single-record PDFs and the monthly sections."""
from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import commdesk.reports.checklist_ledgers  # noqa: F401  (registers the ledgers)
import commdesk.reports.meeting_ledgers  # noqa: F401
import commdesk.reports.meeting_section  # noqa: F401  (registers the sections)
from commdesk.reports import Params, Row, Section, export_ledger, get_ledger
from commdesk.reports.monthly import build_monthly_report, collect
from commdesk.reports.record_pdfs import consultation_record_pdf, meeting_minutes_pdf
from commdesk.services import checklist as ck
from commdesk.services import consultations as cs
from commdesk.services import meetings as ms
from tests.meetings_support import build_party

TODAY = date(2025, 6, 15)
HAVE_PDFTOTEXT = shutil.which("pdftotext") is not None


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


@pytest.fixture
def records(db: Any) -> dict[str, Any]:
    org = build_party(db)
    with db.Session.begin() as s:
        att = ms.roster(s, org["b1"])
        att[2].status, att[2].reason = "请假", "生病住院"
        _c, mid = ms.create_meeting(s, ms.MeetingForm(
            kind="支部党员大会", org_id=org["b1"], topic="研究楼道整治", start_at=datetime(2025, 6, 3, 9),
            end_at=datetime(2025, 6, 3, 11), place="党员活动室", host="王党员01", recorder="李党员02",
            attendees=att, minutes="大家发言", resolutions="1. 整治楼道杂物\n2. 修楼道灯"), today=TODAY)
        _c, mid2 = ms.create_meeting(s, ms.MeetingForm(kind="支委会", org_id=org["b2"], topic="例会",
                                                       start_at=datetime(2025, 5, 3, 9)), today=TODAY)
        _c, iid = ck.create_item_from(s, "会议决议", mid, line=0)
        ck.add_progress(s, iid, date(2025, 6, 5), "已清理一半", 50, today=TODAY)
        _c, late = ck.create_item(s, ck.ChecklistForm(title="修补路面", source="上级交办", responsible_unit="城管科",
                                                      responsible_person="张建国", deadline=date(2025, 6, 1)))
        _c, cid = cs.create_consultation(s, cs.ConsultationForm(
            topic="加装电梯", source="居民提出", proposer="3号楼居民", staged=True, held_on=date(2025, 6, 8),
            participants={"居民代表": ["甲", "乙"], "物业": ["丙"]}), today=TODAY)
        for n, d in ((1, 1), (2, 2)):
            cs.record_stage(s, cid, n, cs.StageForm(held_on=date(2025, 6, d), form="支委会"), today=TODAY)
        cs.record_stage(s, cid, 3, cs.StageForm(held_on=date(2025, 6, 5), expected=30, present=24, votes_for=20),
                        today=TODAY)
        cs.record_stage(s, cid, 4, cs.StageForm(held_on=date(2025, 6, 8), expected=21, present=18, votes_for=15,
                                                content="同意加装"), today=TODAY)
    return {**org, "meeting": mid, "meeting2": mid2, "item": iid, "late": late, "consultation": cid}


def rows_of(db: Any, key: str, **kw: Any) -> list[Any]:
    with db.Session() as s:
        return list(get_ledger(key).rows(s, Params(today=TODAY, masked=kw.pop("masked", False), **kw)))


def test_meetings_ledger_rows(db: Any, records: dict[str, Any]) -> None:
    items = rows_of(db, "meetings")
    assert [i.label for i in items if isinstance(i, Section)] == ["第一党支部", "第二党支部"]
    keys = [c.key for c in get_ledger("meetings").visible_columns()]
    first = dict(zip(keys, next(i for i in items if isinstance(i, Row)).values))
    assert first["kind"] == "支部党员大会" and (first["expected"], first["present"]) == (30, 29)
    assert "生病住院" in first["absent"] and first["quorum"] == "有效"
    assert first["when"] == "2025-06-03 09:00–11:00"
    only = rows_of(db, "meetings", filters={"kind": "支委会"})
    assert sum(isinstance(i, Row) for i in only) == 1
    assert sum(isinstance(i, Row) for i in rows_of(db, "meetings", month=(2025, 5))) == 1


def test_compliance_ledger(db: Any, records: dict[str, Any]) -> None:
    items = [i for i in rows_of(db, "meeting-compliance", filters={"year": "2025"}) if isinstance(i, Row)]
    keys = [c.key for c in get_ledger("meeting-compliance").visible_columns()]
    rows = [dict(zip(keys, i.values)) for i in items]
    general = next(r for r in rows if r["unit"] == "第一党支部" and r["kind"] == "支部党员大会")
    assert (general["due"], general["done"], general["missing"]) == (2, 1, 1)
    assert general["missing_periods"] == "第一季度" and "已开" in general["current"]


def test_checklist_ledgers(db: Any, records: dict[str, Any]) -> None:
    keys = [c.key for c in get_ledger("checklist").visible_columns()]
    rows = [dict(zip(keys, i.values)) for i in rows_of(db, "checklist") if isinstance(i, Row)]
    assert [r["title"] for r in rows] == ["修补路面", "整治楼道杂物"]
    assert rows[0]["status"] == "已逾期（未启动）" and "2025-06-05 已清理一半" in rows[1]["progress"]
    assert [r["title"] for r in (dict(zip(keys, i.values)) for i in
                                 rows_of(db, "checklist", filters={"status": "逾期"}) if isinstance(i, Row))] == ["修补路面"]
    nkeys = [c.key for c in get_ledger("checklist-notice").visible_columns()]
    masked = [dict(zip(nkeys, i.values)) for i in rows_of(db, "checklist-notice", masked=True) if isinstance(i, Row)]
    assert masked[0]["responsible_person"] == "张某"
    full = [dict(zip(nkeys, i.values)) for i in rows_of(db, "checklist-notice") if isinstance(i, Row)]
    assert full[0]["responsible_person"] == "张建国"


def test_consultations_ledger(db: Any, records: dict[str, Any]) -> None:
    keys = [c.key for c in get_ledger("consultations").visible_columns()]
    (row,) = [dict(zip(keys, i.values)) for i in rows_of(db, "consultations") if isinstance(i, Row)]
    assert row["staged"] == "第4/6步" and row["outcome"] == "达成一致" and row["decision"] == "同意加装"
    assert row["participants"] == "居民代表：甲、乙；物业：丙"


@pytest.mark.parametrize("key", ["meetings", "meeting-compliance", "consultations", "checklist", "checklist-notice"])
def test_export_xlsx_and_pdf(db: Any, records: dict[str, Any], tmp_path: Path, key: str) -> None:
    xlsx = export_ledger(db, key, "xlsx", tmp_path / f"{key}.xlsx", today=TODAY)
    ws = openpyxl.load_workbook(xlsx).active
    assert get_ledger(key).title in str(ws.cell(1, 1).value)
    pdf = export_ledger(db, key, "pdf", tmp_path / f"{key}.pdf", today=TODAY)
    assert pdf.stat().st_size > 1000
    if HAVE_PDFTOTEXT:
        assert get_ledger(key).title in pdf_text(pdf).replace(" ", "")


def test_minutes_pdf(db: Any, records: dict[str, Any], tmp_path: Path) -> None:
    out = meeting_minutes_pdf(db, records["meeting"], tmp_path / "minutes.pdf")
    assert out.read_bytes().startswith(b"%PDF")
    if HAVE_PDFTOTEXT:
        txt = pdf_text(out).replace(" ", "")
        for needle in ("会议记录", "研究楼道整治", "主持人（签字）", "记录人（签字）", "生病住院", "整治楼道杂物", "第1页共"):
            assert needle in txt


def test_consultation_pdf_with_stages(db: Any, records: dict[str, Any], tmp_path: Path) -> None:
    out = consultation_record_pdf(db, records["consultation"], tmp_path / "c.pdf")
    if HAVE_PDFTOTEXT:
        txt = pdf_text(out).replace(" ", "")
        for needle in ("协商议事记录", "加装电梯", "四议两公开", "党员大会审议", "三分之", "未开始"):
            assert needle in txt


def test_monthly_sections(db: Any, records: dict[str, Any], tmp_path: Path) -> None:
    with db.Session() as s:
        data = collect(s, 2025, 6, today=TODAY)
    by_key = {sec.key: blocks for sec, blocks in data.sections}
    meetings = by_key["meetings"]
    assert "本月共召开各类会议 1 次" in meetings[0].text
    table = meetings[1]
    first = next(r for r in table.rows if r[0] == "第一党支部")
    assert first[table.headers.index("支部党员大会")] == "1/1"
    assert "加装电梯" in str(by_key["consultations"][1].rows)
    text = by_key["checklist"][0].text
    assert "完成 0 项" in text and "逾期未完成 1 项" in text
    assert build_monthly_report(db, 2025, 6, tmp_path / "m.pdf", today=TODAY).stat().st_size > 1000
    assert build_monthly_report(db, 2025, 6, tmp_path / "m.xlsx", today=TODAY).exists()
