"""Reading a register into rows of cell values: python-calamine for .xlsx/.xls, ``csv`` for text.

``open_source(path)`` sniffs the real type (``sniff.py``) and returns a ``Source`` whose sheets
yield ``(row_index, cells)`` with 0-based absolute row indices and cells padded from column A,
so that merged ranges (absolute coordinates) and reported row numbers (``row_index + 1``) agree
with what the user sees in Excel.

Cell values are what calamine returns: ``str``, ``float``/``int``, ``bool``, ``date``/``datetime``
(date-formatted cells), the cached value of a formula cell. Text that looks like a formula is just
text: nothing is ever evaluated.

Hostile input is bounded: calamine never expands XML entities (a billion-laughs file fails as
XML), a worksheet whose XML claims a million (empty) rows is pre-scanned in a streaming pass
and its empty rows dropped before calamine builds the cell range, so memory stays bounded; rows
after a gap of ``MAX_EMPTY_GAP`` empty rows are ignored with a warning.
"""
from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.importers.hidden import Hidden, HiddenScan, column_letter
from commdesk.importers.hidden_xls import scan_hidden_xls
from commdesk.importers.sniff import password_message, sniff

log = logging.getLogger("commdesk.import")

#: Rows after this many consecutive empty rows are ignored (with a warning).
MAX_EMPTY_GAP = 10_000
#: A worksheet whose used range (rows × columns, as calamine would allocate it) is larger is
#: refused before it is loaded: a few cells spread to XFD1048576 would ask for 17 billion cells.
MAX_CELLS = 40_000_000
#: A CSV field longer than this is refused with its row (no register cell is a megabyte).
MAX_CSV_FIELD = 1_000_000
#: What a damaged zip (a flipped byte in a deflate stream, a cut-off member) raises while read.
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError)
#: Worksheets claiming more rows than this (or with no dimension and very large XML) are pre-scanned.
PRESCAN_ROWS = 250_000
PRESCAN_BYTES = 120_000_000
_CHUNK = 4 << 20
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]*)\$?(\d*)(?::\$?([A-Z]+)\$?(\d+))?"')
_CELL_COLUMN = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]+)\d')
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_ROW_NUM = re.compile(rb'\br="(\d+)"')
_V_VALUE = re.compile(rb"<v>[^<]")
_T_VALUE = re.compile(rb"<t(?:\s[^>]*)?>[^<]*[^\s<]")
_F_VALUE = re.compile(rb"<f[\s>]")
_SHEET_DATA_OPEN = re.compile(rb"<(?:\w+:)?sheetData\b[^>]*?(/?)>")
_SHEET_DATA_CLOSE = re.compile(rb"</(?:\w+:)?sheetData>")


