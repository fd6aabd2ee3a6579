"""The monthly report (PDF and workbook), its sections and the registration point."""
from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from commdesk.errors import UserError
from commdesk.reports import build_monthly_report, register_section
from commdesk.reports.monthly import Chart, ReportSection, Table, Text, collect, sections
from tests.test_reports_pdf import assert_fonts_embedded, pdf_pages, pdf_text, squeeze
from tests.test_reports_sample import build_sample

TODAY = date(2024, 6, 3)


def _texts(wb: Any) -> list[str]:
    return [c.value for c in wb.worksheets[0]["A"] if isinstance(c.value, str)]


def test_figures(db: Any) -> None:
    build_sample(db)
    with db.Session() as s:
        data = collect(s, 2024, 5, TODAY)
    assert data.title == "幸福里社区人口情况月报（2024年5月）"
    by_key = {sec.key: blocks for sec, blocks in data.sections}
    assert list(by_key)[:5] == ["overview", "grids", "changes", "key-groups", "age"]
    overview = dict((r[0], r[1]) for r in by_key["overview"][1].rows)
    assert overview["户数（户）"] == 3 and overview["在住人口（人）"] == 6
    assert overview["本月迁入（人）"] == 1 and overview["本月死亡（人）"] == 1
    grid_table = by_key["grids"][0]
    assert grid_table.rows[0][:4] == ["第一网格", "王网格", 2, 4] and grid_table.rows[-1][2:4] == [3, 6]
    lists = [b for b in by_key["changes"] if isinstance(b, Table) and "名单" in b.title]
    assert [t.title for t in lists] == ["本月迁入人员名单（1人）", "本月迁出人员名单（1人）", "本月出生人员名单（1人）",
                                        "本月死亡人员名单（1人）"]
    assert "王小明" in lists[0].rows[0]
    key_table = by_key["key-groups"][0]
    assert [r[0] for r in key_table.rows] == ["低保", "独居老人", "残疾人", "退役军人"]
    age = by_key["age"][0]
    assert age.rows[-1][3] == 6 and [r[0] for r in age.rows][:2] == ["0-6岁", "7-17岁"]
    assert any(isinstance(b, Chart) and b.kind == "pie" for b in by_key["age"])


def test_monthly_pdf(db: Any, tmp_path: Path) -> None:
    build_sample(db)
    out = build_monthly_report(db, 2024, 5, tmp_path / "m.pdf", today=TODAY)
    pages = pdf_pages(out)
    text = squeeze(pdf_text(out))
    for needle in ("幸福里社区人口情况月报（2024年5月）", "一、基本情况", "二、各网格户数与人口", "三、本月人口变动",
                   "本月迁入人员名单（1人）", "王小明", "四、重点人群", "五、年龄结构", "80岁及以上",
                   f"第1页共{pages}页"):
        assert needle in text, needle
    assert "填表人" in pdf_text(out, pages) and "社区（盖章）" in squeeze(pdf_text(out, pages))
    assert_fonts_embedded(out)


def test_monthly_workbook_with_native_charts(db: Any, tmp_path: Path) -> None:
    build_sample(db)
    out = build_monthly_report(db, 2024, 5, tmp_path / "m.xlsx", today=TODAY)
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    assert ws["A1"].value == "幸福里社区人口情况月报（2024年5月）"
    texts = _texts(wb)
    assert "一、基本情况" in texts and "五、年龄结构" in texts and "本月迁入人员名单（1人）" in texts
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
    assert wb.worksheets[1].sheet_state == "hidden"
    with zipfile.ZipFile(out) as z:
        charts = [n for n in z.namelist() if re.match(r"xl/charts/chart\d+\.xml", n)]
        assert len(charts) >= 4
        kinds = "".join(z.read(n).decode() for n in charts)
    assert "<c:pieChart>" in kinds and "<c:barChart>" in kinds


def test_registered_section_appears(db: Any, tmp_path: Path) -> None:
    build_sample(db)

    def build(session: Any, ctx: Any) -> list[Any]:
        return [Text(f"{ctx.label}召开支部党员大会1次。"), Table("会议情况", ["类型", "次数"], [["支部党员大会", 1]])]

    register_section(ReportSection("test-party", "测试章节", build, order=10_000))
    try:
        keys = [s.key for s in sections()]
        assert keys[-1] == "test-party"  # ordered by ``order``, after every built-in section
        numeral = "一二三四五六七八九十"[len(keys) - 1] if len(keys) <= 10 else "十" + "一二三四五六七八九"[len(keys) - 11]
        heading = f"{numeral}、测试章节"
        pdf = build_monthly_report(db, 2024, 5, tmp_path / "m.pdf", today=TODAY)
        assert heading in squeeze(pdf_text(pdf)) and "召开支部党员大会1次" in squeeze(pdf_text(pdf))
        xlsx = build_monthly_report(db, 2024, 5, tmp_path / "m.xlsx", today=TODAY)
        assert heading in _texts(openpyxl.load_workbook(xlsx))
    finally:
        from commdesk.reports import monthly

        monthly._SECTIONS.pop("test-party")


def test_empty_database_and_bad_suffix(db: Any, tmp_path: Path) -> None:
    out = build_monthly_report(db, 2024, 5, tmp_path / "m.pdf", today=TODAY)
    assert "（未设置社区名称）" in squeeze(pdf_text(out))
    with pytest.raises(UserError, match=r"\.pdf 或 \.xlsx"):
        build_monthly_report(db, 2024, 5, tmp_path / "m.docx")
