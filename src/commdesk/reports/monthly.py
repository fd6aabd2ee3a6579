"""The monthly report (月报): sections of figures, name lists and charts, as one PDF or workbook.

A section is registered once with :func:`register_section`; it turns (session, context) into a
list of blocks — :class:`Text`, :class:`Table`, :class:`Chart` — which both renderers understand.
Later modules (Party, meetings, consultations, checklists) add their sections the same way,
without editing this file::

    register_section(ReportSection("party", "党员情况", build_party_blocks, order=60))
"""
from __future__ import annotations

import calendar
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from commdesk.errors import UserError
from commdesk.i18n import _

log = logging.getLogger("commdesk.reports")


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
_BUILTINS_LOADED = False


def register_section(section: ReportSection) -> ReportSection:
    """Add (or replace, by key) a section of the monthly report."""
    _SECTIONS[section.key] = section
    return section


#: Modules that register monthly-report sections at import.
SECTION_MODULES = ("commdesk.reports.monthly_sections", "commdesk.reports.party_section",
                   "commdesk.reports.meeting_section")


def sections() -> list[ReportSection]:
    global _BUILTINS_LOADED
    if not _BUILTINS_LOADED:
        _BUILTINS_LOADED = True
        import importlib

        for name in SECTION_MODULES:
            importlib.import_module(name)  # each registers its sections
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def collect(session: Session, year: int, month: int, today: date | None = None) -> ReportData:
    from commdesk.reports.export import community_name

    if not (1 <= month <= 12 and 1900 <= year <= 2999):
        raise UserError(_("月份不对：{y}-{m}").format(y=year, m=month))
    ctx = ReportContext(year, month, community_name(session), today or date.today())
    data = ReportData(ctx, _("{community}人口情况月报（{label}）").format(community=ctx.community, label=ctx.label))
    for section in sections():
        data.sections.append((section, section.build(session, ctx)))
    return data


def build_monthly_report(database: Any, year: int, month: int, out_path: str | Path, *,
                         today: date | None = None) -> Path:
    """Write the month's report to ``out_path`` (.pdf or .xlsx, by the suffix); returns the path."""
    from commdesk.reports.export import finish, temp_path

    out = Path(out_path)
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".xlsx"):
        raise UserError(_("月报只能保存为 .pdf 或 .xlsx 文件：{name}").format(name=out.name))
    if out.parent and not out.parent.exists():
        raise UserError(_("输出文件夹不存在：{path}").format(path=out.parent))
    with database.Session() as session:
        data = collect(session, year, month, today)
    tmp = temp_path(out)
    try:
        if suffix == ".pdf":
            from commdesk.reports.monthly_pdf import render_pdf

            render_pdf(data, tmp)
        else:
            from commdesk.reports.monthly_xlsx import render_xlsx

            render_xlsx(data, tmp)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(_("无法写入文件 {name}：{err}").format(name=out.name, err=exc.strerror or exc)) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finish(tmp, out)
    log.info("monthly report %04d-%02d written (%s)", year, month, suffix)
    return out


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
