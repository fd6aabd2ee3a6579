"""From sheet rows to resident records grouped in households, every row accounted for.

One streaming pass per data sheet: merged cells filled, non-data rows (blank, repeated header,
subtotal, footer, section heading, column numbers) skipped with their reason, household-level
cells carried from the head's row to the members, every value normalised and checked. Problems
are kept per cell (for the preview and the error report); what cannot be recovered becomes a
review flag on the resident, never a guessed value.

The cell helpers are in :mod:`.cells`, one person's fields in :mod:`.person`, the records the
walk produces in :mod:`.records`.
"""
from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

from commdesk.i18n import _
from commdesk.importers import normalise as norm
from commdesk.importers.blocks import block_values
from commdesk.importers.blocks import label_words as block_label_words
from commdesk.importers.cells import DIGIT as _DIGIT
from commdesk.importers.cells import Memo, _household_text, _name_info
from commdesk.importers.fields import KindSpec
from commdesk.importers.layout import SheetPlan
from commdesk.importers.person import _PERSON_COUNT, _PERSON_KEYS, PersonCells
from commdesk.importers.reader import SourceSheet
from commdesk.importers.records import Extraction, Household, Resident, RowOutcome

_SUBTOTAL = re.compile(r"小计|合计|总计|共计|汇总|统计")
_FOOTER = re.compile(r"^(填表人|填报人|审核人|审核|制表人|制表|负责人|统计人|填表日期|填报日期|报送日期|联系人|"
                     r"说明|备注|注|签字|盖章|单位负责人|经办人|社区书记|书记)\s*[:：]?")
_SECTION_GRID = re.compile(r"网格|片区|小组|[一二三四五六七八九十\d]+组")
_EXAMPLE = re.compile(r"^(示例|样例|举例|例如|填写示例|填表示例)")   # a template's filled-in example row
_EXAMPLE_STARTS = frozenset("示样举例填")
_HOUSEHOLD_KEYS = ("household_no", "grid", "estate", "building", "unit", "room", "address", "housing", "head_name")
_ADDRESS_KEYS = ("address", "estate", "building", "unit", "room")
_NUMBERS = re.compile(r"\d{1,3}")


