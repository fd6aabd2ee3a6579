"""Coverage (覆盖情况): which households have a center household, per grid; assignment suggestions.

A household is *covered* when it has an open contact assignment or is itself an active center
household. Counted households are the live ones (not archived, not 迁出). Every query here is a
grouped/indexed SQL statement, never a Python loop over households, so a 100,000-household
database answers in tens of milliseconds (benchmarks/bench_party.py).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from commdesk.models.household import format_address

LIVE = "h.archived_at IS NULL AND h.status != '迁出'"
OPEN_CONTACT = ("EXISTS (SELECT 1 FROM center_contact c WHERE c.household_id = h.id AND c.end_date IS NULL"
                " AND c.archived_at IS NULL)")
IS_CENTER = ("EXISTS (SELECT 1 FROM center_household ch WHERE ch.household_id = h.id AND ch.status = '在册'"
             " AND ch.archived_at IS NULL)")
#: What a household counts as covered in ``party_grid_stat`` (as the triggers of migration 0003 count it).
COVER_COUNT = ("(SELECT count(*) FROM center_contact x WHERE x.household_id = h.id AND x.end_date IS NULL"
               " AND x.archived_at IS NULL) + (SELECT count(*) FROM center_household y WHERE y.household_id = h.id"
               " AND y.status = '在册' AND y.archived_at IS NULL)")
HOUSEHOLD_INSERT_TRIGGER = "trg_pgs_household_ins"
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


def _grouped_counts(session: Session) -> tuple[dict[int | None, int], dict[int | None, int]]:
    """(live households, covered households) per grid with grouped queries (any database)."""
    totals = dict(session.execute(text(
        f"SELECT h.grid_id, count(*) FROM household h WHERE {LIVE} GROUP BY h.grid_id")).all())
    covered: dict[int | None, int] = {}
    for sql in ("SELECT h.grid_id, count(*) FROM center_contact c JOIN household h ON h.id = c.household_id"
                f" WHERE c.end_date IS NULL AND c.archived_at IS NULL AND {LIVE} GROUP BY h.grid_id",
                "SELECT h.grid_id, count(*) FROM center_household ch JOIN household h ON h.id = ch.household_id"
                f" WHERE ch.status = '在册' AND ch.archived_at IS NULL AND {LIVE} GROUP BY h.grid_id"):
        for gid, n in session.execute(text(sql)):
            covered[gid] = covered.get(gid, 0) + n
    return totals, covered


def _stat_counts(session: Session) -> tuple[dict[int | None, int], dict[int | None, int]] | None:
    """The trigger-maintained counters (SQLite), or None where they do not exist."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    totals: dict[int | None, int] = {}
    covered: dict[int | None, int] = {}
    for key, n, c in session.execute(text("SELECT grid_key, households, covered FROM party_grid_stat")):
        gid = key or None
        totals[gid], covered[gid] = n, c
    return totals, covered


def grid_coverage(session: Session, *, exact: bool = False) -> list[GridCoverage]:
    """One row per grid (grids without households included), then a row for households with no grid.

    Reads the trigger-maintained ``party_grid_stat`` on SQLite (a few hundred rows), else (or with
    ``exact``) counts with grouped queries.
    """
    counts = None if exact else _stat_counts(session)
    totals, covered = counts if counts is not None else _grouped_counts(session)
    centers = dict(session.execute(text(
        "SELECT grid_id, count(*) FROM center_household WHERE status = '在册' AND archived_at IS NULL"
        " GROUP BY grid_id")).all())
    grids = session.execute(text("SELECT id, name FROM grid WHERE archived_at IS NULL ORDER BY code, id")).all()
    out = [GridCoverage(gid, name, totals.get(gid, 0), covered.get(gid, 0), centers.get(gid, 0))
           for gid, name in grids]
    known = {gid for gid, _n in grids}
    loose = sum(n for gid, n in totals.items() if gid not in known)
    if loose:
        out.append(GridCoverage(None, "（未分网格）", loose, sum(n for gid, n in covered.items() if gid not in known),
                                sum(n for gid, n in centers.items() if gid not in known)))
    return out


def rebuild_grid_stats(session: Session) -> int:
    """Recompute ``party_grid_stat`` from scratch (integrity repair); returns the number of grids."""
    if session.get_bind().dialect.name != "sqlite":
        return 0
    session.execute(text("DELETE FROM party_grid_stat"))
    session.execute(text(
        "INSERT INTO party_grid_stat (grid_key, households, covered) SELECT coalesce(h.grid_id, 0), count(*),"
        f" sum({COVER_COUNT}) FROM household h WHERE {LIVE} GROUP BY coalesce(h.grid_id, 0)"))
    return session.execute(text("SELECT count(*) FROM party_grid_stat")).scalar_one()


