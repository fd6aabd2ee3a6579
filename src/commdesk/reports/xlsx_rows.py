"""A ledger's data rows as worksheet XML, spliced into the workbook XlsxWriter writes.

XlsxWriter spends ~10 µs on a cell (a cell object, dimension checks, one XML writer call per
attribute): 33 s of CPU for the 3.3 million cells of a street office's ledger (``xlsxwriter_floor``
in ``benchmarks/bench_reports.py``), against 40 s for the whole export. A ledger's data rows are plain, so :class:`SheetRows` writes them itself —
the ``<row>``/``<c>`` elements XlsxWriter writes in constant-memory mode, byte for byte (inline
strings with its escapes, numbers, Excel serial dates, the cell formats' style indexes) — into a
temporary file, ~1 µs a cell. XlsxWriter still writes everything else (title, header, merged
cells, column widths, styles, page setup, print titles); :func:`splice_rows` then puts the rows
into that workbook's ``<sheetData>``.

The one difference from XlsxWriter: a string that looks like ``<r>…</r>`` is escaped like any
other (XlsxWriter would copy it into the XML as a rich string, unescaped).
"""
from __future__ import annotations

import math
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from xlsxwriter.utility import xl_col_to_name

from commdesk.reports.cell_text import plain_text, text_converter
from commdesk.reports.ledger import Column

#: XlsxWriter's string limit (UTF-16 units); longer strings are cut, as ``write_string`` does.
STRING_MAX = 32767
_FLUSH_ROWS = 2000
_CACHE_LIMIT = 1024

# XlsxWriter's escapes (xmlwriter.py, utility.py): _xHHHH_ for control characters (and for text
# that already looks like one), xml:space="preserve" for leading/trailing whitespace, &<> in data.
_CONTROL_LOOKALIKE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_LEADING_SPACE = re.compile(r"^\s")
_TRAILING_SPACE = re.compile(r"\s$")
_ORDINAL_1899_12_31 = date(1899, 12, 31).toordinal()

#: (value, row number text) → the cell's XML, or "" for an empty cell
Encode = Callable[[Any, str], str]


def _utf16_truncate(text: str, limit: int) -> str:
    length = 0
    for index, char in enumerate(text):
        length += 2 if ord(char) > 0xFFFF else 1
        if length > limit:
            return text[:index]
    return text


def inline_string(text: str) -> str:
    """``<is><t>…</t></is>`` for a string, escaped exactly as XlsxWriter escapes it."""
    if not text:
        return "<is><t></t></is>"
    if len(text) > STRING_MAX // 2 and len(text.encode("utf-16-le", "surrogatepass")) // 2 > STRING_MAX:
        text = _utf16_truncate(text, STRING_MAX)
    if text.isprintable() and "_x" not in text and text[0] != " " and text[-1] != " ":
        # the usual cell: no control characters, no whitespace at either end
        if "&" in text or "<" in text or ">" in text:
            text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return "<is><t>" + text + "</t></is>"
    text = _CONTROL_LOOKALIKE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    preserve = bool(_LEADING_SPACE.search(text) or _TRAILING_SPACE.search(text))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return ("<is><t xml:space=\"preserve\">" if preserve else "<is><t>") + text + "</t></is>"


def excel_number(value: float | int) -> str:
    if value.__class__ is float and (math.isnan(value) or math.isinf(value)):
        raise TypeError("NAN/INF not supported in write_number() without 'nan_inf_to_errors' Workbook() option")
    return f"{value:.16G}"


def excel_date(value: date) -> str:
    """The serial number XlsxWriter's ``write_datetime`` writes for ``value`` as a ``datetime``
    (1900 date system, its leap-year bug; a datetime on 1900-01-01 is taken for a time of day)."""
    if isinstance(value, datetime):
        value = value.replace(tzinfo=None)
        delta = value - datetime(1899, 12, 31)
        serial = delta.days + (float(delta.seconds) + float(delta.microseconds) / 1e6) / 86400
        if value.isocalendar() == (1900, 1, 1):
            serial -= 1
        if serial > 59:
            serial += 1
        return f"{serial:.16G}"
    days = value.toordinal() - _ORDINAL_1899_12_31
    if days > 59:
        return str(days + 1)
    return "0" if days == 1 else str(days)


def display_width(text: str) -> int:
    """Width in Excel character units: a Chinese character counts two."""
    if text.isascii():
        return len(text)
    return len(text.encode("gbk", "replace"))