class _Ctx:
    """Household context while walking a sheet."""

    def __init__(self) -> None:
        self.household: Household | None = None
        self.grid = ""
        self.values: dict[str, str] = {}


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
        #: 一户一档: the household values of the last card line (户号：… 住址：…), and the words
        #: such a line starts with (a row is looked at only when its first text is one or has a colon)
        self.block: dict[str, str] = {}
        self.block_starts = block_label_words(kind)
        #: one household per source row (members in column groups): the rows of one source row
        self.grouped = getattr(sheet, "groups", None) is not None
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
        #: vertically merged ranges below the header, by first row: the walk (rows in ascending
        #: order) moves them into ``vertical_active`` as it reaches them and drops each after its
        #: last row, so a row looks only at the ranges that cover it (not every range of the sheet)
        self.vertical = sorted((m for m in sheet.merged if m[2] > m[0] and m[0] >= plan.data_start),
                               key=operator.itemgetter(0))
        self.vertical_next = 0
        self.vertical_active: list[tuple[int, int, int, int]] = []
        #: the top value of each active vertical range, by (first row, first column)
        self.merge_cache: dict[tuple[int, int], Any] = {}
        memo = memo if memo is not None else Memo()
        self.memo = memo
        self.n_name = memo.of(_name_info, "name")
        self.n_relation = memo.of(norm.relation, "relation")
        self.n_household = memo.of(_household_text, "household")
        self.person = PersonCells(self.cols, plan, memo, ids_seen)
        self.household_cols = [(key, tuple(self.cols[key])) for key in _HOUSEHOLD_KEYS if key in self.cols]
        self.first_col = {key: cols[0] for key, cols in self.cols.items() if cols}
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
        vertical, active = self.vertical, self.vertical_active
        i = self.vertical_next
        if i < len(vertical) and vertical[i][0] <= r:
            while i < len(vertical) and vertical[i][0] <= r:
                active.append(vertical[i])
                i += 1
            self.vertical_next = i
        if not active:
            return row
        for m in active:
            if m[2] < r:                     # a range has ended: drop the ended ones (once)
                for ended in active:
                    if ended[2] < r:
                        self.merge_cache.pop((ended[0], ended[1]), None)
                active[:] = [m for m in active if m[2] >= r]
                break
        for r0, c0, _r1, c1 in active:
            if r == r0:
                self.merge_cache[(r0, c0)] = row[c0] if c0 < len(row) else ""
            else:
                value = self.merge_cache.get((r0, c0), "")
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

    def _same_head(self, texts: list[str]) -> bool:
        """The row repeats this table's header in place (a printed page's head), not its words in
        another order (a second table with its columns arranged otherwise)."""
        return bool(self.header_texts) and sum(map(operator.eq, texts, self.header_row)) >= self.header_same

    def _other_table(self, row: list[Any], moved: bool = False) -> bool:
        """A header row (姓名 and other fields) mapping the columns otherwise than this table's:
        another table starts on the sheet (户籍人口, then 流动人口 with its own columns).
        ``moved``: only when a field it names sits in another column than in this table (the
        same headers in another order), not when it names fewer (one row of a repeated
        multi-row head)."""
        from commdesk.importers.layout import MIN_SCORE, _assign, _labels

        cols, score = _assign(self.kind, _labels(row))
        mapping = {c.index: c.field for c in cols if c.field}
        if score <= MIN_SCORE or "name" not in mapping.values():
            return False
        if moved:
            return any(self.mapping.get(i) not in (None, f) or (i not in self.mapping and f in self.cols)
                       for i, f in mapping.items())
        return mapping != self.mapping

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
        person_fields = self.person.fill
        hidden_rows = self.hidden_rows
        first_row = self.first_row
        label_words = self.label_words
        block_starts = self.block_starts
        grouped = self.grouped
        last_r = -1
        # the household cells of the last person's row, their values, its row and household
        last_cells: Any = None
        last_values: dict[str, str] = {}
        last_person_r = -2
        last_household = None
        for r, row in self.sheet.rows():     # each row a fresh list (merged cells are filled into it)
            if r < first_row:
                continue
            if r < start:        # title, 填报单位 and header rows: repeated on printed pages
                texts = [t for v in row if (t := norm.text(v))]
                self.header_words.update(texts)
                if texts and (texts[0] in block_starts or ":" in texts[0] or "：" in texts[0]):
                    self.block = block_values(self.kind, texts) or self.block
                continue
            if grouped:
                if r != last_r:
                    ctx.household = None       # each source row is a household of its own
                last_r = r
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
            if filled and (filled[0] in block_starts or ":" in filled[0] or "：" in filled[0]) \
                    and self._block_line(r, filled):
                continue
            if name_col >= 0:
                name_raw = row[name_col] if name_col < len(row) else None
            else:
                name_raw = self._first(row, "name")
            name, looks_like, unusual, name_note = n_name(name_raw)
            if (name in label_words and not self.header_words.issuperset(filled)
                    and self._other_table(row)
                    or filled and filled[0] in self.header_words and self.header_words.issuperset(filled)
                    and not self._same_head(texts) and self._other_table(row, moved=True)):
                # (a repeated head, whole or one of its rows, is skipped by _non_data)
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
                why = norm.name_problem(name_raw, name)
                problems = [(self.cols["name"][0], why)] if "name" in self.cols else []
                outcomes.append(RowOutcome(sheet_name, row_no, "rejected", why, raw=row, problems=problems))
                continue
            # a person's row: the cells of its fields, and its household's values
            same_cells = False
            if row_getter is not None:
                size = len(row)
                cells = row_getter(row + [None] * (pad_width - size + 1) if size < pad_width else row + [None])
                household_cells = cells[_PERSON_COUNT:]
                if household_cells.count("") + household_cells.count(None) == household_count:
                    values = no_household_values       # a member's row (never modified)
                elif r == last_person_r + 1 and household_cells == last_cells:
                    values = last_values               # the row above's household cells (merged down)
                    same_cells = True
                else:
                    values = {key: "" if cell is None or cell == "" else n_household(cell)
                              for key, cell in zip(household_keys, household_cells)}
                    last_cells, last_values = household_cells, values
            else:
                values = self._household_values(row) if self.household_cols else {}
                cells = tuple(self._first(row, key) for key in _PERSON_KEYS)
            relation = n_relation(cells[11])
            if not relation and has_head_name and values.get("head_name") \
                    and norm.name(values["head_name"]) == name:
                relation = "户主"
            household = ctx.household
            if household is None or relation == "户主" or not (
                    values is no_household_values or same_cells and household is last_household):
                household = self._household_for(row_no, relation, values)
            # else: what _household_for returns for a member's row: one without household cells, or
            # one whose cells are the row above's (a household's cells merged down over its members)
            last_person_r, last_household = r, household
            res = Resident(sheet_name, row_no, name, household, relation=relation)
            person_fields(res, row, unusual, cells)
            if name_note:               # kept where the clerk will see it
                self.person.add_note(res, name_note)
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

    def _block_line(self, r: int, filled: list[str]) -> bool:
        """A card's line (户号：… 住址：…): its values are the next household's."""
        values = block_values(self.kind, filled)
        if values is None:
            return False
        self.block = values
        self.ctx.household = None
        self.blank_run = None
        self.result.outcomes.append(RowOutcome(self.plan.name, r + 1, "skipped", _("户信息行（一户一档）")))
        return True

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
        if self.block:                  # a card's values, unless the member's row has its own
            values = {**self.block, **{key: value for key, value in values.items() if value}}
        if self.plan.estate_from_sheet and not values.get("estate"):
            values = {**values, "estate": self.plan.estate_from_sheet}
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


def _second_head(res: Resident, head: Resident) -> None:
    """Exactly one head per household: a later head is flagged and keeps no relation (原为户主).
    Decided as the row is read, so a resident is final once walked (an import writes residents
    while it reads the rest of the file)."""
    res.relation = ""
    res.flags.append(f"second_head:原表格中也写为户主；户主为{head.name}（{head.sheet} 第 {head.row} 行）")
    res.problems.append((-1, "second_head"))
