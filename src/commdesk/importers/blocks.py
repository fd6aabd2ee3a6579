"""一户一档 household cards: a line above each household's members that gives the household's values
as labels and values (``户号：HX0001　网格：第一网格　家庭住址：…`` in one cell, or ``户主 | 王某 |
户号 | HX0001 | …`` over several cells). The walk reads such a line as the start of a household
and gives its values to the members' rows below it (a value on a member's row still wins)."""
from __future__ import annotations

import re

from commdesk.importers.fields import KindSpec, clean_label, match_field

#: the household values a card's line may give
BLOCK_FIELDS = frozenset({"household_no", "grid", "address", "estate", "building", "unit", "room", "housing",
                          "head_name"})
_TOKENS = re.compile(r"[\s\u3000]+")
_COLON = re.compile(r"[:：]")


def label_words(kind: KindSpec) -> frozenset[str]:
    """Header words of the household fields: a card's line starts with one (or holds a colon)."""
    return frozenset(w for f in kind.fields if f.key in BLOCK_FIELDS for w in f.synonyms + (f.label,))


def _field(kind: KindSpec, label: str) -> str | None:
    key, strength = match_field(kind, label)
    return key if strength >= 3 or (strength == 2 and key in BLOCK_FIELDS and len(clean_label(label)) <= 6) else None


def block_values(kind: KindSpec, filled: list[str]) -> dict[str, str] | None:
    """The household values of a card's line (``filled``: the row's non-empty texts), or None when
    the row is not one: every label must name a field (填报单位：… does not) and some of them a
    household value (户号, 网格, 住址 … or the 户主's name)."""
    pairs: list[tuple[str, str]] = []
    if any(_COLON.search(t) for t in filled):
        for cell in filled:
            for token in _TOKENS.split(cell):
                if not token:
                    continue
                parts = _COLON.split(token, 1)
                if len(parts) == 2:
                    pairs.append((parts[0], parts[1]))
                elif pairs:
                    pairs[-1] = (pairs[-1][0], pairs[-1][1] + token)
                else:
                    return None
    else:
        if len(filled) % 2:
            return None
        pairs = list(zip(filled[0::2], filled[1::2]))
    values: dict[str, str] = {}
    for label, value in pairs:
        key = _field(kind, label)
        if key is None or match_field(kind, value)[1] == 3:   # 填报单位：…, or a header row
            return None
        if key in BLOCK_FIELDS and value and key not in values:
            values[key] = value.strip()
    return values or None