@dataclass
class SourceSheet:
    """One worksheet. ``rows()`` may be iterated more than once."""

    name: str
    index: int
    visible: bool = True
    height: int = 0
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    file_name: str = ""            # the file's name, for messages
    _calamine: Any = None
    _csv_text: str | None = None
    _csv_dialect: Any = None

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        if self._csv_text is not None:
            yield from self._csv_rows()
            return
        sheet = self._calamine
        start_row, start_col = sheet.start if sheet.start else (0, 0)
        pad = [""] * start_col
        for i, row in enumerate(sheet.iter_rows()):
            yield start_row + i, (pad + row) if start_col else row


    def _csv_rows(self) -> Iterator[tuple[int, list[Any]]]:
        reader = csv.reader(io.StringIO(self._csv_text or ""), self._csv_dialect)
        limit = csv.field_size_limit()
        csv.field_size_limit(MAX_CSV_FIELD)
        try:
            i = 0
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise UserError(_("无法导入“{name}”：第 {row} 行有一个超长或引号不配对的单元格（超过 {n} 万个字符），"
                                      "文件可能已损坏").format(name=self.file_name or self.name, row=reader.line_num,
                                                          n=MAX_CSV_FIELD // 10_000),
                                    detail=str(exc)[:200]) from exc
                # ="13010219900101123X": how web systems force Excel to keep a number as text
                yield i, [c[2:-1] if c[:2] == '="' and c[-1:] == '"' and len(c) > 2 else c for c in row]
                i += 1
        finally:
            csv.field_size_limit(limit)


@dataclass
class Source:
    path: Path
    kind: str                    # xlsx / xls / csv
    sheets: list[SourceSheet]
    encoding: str = ""
    warnings: list[str] = field(default_factory=list)
    hidden_scan: HiddenScan | None = None

    def hidden(self, sheet: str) -> Hidden | None:
        """Hidden rows and columns of a sheet; ``None`` where the format does not say (CSV)."""
        return self.hidden_scan.get(sheet) if self.hidden_scan is not None else None

    def close(self) -> None:
        for sheet in self.sheets:
            sheet._calamine = None
        if self.hidden_scan is not None:
            self.hidden_scan.close()

    def load_times(self) -> tuple[float, float]:
        """Wall and CPU seconds spent so far loading sheets (calamine parses a sheet on first use)."""
        sheets = [s for s in self.sheets if isinstance(s, _LazySheet)]
        return sum(s.load_wall for s in sheets), sum(s.load_cpu for s in sheets)


def open_source(path: str | Path) -> Source:
    path = Path(path)
    kind = sniff(path)
    if kind == "csv":
        return _open_csv(path)
    return _open_calamine(path, kind)


# --- CSV -------------------------------------------------------------------------------------

def _decode(path: Path, data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise UserError(_("无法导入“{name}”：无法识别文件的文字编码（不是 UTF-8 也不是 GBK），"
                          "请在 Excel 中另存为 .xlsx 后再导入").format(name=path.name)) from exc


def _open_csv(path: Path) -> Source:
    data = path.read_bytes()
    text, encoding = _decode(path, data)
    del data
    if "\x00" in text[:4096]:
        raise UserError(_("无法导入“{name}”：不是 Excel 表格或 CSV 文件（无法识别的二进制格式）").format(name=path.name))
    sample = text[:16384]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    if getattr(dialect, "delimiter", ",") not in ",\t;|":
        dialect = csv.excel
    height = text.count("\n") + 1
    sheet = SourceSheet(name=path.stem, index=0, height=height, file_name=path.name, _csv_text=text,
                        _csv_dialect=dialect)
    return Source(path=path, kind="csv", sheets=[sheet], encoding=encoding)


# --- xlsx / xls --------------------------------------------------------------------------------

def _broken(path: Path, exc: BaseException) -> UserError:
    return UserError(_("无法导入“{name}”：文件已损坏或格式不正确，Excel 也可能打不开它。请重新获取原文件"
                       "（或在 Excel 中另存为 .xlsx）").format(name=path.name), detail=str(exc)[:200])


#: The extensions each real format is saved under.
_EXTENSIONS = {"xlsx": ("xlsx", "xlsm", "xltx", "xltm"), "xls": ("xls", "xlt", "et")}


def _open_calamine(path: Path, kind: str) -> Source:
    import python_calamine as pc

    warnings: list[str] = []
    # runs while calamine parses
    hidden_scan = HiddenScan(path) if kind == "xlsx" else HiddenScan(path, scan_hidden_xls)
    # a workbook saved under the other extension (.xlsx named .xls, or the reverse) is read as
    # what it is; calamine picks its parser by the extension of a path, by the content of a stream
    misnamed = path.suffix.lower().lstrip(".") not in _EXTENSIONS[kind]
    if misnamed:
        warnings.append(_("“{name}”实际是 .{kind} 格式的文件，扩展名不对；已按 .{kind} 读取").format(
            name=path.name, kind=kind))
    try:
        if kind == "xlsx":
            prepared = _prescan_xlsx(path, warnings)
            if prepared is not None:
                workbook = pc.CalamineWorkbook.from_filelike(prepared)
            elif misnamed:
                workbook = pc.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
            else:
                workbook = pc.CalamineWorkbook.from_path(str(path))
        else:
            workbook = pc.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes())) if misnamed \
                else pc.CalamineWorkbook.from_path(str(path))
        metas = list(workbook.sheets_metadata)
    except BaseException as exc:
        if hidden_scan is not None:
            hidden_scan.close()
        if isinstance(exc, pc.PasswordError):
            raise password_message(path) from exc
        if isinstance(exc, UserError):
            raise
        if isinstance(exc, (pc.CalamineError, OSError, ValueError, *_DAMAGED)):
            if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
                raise password_message(path) from exc
            raise _broken(path, exc) from exc
        raise
    sheets: list[SourceSheet] = []
    for index, meta in enumerate(metas):
        if "worksheet" not in str(meta.typ).lower():
            continue  # chart sheets, dialogs, macros
        visible = str(meta.visible).lower().rsplit(".", 1)[-1] == "visible"
        sheets.append(_LazySheet(name=meta.name, index=index, visible=visible, _workbook=workbook,
                                 _path=path))
    return Source(path=path, kind=kind, sheets=sheets, warnings=warnings, hidden_scan=hidden_scan)


