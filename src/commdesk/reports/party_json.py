"""``commdesk export party-members|center-households --format json``: exchange objects for other systems.

party-members: name, id_number, gender, birth_date, join_date, full_date (YYYY-MM-DD), branch,
status (正式党员/预备党员), phone, household_no, issues (review-flag codes), plus category and
member_status for readers that want them.

center-households: member_name, member_id_number, center_household_no, grid, contacts
[{household_no, head}] (open assignments only).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.validation.review_flags import review_codes

MEMBER_KEYS = ("name", "id_number", "gender", "birth_date", "join_date", "full_date", "branch", "status", "phone",
               "household_no", "issues")
CENTER_KEYS = ("member_name", "member_id_number", "center_household_no", "grid", "contacts")


def _iso(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)[:10]


def party_member_records(session: Session) -> list[dict[str, Any]]:
    sql = (
        "SELECT m.name, m.id_number, m.gender, m.birth_date, m.join_date, m.full_date, b.name, m.membership, m.phone,"
        " h.household_no, m.review, m.category, m.status"
        " FROM party_member m LEFT JOIN party_org b ON b.id = m.org_id LEFT JOIN resident r ON r.id = m.resident_id"
        " LEFT JOIN household h ON h.id = r.household_id"
        " WHERE m.archived_at IS NULL ORDER BY b.sort_order, b.id, m.id"
    )
    out = []
    for (name, idn, gender, birth, join, full, branch, membership, phone, hno, review, category,
         status) in session.execute(text(sql)):
        out.append({"name": name, "id_number": idn, "gender": gender or None, "birth_date": _iso(birth),
                    "join_date": _iso(join), "full_date": _iso(full), "branch": branch, "status": membership,
                    "phone": phone or None, "household_no": hno, "issues": review_codes(review),
                    "category": category, "member_status": status})
    return out


def center_household_records(session: Session) -> list[dict[str, Any]]:
    centers = session.execute(text(
        "SELECT c.id, m.name, m.id_number, h.household_no, g.name FROM center_household c"
        " JOIN party_member m ON m.id = c.member_id JOIN household h ON h.id = c.household_id"
        " LEFT JOIN grid g ON g.id = c.grid_id WHERE c.archived_at IS NULL AND c.status = '在册'"
        " ORDER BY g.code, g.id, h.household_no, c.id")).all()
    contacts: dict[int, list[dict[str, Any]]] = {}
    for cid, hno, head in session.execute(text(
            "SELECT c.center_id, h.household_no, (SELECT name FROM resident x WHERE x.household_id = h.id"
            " AND x.relation = '户主' AND x.archived_at IS NULL ORDER BY x.status != '在住' LIMIT 1)"
            " FROM center_contact c JOIN household h ON h.id = c.household_id"
            " WHERE c.end_date IS NULL AND c.archived_at IS NULL ORDER BY h.household_no, c.id")):
        contacts.setdefault(cid, []).append({"household_no": hno, "head": head})
    return [{"member_name": name, "member_id_number": idn, "center_household_no": hno, "grid": grid,
             "contacts": contacts.get(cid, [])} for cid, name, idn, hno, grid in centers]


def _write_json(records: list[dict[str, Any]], out: Path) -> None:
    from commdesk.reports.export import write_json

    write_json(records, out)


def export_party(session: Session, key: str, fmt: str, out: Path) -> int:
    """Write ``party-members`` or ``center-households`` as JSON; returns how many objects."""
    if fmt not in ("json", None, ""):
        raise UserError(_("“{key}”只能导出为 json；台账格式请用 党员花名册 等台账").format(key=key))
    if key == "party-members":
        records = party_member_records(session)
    elif key == "center-households":
        records = center_household_records(session)
    else:
        raise UserError(_("没有名为“{key}”的导出").format(key=key))
    _write_json(records, Path(out))
    return len(records)


EXPORTS = {"party-members": _("党员信息（json，供其他系统使用）"),
           "center-households": _("党员中心户及联系户（json，供其他系统使用）")}