@contextmanager
def household_counters_deferred(conn: Connection, first_id: int) -> Iterator[None]:
    """A bulk insert of households (ids from ``first_id`` on) inside the caller's transaction,
    without the per-row trigger that keeps ``party_grid_stat`` (an upsert and two counts for
    every household: about 15 µs a row): the trigger is dropped for the load, the counters are
    bumped once per grid afterwards with the trigger's own sums, and the trigger is recreated as
    it was. On an error nothing is done here: the caller's rollback restores the trigger."""
    if conn.dialect.name != "sqlite":
        yield
        return
    row = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                               (HOUSEHOLD_INSERT_TRIGGER,)).first()
    if row is None:
        yield
        return
    conn.exec_driver_sql(f'DROP TRIGGER "{HOUSEHOLD_INSERT_TRIGGER}"')
    yield
    conn.exec_driver_sql(
        "INSERT INTO party_grid_stat (grid_key, households, covered) SELECT coalesce(h.grid_id, 0),"
        f" sum({LIVE}), sum(({LIVE}) * ({COVER_COUNT})) FROM household h WHERE h.id >= ?"
        " GROUP BY coalesce(h.grid_id, 0) ON CONFLICT (grid_key) DO UPDATE SET"
        " households = households + excluded.households, covered = covered + excluded.covered", (first_id,))
    conn.exec_driver_sql(row[0])


def stats_agree(session: Session) -> bool:
    """Whether the counters match a full recount (for the integrity check and the tests)."""
    fast = {(r.grid_id, r.households, r.covered) for r in grid_coverage(session)}
    slow = {(r.grid_id, r.households, r.covered) for r in grid_coverage(session, exact=True)}
    return fast == slow


def coverage_totals(rows: list[GridCoverage]) -> GridCoverage:
    return GridCoverage(None, "合计", sum(r.households for r in rows), sum(r.covered for r in rows),
                        sum(r.centers for r in rows))


def _brief(r: object, rank: int = 0) -> HouseholdBrief:
    hid, hno, head, estate, building, unit, room, address, gid = r[:9]  # type: ignore[index]
    return HouseholdBrief(hid, hno, head or "", format_address(estate, building, unit, room, address), gid,
                          estate or "", building or "", unit or "", rank)


_BRIEF = f"SELECT h.id, h.household_no, {HEAD}, h.estate, h.building, h.unit, h.room, h.address, h.grid_id"
#: address order with numbers in numeric order ("2" before "10") in portable SQL: by length, then text
_PLACE_ORDER = ("h.estate, length(h.building), h.building, length(h.unit), h.unit, length(h.room), h.room,"
                " h.household_no, h.id")


def _briefs(session: Session, ids: list[int], ranks: dict[int, int] | None = None) -> list[HouseholdBrief]:
    """Briefs (with the head's name) for these ids, in this order: the head is looked up only for
    the rows shown, never for every row the ordering had to consider."""
    if not ids:
        return []
    marks = ",".join(str(int(i)) for i in ids)
    found = {r[0]: r for r in session.execute(text(_BRIEF + f" FROM household h WHERE h.id IN ({marks})"))}
    return [_brief(found[i], (ranks or {}).get(i, 0)) for i in ids if i in found]


def uncovered_households(session: Session, grid_id: int | None, *, limit: int = 500,
                         offset: int = 0) -> tuple[int, list[HouseholdBrief]]:
    """(how many, one page of them) uncovered live households of a grid (None: without a grid)."""
    cond = "h.grid_id = :g" if grid_id is not None else "h.grid_id IS NULL"
    where = f" FROM household h WHERE {cond} AND {LIVE} AND NOT {OPEN_CONTACT} AND NOT {IS_CENTER}"
    binds = {"g": grid_id, "lim": limit, "off": offset}
    total = session.execute(text("SELECT count(*)" + where), binds).scalar_one()
    ids = [r[0] for r in session.execute(text("SELECT h.id" + where + f" ORDER BY {_PLACE_ORDER}"
                                              " LIMIT :lim OFFSET :off"), binds)]
    return total, _briefs(session, ids)


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
        extra = " AND (h.household_no LIKE :q OR h.address LIKE :q OR h.estate LIKE :q OR EXISTS (SELECT 1" \
                " FROM resident r WHERE r.household_id = h.id AND r.name LIKE :q AND r.archived_at IS NULL))"
        binds["q"] = f"%{query.strip()}%"
    rank = ("CASE WHEN h.estate = :e AND h.building = :b AND h.unit = :u THEN 0"
            " WHEN h.estate = :e AND h.building = :b THEN 1 WHEN h.estate = :e THEN 2 ELSE 3 END")
    sql = (f"SELECT h.id, {rank} AS rank FROM household h WHERE {grid_cond} AND h.id != :own AND {LIVE}"
           f" AND NOT {OPEN_CONTACT} AND NOT {IS_CENTER}{extra}"
           f" ORDER BY rank, {_PLACE_ORDER} LIMIT :lim")
    ranked = session.execute(text(sql), binds).all()
    return _briefs(session, [r[0] for r in ranked], {r[0]: r[1] for r in ranked})


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
