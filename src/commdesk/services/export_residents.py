"""``commdesk export residents``: every resident as the SPEC's exchange objects (json, csv, xlsx).

Keys: name, gender, birth_date (YYYY-MM-DD), id_number, relation, phone, political_status,
tags (list), household_no, grid, address, issues (list of review-flag codes).
"""
from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.models.household import format_address, split_tags
from commdesk.validation.review_flags import review_codes

KEYS = ("name", "gender", "birth_date", "id_number", "relation", "phone", "political_status", "tags",
        "household_no", "grid", "address", "issues")
HEADERS = ("姓名", "性别", "出生日期", "身份证号", "与户主关系", "联系电话", "政治面貌", "重点人群", "户号", "网格",
           "住址", "待核实")

_SQL = (
    "SELECT r.name, r.gender, r.birth_date, r.id_number, r.relation, r.phone, r.political_status, r.tags,"
    " h.household_no, g.name, h.estate, h.building, h.unit, h.room, h.address, r.review"
    " FROM resident r JOIN household h ON h.id = r.household_id LEFT JOIN grid g ON g.id = h.grid_id"
    " WHERE r.archived_at IS NULL {extra} ORDER BY h.household_no, h.id, r.rel_order, r.id"
)


def iter_resident_records(session: Session, *, include_moved: bool = True) -> Iterator[dict[str, Any]]:
    extra = "" if include_moved else "AND r.status = '在住'"
    for row in session.execute(text(_SQL.format(extra=extra))).yield_per(5000):
        (name, gender, birth, idn, relation, phone, pol, tags, hno, grid, estate, building, unit, room, address,
         review) = row
        yield {
            "name": name, "gender": gender, "birth_date": str(birth) if birth else None, "id_number": idn,
            "relation": relation, "phone": phone or None, "political_status": pol, "tags": split_tags(tags),
            "household_no": hno, "grid": grid, "address": format_address(estate, building, unit, room, address),
            "issues": review_codes(review),
        }


def resident_records(session: Session) -> list[dict[str, Any]]:
    return list(iter_resident_records(session))


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(value)
    return "" if value is None else str(value)


def export_residents(session: Session, fmt: str, out: Path) -> int:
    records = iter_resident_records(session)
    count = 0
    tmp = out.with_name(out.name + ".part")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "json":
            rows = list(records)
            count = len(rows)
            tmp.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
        elif fmt == "csv":
            with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(HEADERS)
                for rec in records:
                    writer.writerow([_safe_text(_cell(rec[k])) for k in KEYS])
                    count += 1
        elif fmt == "xlsx":
            import xlsxwriter

            wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_formulas": False,
                                                "strings_to_numbers": False, "strings_to_urls": False})
            ws = wb.add_worksheet("居民")
            bold = wb.add_format({"bold": True})
            ws.write_row(0, 0, HEADERS, bold)
            for i, rec in enumerate(records, start=1):
                for j, k in enumerate(KEYS):
                    ws.write_string(i, j, _cell(rec[k]))
                count += 1
            ws.freeze_panes(1, 0)
            wb.close()
        else:
            raise UserError(_("不支持的格式：{fmt}（可用 json、csv、xlsx）").format(fmt=fmt))
        tmp.replace(out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise UserError(_("无法写入文件 {name}：{err}").format(name=out.name, err=exc.strerror)) from exc
    return count


def _safe_text(value: str) -> str:
    """CSV opened in Excel: a leading = + - @ would start a formula."""
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
