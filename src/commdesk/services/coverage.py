"""Coverage (覆盖情况): which households have a center household, per grid; assignment suggestions.

A household is *covered* when it has an open contact assignment or is itself an active center
household. Counted households are the live ones (not archived, not 迁出). Every query here is a
grouped/indexed SQL statement, never a Python loop over households, so a 100,000-household
database answers in tens of milliseconds (benchmarks/bench_party.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from commdesk.models.household import format_address

LIVE = "h.archived_at IS NULL AND h.status != '迁出'"
OPEN_CONTACT = ("EXISTS (SELECT 1 FROM center_contact c WHERE c.household_id = h.id AND c.end_date IS NULL"
                " AND c.archived_at IS NULL)")
IS_CENTER = ("EXISTS (SELECT 1 FROM center_household ch WHERE ch.household_id = h.id AND ch.status = '在册'"
             " AND ch.archived_at IS NULL)")
HEAD = ("(SELECT name FROM resident x WHERE x.household_id = h.id AND x.relation = '户主'"
        " AND x.archived_at IS NULL ORDER BY x.status != '在住' LIMIT 1)")


@dataclass(frozen=True)
class GridCoverage:
    grid_id: int | None
    grid: str
    households: int
    covered: int
    centers: int

    @property
    def uncovered(self) -> int:
        return self.households - self.covered

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.households if self.households else 100.0


@dataclass(frozen=True)
class HouseholdBrief:
    id: int
    household_no: str
    head: str
    address: str
    grid_id: int | None
    estate: str
    building: str
    unit: str
    rank: int = 0          # suggestions: 0 same unit, 1 same building, 2 same estate, 3 same grid


def grid_coverage(session: Session) -> list[GridCoverage]:
    """One row per grid (grids without households included), then a row for households with no grid."""
    totals = dict(session.execute(text(
        f"SELECT h.grid_id, count(*) FROM household h WHERE {LIVE} GROUP BY h.grid_id")).all())
    contacts = dict(session.execute(text(
        "SELECT h.grid_id, count(*) FROM center_contact c JOIN household h ON h.id = c.household_id"
        f" WHERE c.end_date IS NULL AND c.archived_at IS NULL AND {LIVE} GROUP BY h.grid_id")).all())
    centers_at = dict(session.execute(text(
        "SELECT h.grid_id, count(*) FROM center_household ch JOIN household h ON h.id = ch.household_id"
        f" WHERE ch.status = '在册' AND ch.archived_at IS NULL AND {LIVE} GROUP BY h.grid_id")).all())
    grids = session.execute(text("SELECT id, name FROM grid WHERE archived_at IS NULL ORDER BY code, id")).all()
    out = [GridCoverage(gid, name, totals.get(gid, 0), contacts.get(gid, 0) + centers_at.get(gid, 0),
                        centers_at.get(gid, 0)) for gid, name in grids]
    known = {gid for gid, _n in grids}
    loose = sum(n for gid, n in totals.items() if gid not in known)
    if loose:
        covered = sum(n for gid, n in contacts.items() if gid not in known) + \
            sum(n for gid, n in centers_at.items() if gid not in known)
        out.append(GridCoverage(None, "（未分网格）", loose, covered,
                                sum(n for gid, n in centers_at.items() if gid not in known)))
    return out


def coverage_totals(rows: list[GridCoverage]) -> GridCoverage:
    return GridCoverage(None, "合计", sum(r.households for r in rows), sum(r.covered for r in rows),
                        sum(r.centers for r in rows))


def _brief(r: object, rank: int = 0) -> HouseholdBrief:
    hid, hno, head, estate, building, unit, room, address, gid = r[:9]  # type: ignore[index]
    return HouseholdBrief(hid, hno, head or "", format_address(estate, building, unit, room, address), gid,
                          estate or "", building or "", unit or "", rank)


_BRIEF = f"SELECT h.id, h.household_no, {HEAD}, h.estate, h.building, h.unit, h.room, h.address, h.grid_id"
_PLACE_ORDER = "h.estate, CAST(h.building AS INTEGER), h.building, CAST(h.unit AS INTEGER), CAST(h.room AS INTEGER)," \
               " h.household_no, h.id"


def uncovered_households(session: Session, grid_id: int | None, *, limit: int = 500,
                         offset: int = 0) -> tuple[int, list[HouseholdBrief]]:
    """(how many, one page of them) uncovered live households of a grid (None: without a grid)."""
    cond = "h.grid_id = :g" if grid_id is not None else "h.grid_id IS NULL"
    where = f" FROM household h WHERE {cond} AND {LIVE} AND NOT {OPEN_CONTACT} AND NOT {IS_CENTER}"
    binds = {"g": grid_id, "lim": limit, "off": offset}
    total = session.execute(text("SELECT count(*)" + where), binds).scalar_one()
    rows = session.execute(text(_BRIEF + where + f" ORDER BY {_PLACE_ORDER} LIMIT :lim OFFSET :off"), binds)
    return total, [_brief(r) for r in rows]


def suggestions(session: Session, center_id: int, *, limit: int = 40, query: str = "") -> list[HouseholdBrief]:
    """Unassigned live households of the center's grid, nearest first: same building and unit,
    same building, same estate, then the rest of the grid (by address)."""
    center = session.execute(text(
        "SELECT c.grid_id, h.estate, h.building, h.unit, h.id FROM center_household c"
        " JOIN household h ON h.id = c.household_id WHERE c.id = :c"), {"c": center_id}).first()
    if center is None:
        return []
    grid_id, estate, building, unit, own = center
    binds: dict[str, object] = {"g": grid_id, "e": estate or "", "b": building or "", "u": unit or "",
                                "own": own, "lim": limit}
    grid_cond = "h.grid_id = :g" if grid_id is not None else "h.grid_id IS NULL"
    extra = ""
    if query.strip():
        extra = " AND (h.household_no LIKE :q OR h.address LIKE :q OR h.estate LIKE :q OR h.id IN" \
                " (SELECT household_id FROM resident WHERE name LIKE :q AND archived_at IS NULL))"
        binds["q"] = f"%{query.strip()}%"
    rank = ("CASE WHEN h.estate = :e AND h.building = :b AND h.unit = :u THEN 0"
            " WHEN h.estate = :e AND h.building = :b THEN 1 WHEN h.estate = :e THEN 2 ELSE 3 END")
    sql = (f"{_BRIEF}, {rank} AS rank FROM household h WHERE {grid_cond} AND h.id != :own AND {LIVE}"
           f" AND NOT {OPEN_CONTACT} AND NOT {IS_CENTER}{extra}"
           f" ORDER BY rank, {_PLACE_ORDER} LIMIT :lim")
    return [_brief(r, r[9]) for r in session.execute(text(sql), binds)]


def household_brief(session: Session, household_id: int) -> HouseholdBrief:
    r = session.execute(text(_BRIEF + " FROM household h WHERE h.id = :id"), {"id": household_id}).one()
    return _brief(r)


def naive_grid_coverage(session: Session) -> dict[int | None, tuple[int, int]]:
    """The baseline the benchmark compares with: a Python loop over every household."""
    open_contacts = {hid for (hid,) in session.execute(text(
        "SELECT household_id FROM center_contact WHERE end_date IS NULL AND archived_at IS NULL"))}
    centers = {hid for (hid,) in session.execute(text(
        "SELECT household_id FROM center_household WHERE status = '在册' AND archived_at IS NULL"))}
    out: dict[int | None, tuple[int, int]] = {}
    for hid, gid, status, archived in session.execute(text("SELECT id, grid_id, status, archived_at FROM household")):
        if archived is not None or status == "迁出":
            continue
        total, covered = out.get(gid, (0, 0))
        out[gid] = (total + 1, covered + (hid in open_contacts or hid in centers))
    return out