@dataclass
class _LazySheet(SourceSheet):
    """Loads its cell range from calamine on first use (one sheet in memory at a time is typical)."""

    _workbook: Any = None
    _path: Path | None = None
    _loaded: bool = False
    load_wall: float = 0.0
    load_cpu: float = 0.0

    def load(self) -> None:
        if self._loaded:
            return
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            self._load()
        finally:
            self.load_wall += time.perf_counter() - wall
            self.load_cpu += time.process_time() - cpu

    def _load(self) -> None:
        import python_calamine as pc

        try:
            sheet = self._workbook.get_sheet_by_name(self.name)
            merged = sheet.merged_cell_ranges or []
        except pc.PasswordError as exc:
            raise password_message(self._path) from exc  # type: ignore[arg-type]
        except (pc.CalamineError, ValueError) as exc:
            raise UserError(_("无法导入“{name}”：工作表“{sheet}”已损坏或格式不正确").format(
                name=self._path.name if self._path else "", sheet=self.name), detail=str(exc)[:200]) from exc
        self._calamine = sheet
        self.height = (sheet.start[0] if sheet.start else 0) + sheet.height
        self.merged = [(a[0], a[1], b[0], b[1]) for a, b in merged]
        self._loaded = True

    def unload(self) -> None:
        self._calamine = None
        self._loaded = False

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        self.load()
        if self._calamine is None or self._calamine.height == 0:
            return iter(())
        return super().rows()


def _sheet_members(zf: zipfile.ZipFile) -> list[str]:
    return [n for n in zf.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]


def column_number(letters: bytes | str) -> int:
    """1-based column number of ``A`` … ``XFD``."""
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode("ascii"):
        n = n * 26 + ord(ch) - 64
    return n


def _claimed_extent(zf: zipfile.ZipFile, member: str) -> tuple[int, int]:
    """(last row, last column) the worksheet's ``<dimension>`` claims; (-1, -1) without one."""
    with zf.open(member) as fh:
        head = fh.read(4096)
    match = _DIMENSION.search(head)
    if not match:
        return -1, -1
    rows = int(match.group(4) or match.group(2) or 0)
    cols = column_number(match.group(3) or match.group(1) or b"A")
    return rows, cols


def _prescan_xlsx(path: Path, warnings: list[str]) -> io.BytesIO | None:
    """A trimmed copy of the workbook when a worksheet claims a huge number of rows, else None."""
    with zipfile.ZipFile(path) as zf:
        suspicious = []
        for member in _sheet_members(zf):
            info = zf.getinfo(member)
            rows, cols = _claimed_extent(zf, member)
            if rows > PRESCAN_ROWS or rows * cols > MAX_CELLS or (rows < 0 and info.file_size > PRESCAN_BYTES) \
                    or info.file_size > 4 * PRESCAN_BYTES:
                suspicious.append(member)
        if not suspicious:
            return None
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
            for info in zf.infolist():
                if info.filename in suspicious:
                    data, note = _trim_sheet_xml(zf, info.filename, path)
                    if note:
                        warnings.append(note)
                    dst.writestr(info.filename, data)
                else:
                    dst.writestr(info, zf.read(info.filename))
    out.seek(0)
    return out


