"""The monthly report (月报): sections of figures, name lists and charts, as one PDF or workbook.

A section is registered once with :func:`register_section`; it turns (session, context) into a
list of blocks — :class:`Text`, :class:`Table`, :class:`Chart` — which both renderers understand.
Later modules (Party, meetings, consultations, checklists) add their sections the same way,
without editing this file::

    register_section(ReportSection("party", "党员情况", build_party_blocks, order=60))
"""
from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.reports.monthly_blocks import (_SECTIONS, Block, Chart, ReportContext, ReportData,  # noqa: F401
                                             ReportSection, Table, Text, numbered, register_section)

log = logging.getLogger("commdesk.reports")
_BUILTINS_LOADED = False


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
