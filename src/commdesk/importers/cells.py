"""Cell-level helpers of the sheet walk: the memo that normalises each distinct value once, the
cell normalisers it caches (names, household cells, dates, ID digits that survived rounding),
and the first rows of a sheet with merged cells filled (for header detection)."""
from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from commdesk.importers import normalise as norm
from commdesk.importers.layout import merged_fill
from commdesk.importers.reader import SourceSheet

DIGIT = re.compile(r"\d")
_SCIENTIFIC_DIGITS = re.compile(r"^\s*[+-]?(\d)\.?(\d*)[eE]\+?(\d+)\s*$")


def _reliable_birth(raw: Any) -> date | None:
    """Birth date digits of an ID number that lost only its last digits (15+ digits kept), unless
    the rounding may have carried into them: Excel rounds to 15 significant digits, a carry turns
    the 9s it passes into 0s, so the birth digits (7th–14th) are exact only when a kept digit after
    them is not 0 (130121194905119650 → 130121194905120000: born 1949-05-11, not 05-12)."""
    if isinstance(raw, float):
        digits = f"{raw:.0f}"
        kept = 15
    elif len(folded := norm.folded(raw)) == 18 and folded.isdigit():    # 130102199001011000 as text
        digits, kept = folded, 15
    else:
        m = _SCIENTIFIC_DIGITS.match(norm.folded(raw))
        if not m:
            return None
        digits = m.group(1) + m.group(2)
        kept = len(digits)
        digits = digits.ljust(int(m.group(3)) + 1, "0")
    if len(digits) != 18 or not digits[14:kept].strip("0"):
        return None
    try:
        born = date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return None
    return born if 1880 <= born.year and born <= date.today() else None


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while an import builds its many small objects (it
    would otherwise scan the growing heap again and again: about a fifth of a 100,000-row walk).
    Reference counting still frees everything that is not in a cycle; nested uses are fine."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Memo:
    """Per-import caches of the value normalisers, keyed by the raw text of a cell.

    Registers repeat the same few values thousands of times (性别, 民族, 与户主关系, 政治面貌,
    人员类别, dates, addresses carried over the members), and every normaliser here is a pure
    function of the cell, so each distinct text is normalised once. Only ``str`` cells are cached
    (``1``, ``1.0`` and ``True`` are equal as keys but not as cells); each cache stops growing at
    ``LIMIT`` entries so a column of unique values costs no memory.

    A cached normaliser takes a cell as the walker's ``_first`` would hand it over: an empty
    cell (``""`` or ``None``) is normalised as ``None``.
    """

    LIMIT = 50_000

    def __init__(self) -> None:
        self.caches: dict[str, dict[str, Any]] = {}
        #: the person fields that repeat together (gender … former name), see SheetWalker._tail_values
        self.tails: dict[tuple[Any, ...], tuple[Any, ...]] = {}

    def of(self, fn: Callable[[Any], Any], key: str) -> Callable[[Any], Any]:
        cache = self.caches.setdefault(key, {})
        if "" not in cache:
            cache[""] = fn(None)
        empty = cache[""]
        limit = self.LIMIT

        def cached(value: Any) -> Any:
            if type(value) is not str:
                if value is None:
                    return empty
                return fn(None if value == "" else value)
            got = cache.get(value, cache)
            if got is cache:
                got = fn(value)
                if len(cache) < limit:
                    cache[value] = got
            return got

        return cached


_DITTO = frozenset({"同上", "同上户", "同户主", "同前", "〃", "\"", "''"})


def _household_text(value: Any) -> str:
    """A household-level cell; 同上 / 〃 on a member's row say "as the row above": blank."""
    if norm.is_blank(value):
        return ""
    got = norm.text(value)
    return "" if got in _DITTO else got


def _date_cell(value: Any) -> tuple[date | None, str]:
    """``norm.parse_date`` (text goes straight to the parser: the Memo is its cache)."""
    if type(value) is str:
        return _parse_date_text(value)
    return norm.parse_date(value)


_parse_date_text = norm._parse_date_text.__wrapped__
_PLAIN_NAME = norm._PLAIN_NAME


def _name_info(value: Any) -> tuple[str, bool, bool, str]:
    """(normalised name, looks like a name, unusual characters, a note written after the name:
    宋伟浩(外出) → 宋伟浩 and 外出)."""
    if type(value) is str and _PLAIN_NAME.fullmatch(value):
        return value, True, False, ""      # the usual name: what the general path gives
    name, note = norm.name_note(norm.name(value))
    # invisible characters (a bidi override that shows the name reversed) are removed, and the
    # name is flagged so that a person checks it
    unusual = norm.unusual_name(name) or (type(value) is str and norm.invisible_chars(value))
    return name, norm.looks_like_name(name), unusual, note


def head_rows(sheet: SourceSheet, limit: int) -> dict[int, list[Any]]:
    rows: dict[int, list[Any]] = {}
    for r, cells in sheet.rows():
        if r >= limit:
            break
        rows[r] = list(cells)
    return rows


def prepare_head(sheet: SourceSheet, limit: int) -> dict[int, list[Any]]:
    rows = head_rows(sheet, limit)
    merged_fill(rows, [m for m in sheet.merged if m[0] < limit])
    return rows
