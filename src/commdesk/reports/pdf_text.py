"""Fast text and line drawing on a reportlab canvas for big ledgers.

``canvas.drawString`` costs ~25 µs a call (a text object per string, font subset splitting every
time); a 300,000-row ledger draws ~4.5 million cells. :class:`TextPainter` keeps, per character,
its width and its code in reportlab's font subsets (assigned by reportlab, in the order reportlab
would assign them), so a string's width and its encoded PDF operators (subset font selection +
escaped glyph codes) are a few C-level passes over the string; it emits one ``BT … ET`` block
per page. It writes the same operators reportlab itself writes, through the canvas' operator
list, so fonts are subset and embedded by reportlab as usual.

:func:`compress_finished_page` deflates a page's content stream as soon as the page is done,
so a several-thousand-page document is held compressed (reportlab would keep every page's
operators as text until ``save``) — in a temporary file, with a ``spool``. :func:`save_streaming`
writes the document straight to its file (reportlab's ``save`` collects the whole file in memory
and joins it: twice its size, ~100 MB at the end of a street office's ledger).
"""
from __future__ import annotations

import zlib
from typing import IO, Any

import threading
from pathlib import Path

from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFArray, PDFName, PDFStream
from reportlab.pdfgen.canvas import Canvas

_CACHE_LIMIT = 20_000
#: A glyph code (one byte of a subset) as a PDF string escape, as reportlab's ``escapePDF`` writes it.
_ESCAPED = tuple(f"\\{c:03o}" if c < 32 or c >= 127 else ("\\" + chr(c) if chr(c) in "\\()" else chr(c))
                 for c in range(256))


