"""``export_ledger``: one ledger → .xlsx or .pdf, from the same declaration.

The file is written next to the target under a temporary name and renamed at the end, so a
cancelled or failed export never leaves a half-written file behind.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.reports.ledger import Params, get_ledger

log = logging.getLogger("commdesk.reports")
FORMATS = ("xlsx", "pdf")


def community_name(session: Session) -> str:
    name = session.execute(text("SELECT name FROM community WHERE archived_at IS NULL ORDER BY id LIMIT 1")).scalar()
    return name or _("（未设置社区名称）")


def chinese_date(day: date) -> str:
    return _("{y}年{m}月{d}日").format(y=day.year, m=day.month, d=day.day)


def parse_month(text_value: str | None) -> tuple[int, int] | None:
    """"2024-05" (or "2024-5", "2024/05", "202405") → (2024, 5)."""
    if text_value is None or str(text_value).strip() == "":
        return None
    raw = str(text_value).strip().replace("/", "-").replace(".", "-")
    try:
        if "-" in raw:
            y, m = raw.split("-", 1)
            year, month = int(y), int(m)
        elif len(raw) == 6 and raw.isdigit():
            year, month = int(raw[:4]), int(raw[4:])
        else:
            raise ValueError(raw)
    except ValueError:
        raise UserError(_("月份格式不对：{value}（应为 YYYY-MM，例如 2024-05）").format(value=text_value)) from None
    if not (1 <= month <= 12 and 1900 <= year <= 2999):
        raise UserError(_("月份格式不对：{value}（应为 YYYY-MM，例如 2024-05）").format(value=text_value))
    return year, month


def temp_path(out: Path) -> Path:
    return out.with_name(f".{out.name}.{os.getpid()}.part")


def finish(tmp: Path, out: Path) -> None:
    try:
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(_("无法写入文件 {name}：{err}（文件是否正在 Excel 或 PDF 阅读器中打开？）").format(
            name=out.name, err=exc.strerror or exc)) from exc


def write_json(records: list[Any], out: Path) -> None:
    """Records as a JSON file for other systems, written atomically (temp file, then rename)."""
    import json

    if out.parent and not out.parent.exists():
        raise UserError(_("输出文件夹不存在：{path}").format(path=out.parent))
    tmp = temp_path(out)
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(records, fh, ensure_ascii=False, indent=1)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(_("无法写入文件 {name}：{err}").format(name=out.name, err=exc.strerror or exc)) from exc
    finish(tmp, out)


def export_ledger(database: Any, key: str, fmt: str, out_path: str | Path, *,
                  month: tuple[int, int] | None = None, masked: bool = True,
                  filters: Mapping[str, Any] | None = None, columns: list[str] | None = None,
                  landscape: bool | None = None, sort: str = "",
                  progress: Callable[[int, int | None], None] | None = None,
                  cancel: Callable[[], bool] | None = None, today: date | None = None) -> Path:
    """Write ledger ``key`` as ``fmt`` ("xlsx" or "pdf") to ``out_path``; returns the path.

    ``progress(done_rows, total_rows)`` is called now and then; ``cancel()`` returning True stops
    the export (raises :class:`~commdesk.reports.pdf_ledger.ExportCancelled`, no file is left).
    """
    from commdesk.reports.excel_ledger import write_ledger_xlsx
    from commdesk.reports.pdf_ledger import ExportCancelled, write_ledger_pdf

    fmt = (fmt or "").lower().lstrip(".")
    if fmt not in FORMATS:
        raise UserError(_("不支持的格式：{fmt}（台账可导出为 xlsx 或 pdf）").format(fmt=fmt))
    ledger = get_ledger(key)
    params = Params(month=month, filters=dict(filters or {}), columns=tuple(columns) if columns else None,
                    sort=sort, masked=masked, today=today)
    ledger.check(params)
    out = Path(out_path)
    if out.parent and not out.parent.exists():
        raise UserError(_("输出文件夹不存在：{path}").format(path=out.parent))
    tmp = temp_path(out)
    writer = write_ledger_xlsx if fmt == "xlsx" else write_ledger_pdf
    try:
        with database.Session() as session:
            total = ledger.total(session, params)
            writer(tmp, ledger.rows(session, params), ledger.visible_columns(params),
                   title=ledger.title_for(params), unit=community_name(session),
                   date_text=chinese_date(params.day), landscape=ledger.is_landscape(params, landscape),
                   masked=masked, total=total, progress=progress, cancel=cancel)
    except ExportCancelled:
        tmp.unlink(missing_ok=True)
        raise
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(_("无法写入文件 {name}：{err}").format(name=out.name, err=exc.strerror or exc)) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finish(tmp, out)
    log.info("exported ledger %s as %s (%s)", key, fmt, "masked" if masked else "full")
    _audit_export(database, ledger.title_for(params), fmt, total, masked, out)
    return out


def _audit_export(database: Any, title: str, fmt: str, rows: int | None, masked: bool, out: Path) -> None:
    """One audit entry per export: what, how many rows, masked or full (not on a read-only
    database, which cannot be written)."""
    if getattr(database, "readonly", False):
        return
    from commdesk.models.audit import audit_event

    with database.Session() as session:
        audit_event(session, "export", _("导出 {title}（{fmt}，{n} 行，{mask}）→ {name}").format(
            title=title, fmt=fmt, n="?" if rows is None else rows, mask=_("脱敏") if masked else _("完整身份证号和电话"),
            name=out.name), table_name="event")
        session.commit()
