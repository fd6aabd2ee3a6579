"""Finding the table in a sheet: the header row(s) among title rows, and the column mapping.

Generic, driven by the kind's synonym table: every row of the first ``SCAN_ROWS`` (with merged
cells filled) is scored by how many distinct fields its cells name; a pair of rows is scored
too (a group heading over sub-headings, or vertically merged headings), and the best wins.
Sheets whose best score is too low are not tables (instructions, code lists, empty sheets).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from commdesk.i18n import _
from commdesk.importers.column_groups import mark_groups
from commdesk.importers.fields import KindSpec, clean_label, match_field
from commdesk.importers.hidden import column_letter
from commdesk.importers.normalise import text

SCAN_ROWS = 40
MIN_SCORE = 2
_INSTRUCTION_SHEET = re.compile(r"说明|填表|须知|注意事项|填写要求|填报要求|示例|样例|字典|代码表|下拉|选项|instruction|readme|help",
                                re.I)
# sheets split by kind of resident, not by grid: 户籍人口 / 流动人口 / 境外人员 …
_POPULATION_SHEET = re.compile(r"人口|人员|户籍|流动|常住|暂住|境外|外来|人户分离|党员|花名册|名单|名册|台账")
_DEFAULT_SHEET = re.compile(r"^(sheet|工作表|表)\s*\d*$", re.I)
_GRIDISH = re.compile(r"网格|片区|第.{1,4}组|[一二三四五六七八九十\d]+组$|小区$|楼$|村$|社$")


@dataclass
class ColumnPlan:
    index: int
    label: str
    field: str | None
    strength: int = 0
    group: str = ""          # a member's column in a household-per-row register (户主 / 配偶 / 成员1 …)


@dataclass
class SheetPlan:
    name: str
    index: int
    visible: bool = True
    role: str = "data"                       # data / ignored
    reason: str = ""
    header_rows: list[int] = field(default_factory=list)   # 0-based row indices
    data_start: int = 0
    columns: list[ColumnPlan] = field(default_factory=list)
    grid_from_sheet: str = ""
    estate_from_sheet: str = ""              # one sheet per 小区: its name begins the address
    title_lines: list[str] = field(default_factory=list)
    #: what the user is told about the detection (a name column found by its values, a column
    #: left out because its header repeats another's)
    notes: list[str] = field(default_factory=list)
    #: the user's corrections by header (clean label → field or None), for every table of the sheet
    corrections: dict[str, str | None] = field(default_factory=dict)

    def mapping(self) -> dict[int, str]:
        return {c.index: c.field for c in self.columns if c.field and not c.group}

    def has_name(self) -> bool:
        return any(c.field == "name" for c in self.columns)

    def signature(self) -> str:
        labels = "|".join(clean_label(c.label) for c in self.columns)
        return hashlib.sha1(labels.encode("utf-8")).hexdigest()[:16]


def merged_fill(rows: dict[int, list[Any]], merged: list[tuple[int, int, int, int]]) -> None:
    """Copy each merged range's top-left value into its other cells (rows present in ``rows``)."""
    for r0, c0, r1, c1 in merged:
        top = rows.get(r0)
        if top is None or c0 >= len(top):
            continue
        value = top[c0]
        for r in range(r0, r1 + 1):
            row = rows.get(r)
            if row is None:
                continue
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    row[c] = value


def _assign(kind: KindSpec, labels: list[str]) -> tuple[list[ColumnPlan], int]:
    """Columns with their fields (each non-multi field once, strongest match wins) and the score."""
    cols = []
    best: dict[str, tuple[int, int]] = {}
    for i, label in enumerate(labels):
        key, strength = match_field(kind, label)
        cols.append(ColumnPlan(i, label, key, strength))
        if key is None:
            continue
        spec = kind.by_key[key]
        if spec.multi:
            continue
        prev = best.get(key)
        if prev is None or strength > prev[1]:
            best[key] = (i, strength)
    for col in cols:
        if col.field and not kind.by_key[col.field].multi and best[col.field][0] != col.index:
            col.field, col.strength = None, 0
    mark_groups(kind, cols)
    fields = {c.field for c in cols if c.field}
    score = sum(1 for f in fields if not kind.by_key[f].ignore) + (1 if fields & set(kind.anchors) else -5)
    return cols, score


def _labels(row: list[Any]) -> list[str]:
    return [text(v) for v in row]     # a line break may join two labels (户主姓名⏎成员姓名)


