"""The building blocks of the monthly report: what a section returns, and the section registry.

Both renderers (:mod:`.monthly_pdf`, :mod:`.monthly_xlsx`) and every section module read these
types; :mod:`.monthly` collects the sections and picks a renderer.
"""
from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from commdesk.i18n import _


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Table:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    align: Sequence[str] = ()          # per column: left | center | right (default: numbers right)
    total: bool = False                # the last row is a total row (bold)
    widths: Sequence[float] = ()       # relative widths (characters); default from the content


@dataclass(frozen=True)
class Chart:
    title: str
    kind: str                          # "column" | "bar" | "pie"
    categories: Sequence[str]
    series: Sequence[tuple[str, Sequence[float]]]


Block = Text | Table | Chart


@dataclass(frozen=True)
class ReportContext:
    year: int
    month: int
    community: str
    today: date

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def label(self) -> str:
        return _("{y}年{m}月").format(y=self.year, m=self.month)


@dataclass(frozen=True)
class ReportSection:
    key: str
    title: str
    build: Callable[[Session, ReportContext], list[Block]]
    order: int = 100


@dataclass
class ReportData:
    context: ReportContext
    title: str
    sections: list[tuple[ReportSection, list[Block]]] = field(default_factory=list)


_SECTIONS: dict[str, ReportSection] = {}


def register_section(section: ReportSection) -> ReportSection:
    """Add (or replace, by key) a section of the monthly report."""
    _SECTIONS[section.key] = section
    return section


CHINESE_NUMERALS = "一二三四五六七八九十"


def numbered(index: int, title: str) -> str:
    """"一、基本情况" for the first section, and so on (十一 and beyond spelled out)."""
    n = index + 1
    if n <= 10:
        num = CHINESE_NUMERALS[n - 1]
    elif n < 20:
        num = "十" + CHINESE_NUMERALS[n - 11]
    else:
        num = str(n)
    return f"{num}、{title}"