def fp(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


class _CharWidths(dict):  # type: ignore[type-arg]
    """Character → advance width in 1/1000 em (the TrueType face's, as reportlab measures)."""

    def __init__(self, face: Any) -> None:
        super().__init__()
        self.get_width = face.charWidths.get
        self.default = face.defaultWidth

    def __missing__(self, ch: str) -> float:
        w = self[ch] = self.get_width(ord(ch), self.default)
        return w


class TextPainter:
    def __init__(self, canvas: Canvas, font_name: str) -> None:
        self.canvas = canvas
        self.font_name = font_name
        self.font = pdfmetrics.getFont(font_name)
        self._ops: dict[tuple[str, float], str] = {}
        self._widths: dict[str, float] = {}
        self._buf: list[str] = []
        face = getattr(self.font, "face", None)
        self.ascent = (getattr(face, "ascent", 880) or 880) / 1000.0
        self._dynamic = bool(getattr(self.font, "_dynamicFont", False))
        self._char_w = _CharWidths(face) if self._dynamic else None
        self._subset: dict[str, int] = {}      # character → its subset of the font (in this document)
        self._codes: dict[int, str] = {}       # ord(character) → its escaped code in that subset
        self._font_ops: dict[tuple[int, float], str] = {}

    # -- metrics ---------------------------------------------------------------------------------
    def width(self, text: str, size: float) -> float:
        if self._char_w is not None:
            # reportlab: 0.001 * size * sum(widths); the same sum in the same order, the same float
            return 0.001 * sum(map(self._char_w.__getitem__, text)) * size
        w = self._widths.get(text)
        if w is None:
            if len(self._widths) > _CACHE_LIMIT:
                self._widths.clear()
            w = pdfmetrics.stringWidth(text, self.font_name, 1.0)
            self._widths[text] = w
        return w * size

    def char_width(self, ch: str, size: float) -> float:
        if self._char_w is not None:
            return 0.001 * self._char_w[ch] * size
        return pdfmetrics.stringWidth(ch, self.font_name, 1.0) * size

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
            if self._dynamic:
                ops = self._encode(text, size)
            else:  # CID fallback font
                font, canvas = self.font, self.canvas
                ops = (f"{canvas._doc.getInternalFontName(self.font_name)} {fp(size)} Tf"
                       f" ({font.formatForPdf(text)}) Tj")
            self._ops[key] = ops
        return ops

    def _learn(self, ch: str) -> None:
        """Have reportlab give ``ch`` its code (a subset and a byte), as ``splitString`` would."""
        ((subset, code),) = self.font.splitString(ch, self.canvas._doc)
        self._subset[ch] = subset
        self._codes[ord(ch)] = _ESCAPED[code[0]]

    def _font_op(self, subset: int, size: float) -> str:
        op = self._font_ops.get((subset, size))
        if op is None:
            name = self.font.getSubsetInternalName(subset, self.canvas._doc)
            op = self._font_ops[(subset, size)] = f"{name} {fp(size)} Tf"
        return op

    def _encode(self, text: str, size: float) -> str:
        """``/F1+0 9 Tf (…) Tj`` — what reportlab's ``splitString`` and ``escapePDF`` give, per run
        of characters in one subset."""
        if not text:
            return ""
        subset_of = self._subset
        if not subset_of.keys() >= set(text):
            for ch in text:                 # new characters in order: the codes reportlab would give
                if ch not in subset_of:
                    self._learn(ch)
        subsets = set(map(subset_of.__getitem__, text))
        if len(subsets) == 1:
            return f"{self._font_op(subsets.pop(), size)} ({text.translate(self._codes)}) Tj"
        parts: list[str] = []
        codes = self._codes
        current = -1
        run: list[str] = []
        for ch in text:
            subset = subset_of[ch]
            if subset != current:
                if run:
                    parts.append(f"({''.join(run)}) Tj")
                    run = []
                parts.append(self._font_op(subset, size))
                current = subset
            run.append(codes[ord(ch)])
        parts.append(f"({''.join(run)}) Tj")
        return " ".join(parts)

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


class _SpooledStream(PDFStream):
    """A content stream kept in a temporary file until reportlab writes the document."""

    def __init__(self, spool: IO[bytes], offset: int, length: int) -> None:
        self._spool, self._offset, self._length = spool, offset, length
        super().__init__()

    @property  # type: ignore[override]
    def content(self) -> bytes:
        self._spool.seek(self._offset)
        return self._spool.read(self._length)

    @content.setter
    def content(self, value: bytes | None) -> None:
        if value is not None:
            raise AttributeError("a spooled stream's content is in its file")


def compress_finished_page(canvas: Canvas, spool: IO[bytes] | None = None) -> None:
    """Deflate the content stream of the page just finished by ``showPage``; with ``spool`` (a
    temporary file) the deflated stream waits there, not in memory, until the document is saved."""
    page = canvas._doc.Pages.pages[-1]
    stream = page.stream
    if not stream or page.Contents:
        return
    data = stream.encode("latin-1") if isinstance(stream, str) else stream
    packed = zlib.compress(data, 6)
    if spool is None:
        content = PDFStream(content=packed)
    else:
        offset = spool.seek(0, 2)
        spool.write(packed)
        content = _SpooledStream(spool, offset, len(packed))
    content.dictionary["Filter"] = PDFArray([PDFName("FlateDecode")])
    page.Contents = content
    page.stream = None


_SINK = threading.local()


class _PdfFileSink(pdfdoc.PDFFile):
    """reportlab's output collector; while :func:`save_streaming` runs in this thread, what it
    collects goes straight to the file (elsewhere it is reportlab's own ``PDFFile``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sink = getattr(_SINK, "file", None)
        if sink is not None:
            for piece in self.strings:     # the header written by PDFFile.__init__
                sink.write(piece)
            self.strings = []              # ``format`` joins nothing: the file has it all
            self.write = sink.write


if not issubclass(pdfdoc.PDFFile, _PdfFileSink):
    pdfdoc.PDFFile = _PdfFileSink  # type: ignore[misc]   # PDFDocument.format looks it up here


def save_streaming(canvas: Canvas, path: Path | str) -> None:
    """``canvas.save()``, writing the document to ``path`` as it is formatted."""
    if len(canvas._code):
        canvas.showPage()
    with open(path, "wb") as fh:
        _SINK.file = fh
        try:
            canvas._doc.SaveToFile(fh, canvas)
        finally:
            _SINK.file = None
