"""One household per row, its members in repeated column groups (户主姓名 | 户主身份证号 | 配偶姓名 |
配偶身份证号 | 子女1姓名 … or 成员1姓名 | 成员1与户主关系 | 成员2姓名 …).

Header detection marks such columns with their group (``ColumnPlan.group``: the prefix, 户主 /
配偶 / 成员1 …) and their person field; the household columns (户号, 网格, 住址 …) stay mapped as
usual. For the walk, each source row is turned into one row per member with a name: the row's own
cells (the household ones are read from there) followed by that member's cells in fixed slots, so
the sheet walk reads them as one person per row. A row with no member (blank, 合计, a repeated
header) is passed on as it is and classified as usual.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from commdesk.importers.fields import KindSpec, clean_label, match_field

_N = r"[\d一二三四五六七八九十]"
_GROUP = re.compile(rf"^(户主|配偶|妻子|丈夫|父亲|母亲|(?:家庭)?成员{_N}+|第{_N}+个?(?:家庭)?成员|子女{_N}*|儿子{_N}*|"
                    rf"女儿{_N}*|其他(?:家庭)?成员{_N}*)的?(.+)$")
#: the person fields a group may hold (household fields stay with the row)
PERSON_FIELDS = ("name", "relation", "id_number", "gender", "birth_date", "phone", "ethnicity", "political",
                 "education", "work_unit", "hukou_type", "tags", "notes", "former_name")
_RELATION = {"户主": "户主", "配偶": "配偶", "妻子": "配偶", "丈夫": "配偶", "父亲": "父亲", "母亲": "母亲"}


@dataclass
class Group:
    prefix: str
    cols: dict[str, int] = field(default_factory=dict)

    @property
    def relation(self) -> str:
        """The relation the prefix says (子女: 子 or 女 by the member's gender; 成员n: none)."""
        bare = self.prefix.rstrip("0123456789一二三四五六七八九十")
        if bare in _RELATION:
            return _RELATION[bare]
        return {"儿子": "子", "女儿": "女", "子女": "子女"}.get(bare, "")


def mark_groups(kind: KindSpec, cols: list[Any]) -> list[Group]:
    """Mark the grouped columns of a header (``cols``: ColumnPlans) when at least two groups name a
    member and no column is the plain name column; the groups found (none: not this layout)."""
    if "name" not in kind.by_key or any(c.field == "name" and not c.group and not _GROUP.match(clean_label(c.label))
                                        for c in cols):
        return []
    groups: dict[str, Group] = {}
    found: list[tuple[Any, str, str]] = []
    for c in cols:
        m = _GROUP.match(clean_label(c.label))
        if not m:
            continue
        key, _strength = match_field(kind, m.group(2))
        if key not in PERSON_FIELDS:
            continue
        group = groups.setdefault(m.group(1), Group(m.group(1)))
        if key not in group.cols:
            group.cols[key] = c.index
            found.append((c, m.group(1), key))
    named = [g for g in groups.values() if "name" in g.cols]
    if len(named) < 2:
        return []
    keep = {g.prefix for g in named}
    for c, prefix, key in found:
        if prefix in keep:
            c.field, c.group, c.strength = key, prefix, 3
    return named


def groups_of(columns: list[Any]) -> list[Group]:
    groups: dict[str, Group] = {}
    for c in columns:
        if c.group and c.field:
            groups.setdefault(c.group, Group(c.group)).cols.setdefault(c.field, c.index)
    return [g for g in groups.values() if "name" in g.cols]


class GroupedSheet:
    """A sheet whose rows are one row per member (the walk's view of a grouped sheet)."""

    def __init__(self, sheet: Any, groups: list[Group], width: int, data_start: int) -> None:
        self.sheet = sheet
        self.groups = groups
        self.width = width
        self.data_start = data_start
        self.name = sheet.name
        self.merged = sheet.merged
        self.warnings = sheet.warnings

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        width, start = self.width, self.data_start
        for r, row in self.sheet.rows():
            if r < start:
                yield r, row
                continue
            base = row + [""] * (width - len(row)) if len(row) < width else row[:width]
            members = []
            for g in self.groups:
                name = _cell(row, g.cols["name"])
                if not name or _same_label(name, g):
                    continue
                cells = [_cell(row, g.cols[k]) if k in g.cols else "" for k in PERSON_FIELDS]
                if not cells[1]:
                    cells[1] = _relation(g, cells)
                members.append(base + cells)
            if not members:
                yield r, row
            for member in members:
                yield r, member


def _cell(row: list[Any], index: int) -> Any:
    if index >= len(row):
        return ""
    value = row[index]
    return "" if value is None else value


def _same_label(name: Any, group: Group) -> bool:
    text = clean_label(name)
    return text.startswith(clean_label(group.prefix)) or text in ("姓名", "名字")


def _relation(group: Group, cells: list[Any]) -> str:
    relation = group.relation
    if relation != "子女":
        return relation
    id_text = str(cells[2]).strip()
    if len(id_text) == 18 and id_text[16].isdigit():
        return "子" if int(id_text[16]) % 2 else "女"
    gender = str(cells[3]).strip()
    return {"男": "子", "女": "女"}.get(gender[:1], "子女")


def prepare(kind: KindSpec, plan: Any, sheet: Any) -> tuple[Any, Any]:
    """(plan, sheet) for the walk: unchanged, or for a grouped sheet one member a row (the
    members' fields in slots after the sheet's own columns)."""
    groups = groups_of(plan.columns)
    if not groups:
        return plan, sheet
    width = max(c.index for c in plan.columns) + 1
    columns = [replace(c, field=None, group="") if c.group else c for c in plan.columns]
    columns += [replace(plan.columns[0], index=width + j, label=kind.by_key[key].label, field=key, group="", strength=3)
                for j, key in enumerate(PERSON_FIELDS)]
    return replace(plan, columns=columns), GroupedSheet(sheet, groups, width, plan.data_start)