def _combine(top: list[str], bottom: list[str]) -> list[str]:
    width = max(len(top), len(bottom))
    out = []
    for i in range(width):
        t = top[i] if i < len(top) else ""
        b = bottom[i] if i < len(bottom) else ""
        out.append(b or t)
    return out


_MASKED = re.compile(r"\d[*＊]{3,}|[*＊]{3,}\d")     # 130102********1234, 139****5678
_MASKABLE = ("id_number", "phone")


def _masked_share(sample: list[list[Any]], index: int) -> float:
    values = [text(row[index]) for row in sample if index < len(row) and text(row[index])]
    return sum(1 for v in values if _MASKED.search(v)) / len(values) if values else 0.0


def _prefer_unmasked(kind: KindSpec, cols: list[ColumnPlan], sample: list[list[Any]]) -> None:
    """A masked copy (身份证号 130102********1234 shown, the full number in a hidden 身份证号（原）
    column) never wins over a column of the same field whose values are whole: the whole one
    is mapped, the masked one left out."""
    for key in _MASKABLE:
        if key not in kind.by_key:
            continue
        mapped = [c for c in cols if c.field == key and not c.group]
        others = [c for c in cols if c.field is None and match_field(kind, c.label)[0] == key]
        masked = [c for c in mapped if _masked_share(sample, c.index) > 0.5]
        whole = [c for c in mapped + others if c not in masked and _masked_share(sample, c.index) == 0.0
                 and any(c.index < len(row) and text(row[c.index]) for row in sample)]
        if not masked or not whole:
            continue
        for c in masked:
            c.field, c.strength = None, 0
        if not any(c.field == key for c in cols):
            best = max(whole, key=lambda c: match_field(kind, c.label)[1])
            best.field, best.strength = key, match_field(kind, best.label)[1]


def detect_sheet(kind: KindSpec, name: str, index: int, visible: bool, head: dict[int, list[Any]],
                 merged: list[tuple[int, int, int, int]]) -> SheetPlan:
    """The plan for one sheet from its first rows (``head``: row index → cells)."""
    plan = SheetPlan(name=name, index=index, visible=visible)
    rows = {r: list(cells) for r, cells in head.items()}
    merged_fill(rows, [m for m in merged if m[0] < SCAN_ROWS + 2])
    order = sorted(rows)
    best: tuple[int, list[int], list[ColumnPlan]] = (-99, [], [])
    for pos, r in enumerate(order[:SCAN_ROWS]):
        labels = _labels(rows[r])
        if sum(1 for v in labels if v) < 2:
            continue
        cols, score = _assign(kind, labels)
        if score > best[0]:
            best = (score, [r], cols)
        nxt = order[pos + 1] if pos + 1 < len(order) else None
        if nxt is not None and nxt == r + 1:
            combined_cols, combined = _assign(kind, _combine(labels, _labels(rows[nxt])))
            below = _assign(kind, _labels(rows[nxt]))[1]
            if combined > max(score, below) and combined > best[0]:
                best = (combined, [r, nxt], combined_cols)
    score, header_rows, cols = best
    if not visible:
        plan.role, plan.reason = "ignored", _("隐藏的工作表")
    elif _INSTRUCTION_SHEET.search(name) and score < 4:
        plan.role, plan.reason = "ignored", _("说明类工作表")
    elif score < MIN_SCORE or not header_rows:
        plan.role = "ignored"
        plan.reason = _("没有找到表头（姓名、身份证号等列）") if rows else _("空工作表")
    if header_rows:
        plan.header_rows = header_rows
        plan.data_start = header_rows[-1] + 1
        sample = [rows[r] for r in order if r >= plan.data_start][:30]
        _prefer_unmasked(kind, cols, sample)
        plan.columns = cols
        plan.notes += duplicate_notes(kind, name, cols)
        if plan.role == "data" and "name" in kind.by_key and not plan.has_name():
            guessed = guess_name_column(cols, sample)
            if guessed is not None:
                guessed.field, guessed.strength = "name", 1
                plan.notes.append(_("工作表“{sheet}”没有找到“姓名”表头，按内容把 {letter} 列“{label}”当作姓名列，"
                                    "请核对").format(sheet=name, letter=column_letter(guessed.index),
                                                   label=guessed.label or _("无表头")))
        for r in order:
            if r >= header_rows[0]:
                break
            line = " ".join(v for v in _labels(rows[r]) if v)
            if line and line not in plan.title_lines:
                plan.title_lines.append(line)
    return plan


