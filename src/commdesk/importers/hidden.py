"""Hidden rows and columns of .xlsx/.xlsm worksheets (calamine does not report them; for .xls see
``hidden_xls``).

Clerks hide rows (filtered out, outline collapsed, "not needed") and columns (ID numbers kept
out of sight) in their registers. The import treats them like any other row or column — nothing
is dropped because it is hidden — and tells the user which ones were hidden, so that nothing is
imported unnoticed either.

The worksheet XML is scanned, not parsed: ``<col min max hidden="1">`` ranges from the head of
the sheet, and for rows a byte search for ``hidden="`` in the decompressed stream (4 MB at a
time), each hit checked to be a ``<row>`` start tag. No XML entity is ever expanded. The scan runs
in a thread while calamine parses the workbook (both release the GIL while they work).
"""
from __future__ import annotations

import html
import logging
import re
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from posixpath import join as posix_join, normpath

log = logging.getLogger("commdesk.import")

_CHUNK = 4 << 20
_HEAD_LIMIT = 16 << 20       # the part before <sheetData> (column widths, views) is small
_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?>', re.S)
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
_RELATIONSHIP = re.compile(rb'<(?:\w+:)?Relationship\b[^>]*?>', re.S)
_COL = re.compile(rb'<(?:\w+:)?col\b[^>]*?>', re.S)
_ROW_TAG = re.compile(rb'<(?:\w+:)?row[\s/>]')
_SHEET_DATA = re.compile(rb'<(?:\w+:)?sheetData\b')
_TRUE = (b"1", b"true")


@dataclass(frozen=True)
class Hidden:
    """Hidden rows (1-based, as Excel numbers them) and columns (0-based indices) of a sheet."""

    rows: frozenset[int] = field(default_factory=frozenset)
    cols: frozenset[int] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.rows or self.cols)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _attrs(tag: bytes) -> dict[bytes, bytes]:
    return {name.split(b":")[-1]: value for name, value in _ATTR.findall(tag)}


def _sheet_members(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet name → its part in the package, from workbook.xml and its relationships."""
    workbook = zf.read("xl/workbook.xml")
    try:
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets = {}
    for tag in _RELATIONSHIP.findall(rels):
        attrs = _attrs(tag)
        target = attrs.get(b"Target", b"").decode("utf-8", "replace")
        if target.startswith("/"):
            part = target.lstrip("/")
        else:
            part = normpath(posix_join("xl", target))
        targets[attrs.get(b"Id", b"")] = part
    out = {}
    for tag in _SHEET.findall(workbook):
        attrs = _attrs(tag)
        part = targets.get(attrs.get(b"id", b""))
        if part:
            out[html.unescape(attrs.get(b"name", b"").decode("utf-8", "replace"))] = part
    return out


def _hidden_cols(head: bytes) -> set[int]:
    cols: set[int] = set()
    for tag in _COL.findall(head):
        attrs = _attrs(tag)
        if attrs.get(b"hidden") in _TRUE:
            try:
                low, high = int(attrs[b"min"]), int(attrs[b"max"])
            except (KeyError, ValueError):
                continue
            cols.update(range(max(low, 1) - 1, min(high, 16384)))
    return cols


def scan_sheet(zf: zipfile.ZipFile, member: str) -> Hidden:
    """The hidden rows and columns of one worksheet part."""
    rows: set[int] = set()
    cols: set[int] = set()
    head_done = False
    numbered: bool | None = None   # rows carry r="" (every common writer); else they are counted
    seen_rows = 0                  # <row> tags before the current region, when they are counted
    with zf.open(member) as fh:
        carry = b""
        while True:
            chunk = fh.read(_CHUNK)
            data = carry + chunk
            if not head_done:
                start = _SHEET_DATA.search(data)
                if start is None and chunk and len(data) < _HEAD_LIMIT:
                    carry = data
                    continue
                cols = _hidden_cols(data[:start.start()] if start else data[:_HEAD_LIMIT])
                head_done = True
            # the region ends before the last tag that may be incomplete; that tag is carried over
            cut = data.rfind(b"<", max(0, len(data) - 4096)) if chunk else len(data)
            if cut <= 0:
                cut = len(data)
            region, carry = data[:cut], data[cut:]
            if numbered is None and (first := _ROW_TAG.search(region)) is not None:
                numbered = b"r" in _attrs(region[first.start():region.find(b">", first.start()) + 1])
            pos = region.find(b'hidden="')
            while pos >= 0:
                tag_start = region.rfind(b"<", 0, pos)
                tag_end = region.find(b">", pos)
                tag = region[tag_start:tag_end + 1]
                if tag_start >= 0 and tag_end >= 0 and _ROW_TAG.match(tag):
                    attrs = _attrs(tag)
                    if attrs.get(b"hidden") in _TRUE:
                        number = attrs.get(b"r")
                        if number is not None and number.isdigit():
                            rows.add(int(number))
                        else:   # rows written without r="" follow each other: count the tags before
                            rows.add(seen_rows + len(_ROW_TAG.findall(region, 0, tag_start)) + 1)
                pos = region.find(b'hidden="', pos + 8)
            if numbered is False:
                seen_rows += len(_ROW_TAG.findall(region))
            if not chunk:
                break
    return Hidden(frozenset(rows), frozenset(cols))


def scan_hidden(path: Path) -> dict[str, Hidden]:
    """Sheet name → its hidden rows and columns (sheets without any are left out)."""
    out = {}
    with zipfile.ZipFile(path) as zf:
        for name, member in _sheet_members(zf).items():
            try:
                hidden = scan_sheet(zf, member)
            except KeyError:
                continue
            if hidden:
                out[name] = hidden
    return out


class HiddenScan:
    """``scan`` (``scan_hidden``; ``hidden_xls.scan_hidden_xls`` for .xls) in a thread, started at
    once; ``get`` waits for it. A file that cannot be scanned (damaged, not a zip) gives no hidden
    rows: reading it reports the real problem."""

    def __init__(self, path: Path, scan: Callable[[Path], dict[str, Hidden]] | None = None) -> None:
        self.path = path
        self.scan = scan or scan_hidden
        self.result: dict[str, Hidden] = {}
        self.thread = threading.Thread(target=self._run, name="import-hidden-scan", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.result = self.scan(self.path)
        except Exception:  # noqa: BLE001 - informational only, see the class docstring
            log.debug("hidden rows/columns not scanned", exc_info=True)

    def get(self, sheet: str) -> Hidden:
        self.thread.join()
        return self.result.get(sheet, Hidden())

    def close(self) -> None:
        self.thread.join()
