"""The error-report workbook: the rows that need attention, as they were, plus a 问题 column.

One worksheet per source sheet, its original header, then every rejected row, every skipped
non-blank row, every imported row with a problem and every hidden row, each with the sheet row
number, what happened to it and the problems in words ("隐藏行" for a hidden row; a hidden
column's header says so); the cells with a problem are highlighted. Written
with XlsxWriter in constant-memory mode; every value is written as text or number, never as a
formula (strings that start with ``=`` stay strings). ID numbers and phones (the resident's and
anyone else's: a landlord's, the head's on a member's row) are masked as in every export unless
the user chose full values.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.importers.records import Extraction
from commdesk.importers import normalise as norm
from commdesk.validation.idcard import mask_id
from commdesk.validation.phone import mask_phone
from commdesk.validation.review_flags import PROBLEM_LABELS

#: Columns whose cells are masked in the report, by field: how.
_SENSITIVE = {"id_number": "id", "phone": "phone", "others": "other"}
_DIGITS_RUN = re.compile(r"\d{7,}")

_STATUS = {"data": _("已导入"), "skipped": _("已跳过"), "rejected": _("未导入")}


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:28] or "Sheet"
    candidate, n = base, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{base[:25]}_{n}"
    used.add(candidate.lower())
    return candidate


def write_error_report(out: Path, plan: Any, result: Extraction, summary: Any, masked: bool = True) -> Path:
    import xlsxwriter

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    flagged = {(r.sheet, r.row): r for r in result.residents if r.flags or r.problems}
    shown = dict(flagged)   # the residents whose rows are listed: flagged or in a hidden row
    if result.hidden:
        shown.update({(r.sheet, r.row): r for r in result.residents if r.sheet in result.hidden
                      and r.row in result.hidden[r.sheet].rows})
    conflicts: dict[tuple[str, int], list[str]] = {}
    for c in getattr(summary, "conflicts", []):
        old = c["existing"]
        if masked and c["field"] in _SENSITIVE:
            old = _mask(old, _SENSITIVE[c["field"]])
        conflicts.setdefault((c["sheet"], c["row"]), []).append(
            _("{field} 与数据库不一致（库中：{old}）").format(field=c["field"], old=old))
    try:
        wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_formulas": False,
                                            "strings_to_numbers": False, "strings_to_urls": False})
        bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        bad = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        note = wb.add_format({"font_color": "#9C0006", "text_wrap": True})
        used: set[str] = set()
        info = wb.add_worksheet(_sheet_name(_("汇总"), used))
        lines = summary.lines() + [_("本报告中的身份证号、电话已脱敏") if masked else _("本报告含完整身份证号和电话，请妥善保管")]
        for i, line in enumerate(lines):
            info.write_string(i, 0, line)
        info.set_column(0, 0, 90)
        for sp in plan.data_sheets():
            hidden = result.hidden.get(sp.name)
            hidden_rows = hidden.rows if hidden else frozenset()
            rows = [o for o in result.outcomes if o.sheet == sp.name and o.status != "data" and o.reason != _("空行")]
            rows += [o for o in result.outcomes if o.sheet == sp.name and o.status == "data"
                     and ((o.sheet, o.row) in flagged or (o.sheet, o.row) in conflicts or o.row in hidden_rows)]
            if not rows:
                continue
            rows.sort(key=lambda o: o.row)
            ws = wb.add_worksheet(_sheet_name(sp.name, used))
            headers = [_("行号"), _("处理"), _("问题")] + [
                f"{c.label}{_('（隐藏列）')}" if hidden and c.index in hidden.cols else c.label for c in sp.columns]
            for j, h in enumerate(headers):
                ws.write_string(0, j, str(h), bold)
            ws.freeze_panes(1, 3)
            hide = {c.index: _SENSITIVE[c.field] for c in sp.columns if masked and c.field in _SENSITIVE}
            ws.set_column(2, 2, 40)
            for i, out_row in enumerate(rows, start=1):
                res = shown.get((out_row.sheet, out_row.row))
                words = []
                if out_row.status != "data":
                    words.append(PROBLEM_LABELS.get(out_row.reason, out_row.reason))
                problem_cols: dict[int, str] = {}
                if res is not None:
                    for col, code in res.problems:
                        problem_cols[col] = code
                    for flag in res.flags:
                        code, _sep, detail = flag.partition(":")
                        label = PROBLEM_LABELS.get(code, code)
                        words.append(f"{label}（{detail}）" if detail and not code.startswith("id_") else label)
                else:
                    problem_cols.update({c: code for c, code in out_row.problems})
                words += conflicts.get((out_row.sheet, out_row.row), [])
                if out_row.row in hidden_rows:
                    words.append(_("隐藏行"))
                ws.write_number(i, 0, out_row.row)
                ws.write_string(i, 1, _STATUS.get(out_row.status, out_row.status))
                ws.write_string(i, 2, "；".join(dict.fromkeys(words)), note)
                raw = (res.raw if res is not None else out_row.raw) or []
                for j, value in enumerate(raw):
                    fmt = bad if j in problem_cols else None
                    if j in hide and value not in (None, ""):
                        value = _mask(value, hide[j])
                    _write(ws, i, j + 3, value, fmt)
        wb.close()
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(_("无法写入问题报告 {name}：{err}").format(name=out.name, err=exc.strerror)) from exc
    return out


def _mask(value: Any, how: str) -> str:
    """A cell as the report shows it by default: an ID number as ``130102********1234``, a phone
    as ``138****5678``; another person's details keep their words, their digit runs masked."""
    text = f"{value:.0f}" if isinstance(value, float) and abs(value) >= 1e6 else norm.text(value)
    if how == "id":
        return mask_id(text)
    if how == "phone":
        return "、".join(mask_phone(p) for p in re.split(r"[、,，;；/\s]+", text) if p) or mask_phone(text)
    return _DIGITS_RUN.sub(lambda m: mask_id(m.group(0)), text)


def _write(ws: Any, row: int, col: int, value: Any, fmt: Any) -> None:
    if value is None or value == "":
        if fmt is not None:
            ws.write_blank(row, col, None, fmt)
        return
    if isinstance(value, bool):
        ws.write_string(row, col, "TRUE" if value else "FALSE", fmt)
    elif isinstance(value, (int, float)):
        if isinstance(value, float) and abs(value) >= 1e15:
            ws.write_string(row, col, repr(value), fmt)   # show the damaged number as it was
        else:
            ws.write_number(row, col, value, fmt)
    elif isinstance(value, (date, datetime)):
        ws.write_string(row, col, value.isoformat(), fmt)
    else:
        ws.write_string(row, col, str(value), fmt)
