"""From sheet rows to resident records grouped in households, every row accounted for.

One streaming pass per data sheet: merged cells filled, non-data rows (blank, repeated header,
subtotal, footer, section heading, column numbers) skipped with their reason, household-level
cells carried from the head's row to the members, every value normalised and checked. Problems
are kept per cell (for the preview and the error report); what cannot be recovered becomes a
review flag on the resident, never a guessed value.
"""
from __future__ import annotations

import gc
import operator
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from commdesk.i18n import _
from commdesk.importers import normalise as norm
from commdesk.importers.fields import KindSpec
from commdesk.importers.hidden import Hidden
from commdesk.importers.layout import SheetPlan, merged_fill
from commdesk.importers.reader import SourceSheet
from commdesk.validation.idcard import check_id_number, normalise_id_text, valid_id_parts
from commdesk.validation.phone import check_phone, split_phones

_SUBTOTAL = re.compile(r"小计|合计|总计|共计|汇总|统计")
_FOOTER = re.compile(r"^(填表人|填报人|审核人|审核|制表人|制表|负责人|统计人|填表日期|填报日期|报送日期|联系人|"
                     r"说明|备注|注|签字|盖章|单位负责人|经办人|社区书记|书记)\s*[:：]?")
_SECTION_GRID = re.compile(r"网格|片区|小组|[一二三四五六七八九十\d]+组")
_EXAMPLE = re.compile(r"^(示例|样例|举例|例如|填写示例|填表示例)")   # a template's filled-in example row
_EXAMPLE_STARTS = frozenset("示样举例填")
_ROUNDED_ID = re.compile(r"\d{15}000")
_DIGIT = re.compile(r"\d")
_SCIENTIFIC_DIGITS = re.compile(r"^\s*[+-]?(\d)\.?(\d*)[eE]\+?(\d+)\s*$")

ID_FLAGS = {"precision_lost": "id_precision_lost", "bad_checksum": "id_checksum_invalid"}
from commdesk.validation.review_flags import PROBLEM_LABELS  # noqa: E402  (re-exported)


@dataclass(slots=True)
class Household:
    key: tuple[Any, ...]
    sheet: str
    row: int
    household_no: str = ""
    grid: str = ""
    estate: str = ""
    building: str = ""
    unit: str = ""
    room: str = ""
    address: str = ""
    housing: str = ""
    members: list[Resident] = field(default_factory=list)
    head: Resident | None = None   # the first member written as 户主 (a later one is flagged)


@dataclass(slots=True)
class Resident:
    sheet: str
    row: int                       # 1-based row number as Excel shows it
    name: str
    household: Household
    gender: str = ""
    ethnicity: str = ""
    birth_date: date | None = None
    id_number: str | None = None
    relation: str = ""
    political: str = "群众"
    education: str = ""
    work_unit: str = ""
    phone: str = ""
    hukou_type: str = ""
    tags: tuple[str, ...] = ()
    notes: str = ""
    former_name: str = ""
    flags: list[str] = field(default_factory=list)           # review lines "code" / "code:detail"
    problems: list[tuple[int, str]] = field(default_factory=list)  # (column index, problem code)
    raw: list[Any] | None = None                              # the source cells when there is a problem

    def flag_codes(self) -> list[str]:
        return [f.split(":", 1)[0] for f in self.flags]


@dataclass(slots=True)
class RowOutcome:
    sheet: str
    row: int             # 1-based; for a run of blank rows, the first
    status: str          # data / skipped / rejected
    reason: str = ""
    count: int = 1       # rows in this run (blank runs are aggregated)
    raw: list[Any] | None = None
    problems: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Extraction:
    residents: list[Resident] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)
    grids: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows_total: int = 0
    #: hidden rows (1-based) and columns per sheet, for the sheets whose format says (.xlsx, .xls)
    hidden: dict[str, Hidden] = field(default_factory=dict)

    def problem_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for res in self.residents:
            for _col, code in res.problems:
                counts[code] = counts.get(code, 0) + 1
        for out in self.outcomes:
            if out.status == "rejected":
                counts[out.reason] = counts.get(out.reason, 0) + out.count
        return counts


