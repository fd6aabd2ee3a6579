"""The 住户台账 page's query: filters + search → an ordered id list, and rows fetched by block.

The table model holds only the ordered ids (a few MB for 300k residents) and asks for rows a
block at a time, so first paint and memory do not grow with the ledger. Sorting and filtering
happen in SQL. The columns are the screen view of the 居民户信息台账 declaration
(:mod:`commdesk.reports.household_ledger`), the one the workbook and the PDF are written from.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text

from commdesk.search.query import search_condition

if TYPE_CHECKING:
    from commdesk.reports.ledger import Column

#: The ledger declaration the page shows.
LEDGER_KEY = "households"

AGE_BANDS: dict[str, tuple[int, int | None]] = {
    "0-6岁": (0, 6), "7-17岁": (7, 17), "18-34岁": (18, 34), "35-59岁": (35, 59),
    "60-79岁": (60, 79), "80岁以上": (80, None),
}

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


def _where(f: LedgerFilter, today: date, dialect: str = "sqlite") -> tuple[list[str], dict[str, Any]]:
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
    cond = search_condition(f.search, dialect)
    if cond is not None:
        where.append(cond.sql)
        params.update(cond.params)
    return where, params


def ordered_ids(conn: Connection, f: LedgerFilter, today: date | None = None, limit: int | None = None) -> list[int]:
    """Resident ids in display order. ``limit``: only the first rows (the page paints those
    at once and fetches the whole list right after)."""
    sql, params = ordered_ids_sql(f, today or date.today(), limit, conn.dialect.name)
    return [row[0] for row in conn.execute(text(sql), params)]


def ordered_ids_sql(f: LedgerFilter, today: date, limit: int | None = None,
                    dialect: str = "sqlite") -> tuple[str, dict[str, Any]]:
    where, params = _where(f, today, dialect)
    order = SORTS.get(f.sort, SORTS["household"])
    # Without a search, walk households in number order (index) and their members through
    # ix_resident_order: the first rows come without sorting the whole table. INDEXED BY keeps
    # the walk on it: offered a partial index on status (ix_resident_live_status), SQLite would
    # search every live resident once per household. With a search, the few matching residents
    # drive the query instead. (PostgreSQL's planner chooses by its statistics; INDEXED BY is SQLite's.)
    walk = "CROSS JOIN resident r INDEXED BY ix_resident_order" if dialect == "sqlite" else "JOIN resident r"
    join = f"household h {walk} ON r.household_id = h.id" \
        if f.sort == "household" and search_condition(f.search) is None \
        else "resident r JOIN household h ON h.id = r.household_id"
    sql = f"SELECT r.id FROM {join} WHERE {' AND '.join(where)} ORDER BY {order}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql, params


def screen_columns() -> tuple[Column, ...]:
    """The page's columns: the households ledger's screen view (declaration order, screen-only
    columns such as 年龄 and 待核实 included)."""
    from commdesk.reports.ledger import get_ledger

    return get_ledger(LEDGER_KEY).screen_columns()


def fetch_rows(conn: Connection, ids: Sequence[int], today: date | None = None,
               columns: Sequence[Column] | None = None) -> dict[int, dict[str, Any]]:
    """Raw values for these residents, keyed by id: one entry per column key (read by the
    declaration's getters; ``columns`` default to :func:`screen_columns`), plus ``id``,
    ``household_id`` and ``archived``."""
    from commdesk.reports.household_ledger import screen_source

    if not ids:
        return {}
    readers = [(c.key, c.read()) for c in (screen_columns() if columns is None else columns)]
    out: dict[int, dict[str, Any]] = {}
    for src in screen_source(conn, ids, today or date.today()):
        row = {key: read(src) for key, read in readers}
        row["id"] = src.rid
        row["household_id"] = src.hid
        row["archived"] = src.archived_at is not None
        out[src.rid] = row
    return out