class SheetRows:
    """Data rows of one worksheet, as XML in a temporary file.

    ``style(column_index)`` / ``section_style()`` give a cell format's style index; they are asked
    the first time a column (or a section heading) writes a cell, which is when XlsxWriter itself
    would number the format, so the workbook's styles come out in XlsxWriter's order.
    ``widths`` (display widths per column) grow to fit what is written.
    """

    def __init__(self, columns: Sequence[Column], masked: bool, widths: list[int],
                 style: Callable[[int], int], section_style: Callable[[], int]) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile(prefix="commdesk-rows-")
        self.size = 0
        self.widths = widths
        self.ncol = len(columns)
        self._style = style
        self._section_style = section_style
        self._section_attr = ""
        self._letters = [xl_col_to_name(c) for c in range(self.ncol)]
        self.encoders = [self._encoder(c, col, masked) for c, col in enumerate(columns)]
        self._member = [(i, enc) for i, (enc, col) in enumerate(zip(self.encoders, columns)) if not col.group_level]
        self._buf: list[str] = []

    # -- one column ------------------------------------------------------------------------------
    def _encoder(self, c: int, column: Column, masked: bool) -> Encode:
        letter = self._letters[c]
        widths = self.widths
        head: list[str] = []          # [' s="N"'] once the format is numbered

        def open_cell() -> str:
            head.append(f' s="{self._style(c)}"')
            return head[0]

        cache: dict[str, str] = {}    # text → the cell's XML after its style (repeated values: 网格, 性别, …)

        def text_cell(row: str, text: str) -> str:
            tail = cache.get(text)
            if tail is None:
                if len(text) * 2 > widths[c]:
                    w = display_width(text)
                    if w > widths[c]:
                        widths[c] = w
                if len(cache) >= _CACHE_LIMIT:
                    cache.clear()
                tail = cache[text] = f' t="inlineStr">{inline_string(text)}</c>'
            return f'<c r="{letter}{row}"{head[0] if head else open_cell()}{tail}'

        kind = column.kind
        if kind == "date":
            def date_cell(value: Any, row: str) -> str:
                if value is None or value == "":
                    return ""
                if isinstance(value, date):
                    if widths[c] < 10:          # "0000-00-00"
                        widths[c] = 10
                    return f'<c r="{letter}{row}"{head[0] if head else open_cell()}><v>{excel_date(value)}</v></c>'
                return text_cell(row, str(value))
            return date_cell
        if kind in ("int", "number", "seq"):
            def number_cell(value: Any, row: str) -> str:
                if value is None or value == "":
                    return ""
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    text = str(value)
                    if len(text) * 2 > widths[c]:
                        w = display_width(text)
                        if w > widths[c]:
                            widths[c] = w
                    return f'<c r="{letter}{row}"{head[0] if head else open_cell()}><v>{excel_number(value)}</v></c>'
                return text_cell(row, str(value))
            return number_cell
        text_of = text_converter(column, masked)
        as_is = text_of is plain_text      # str values are their own text

        def string_cell(value: Any, row: str) -> str:
            if value is None:
                return ""
            text = value if as_is and value.__class__ is str else text_of(value)
            if not text:
                return ""
            tail = cache.get(text)
            if tail is None:
                return text_cell(row, text)
            return f'<c r="{letter}{row}"{head[0] if head else open_cell()}{tail}'
        return string_cell

    # -- rows --------------------------------------------------------------------------------------
    def row(self, index: int, values: Sequence[Any], first: bool) -> None:
        """Data row ``index`` (0-based); group-level columns are left empty unless ``first``."""
        r = str(index + 1)
        if first:
            cells = "".join([enc(v, r) for enc, v in zip(self.encoders, values)])
        else:
            cells = "".join([enc(values[i], r) for i, enc in self._member])
        if cells:
            self._buf.append(f'<row r="{r}">{cells}</row>')
            if len(self._buf) >= _FLUSH_ROWS:
                self.flush()

    def section(self, index: int, label: str) -> None:
        """A heading row: the label in the first cell, the other cells blank (merged by the caller)."""
        if not self._section_attr:
            self._section_attr = f' s="{self._section_style()}"'
        style = self._section_attr
        r = str(index + 1)
        first = (f'<c r="A{r}"{style} t="inlineStr">{inline_string(label)}</c>' if label
                 else f'<c r="A{r}"{style}/>')
        blanks = "".join(f'<c r="{letter}{r}"{style}/>' for letter in self._letters[1:])
        self._buf.append(f'<row r="{r}">{first}{blanks}</row>')

    def flush(self) -> None:
        if self._buf:
            data = "".join(self._buf).encode("utf-8")
            self.file.write(data)
            self.size += len(data)
            self._buf = []

    def close(self) -> None:
        self.file.close()


_ROW_TAG = re.compile(r'<row r="(\d+)"')


def splice_rows(book: IO[bytes], rows: SheetRows, out: Path, *, sheet: str = "xl/worksheets/sheet1.xml",
                first_row: int, end_row: int) -> None:
    """Write ``out``: the workbook ``book`` with the rows ``first_row`` ≤ r < ``end_row`` (1-based)
    of ``sheet`` replaced by ``rows``."""
    rows.flush()
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename != sheet:
                zout.writestr(info, data)
                continue
            xml = data.decode("utf-8")
            start = end = None
            for m in _ROW_TAG.finditer(xml):
                n = int(m.group(1))
                if start is None and n >= first_row:
                    start = m.start()
                if n >= end_row:
                    end = m.start()
                    break
            if end is None:
                end = xml.index("</sheetData>")
            if start is None:
                start = end
            head, tail = xml[:start].encode("utf-8"), xml[end:].encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, info.date_time)
            entry.compress_type = info.compress_type
            entry.external_attr = info.external_attr
            entry.file_size = len(head) + rows.size + len(tail)
            with zout.open(entry, "w") as fh:
                fh.write(head)
                rows.file.seek(0)
                shutil.copyfileobj(rows.file, fh, 1 << 20)
                fh.write(tail)
