"""TextPainter writes the operators reportlab would (same subset codes, escapes, widths); pages
spooled to a temporary file and a document written as it is formatted give the same PDF."""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from commdesk.reports.fonts import cjk_font
from commdesk.reports.pdf_text import TextPainter, compress_finished_page, fp, save_streaming

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF)
ANY = st.characters(blacklist_categories=("Cs",))
TEXTS = st.lists(st.text(st.one_of(CJK, ANY, st.sampled_from("()\\ 0123456789\xa0")), max_size=12), max_size=40)


def _reportlab_ops(canvas: Canvas, font_name: str, text: str, size: float) -> str:
    """The operators reportlab's own text path gives (splitString per subset, escapePDF)."""
    font, doc = pdfmetrics.getFont(font_name), canvas._doc
    parts: list[str] = []
    current = None
    for subset, chunk in font.splitString(text, doc):
        if subset != current:
            parts.append(f"{font.getSubsetInternalName(subset, doc)} {fp(size)} Tf")
            current = subset
        parts.append(f"({canvas._escape(chunk)}) Tj")
    return " ".join(parts)


@settings(max_examples=40, deadline=None, database=None)
@given(TEXTS)
def test_operators_and_widths_are_reportlabs(texts: list[str]) -> None:
    name = cjk_font().name
    ours, theirs = Canvas(io.BytesIO()), Canvas(io.BytesIO())
    painter = TextPainter(ours, name)
    many = "".join(chr(0x5000 + i) for i in range(600))    # > 256 distinct codes: several subsets
    for text in texts + [many, many[::-1] + "abc"]:
        if text:
            assert painter._encoded(text, 9.0) == _reportlab_ops(theirs, name, text, 9.0)
        assert painter.width(text, 7.5) == pdfmetrics.stringWidth(text, name, 1.0) * 7.5
    font = pdfmetrics.getFont(name)
    assert font.state[ours._doc].subsets == font.state[theirs._doc].subsets


def _normalised(data: bytes) -> bytes:
    data = re.sub(rb"\(D:[0-9+\-']+\)", b"(D:)", data)
    return re.sub(rb"\[<[0-9a-f]+><[0-9a-f]+>\]", b"[ID]", data)


def _draw(canvas: Canvas, spool: Any = None) -> None:
    painter = TextPainter(canvas, cjk_font().name)
    for page in range(3):
        for i in range(40):
            painter.text(50, 800 - i * 18, f"第{page}页 第{i}行 张建国 130102********1234", 9)
        painter.flush()
        canvas.showPage()
        compress_finished_page(canvas, spool)


def test_spooled_pages_and_streaming_save_give_the_same_file(tmp_path: Path) -> None:
    import tempfile

    plain = Canvas(str(tmp_path / "plain.pdf"), invariant=1)
    _draw(plain)
    plain.save()
    streamed = Canvas(str(tmp_path / "streamed.pdf"), invariant=1)
    with tempfile.TemporaryFile() as spool:
        _draw(streamed, spool)
        save_streaming(streamed, tmp_path / "streamed.pdf")
    assert _normalised((tmp_path / "streamed.pdf").read_bytes()) == _normalised((tmp_path / "plain.pdf").read_bytes())
    # a save elsewhere (another canvas, not streamed) still collects in memory as reportlab does
    other = Canvas(io.BytesIO())
    other.drawString(10, 10, "x")
    assert other.getpdfdata().startswith(b"%PDF")


def test_cancelled_pdf_export_closes_its_page_spool(db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from commdesk.reports import ExportCancelled, export_ledger, pdf_ledger
    from tests.test_reports_sample import build_sample

    build_sample(db, extra_households=40)
    spools: list[Any] = []
    original = pdf_ledger.LedgerPdf.write

    def write(self: Any, *a: Any, **k: Any) -> int:
        spools.append(self.spool)
        return original(self, *a, **{**k, "every": 1})
    monkeypatch.setattr(pdf_ledger.LedgerPdf, "write", write)
    with pytest.raises(ExportCancelled):
        export_ledger(db, "households", "pdf", tmp_path / "c.pdf", cancel=lambda: True)
    assert spools and spools[0].closed and not (tmp_path / "c.pdf").exists()