def _value_positions(region: bytes) -> list[int]:
    """Offsets of the cells holding a value: ``<v>x``, inline ``<t>x`` or a formula ``<f``."""
    found = [m.start() for m in _V_VALUE.finditer(region)]
    found += [m.start() for m in _T_VALUE.finditer(region)]
    found += [m.start() for m in _F_VALUE.finditer(region)]
    return sorted(found)


def _trim_sheet_xml(zf: zipfile.ZipFile, member: str, path: Path) -> tuple[bytes, str]:
    """Drop empty ``<row>`` elements (and rows after a long empty gap) in one streaming pass.

    Works on 4 MB chunks: a regular expression finds the cells that hold a value, and only the
    rows around them are kept, so a million empty rows cost one scan and memory stays at a few
    chunks.
    """
    kept: list[bytes] = []
    last_data = 0             # last row number with a value
    first_data = 0
    widest = 0                # the last column of a kept row
    ignored_after = 0
    seen = 0
    with zf.open(member) as fh:
        buffer = b""
        opened = None
        while opened is None:
            chunk = fh.read(_CHUNK)
            buffer += chunk
            opened = _SHEET_DATA_OPEN.search(buffer)
            if not chunk:
                break
        if opened is None or opened.group(1):
            return buffer + fh.read(), ""
        prefix = buffer[:opened.end()]
        carry = buffer[opened.end():]
        suffix = b"</sheetData></worksheet>"
        done = False
        while not done:
            chunk = fh.read(_CHUNK)
            data = carry + chunk
            end = data.find(b"</sheetData>")
            if end >= 0:
                suffix = data[end:] + fh.read()
                data = data[:end]
                done = True
            elif not chunk:
                done = True
            cut = len(data) if done else data.rfind(b"<row")
            if cut < 0:
                cut = 0
            carry = data[cut:]
            region = data[:cut]
            pos = 0
            for at in _value_positions(region):
                if at < pos:
                    continue
                start = region.rfind(b"<row", 0, at)
                stop = region.find(b"<row", at + 2)
                stop = len(region) if stop < 0 else stop
                pos = stop
                if start < 0:
                    continue
                seen += 1
                number = _ROW_NUM.search(region, start, min(stop, start + 200))
                row = int(number.group(1)) if number else last_data + 1
                if last_data and row - last_data > MAX_EMPTY_GAP:
                    ignored_after = ignored_after or last_data
                elif not ignored_after:
                    kept.append(region[start:stop])
                    last_data = row
                    first_data = first_data or row
                    columns = _CELL_COLUMN.findall(region, start, stop)
                    if columns:
                        widest = max(widest, max(column_number(c) for c in columns))
            if not done and len(carry) > 64 * _CHUNK:
                raise ValueError("row element too large")
    if last_data and (last_data - first_data + 1) * max(widest, 1) > MAX_CELLS:
        raise UserError(_("无法导入“{name}”：有一个工作表的内容从第 {first} 行延伸到第 {last} 行、第 {col} 列（{letters} 列），"
                          "超出可导入的范围（最多 {n} 万个单元格）。请在 Excel 中删除表格以外多余的行和列后另存，再导入").format(
            name=path.name, first=first_data, last=last_data, col=widest, letters=column_letter(widest - 1),
            n=MAX_CELLS // 10_000))
    prefix = _DIMENSION.sub(b'<dimension ref="A1"', prefix, count=1)
    note = ""
    if ignored_after:
        note = _("工作表第 {row} 行之后隔了一万多个空行，其后的内容已忽略").format(row=ignored_after)
    log.info("worksheet %s pre-scanned: %d rows with values", member, seen)
    return prefix + b"".join(kept) + suffix, note
