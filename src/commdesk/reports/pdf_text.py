"""Fast text and line drawing on a reportlab canvas for big ledgers.

``canvas.drawString`` costs ~25 µs a call (a text object per string, font subset splitting every
time); a 300,000-row ledger draws ~4.5 million cells. :class:`TextPainter` caches, per distinct
string, the encoded PDF operators (subset font selection + escaped glyph codes) and the width,
and emits one ``BT … ET`` block per page. It writes the same operators reportlab itself writes,
through the canvas' operator list, so fonts are subset and embedded by reportlab as usual.

:func:`compress_finished_page` deflates a page's content stream as soon as the page is done,
so a several-thousand-page document is held compressed (reportlab would keep every page's
operators as text until ``save``).
"""
from __future__ import annotations

import zlib

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFArray, PDFName, PDFStream
from reportlab.pdfgen.canvas import Canvas

_CACHE_LIMIT = 20_000


def fp(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


class TextPainter:
    def __init__(self, canvas: Canvas, font_name: str) -> None:
        self.canvas = canvas
        self.font_name = font_name
        self.font = pdfmetrics.getFont(font_name)
        self._ops: dict[tuple[str, float], str] = {}
        self._widths: dict[str, float] = {}
        self._char_w: dict[str, float] = {}
        self._buf: list[str] = []
        face = getattr(self.font, "face", None)
        self.ascent = (getattr(face, "ascent", 880) or 880) / 1000.0

    # -- metrics ---------------------------------------------------------------------------------
    def width(self, text: str, size: float) -> float:
        w = self._widths.get(text)
        if w is None:
            if len(self._widths) > _CACHE_LIMIT:
                self._widths.clear()
            w = pdfmetrics.stringWidth(text, self.font_name, 1.0)
            self._widths[text] = w
        return w * size

    def char_width(self, ch: str, size: float) -> float:
        w = self._char_w.get(ch)
        if w is None:
            w = pdfmetrics.stringWidth(ch, self.font_name, 1.0)
            self._char_w[ch] = w
        return w * size

    def wrap(self, text: str, size: float, avail: float) -> list[str]:
        """Lines of ``text`` no wider than ``avail`` (character-level breaks, as Chinese allows)."""
        if not text:
            return [""]
        if "\n" not in text and (len(text) * size <= avail or self.width(text, size) <= avail):
            return [text]
        lines: list[str] = []
        for para in text.split("\n"):
            line, line_w = [], 0.0
            for ch in para:
                cw = self.char_width(ch, size)
                if line and line_w + cw > avail:
                    lines.append("".join(line))
                    line, line_w = [], 0.0
                line.append(ch)
                line_w += cw
            lines.append("".join(line))
        return lines

    # -- drawing ---------------------------------------------------------------------------------
    def _encoded(self, text: str, size: float) -> str:
        key = (text, size)
        ops = self._ops.get(key)
        if ops is None:
            if len(self._ops) > _CACHE_LIMIT:
                self._ops.clear()
            font, canvas = self.font, self.canvas
            parts: list[str] = []
            if font._dynamicFont:
                doc = canvas._doc
                current = None
                for subset, chunk in font.splitString(text, doc):
                    if subset != current:
                        parts.append(f"{font.getSubsetInternalName(subset, doc)} {fp(size)} Tf")
                        current = subset
                    parts.append(f"({canvas._escape(chunk)}) Tj")
            else:  # CID fallback font
                parts.append(f"{canvas._doc.getInternalFontName(self.font_name)} {fp(size)} Tf")
                parts.append(f"({font.formatForPdf(text)}) Tj")
            ops = " ".join(parts)
            self._ops[key] = ops
        return ops

    def text(self, x: float, y: float, text: str, size: float, align: str = "left") -> None:
        if not text:
            return
        if align != "left":
            w = self.width(text, size)
            x = x - w if align == "right" else x - w / 2.0
        self._buf.append("1 0 0 1 %.2f %.2f Tm %s" % (x, y, self._encoded(text, size)))

    def bold_text(self, x: float, y: float, text: str, size: float, align: str = "left") -> None:
        """Fake bold (fill + thin stroke): the CJK fonts have no bold face."""
        self.flush()
        self._buf.append(f"2 Tr {fp(size / 30.0)} w")
        self.text(x, y, text, size, align)
        self._buf.append("0 Tr")
        self.flush()

    def flush(self) -> None:
        if self._buf:
            self.canvas._code.append("BT " + "\n".join(self._buf) + " ET")
            self._buf = []


def wrap_text(text: str, font_name: str, size: float, avail: float) -> list[str]:
    """Character-level line breaks so ``text`` fits ``avail`` points (for plain-string table cells)."""
    if not text or ("\n" not in text and len(text) * size <= avail):
        return [text]
    if "\n" not in text and pdfmetrics.stringWidth(text, font_name, size) <= avail:
        return [text]
    lines: list[str] = []
    for para in text.split("\n"):
        line, width = "", 0.0
        for ch in para:
            cw = pdfmetrics.stringWidth(ch, font_name, size)
            if line and width + cw > avail:
                lines.append(line)
                line, width = "", 0.0
            line += ch
            width += cw
        lines.append(line)
    return lines


def draw_lines(canvas: Canvas, segments: list[tuple[float, float, float, float]], width: float = 0.5) -> None:
    if not segments:
        return
    path = "\n".join(["%.2f %.2f m %.2f %.2f l" % seg for seg in segments])
    canvas._code.append(f"q {fp(width)} w 0 0 0 RG\n{path}\nS Q")


def fill_rect(canvas: Canvas, x: float, y: float, w: float, h: float, gray: float) -> None:
    canvas._code.append(f"q {fp(gray)} g {fp(x)} {fp(y)} {fp(w)} {fp(h)} re f Q")


def compress_finished_page(canvas: Canvas) -> None:
    """Deflate the content stream of the page just finished by ``showPage``."""
    page = canvas._doc.Pages.pages[-1]
    stream = page.stream
    if not stream or page.Contents:
        return
    data = stream.encode("latin-1") if isinstance(stream, str) else stream
    content = PDFStream(content=zlib.compress(data, 6))
    content.dictionary["Filter"] = PDFArray([PDFName("FlateDecode")])
    page.Contents = content
    page.stream = None
