"""Benchmark: the coverage view and the assignment suggestions on a 100,000-household database.

    python benchmarks/bench_party.py [--db FILE] [--households 100000] [--runs 20]

Builds (once, cached under benchmarks/data/) a street office with
``commdesk.demo.households.generate_demo`` + ``commdesk.demo.party.generate_party_demo``
(members, center households covering most households, a year of visits), or reuses ``--db``.
Then times, median of ``--runs`` runs, each beside a naive baseline from the same run:

- ``coverage_view``: per-grid coverage (``grid_coverage``) plus the first page of the uncovered
  households of the grid with most of them (what the 覆盖情况 page shows) — target ≤ 100 ms
  (per-grid counts come from ``party_grid_stat``, kept exact by triggers);
  baseline: a Python loop over every household (``naive_grid_coverage``);
- ``suggestions``: the suggestion list for a center household (``suggestions``), over centers
  spread through the database — target ≤ 100 ms; baseline: load every household of the grid and
  every open contact into Python, filter and sort there.

``--regrid 30`` measures a copy with the same households folded into 30 big grids (~3,300
households each): the worst case for the lists of one grid. Prints one JSON object.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_DB = ROOT / "benchmarks" / "data" / "bench_party.sqlite3"
TARGET_MS = 100.0


def build(path: Path, households: int) -> dict[str, Any]:
    import commdesk.models.party  # noqa: F401
    from commdesk.models.db import open_database
    from commdesk.demo.households import generate_demo
    from commdesk.demo.party import generate_party_demo

    path.parent.mkdir(parents=True, exist_ok=True)
    with open_database(path) as db:
        demo = generate_demo(db, households=households, seed=1)
        party = generate_party_demo(db, seed=1)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    return {"demo_seconds": demo["seconds"], "party_seconds": party["seconds"], **{
        k: party[k] for k in ("members", "centers", "contacts", "visits")}}


def timed(fn: Any, runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _i in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


def naive_suggestions(session: Any, center_id: int, limit: int = 40) -> list[int]:
    from sqlalchemy import text

    grid_id, estate, building, unit, own = session.execute(text(
        "SELECT c.grid_id, h.estate, h.building, h.unit, h.id FROM center_household c"
        " JOIN household h ON h.id = c.household_id WHERE c.id = :c"), {"c": center_id}).one()
    taken = {hid for (hid,) in session.execute(text(
        "SELECT household_id FROM center_contact WHERE end_date IS NULL AND archived_at IS NULL"))}
    taken |= {hid for (hid,) in session.execute(text(
        "SELECT household_id FROM center_household WHERE status = '在册' AND archived_at IS NULL"))}
    rows = []
    for hid, hno, gid, e, b, u, room, status, archived in session.execute(text(
            "SELECT id, household_no, grid_id, estate, building, unit, room, status, archived_at FROM household")):
        if gid != grid_id or hid == own or hid in taken or archived is not None or status == "迁出":
            continue
        rank = 0 if (e, b, u) == (estate, building, unit) else 1 if (e, b) == (estate, building) else \
            2 if e == estate else 3
        rows.append((rank, e, len(b), b, len(u), u, len(room), room, hno, hid))
    rows.sort()
    return [r[-1] for r in rows[:limit]]


def regrid(path: Path, grids: int) -> Path:
    """A copy of the database whose households sit in ``grids`` big grids (worst case for a grid's lists)."""
    import shutil
    import sqlite3

    target = path.with_name(f"{path.stem}_grids{grids}{path.suffix}")
    if not target.exists():
        shutil.copyfile(path, target)
        conn = sqlite3.connect(target)
        with conn:   # the coverage triggers keep party_grid_stat right through the move
            conn.execute("UPDATE household SET grid_id = 1 + (grid_id % ?)", (grids,))
            conn.execute("UPDATE center_household SET grid_id = 1 + (grid_id % ?)", (grids,))
        conn.execute("ANALYZE")
        conn.close()
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--regrid", type=int, metavar="N",
                        help="also measure a copy with the households folded into N big grids (e.g. 30)")
    args = parser.parse_args(argv)

    import commdesk.models.party  # noqa: F401
    from sqlalchemy import text

    from commdesk.models.db import open_database
    from commdesk.services.coverage import grid_coverage, naive_grid_coverage, suggestions, uncovered_households

    path = args.db or DEFAULT_DB
    built: dict[str, Any] = {}
    if not path.exists():
        built = build(path, args.households)
    if args.regrid:
        path = regrid(path, args.regrid)
    out: dict[str, Any] = {"db": str(path), "built": built}
    with open_database(path) as db, db.Session() as s:
        out["households"] = s.execute(text("SELECT count(*) FROM household")).scalar_one()
        out["grids"] = s.execute(text("SELECT count(DISTINCT grid_id) FROM household")).scalar_one()

        def coverage_view() -> Any:
            rows = grid_coverage(s)
            worst = max(rows, key=lambda r: r.uncovered)
            return rows, uncovered_households(s, worst.grid_id, limit=200)

        ms, (rows, (uncovered, _page)) = timed(coverage_view, args.runs)
        base_ms, naive = timed(lambda: naive_grid_coverage(s), max(3, args.runs // 5))
        assert {r.grid_id: (r.households, r.covered) for r in rows if r.grid_id is not None and r.households} == \
            {k: v for k, v in naive.items() if k is not None}
        covered = sum(r.covered for r in rows)
        total = sum(r.households for r in rows)
        out["coverage_view"] = {"ms": round(ms, 2), "baseline_ms": round(base_ms, 2), "target_ms": TARGET_MS,
                                "ok": ms <= TARGET_MS, "covered_percent": round(100 * covered / total, 2),
                                "uncovered_in_worst_grid": uncovered}

        centers = [cid for (cid,) in s.execute(text(
            "SELECT id FROM center_household WHERE status = '在册' ORDER BY id"))]
        step = max(1, len(centers) // args.runs)
        sample = centers[::step][:args.runs]
        times, base_times = [], []
        for i, cid in enumerate(sample):
            t0 = time.perf_counter()
            hits = suggestions(s, cid)
            times.append((time.perf_counter() - t0) * 1000)
            if i < 5:
                t0 = time.perf_counter()
                naive_hits = naive_suggestions(s, cid)
                base_times.append((time.perf_counter() - t0) * 1000)
                assert [h.id for h in hits] == naive_hits
        ms = statistics.median(times)
        out["suggestions"] = {"ms": round(ms, 2), "max_ms": round(max(times), 2),
                              "baseline_ms": round(statistics.median(base_times), 2), "target_ms": TARGET_MS,
                              "ok": ms <= TARGET_MS, "centers_sampled": len(sample)}
        # the same with a search term typed into the editor (name fragment)
        ms, _hits = timed(lambda: suggestions(s, sample[0], query="王"), args.runs)
        out["suggestions_with_query"] = {"ms": round(ms, 2), "ok": ms <= TARGET_MS}
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0 if out["coverage_view"]["ok"] and out["suggestions"]["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
