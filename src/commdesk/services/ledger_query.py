"""The 住户台账 page's query: filters + search → an ordered id list, and rows fetched by block.

The table model holds only the ordered ids (a few MB for 300k residents) and asks for rows a
block at a time, so first paint and memory do not grow with the ledger. Sorting and filtering
happen in SQL.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from commdesk.search.query import search_condition

AGE_BANDS: dict[str, tuple[int, int | None]] = {
    "0-6岁": (0, 6), "7-17岁": (7, 17), "18-34岁": (18, 34), "35-59岁": (35, 59),
    "60-79岁": (60, 79), "80岁以上": (80, None),
}

#: (key, header, width in characters) of the page's table, in display order.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("household_no", "户号", 9), ("name", "姓名", 7), ("relation", "与户主关系", 6), ("gender", "性别", 4),
    ("birth_date", "出生日期", 10), ("age", "年龄", 4), ("id_number", "身份证号", 19), ("phone", "联系电话", 12),
    ("political_status", "政治面貌", 8), ("grid", "网格", 8), ("address", "住址", 22), ("tags", "重点人群", 12),
    ("status", "状态", 5), ("review", "待核实", 8),
)
COLUMN_KEYS = tuple(c[0] for c in COLUMNS)

#: Rows fetched together with the id list, so the first paint needs no second round trip.
BLOCK_FIRST = 200

SORTS = {
    "household": "h.household_no, r.rel_order, r.id",
    "name": "r.py_full, r.id",
    "birth_date": "r.birth_date, r.id",
    "grid": "h.grid_id, h.household_no, r.rel_order, r.id",
}


@dataclass(frozen=True)
class LedgerFilter:
    grid_id: int | None = None
    tag: str = ""
    status: str = "在住"          # "" = every status
    political_status: str = ""
    age_band: str = ""
    review_only: bool = False
    archived: bool = False        # True: show only archived records
    search: str = ""
    sort: str = "household"
    household_id: int | None = None


def years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _where(f: LedgerFilter, today: date) -> tuple[list[str], dict[str, Any]]:
    where = ["r.archived_at IS NOT NULL" if f.archived else "r.archived_at IS NULL"]
    params: dict[str, Any] = {}
    if f.grid_id is not None:
        where.append("h.grid_id = :grid")
        params["grid"] = f.grid_id
    if f.household_id is not None:
        where.append("r.household_id = :hid")
        params["hid"] = f.household_id
    if f.status:
        where.append("r.status = :status")
        params["status"] = f.status
    if f.political_status:
        where.append("r.political_status = :pol")
        params["pol"] = f.political_status
    if f.tag:
        where.append("(instr('、' || r.tags || '、', :tag) > 0 OR instr('、' || h.tags || '、', :tag) > 0)")
        params["tag"] = f"、{f.tag}、"
    if f.review_only:
        where.append("r.review != ''")
    if f.age_band in AGE_BANDS:
        lo, hi = AGE_BANDS[f.age_band]
        # age ≥ lo ⇔ born on/before today-lo years; age ≤ hi ⇔ born after today-(hi+1) years
        where.append("r.birth_date <= :born_before")
        params["born_before"] = years_ago(today, lo).isoformat()
        if hi is not None:
            where.append("r.birth_date > :born_after")
            params["born_after"] = years_ago(today, hi + 1).isoformat()
    cond = search_condition(f.search)
    if cond is not None:
        where.append(cond.sql)
        params.update(cond.params)
    return where, params


def ordered_ids(conn: Connection, f: LedgerFilter, today: date | None = None, limit: int | None = None) -> list[int]:
    """Resident ids in display order. ``limit``: only the first rows (the page paints those
    at once and fetches the whole list right after)."""
    sql, params = ordered_ids_sql(f, today or date.today(), limit)
    return [row[0] for row in conn.execute(text(sql), params)]


def ordered_ids_sql(f: LedgerFilter, today: date, limit: int | None = None) -> tuple[str, dict[str, Any]]:
    where, params = _where(f, today)
    order = SORTS.get(f.sort, SORTS["household"])
    # Without a search, walk households in number order (index) and their members through
    # ix_resident_order: the first rows come without sorting the whole table. INDEXED BY keeps
    # the walk on it: offered a partial index on status (ix_resident_live_status), SQLite would
    # search every live resident once per household. With a search, the few matching residents
    # drive the query instead.
    join = "household h CROSS JOIN resident r INDEXED BY ix_resident_order ON r.household_id = h.id" \
        if f.sort == "household" and search_condition(f.search) is None \
        else "resident r JOIN household h ON h.id = r.household_id"
    sql = f"SELECT r.id FROM {join} WHERE {' AND '.join(where)} ORDER BY {order}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql, params


_ROW_SQL = (
    "SELECT r.id, h.household_no, r.name, r.relation, r.gender, r.birth_date, r.id_number, r.phone,"
    " r.political_status, g.name, h.estate, h.building, h.unit, h.room, h.address, r.tags, h.tags, r.status,"
    " r.review, r.household_id, r.archived_at"
    " FROM resident r JOIN household h ON h.id = r.household_id LEFT JOIN grid g ON g.id = h.grid_id"
    " WHERE r.id IN ({ids})"
)


def age_on(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def fetch_rows(conn: Connection, ids: list[int], today: date | None = None) -> dict[int, dict[str, Any]]:
    """Display values for these residents, keyed by id (keys as in COLUMNS, plus a few extras)."""
    from commdesk.models.household import format_address, join_tags, split_tags

    today = today or date.today()
    if not ids:
        return {}
    out: dict[int, dict[str, Any]] = {}
    marks = ",".join(str(int(i)) for i in ids)
    for row in conn.execute(text(_ROW_SQL.format(ids=marks))):
        (rid, hno, name, relation, gender, birth, idn, phone, pol, grid, estate, building, unit, room, address,
         rtags, htags, status, review, hid, archived) = row
        birth_d = date.fromisoformat(birth) if isinstance(birth, str) else birth
        out[rid] = {
            "id": rid, "household_id": hid, "household_no": hno, "name": name, "relation": relation,
            "gender": gender, "birth_date": birth_d, "age": age_on(birth_d, today), "id_number": idn or "",
            "phone": phone, "political_status": pol, "grid": grid or "",
            "address": format_address(estate, building, unit, room, address),
            "tags": join_tags(split_tags(rtags) + split_tags(htags)), "status": status,
            "review": "、".join(review_labels(review)), "archived": archived is not None,
        }
    return out




def review_codes(review: str | None) -> list[str]:
    return [line.split(":", 1)[0] for line in (review or "").splitlines() if line.strip()]


def review_labels(review: str | None) -> list[str]:
    """Chinese labels of the review flags (one table for the importer and the ledger)."""
    from commdesk.validation.review_flags import PROBLEM_LABELS

    return [PROBLEM_LABELS.get(code, code) for code in review_codes(review)]