class _Ctx:
    """Household context while walking a sheet."""

    def __init__(self) -> None:
        self.household: Household | None = None
        self.grid = ""
        self.values: dict[str, str] = {}


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
    return name, norm.looks_like_name(name), norm.unusual_name(name), note


#: Person fields read through one ``itemgetter`` per row (in this order).
_PERSON_KEYS = ("id_number", "birth_date", "gender", "ethnicity", "political", "education", "work_unit",
                "hukou_type", "tags", "notes", "former_name", "relation")
_PERSON_COUNT = len(_PERSON_KEYS)
_HOUSEHOLD_KEYS = ("household_no", "grid", "estate", "building", "unit", "room", "address", "housing", "head_name")
_ADDRESS_KEYS = ("address", "estate", "building", "unit", "room")
_NUMBERS = re.compile(r"\d{1,3}")
_MOBILE = re.compile(r"1[3-9]\d{9}")   # as validation.phone; used on 11 ASCII characters only


class SheetWalker:
    """Turns the rows of one data sheet into residents (appending to an ``Extraction``).

    The per-row work is written for speed (a 100,000-row register): column positions are
    resolved once, every value normaliser goes through the import's ``Memo``, and the checks
    that classify a row (blank, repeated header, subtotal, footer …) run on the row's texts once.
    """

    def __init__(self, kind: KindSpec, plan: SheetPlan, sheet: SourceSheet, result: Extraction,
                 households: dict[tuple[Any, ...], Household], ids_seen: dict[str, Resident],
                 sheet_grid: str, memo: Memo | None = None, hidden_rows: frozenset[int] = frozenset(),
                 first_row: int = 0) -> None:
        self.kind = kind
        self.first_row = first_row         # rows above it belong to an earlier table of the sheet
        #: where another table (a header of its own, other columns) starts: the walk stops there
        self.next_table: int | None = None
        #: every header word of the kind: a header row has one in this table's name column
        self.label_words = frozenset(w for f in kind.fields for w in f.synonyms + (f.label,))
        self.hidden_rows = hidden_rows     # their source cells are kept for the preview
        self.plan = plan
        self.sheet = sheet
        self.result = result
        self.households = households
        self.ids_seen = ids_seen
        self.sheet_grid = sheet_grid
        self.mapping = plan.mapping()
        self.cols = {f: [i for i, k in self.mapping.items() if k == f] for f in set(self.mapping.values())}
        self.header_texts = {i: norm.text(c.label) for i, c in enumerate(plan.columns) if c.label}
        width = max(self.header_texts, default=-1) + 1
        # header text by position (None where there is none), for one C-level comparison per row
        self.header_row = [self.header_texts.get(i) or None for i in range(width)]
        self.header_same = max(2, len(self.mapping) // 2)
        #: every text of the rows above the data (title, header rows; filled in as the walk passes
        #: them): a later row of nothing else repeats them (a printed page's head)
        self.header_words: set[str] = set()
        self.width = len(plan.columns)
        self.ctx = _Ctx()
        self.blank_run: RowOutcome | None = None
        self.vertical = [m for m in sheet.merged if m[2] > m[0] and m[0] >= plan.data_start]
        self.merge_cache: dict[int, list[Any]] = {}
        memo = memo if memo is not None else Memo()
        self.memo = memo
        self.tail_memo = memo.tails
        self.n_name = memo.of(_name_info, "name")
        self.n_former = memo.of(lambda v: norm.name(v)[:50], "former_name")
        self.n_relation = memo.of(norm.relation, "relation")
        self.n_household = memo.of(_household_text, "household")
        self.n_date = memo.of(_date_cell, "birth_date")
        self.n_gender = memo.of(norm.gender, "gender")
        self.n_ethnicity = memo.of(norm.ethnicity, "ethnicity")
        self.n_political = memo.of(norm.political, "political")
        self.n_education = memo.of(lambda v: norm.short_text(v, 20), "education")
        self.n_work_unit = memo.of(lambda v: norm.short_text(v, 100), "work_unit")
        self.n_hukou = memo.of(norm.hukou_type, "hukou_type")
        self.n_tags = memo.of(norm.tags, "tags")
        self.n_notes = memo.of(lambda v: norm.short_text(v, 1000), "notes")
        self.household_cols = [(key, tuple(self.cols[key])) for key in _HOUSEHOLD_KEYS if key in self.cols]
        phone_cols = self.cols.get("phone", [])
        #: the phone column when there is exactly one, -1 when there is none, -2 when there are several
        self.phone_col = phone_cols[0] if len(phone_cols) == 1 else (-1 if not phone_cols else -2)
        self.first_col = {key: cols[0] for key, cols in self.cols.items() if cols}
        #: tick columns (低保 √): column index and the key group its header names
        self.tick_cols = [(i, norm.tag_of_header(plan.columns[i].label)) for i in self.cols.get("tag_flag", ())]
        self.party_col = self.first_col.get("party_flag", -1)      # 是否党员 是/否
        self.today = date.today()
        # When each person and household field has at most one column (phones aside, as usual), a
        # row's cells for them are picked by one itemgetter from the row padded with None (absent
        # fields read the padding): the person fields in _PERSON_KEYS order, then the household ones.
        self.household_keys = tuple(key for key, _cols in self.household_cols)
        self.no_household_values = dict.fromkeys(self.household_keys, "")
        self.pad_width = max((i for cols in self.cols.values() for i in cols), default=-1) + 1
        self.row_getter: Callable[[list[Any]], tuple[Any, ...]] | None = None
        if all(len(self.cols.get(k, ())) <= 1 for k in _PERSON_KEYS + self.household_keys):
            self.row_getter = operator.itemgetter(*(self.cols[k][0] if k in self.cols else -1
                                                    for k in _PERSON_KEYS + self.household_keys))

    # -- helpers --------------------------------------------------------------------------------
    def _first(self, row: list[Any], key: str) -> Any:
        for i in self.cols.get(key, ()):
            if i < len(row):
                value = row[i]
                if value is not None and value != "":
                    return value
        return None

    def _skip(self, row_no: int, reason: str, raw: list[Any] | None = None) -> None:
        if reason == "blank":
            if self.blank_run is not None and self.blank_run.row + self.blank_run.count == row_no:
                self.blank_run.count += 1
                return
            self.blank_run = RowOutcome(self.plan.name, row_no, "skipped", _("空行"))
            self.result.outcomes.append(self.blank_run)
            return
        self.result.outcomes.append(RowOutcome(self.plan.name, row_no, "skipped", reason, raw=raw))

    def _fill_vertical(self, r: int, row: list[Any]) -> list[Any]:
        """Vertically merged cells (household cells merged over member rows) get the top value."""
        for r0, c0, r1, c1 in self.vertical:
            if r0 <= r <= r1:
                if r == r0:
                    self.merge_cache[r0 * 10000 + c0] = row[c0] if c0 < len(row) else ""
                else:
                    value = self.merge_cache.get(r0 * 10000 + c0, "")
                    if len(row) <= c1:
                        row = row + [""] * (c1 + 1 - len(row))
                    for c in range(c0, c1 + 1):
                        if row[c] is None or row[c] == "":
                            row[c] = value
        return row

    # -- classification ---------------------------------------------------------------------------
    def _non_data(self, row: list[Any], texts: list[str], filled: list[str], joined: str,
                  name_text: str) -> str | None:
        """Why the row is not a person's row (None for a data row). ``texts``: ``norm.text`` of each
        cell, ``filled`` the non-empty ones, ``joined`` those joined."""
        if not filled:
            return "blank"
        if self.header_texts and sum(map(operator.eq, texts, self.header_row)) >= self.header_same:
            return _("重复的表头行")
        if 3 <= len(filled) and len(joined) <= 3 * len(filled) and all(_NUMBERS.fullmatch(t) for t in filled):
            numbers = [int(t) for t in filled]
            if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
                return _("列序号行")
        header_words = self.header_words
        if filled[0] in header_words and all(t in header_words for t in filled) and (
                len(filled) > 1 or not _SECTION_GRID.search(filled[0])):   # a lone 第一网格 is a section
            return _("重复的表头行")             # also the group-heading row of a multi-row header
        if _SUBTOTAL.search(joined) and (not norm.looks_like_name(name_text) or _SUBTOTAL.search(name_text)
                                         or _DIGIT.search(name_text)):   # 小计 … 17人 / 共42人
            return _("小计/合计行")
        first = filled[0]
        if (first[0] in _EXAMPLE_STARTS and _EXAMPLE.match(first)) or (
                len(filled) > 1 and filled[1][0] in _EXAMPLE_STARTS and _EXAMPLE.match(filled[1])):
            return _("填写示例行")
        single = filled.count(first) == len(filled)   # one distinct value
        if _FOOTER.match(first) and not self._has_id(row) and (
                (len(set(filled)) <= 3 and not self._has_person(row))
                or sum(1 for t in filled if _FOOTER.match(t)) >= 2):   # 填表人：|王芳|审核人：|李强|…
            return _("表尾（填表人/审核人/说明）")
        if single and not self._has_person(row):
            heading = first
            if _SECTION_GRID.search(heading) and "grid" not in self.cols and len(heading) <= 30:
                grid = norm.BRACKETED.sub("", heading).strip(" ：:") or heading   # the note is not the name
                if len(grid) <= 20:
                    self.ctx.grid = grid
                    return _("分组标题行（网格：{grid}）").format(grid=grid)
            if len(filled) > 1 or len(heading) > 8 or not norm.looks_like_name(name_text):
                return _("标题或说明行")
        return None

    def _other_table(self, row: list[Any]) -> bool:
        """A header row (姓名 and other fields) mapping the columns otherwise than this table's:
        another table starts on the sheet (户籍人口, then 流动人口 with its own columns)."""
        from commdesk.importers.layout import MIN_SCORE, _assign, _labels

        cols, score = _assign(self.kind, _labels(row))
        mapping = {c.index: c.field for c in cols if c.field}
        return score > MIN_SCORE and "name" in mapping.values() and mapping != self.mapping

    def _has_id(self, row: list[Any]) -> bool:
        """An ID number (or what is left of one: 14 digits or more) in the row's ID column."""
        id_raw = self._first(row, "id_number")
        return id_raw is not None and len(_DIGIT.findall(norm.folded(id_raw))) >= 14

    def _has_person(self, row: list[Any]) -> bool:
        if self._has_id(row):
            return True
        return bool(self._first(row, "relation")) and bool(self._first(row, "name"))

    # -- the walk -------------------------------------------------------------------------------------
    def walk(self, progress: Callable[[int], None] | None = None) -> None:
        """One pass over the sheet's rows. The common case (a person's row) runs inline with the
        values it needs held in locals; everything unusual goes through the helper methods."""
        start = self.plan.data_start
        sheet_name = self.plan.name
        result = self.result
        outcomes = result.outcomes
        residents = result.residents
        text = norm.text
        n_name = self.n_name
        n_relation = self.n_relation
        n_household = self.n_household
        name_cols = self.cols.get("name", ())
        name_col = name_cols[0] if len(name_cols) == 1 else -1
        vertical = self.vertical
        non_data = self._non_data
        row_getter = self.row_getter
        pad_width = self.pad_width
        no_household_values = self.no_household_values
        household_keys = self.household_keys
        household_count = len(household_keys)
        has_head_name = "head_name" in household_keys
        ctx = self.ctx
        person_fields = self._person_fields
        hidden_rows = self.hidden_rows
        first_row = self.first_row
        label_words = self.label_words
        for r, row in self.sheet.rows():     # each row a fresh list (merged cells are filled into it)
            if r < first_row:
                continue
            if r < start:        # title, 填报单位 and header rows: repeated on printed pages
                self.header_words.update(t for v in row if (t := norm.text(v)))
                continue
            result.rows_total += 1
            if vertical:
                row = self._fill_vertical(r, row)
            # norm.text of every cell; for text cells that is strip() unless an ideographic space is inside
            texts = [v.strip() if type(v) is str else text(v) for v in row]
            filled = [t for t in texts if t]
            joined = "".join(filled)
            if "\u3000" in joined:
                texts = [text(v) for v in row]
                filled = [t for t in texts if t]
                joined = "".join(filled)
            if name_col >= 0:
                name_raw = row[name_col] if name_col < len(row) else None
            else:
                name_raw = self._first(row, "name")
            name, looks_like, unusual, name_note = n_name(name_raw)
            if name in label_words and not self.header_words.issuperset(filled) \
                    and self._other_table(row):         # (a repeated head is skipped by _non_data)
                result.rows_total -= 1          # its header row, like the first table's, is not counted
                self.next_table = r
                return
            reason = non_data(row, texts, filled, joined, name)
            row_no = r + 1
            if reason == "blank":
                self._skip(row_no, "blank")
                continue
            self.blank_run = None
            if reason:
                self._skip(row_no, reason, raw=row)
                continue
            if not looks_like:
                problems = [(self.cols["name"][0], "missing_name")] if "name" in self.cols else []
                outcomes.append(RowOutcome(sheet_name, row_no, "rejected", "missing_name", raw=row,
                                           problems=problems))
                continue
            # a person's row: the cells of its fields, and its household's values
            if row_getter is not None:
                size = len(row)
                cells = row_getter(row + [None] * (pad_width - size + 1) if size < pad_width else row + [None])
                household_cells = cells[_PERSON_COUNT:]
                if household_cells.count("") + household_cells.count(None) == household_count:
                    values = no_household_values       # a member's row (never modified)
                else:
                    values = {key: "" if cell is None or cell == "" else n_household(cell)
                              for key, cell in zip(household_keys, household_cells)}
            else:
                values = self._household_values(row) if self.household_cols else {}
                cells = tuple(self._first(row, key) for key in _PERSON_KEYS)
            relation = n_relation(cells[11])
            if not relation and has_head_name and values.get("head_name") \
                    and norm.name(values["head_name"]) == name:
                relation = "户主"
            household = ctx.household
            if values is not no_household_values or household is None or relation == "户主":
                household = self._household_for(row_no, relation, values)
            # else: what _household_for returns for a member's row
            res = Resident(sheet_name, row_no, name, household, relation=relation)
            person_fields(res, row, unusual, cells)
            if name_note:               # kept where the clerk will see it
                res.notes = f"{name_note}；{res.notes}"[:1000] if res.notes else name_note
            if relation == "户主":
                if household.head is None:
                    household.head = res
                else:
                    _second_head(res, household.head)
            problems = res.problems
            if problems or res.flags or len(residents) < 200 or row_no in hidden_rows:
                res.raw = row
            household.members.append(res)
            residents.append(res)
            outcomes.append(RowOutcome(sheet_name, row_no, "data", problems=problems))
            if progress is not None and result.rows_total % 2000 == 0:
                progress(result.rows_total)

    def _household_values(self, row: list[Any]) -> dict[str, str]:
        out = {}
        n_household = self.n_household
        size = len(row)
        for key, cols in self.household_cols:
            value = None
            for i in cols:
                if i < size:
                    cell = row[i]
                    if cell is not None and cell != "":
                        value = cell
                        break
            out[key] = "" if value is None else n_household(value)
        return out

    def _household_for(self, row_no: int, relation: str, values: dict[str, str]) -> Household:
        ctx = self.ctx
        grid = values.get("grid") or ""
        if grid:
            ctx.grid = grid
        grid = grid or ctx.grid or self.sheet_grid
        number = values.get("household_no", "")
        get = values.get
        address = (get("address", ""), get("estate", ""), get("building", ""), get("unit", ""), get("room", ""))
        current = ctx.household
        is_head = relation == "户主"
        if number:
            start_new = current is None or number != current.household_no or grid != current.grid
        elif "household_no" in self.cols and current is not None and current.household_no and not is_head:
            start_new = False       # number written on the head's row only
        else:
            has_address = any(address)
            same_address = current is not None and (not has_address or address == ctx.values.get("_addr"))
            start_new = current is None or is_head or not same_address
            if current is not None and not is_head and has_address and ctx.values.get("_addr") is None:
                start_new = True
        if not start_new and current is not None:
            for key, value in values.items():   # a member's row fills what the head's row left blank
                if value and not getattr(current, key, value) and key in _ADDRESS_KEYS + ("housing",):
                    setattr(current, key, value)
            return current
        key: tuple[Any, ...] = ("no", grid, number) if number else ("row", self.plan.name, row_no)
        household = self.households.get(key)
        if household is None:
            household = Household(key=key, sheet=self.plan.name, row=row_no, household_no=number, grid=grid,
                                  estate=values.get("estate", ""), building=values.get("building", ""),
                                  unit=values.get("unit", ""), room=values.get("room", ""),
                                  address=values.get("address", ""),
                                  housing=norm.housing(housing) if (housing := values.get("housing", "")) else "")
            self.households[key] = household
            self.result.households.append(household)
        else:       # its number again further down (rows sorted by name): blanks filled from this row
            for field_name, value in values.items():
                if value and field_name in _ADDRESS_KEYS and not getattr(household, field_name):
                    setattr(household, field_name, value)
            if not household.housing and values.get("housing"):
                household.housing = norm.housing(values["housing"])
        if grid and grid not in self.result.grids:
            self.result.grids.append(grid)
        ctx.household = household
        ctx.values = dict(values)
        ctx.values["_addr"] = address if any(address) else None  # type: ignore[assignment]
        return household

    def _col(self, key: str) -> int:
        return self.first_col.get(key, -1)

    def _tail_values(self, tail: tuple[Any, ...]) -> tuple[Any, ...]:
        """Normalised gender … former name of ``tail`` (cells in ``_PERSON_KEYS`` order from gender on).

        Remembered when every cell is text or empty: a key of other cells could compare equal to
        a different one (``1 == 1.0 == True``) yet normalise differently; a key of text never does.
        """
        gender, ethnicity, political, education, work_unit, hukou_type, tags, notes, former_name = tail
        values = (self.n_gender(gender), self.n_ethnicity(ethnicity), self.n_political(political),
                  self.n_education(education), self.n_work_unit(work_unit), self.n_hukou(hukou_type),
                  self.n_tags(tags), self.n_notes(notes), self.n_former(former_name))
        if len(self.tail_memo) < Memo.LIMIT and all(v is None or type(v) is str for v in tail):
            self.tail_memo[tail] = values
        return values

    def _person_fields(self, res: Resident, row: list[Any], unusual: bool, cells: tuple[Any, ...]) -> None:
        """The person's values from ``cells`` (the raw cells of ``_PERSON_KEYS``; empty is "" or None)."""
        id_raw, born_raw = cells[0], cells[1]
        # the fields that repeat (gender … former name) are normalised together, once per combination
        tail = cells[2:11]
        values = self.tail_memo.get(tail)
        if values is None:
            values = self._tail_values(tail)
        ((stated, understood), ethnicity, (political, political_ok), education, work_unit, hukou_type, tags, notes,
         former_name) = values
        problems = res.problems
        flags = res.flags
        if unusual:
            problems.append((self._col("name"), "name_unusual"))
            flags.append("name_unusual")
        # ID number ("" is blank too): the birth date and gender it gives
        id_birth: date | None = None
        id_gender: str | None = None
        quick = valid_id_parts(id_raw, self.today)
        if quick is not None:                      # the usual valid cell
            res.id_number, id_birth, id_gender = quick
        elif id_raw is not None and not norm.is_blank(id_raw if isinstance(id_raw, str) else "x"):
            check = check_id_number(id_raw, today=self.today)
            if check.ok:
                res.id_number = check.number
                id_birth, id_gender = check.birth_date, check.gender
            else:
                id_problem = check.problem
                if id_problem == "bad_checksum" and _ROUNDED_ID.fullmatch(normalise_id_text(id_raw)):
                    # 18 digits ending 000 that do not check: a number Excel kept to 15 significant
                    # digits, then saved as text (a CSV export), not a typo
                    id_problem = "precision_lost"
                code = ID_FLAGS.get(id_problem or "", "id_invalid")
                problems.append((self._col("id_number"), code))
                raw_text = norm.text(id_raw)
                flags.append(f"{code}:原表格中为 {raw_text}" if raw_text else code)
                if id_problem == "precision_lost":
                    id_birth = _reliable_birth(id_raw)   # the digits that survived may give it
        # birth date
        born, problem = self.n_date(born_raw)
        if problem:
            code = "birth_date_partial" if problem == "partial" else "birth_date_invalid"
            if not id_birth:
                problems.append((self._col("birth_date"), code))
                flags.append(code)
        if born is not None and id_birth and born != id_birth:
            problems.append((self._col("birth_date"), "birth_date_conflict"))
            flags.append("birth_date_conflict")
        res.birth_date = born or id_birth
        # gender
        if not understood:
            problems.append((self._col("gender"), "gender_invalid"))
            flags.append("gender_invalid")
        if stated and id_gender and stated != id_gender:
            problems.append((self._col("gender"), "gender_conflict"))
            flags.append(f"gender_conflict:身份证号显示为{id_gender}")
        res.gender = stated or id_gender or ""
        # the rest
        res.ethnicity = ethnicity
        res.political = political
        party_col = self.party_col
        if party_col >= 0 and political == "群众" and party_col < len(row) and norm.ticked(row[party_col]):
            res.political = "中共党员"
        if not political_ok:
            problems.append((self._col("political"), "political_unknown"))
            flags.append("political_unknown")
        res.education = education
        res.work_unit = work_unit
        res.hukou_type = hukou_type
        res.tags = tags
        if self.tick_cols:
            size = len(row)
            ticked = [tag for i, tag in self.tick_cols if i < size and norm.ticked(row[i])]
            if ticked:
                res.tags = tuple(sorted(set(tags).union(ticked)))
        res.notes = notes
        res.former_name = former_name
        phone_col = self.phone_col
        if phone_col >= 0:
            raw = row[phone_col] if phone_col < len(row) else None
            if type(raw) is str and len(raw) == 11 and raw.isascii() and _MOBILE.fullmatch(raw):
                res.phone = raw                 # one column holding a plain mobile: what _phones finds
            else:
                self._phones(res, row)
        elif phone_col == -2:
            self._phones(res, row)
        if res.id_number:
            earlier = self.ids_seen.get(res.id_number)
            if earlier is not None:
                problems.append((self._col("id_number"), "duplicate_in_file"))
                flags.append(f"duplicate_in_file:{earlier.sheet} 第 {earlier.row} 行")
            else:
                self.ids_seen[res.id_number] = res

    def _phones(self, res: Resident, row: list[Any]) -> None:
        numbers: list[str] = []
        bad = False
        for i in self.cols.get("phone", ()):
            if i >= len(row):
                continue
            raw = row[i]
            if type(raw) is str and len(raw) == 11 and raw.isascii() and _MOBILE.fullmatch(raw):
                if raw not in numbers:         # a plain mobile number: what check_phone would return
                    numbers.append(raw)
                if bad:
                    res.problems.append((i, "phone_invalid"))
                continue
            if raw is None or raw == "" or (isinstance(raw, str) and norm.is_blank(raw)):
                continue
            if isinstance(raw, str) and len(raw) <= 16:
                checked = check_phone(raw)
                pieces = [checked] if checked.ok else [check_phone(p) for p in split_phones(raw)]
            elif isinstance(raw, str):
                pieces = [check_phone(p) for p in split_phones(raw)]
            else:
                pieces = [check_phone(raw)]
            for piece in pieces:
                if piece.ok and piece.number:
                    if piece.number not in numbers:
                        numbers.append(piece.number)
                elif piece.problem != "empty":
                    bad = True
            if bad:
                res.problems.append((i, "phone_invalid"))
        if bad:
            res.flags.append("phone_invalid")
            if not numbers:
                raw_text = "、".join(norm.text(row[i]) for i in self.cols.get("phone", ()) if i < len(row))
                res.phone = raw_text[:40]
        if numbers:
            res.phone = "、".join(numbers)[:40]


def _second_head(res: Resident, head: Resident) -> None:
    """Exactly one head per household: a later head is flagged and keeps no relation (原为户主).
    Decided as the row is read, so a resident is final once walked (an import writes residents
    while it reads the rest of the file)."""
    res.relation = ""
    res.flags.append(f"second_head:原表格中也写为户主；户主为{head.name}（{head.sheet} 第 {head.row} 行）")
    res.problems.append((-1, "second_head"))


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
