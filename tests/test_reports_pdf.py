"""Ledger PDFs read back with poppler: text (Chinese), page count, embedded fonts, page numbers,
signature block on the last page, households kept on one page."""
from __future__ import annotations

import re
import shutil
import subprocess
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from commdesk.reports import ExportCancelled, export_ledger
from tests.test_reports_sample import MALICIOUS, build_sample

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdffonts"),
                                reason="poppler-utils not installed")
TODAY = date(2024, 6, 3)


def pdf_pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))  # type: ignore[union-attr]


def pdf_text(path: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_fonts_embedded(path: Path) -> None:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows, out
    for row in rows:
        cols = row.split()
        # name type [type] encoding emb sub uni object ID: emb is the 5th column from the right
        assert cols[-5] == "yes", out


def test_households_pdf_text_fonts_numbers_signature(db: Any, tmp_path: Path) -> None:
    build_sample(db, extra_households=60)
    out = export_ledger(db, "households", "pdf", tmp_path / "h.pdf", today=TODAY)
    pages = pdf_pages(out)
    assert pages >= 3
    assert_fonts_embedded(out)
    first = pdf_text(out, 1)
    assert "居民户信息台账" in first and "填报单位：幸福里社区" in squeeze(first)
    assert "填报日期：2024年6月3日" in squeeze(first)
    assert "张建国" in first and "130102********" in first and "138****5678" in first
    assert "13812345678" not in pdf_text(out)          # masked by default
    for page in range(1, pages + 1):
        text = pdf_text(out, page)
        assert "公民身份号码" in text                   # header row on every page
        assert f"第{page}页共{pages}页" in squeeze(text)
        assert ("填表人" in text) == (page == pages)     # signature block on the last page only
    last = squeeze(pdf_text(out, pages))
    assert "审核人" in last and "社区（盖章）" in last and "日期" in last


def test_households_are_not_split_across_pages(db: Any, tmp_path: Path) -> None:
    build_sample(db, extra_households=150)
    out = export_ledger(db, "households", "pdf", tmp_path / "h.pdf")
    where: dict[str, set[int]] = defaultdict(set)
    for page in range(1, pdf_pages(out) + 1):
        for hh, _member in re.findall(r"居民(\d+)号(\d+)", pdf_text(out, page)):
            where[hh].add(page)
    assert len(where) == 150
    assert all(len(pages) == 1 for pages in where.values()), {k: v for k, v in where.items() if len(v) > 1}


def test_full_pdf_and_malicious_text_is_plain_text(db: Any, tmp_path: Path) -> None:
    build_sample(db)
    out = export_ledger(db, "households", "pdf", tmp_path / "h.pdf", masked=False)
    text = squeeze(pdf_text(out))
    assert "13812345678" in text
    # (long values wrap inside their cell, so look for a leading piece of each)
    for bad in ("+cmd|", MALICIOUS[2], MALICIOUS[3], "=HYPERLINK"):
        assert bad in text


def test_changes_and_key_groups_pdf(db: Any, tmp_path: Path) -> None:
    build_sample(db)
    out = export_ledger(db, "changes", "pdf", tmp_path / "c.pdf", month=(2024, 5))
    text = squeeze(pdf_text(out))
    assert "人口变动情况（2024年5月）" in text
    assert "迁出（本月共1人）" in text and "天津市" in text and "四月不算" not in text
    assert_fonts_embedded(out)
    out = export_ledger(db, "key-groups", "pdf", tmp_path / "k.pdf")
    text = squeeze(pdf_text(out))
    assert "重点人群台账" in text and "低保（1人）" in text and "退役军人（1人）" in text


def test_portrait_when_narrow(db: Any, tmp_path: Path) -> None:
    build_sample(db)
    out = export_ledger(db, "households", "pdf", tmp_path / "p.pdf", columns=["household_no", "name", "gender"])
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())  # type: ignore[union-attr]
    assert w < h
    out = export_ledger(db, "households", "pdf", tmp_path / "l.pdf")
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())  # type: ignore[union-attr]
    assert w > h


def test_progress_and_cancel(db: Any, tmp_path: Path) -> None:
    build_sample(db, extra_households=300)
    seen: list[tuple[int, int | None]] = []
    export_ledger(db, "households", "pdf", tmp_path / "a.pdf", progress=lambda d, t: seen.append((d, t)))
    assert len(seen) >= 2 and seen[-1][0] == seen[-1][1]
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return True
    with pytest.raises(ExportCancelled):
        export_ledger(db, "households", "pdf", tmp_path / "b.pdf", cancel=cancel)
    assert calls and not (tmp_path / "b.pdf").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_font_fallbacks(tmp_path: Path) -> None:
    from commdesk.paths import font_path
    from commdesk.reports.fonts import FALLBACK_CID, cjk_font

    assert cjk_font(candidates=[(tmp_path / "missing.ttf", 0)]).name == FALLBACK_CID
    bundled = cjk_font(candidates=[(tmp_path / "missing.ttf", 0), (font_path(), 0)])
    assert bundled.embedded and bundled.source.endswith("wqy-microhei.ttc")
    assert cjk_font().embedded
