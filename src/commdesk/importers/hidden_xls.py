"""Hidden rows and columns of legacy .xls (BIFF8) worksheets (calamine does not report them).

The workbook is an OLE2 compound file; its ``Workbook`` stream is a sequence of BIFF records.
Only what is needed is read: the compound file's allocation table and directory (to put the
stream together), the sheets' ``BOUNDSHEET8`` records (name, offset), and in each sheet the
``ROW`` records (flag ``fDyZero``: the row is hidden) and ``COLINFO`` records (flag ``fHidden``).
Every offset and sector chain is checked against the file (a damaged or hostile file gives no
hidden rows, never a loop or an exception: reading it with calamine reports the real problem).
An encrypted workbook (``FILEPASS``) gives nothing either.
"""
from __future__ import annotations

import struct
from pathlib import Path

from commdesk.importers.hidden import Hidden

_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_END_OF_CHAIN = 0xFFFFFFFE
_MAX_SECTOR = 0xFFFFFFFA
_BOF, _EOF, _BOUNDSHEET, _FILEPASS, _ROW, _COLINFO = 0x0809, 0x000A, 0x0085, 0x002F, 0x0208, 0x007D
_ROW_HIDDEN = 0x20      # ROW.fDyZero
_COL_HIDDEN = 0x01      # COLINFO.fHidden


class _Bad(Exception):
    """The compound file is not what it claims: no hidden rows are reported."""


class _Compound:
    """The sectors, allocation tables and directory of an OLE2 compound file held in memory."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or data[:8] != _SIGNATURE:
            raise _Bad("not a compound file")
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise _Bad("sector size")
        self.size = 1 << shift
        self.mini_size = 1 << mini_shift
        self.sectors = (len(data) - 512) // self.size + (1 if (len(data) - 512) % self.size else 0)
        fat_count, self.dir_start = struct.unpack_from("<II", data, 0x2C)
        self.mini_cutoff, self.mini_fat_start, _mini_fat_count, difat_start, difat_count = \
            struct.unpack_from("<IIIII", data, 0x38)
        fat_sectors = [s for s in struct.unpack_from("<109I", data, 0x4C) if s <= _MAX_SECTOR]
        per = self.size // 4 - 1
        sector, seen = difat_start, 0
        while sector <= _MAX_SECTOR and seen < difat_count:
            entries = struct.unpack_from(f"<{per + 1}I", self._sector(sector))
            fat_sectors += [s for s in entries[:per] if s <= _MAX_SECTOR]
            sector, seen = entries[per], seen + 1
        fat_sectors = fat_sectors[:fat_count]
        self.fat: list[int] = []
        for s in fat_sectors:
            self.fat += struct.unpack_from(f"<{self.size // 4}I", self._sector(s))
        self.entries = self._directory()

    def _sector(self, number: int) -> bytes:
        start = (number + 1) * self.size
        if number > _MAX_SECTOR or start >= len(self.data):
            raise _Bad("sector outside the file")
        return self.data[start:start + self.size]

    def _chain(self, start: int, table: list[int]) -> list[int]:
        chain: list[int] = []
        sector = start
        while sector != _END_OF_CHAIN:
            if sector >= len(table) or len(chain) > len(table):
                raise _Bad("broken sector chain")
            chain.append(sector)
            sector = table[sector]
        return chain

    def _directory(self) -> dict[str, tuple[int, int, int]]:
        """Entry name → (type, start sector, size); the root entry under "" ."""
        raw = b"".join(self._sector(s) for s in self._chain(self.dir_start, self.fat))
        out: dict[str, tuple[int, int, int]] = {}
        for offset in range(0, len(raw) - 127, 128):
            length, kind = struct.unpack_from("<HB", raw, offset + 0x40)
            if kind not in (1, 2, 5) or not 2 <= length <= 64:
                continue
            name = raw[offset:offset + length - 2].decode("utf-16-le", "replace")
            start, size = struct.unpack_from("<II", raw, offset + 0x74)
            out["" if kind == 5 else name] = (kind, start, size)
        return out

    def stream(self, name: str) -> bytes | None:
        entry = self.entries.get(name)
        if entry is None or entry[0] != 2:
            return None
        _kind, start, size = entry
        if size >= self.mini_cutoff:
            data = b"".join(self._sector(s) for s in self._chain(start, self.fat))
        else:       # a small stream lives in the mini stream (the root entry's data)
            root = self.entries.get("")
            if root is None:
                raise _Bad("no root entry")
            mini_stream = b"".join(self._sector(s) for s in self._chain(root[1], self.fat))
            mini_fat_raw = b"".join(self._sector(s) for s in self._chain(self.mini_fat_start, self.fat))
            mini_fat = list(struct.unpack_from(f"<{len(mini_fat_raw) // 4}I", mini_fat_raw))
            data = b"".join(mini_stream[s * self.mini_size:(s + 1) * self.mini_size]
                            for s in self._chain(start, mini_fat))
        if len(data) < size:
            raise _Bad("stream shorter than its size")
        return data[:size]


def _records(stream: bytes, offset: int):  # noqa: ANN202 - a generator of (type, data offset, length)
    end = len(stream)
    while offset + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, offset)
        offset += 4
        if offset + length > end:
            return
        yield kind, offset, length
        offset += length


def _sheet_name(stream: bytes, at: int, length: int) -> str | None:
    """The name of a BOUNDSHEET8 record (a ShortXLUnicodeString after 6 bytes)."""
    if length < 8:
        return None
    count, flags = stream[at + 6], stream[at + 7]
    chars = stream[at + 8:at + length]
    if flags & 1:
        return chars[:2 * count].decode("utf-16-le", "replace")
    return chars[:count].decode("latin-1")


def _scan_sheet(stream: bytes, offset: int) -> Hidden:
    rows: set[int] = set()
    cols: set[int] = set()
    first = True
    for kind, at, length in _records(stream, offset):
        if first:
            if kind != _BOF:
                break
            first = False
            continue
        if kind == _EOF:
            break
        if kind == _ROW and length >= 16:
            number, = struct.unpack_from("<H", stream, at)
            flags, = struct.unpack_from("<H", stream, at + 12)
            if flags & _ROW_HIDDEN:
                rows.add(number + 1)
        elif kind == _COLINFO and length >= 10:
            low, high, _width, _xf, flags = struct.unpack_from("<HHHHH", stream, at)
            if flags & _COL_HIDDEN:
                cols.update(range(low, min(high, 255) + 1))
    return Hidden(frozenset(rows), frozenset(cols))


def scan_hidden_xls(path: Path) -> dict[str, Hidden]:
    """Sheet name → its hidden rows (1-based) and columns (0-based); sheets without any are left
    out. Nothing for a file that is not a readable, unencrypted BIFF8 workbook."""
    try:
        compound = _Compound(Path(path).read_bytes())
        stream = compound.stream("Workbook")
    except (_Bad, struct.error):
        return {}
    if stream is None:
        return {}
    sheets: list[tuple[str, int]] = []
    for kind, at, length in _records(stream, 0):
        if kind == _FILEPASS:
            return {}
        if kind == _BOUNDSHEET and length >= 8:
            position, = struct.unpack_from("<I", stream, at)
            sheet_type = stream[at + 5]
            name = _sheet_name(stream, at, length)
            if name is not None and sheet_type == 0 and position < len(stream):
                sheets.append((name, position))
        if kind == _EOF:
            break
    out: dict[str, Hidden] = {}
    for name, position in sheets:
        try:
            hidden = _scan_sheet(stream, position)
        except struct.error:
            continue
        if hidden:
            out[name] = hidden
    return out
