"""From sheet rows to resident records grouped in households, every row accounted for.

One streaming pass per data sheet: merged cells filled, non-data rows (blank, repeated header,
subtotal, footer, section heading, column numbers) skipped with their reason, household-level
cells carried from the head's row to the members, every value normalised and checked. Problems
are kept per cell (for the preview and the error report); what cannot be recovered becomes a
review flag on the resident, never a guessed value.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from commdesk.i18n import _
from commdesk.importers import normalise as norm
from commdesk.importers.fields import KindSpec
from commdesk.importers.layout import SheetPlan, merged_fill
from commdesk.importers.reader import SourceSheet
from commdesk.validation.idcard import check_id_number
from commdesk.validation.phone import check_phone, split_phones

_SUBTOTAL = re.compile(r"小计|合计|总计|共计|汇总|统计")
_FOOTER = re.compile(r"^(填表人|填报人|审核人|审核|制表人|制表|负责人|统计人|填表日期|填报日期|报送日期|联系人|"
                     r"说明|备注|注|签字|盖章|单位负责人|经办人|社区书记|书记)\s*[:：]?")
_SECTION_GRID = re.compile(r"网格|片区|小组|[一二三四五六七八九十\d]+组")
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
    """Birth date digits of an ID number that lost only its last digits (15+ digits kept)."""
    if isinstance(raw, float):
        digits = f"{raw:.0f}"
        kept = 15
    else:
        m = _SCIENTIFIC_DIGITS.match(norm.folded(raw))
        if not m:
            return None
        digits = m.group(1) + m.group(2)
        kept = len(digits)
        digits = digits.ljust(int(m.group(3)) + 1, "0")
    if kept < 14 or len(digits) != 18:
        return None
    try:
        born = date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return None
    return born if 1880 <= born.year and born <= date.today() else None


class SheetWalker:
    """Turns the rows of one data sheet into residents (appending to an ``Extraction``)."""

    def __init__(self, kind: KindSpec, plan: SheetPlan, sheet: SourceSheet, result: Extraction,
                 households: dict[tuple[Any, ...], Household], ids_seen: dict[str, Resident],
                 sheet_grid: str) -> None:
        self.kind = kind
        self.plan = plan
        self.sheet = sheet
        self.result = result
        self.households = households
        self.ids_seen = ids_seen
        self.sheet_grid = sheet_grid
        self.mapping = plan.mapping()
        self.cols = {f: [i for i, k in self.mapping.items() if k == f] for f in set(self.mapping.values())}
        self.header_texts = {i: norm.text(c.label) for i, c in enumerate(plan.columns) if c.label}
        self.width = len(plan.columns)
        self.ctx = _Ctx()
        self.blank_run: RowOutcome | None = None
        self.vertical = [m for m in sheet.merged if m[2] > m[0] and m[0] >= plan.data_start]
        self.merge_cache: dict[int, list[Any]] = {}

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
    def _non_data(self, row: list[Any], texts: list[str]) -> str | None:
        filled = [t for t in texts if t]
        if not filled:
            return "blank"
        name_text = norm.name(self._first(row, "name"))
        distinct = set(filled)
        if self.header_texts:
            header = self.header_texts
            same = sum(1 for i, t in enumerate(texts) if t and header.get(i) == t)
            if same >= max(2, len(self.mapping) // 2):
                return _("重复的表头行")
        if all(re.fullmatch(r"\d{1,3}", t) for t in filled) and len(filled) >= 3:
            numbers = [int(t) for t in filled]
            if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
                return _("列序号行")
        joined = "".join(filled)
        if _SUBTOTAL.search(joined) and (not norm.looks_like_name(name_text) or _SUBTOTAL.search(name_text)):
            return _("小计/合计行")
        if len(distinct) <= 3 and _FOOTER.match(filled[0]) and not self._has_person(row):
            return _("表尾（填表人/审核人/说明）")
        if len(distinct) == 1 and not self._has_person(row):
            heading = filled[0]
            if _SECTION_GRID.search(heading) and "grid" not in self.cols and len(heading) <= 20:
                self.ctx.grid = heading
                return _("分组标题行（网格：{grid}）").format(grid=heading)
            if len(filled) > 1 or len(heading) > 8 or not norm.looks_like_name(name_text):
                return _("标题或说明行")
        return None

    def _has_person(self, row: list[Any]) -> bool:
        id_raw = self._first(row, "id_number")
        if id_raw is not None and len(norm.folded(id_raw)) >= 15:
            return True
        return bool(self._first(row, "relation")) and bool(self._first(row, "name"))

    # -- the walk -------------------------------------------------------------------------------------
    def walk(self, progress: Callable[[int], None] | None = None) -> None:
        start = self.plan.data_start
        for r, cells in self.sheet.rows():
            if r < start:
                continue
            self.result.rows_total += 1
            row = list(cells)
            if self.vertical:
                row = self._fill_vertical(r, row)
            texts = [norm.text(v) for v in row]
            reason = self._non_data(row, texts)
            row_no = r + 1
            if reason == "blank":
                self._skip(row_no, "blank")
                continue
            self.blank_run = None
            if reason:
                self._skip(row_no, reason, raw=row)
                continue
            self._data_row(row_no, row)
            if progress is not None and self.result.rows_total % 2000 == 0:
                progress(self.result.rows_total)

    def _household_values(self, row: list[Any]) -> dict[str, str]:
        out = {}
        for key in ("household_no", "grid", "estate", "building", "unit", "room", "address", "housing",
                    "head_name"):
            if key in self.cols:
                value = self._first(row, key)
                out[key] = "" if norm.is_blank(value) else norm.text(value)
        return out

    def _data_row(self, row_no: int, row: list[Any]) -> None:
        name = norm.name(self._first(row, "name"))
        if not norm.looks_like_name(name):
            problems = [(self.cols["name"][0], "missing_name")] if "name" in self.cols else []
            self.result.outcomes.append(RowOutcome(self.plan.name, row_no, "rejected", "missing_name", raw=row,
                                                   problems=problems))
            return
        values = self._household_values(row)
        relation = norm.relation(self._first(row, "relation"))
        if not relation and values.get("head_name") and norm.name(values["head_name"]) == name:
            relation = "户主"
        household = self._household_for(row_no, relation, values)
        res = Resident(sheet=self.plan.name, row=row_no, name=name, household=household, relation=relation)
        self._person_fields(res, row)
        if res.problems or res.flags or len(self.result.residents) < 200:
            res.raw = row
        household.members.append(res)
        self.result.residents.append(res)
        self.result.outcomes.append(RowOutcome(self.plan.name, row_no, "data", problems=res.problems))

    def _household_for(self, row_no: int, relation: str, values: dict[str, str]) -> Household:
        ctx = self.ctx
        grid = values.get("grid") or ""
        if grid:
            ctx.grid = grid
        grid = grid or ctx.grid or self.sheet_grid
        number = values.get("household_no", "")
        address_keys = ("address", "estate", "building", "unit", "room")
        address = tuple(values.get(k, "") for k in address_keys)
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
                if value and not getattr(current, key, value) and key in address_keys + ("housing",):
                    setattr(current, key, value)
            return current
        key: tuple[Any, ...] = ("no", grid, number) if number else ("row", self.plan.name, row_no)
        household = self.households.get(key)
        if household is None:
            household = Household(key=key, sheet=self.plan.name, row=row_no, household_no=number, grid=grid,
                                  estate=values.get("estate", ""), building=values.get("building", ""),
                                  unit=values.get("unit", ""), room=values.get("room", ""),
                                  address=values.get("address", ""),
                                  housing=norm.housing(values.get("housing", "")))
            self.households[key] = household
            self.result.households.append(household)
        if grid and grid not in self.result.grids:
            self.result.grids.append(grid)
        ctx.household = household
        ctx.values = dict(values)
        ctx.values["_addr"] = address if any(address) else None  # type: ignore[assignment]
        return household

    def _col(self, key: str) -> int:
        cols = self.cols.get(key)
        return cols[0] if cols else -1

    def _person_fields(self, res: Resident, row: list[Any]) -> None:
        first = self._first
        problems = res.problems
        if norm.unusual_name(res.name):
            problems.append((self._col("name"), "name_unusual"))
            res.flags.append("name_unusual")
        # ID number
        id_raw = first(row, "id_number")
        check = None
        if id_raw is not None and not norm.is_blank(id_raw if isinstance(id_raw, str) else "x"):
            check = check_id_number(id_raw)
            if check.ok:
                res.id_number = check.number
            else:
                code = ID_FLAGS.get(check.problem or "", "id_invalid")
                problems.append((self._col("id_number"), code))
                raw_text = norm.text(id_raw)
                res.flags.append(f"{code}:原表格中为 {raw_text}" if raw_text else code)
                if check.problem == "precision_lost":
                    check = None
                    born = _reliable_birth(id_raw)
                    if born is not None:
                        check = _PartialId(born)
                else:
                    check = None
        # birth date
        born, problem = norm.parse_date(first(row, "birth_date"))
        if problem:
            code = "birth_date_partial" if problem == "partial" else "birth_date_invalid"
            if not (check is not None and check.birth_date):
                problems.append((self._col("birth_date"), code))
                res.flags.append(code)
        if born is not None and check is not None and check.birth_date and born != check.birth_date:
            problems.append((self._col("birth_date"), "birth_date_conflict"))
            res.flags.append("birth_date_conflict")
        res.birth_date = born or (check.birth_date if check is not None else None)
        # gender
        stated, understood = norm.gender(first(row, "gender"))
        if not understood:
            problems.append((self._col("gender"), "gender_invalid"))
            res.flags.append("gender_invalid")
        id_gender = check.gender if check is not None else None
        if stated and id_gender and stated != id_gender:
            problems.append((self._col("gender"), "gender_conflict"))
            res.flags.append(f"gender_conflict:身份证号显示为{id_gender}")
        res.gender = stated or id_gender or ""
        # the rest
        res.ethnicity = norm.ethnicity(first(row, "ethnicity"))
        res.political, ok = norm.political(first(row, "political"))
        if not ok:
            problems.append((self._col("political"), "political_unknown"))
            res.flags.append("political_unknown")
        res.education = norm.short_text(first(row, "education"), 20)
        res.work_unit = norm.short_text(first(row, "work_unit"), 100)
        res.hukou_type = norm.hukou_type(first(row, "hukou_type"))
        res.tags = norm.tags(first(row, "tags"))
        res.notes = norm.short_text(first(row, "notes"), 1000)
        res.former_name = norm.name(first(row, "former_name"))[:50]
        self._phones(res, row)
        if res.id_number:
            earlier = self.ids_seen.get(res.id_number)
            if earlier is not None:
                problems.append((self._col("id_number"), "duplicate_in_file"))
                res.flags.append(f"duplicate_in_file:{earlier.sheet} 第 {earlier.row} 行")
            else:
                self.ids_seen[res.id_number] = res

    def _phones(self, res: Resident, row: list[Any]) -> None:
        numbers: list[str] = []
        bad = False
        for i in self.cols.get("phone", ()):
            if i >= len(row):
                continue
            raw = row[i]
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


@dataclass(frozen=True)
class _PartialId:
    birth_date: date
    gender: str | None = None


def finish_households(result: Extraction) -> None:
    """Exactly one head per household: a later head is flagged and keeps no relation (原为户主)."""
    for household in result.households:
        heads = [m for m in household.members if m.relation == "户主"]
        for extra in heads[1:]:
            extra.relation = ""
            extra.flags.append(f"second_head:原表格中也写为户主；户主为{heads[0].name}（{heads[0].sheet} 第 {heads[0].row} 行）")
            extra.problems.append((-1, "second_head"))


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