_CJK_NAME = re.compile(r"[\u3400-\u9fff]{2,4}")
_ID_LIKE = re.compile(r"\d{6}[\d*＊]{8,}[\dXx*＊]{3,4}")


def guess_name_column(cols: list[ColumnPlan], sample: list[list[Any]]) -> ColumnPlan | None:
    """With no name header: the unmapped column whose values look like Chinese personal names
    (2–4 characters, mostly distinct), best beside a column of ID numbers; None when none does."""
    def values(index: int) -> list[str]:
        return [v for row in sample if index < len(row) and (v := text(row[index]))]

    id_like = {c.index for c in cols if c.field == "id_number"}
    id_like |= {c.index for c in cols if (vs := values(c.index)) and
                sum(1 for v in vs if _ID_LIKE.fullmatch(v)) > len(vs) / 2}
    best: tuple[float, ColumnPlan | None] = (0.0, None)
    for c in cols:
        if c.field is not None or c.index in id_like:
            continue
        vs = values(c.index)
        if len(vs) < 3:
            continue
        share = sum(1 for v in vs if _CJK_NAME.fullmatch(v)) / len(vs)
        distinct = len(set(vs)) / len(vs)
        if share < 0.7 or distinct < 0.6:
            continue
        score = share + distinct + (0.5 if {c.index - 1, c.index + 1} & id_like else 0.0)
        if score > best[0]:
            best = (score, c)
    return best[1]


def duplicate_notes(kind: KindSpec, sheet: str, cols: list[ColumnPlan]) -> list[str]:
    """A column left out because its header repeats an imported column's: named, never silent."""
    notes = []
    imported = {clean_label(c.label): c for c in cols if c.field and not c.group}
    for c in cols:
        first = imported.get(clean_label(c.label))
        if c.field is None and c.label and first is not None and first.index < c.index \
                and not kind.by_key[first.field].ignore:
            notes.append(_("工作表“{sheet}” {letter} 列“{label}”与 {first} 列的表头相同，没有导入（只导入了 {first} 列）；"
                           "如需导入，请在列对应中指定").format(sheet=sheet, letter=column_letter(c.index),
                                                      label=c.label, first=column_letter(first.index)))
    return notes


_ADDRESS_PARTS = {"building", "unit", "room"}


def sheet_gives_estate(plan: SheetPlan) -> str:
    """One sheet per 小区: the address is split over 楼栋/单元/房号 and no column names the 小区 (nor
    holds the whole address), so the sheet's name is the 小区."""
    fields = set(plan.mapping().values())
    if not fields & _ADDRESS_PARTS or fields & {"estate", "address"}:
        return ""
    name = plan.name.strip()
    if not name or _DEFAULT_SHEET.match(name) or _POPULATION_SHEET.search(name) or \
            re.search(r"网格|片区|组$", name) or _INSTRUCTION_SHEET.search(name):
        return ""
    return name


def sheet_gives_grid(plan: SheetPlan, data_sheets: int) -> str:
    """The grid named by the sheet when the table has no grid column."""
    if "grid" in plan.mapping().values() or plan.estate_from_sheet:
        return ""
    name = plan.name.strip()
    if not name or _DEFAULT_SHEET.match(name):
        return ""
    if _GRIDISH.search(name):                # 第一网格, 第一网格人口台账
        return name
    if data_sheets > 1 and not _POPULATION_SHEET.search(name):     # 户籍人口 / 流动人口 are not grids
        return name
    return ""


# 社区 first: in 新村社区 the village pattern would find 新村 (too short) and never 新村社区
_COMMUNITY = (re.compile(r"([\u4e00-\u9fff]{1,16}?社区)"), re.compile(r"([\u4e00-\u9fff]{1,16}?村)"))


def community_name(lines: list[str]) -> str:
    """A community name from title / 填报单位 lines or the file name (``幸福里社区``)."""
    for line in lines:
        for match in (m for pattern in _COMMUNITY for m in pattern.finditer(line.replace(" ", ""))):
            found = match.group(1)
            for cut in ("街道", "镇", "乡", "办事处"):
                if cut in found:
                    found = found.split(cut)[-1]
            if len(found) >= 3 and found not in ("社区", "村"):
                return found
    return ""
