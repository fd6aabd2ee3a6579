"""Benchmark: ledgers to xlsx/PDF and the monthly report on a street office's scale.

    python benchmarks/bench_reports.py [--db FILE] [--quick] [--households 100000]

Builds (once, with Core bulk inserts) a database of 100,000 households / ~300,000 residents in
30 grids of ~10,000 residents, or reuses ``--db``. Times, each beside a naive baseline from the
same run, and prints JSON:

- a community-size ledger (one grid, ~10,000 residents) to xlsx (target ≤ 2 s) and PDF (≤ 3 s);
  baselines: openpyxl normal mode (and write-only mode, for the writer choice) / one big Table;
  ``xlsxwriter_floor``: the same cells through XlsxWriter's cell API alone (no query, no app logic),
  what any writer built on that API would need at least (the ledger writes its data rows itself);
- the whole street office (~300,000 residents) to xlsx (≤ 40 s) and PDF (≤ 90 s), each in a
  child process that reports its peak memory (≤ 300 MB); baseline: openpyxl normal mode
  (and one big Table, given --baseline-timeout seconds);
- the monthly report PDF and xlsx (≤ 3 s); baseline: the same figures from ORM objects.

``--quick`` skips the 300,000-row runs.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_DB = ROOT / "benchmarks" / "data" / "bench_reports.sqlite3"
OUT = ROOT / "benchmarks" / "out"
GRIDS = 30
MONTH = (2024, 5)
TARGETS = {"grid_xlsx": 2.0, "grid_pdf": 3.0, "all_xlsx": 40.0, "all_pdf": 90.0, "monthly_pdf": 3.0,
           "monthly_xlsx": 3.0, "peak_mb": 300.0}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰文辉春梅海燕德福"
TAGS = ("低保", "特困供养", "独居老人", "空巢老人", "高龄老人", "残疾人", "退役军人", "留守儿童", "流动人口")
RELATIONS = ("户主", "配偶", "子", "女", "孙子", "父亲", "母亲")
POLITICAL = ("群众",) * 12 + ("中共党员", "共青团员", "中共预备党员")
ESTATES = ("阳光小区", "幸福家园", "和平里", "锦绣花园", "新华苑", "建设里", "滨河小区", "丽景湾")


# -- data -------------------------------------------------------------------------------------------
def _check_char(first17: str) -> str:
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def generate(path: Path, households: int, seed: int = 7) -> dict[str, int]:
    """A street office's worth of households/residents/events with Core bulk inserts."""
    from sqlalchemy import insert

    from commdesk.models import Community, Grid, Household, Resident, ResidentEvent
    from commdesk.models.db import open_database

    rnd = random.Random(seed)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = open_database(path)
    now = datetime(2024, 6, 1, 9, 0)
    stamp = {"created_at": now, "updated_at": now, "updated_by": "bench", "archived_at": None}
    n_res = n_evt = 0
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(Community.__table__), [{"id": 1, "uuid": uuid.uuid4().hex, "name": "和平街道（测试）",
                                                        "street_office": "和平街道", "district": "长安区", **stamp}])
            conn.execute(insert(Grid.__table__), [
                {"id": g + 1, "uuid": uuid.uuid4().hex, "community_id": 1, "code": f"{g + 1:02d}",
                 "name": f"第{g + 1:02d}网格", "leader": rnd.choice(SURNAMES) + rnd.choice(GIVEN), "workers": "",
                 **stamp} for g in range(GRIDS)])
            hh_rows: list[dict[str, Any]] = []
            res_rows: list[dict[str, Any]] = []
            evt_rows: list[dict[str, Any]] = []
            rid = 0
            month_first = date(*MONTH, 1)

            def flush(final: bool = False) -> None:
                nonlocal hh_rows, res_rows, evt_rows
                if hh_rows and (final or len(hh_rows) >= 5000):
                    conn.execute(insert(Household.__table__), hh_rows)
                    conn.execute(insert(Resident.__table__), res_rows)
                    if evt_rows:
                        conn.execute(insert(ResidentEvent.__table__), evt_rows)
                    hh_rows, res_rows, evt_rows = [], [], []

            for h in range(1, households + 1):
                grid = (h - 1) * GRIDS // households + 1
                estate = ESTATES[grid % len(ESTATES)]
                hh_rows.append({
                    "id": h, "uuid": uuid.uuid4().hex, "household_no": f"{h:06d}", "grid_id": grid,
                    "estate": estate, "building": str(h % 30 + 1), "unit": str(h % 4 + 1), "room": str(h % 600 + 101),
                    "address": "", "housing": "自有", "status": "在住",
                    "tags": "低保户" if rnd.random() < 0.03 else "", "notes": "", **stamp})
                size = rnd.choice((1, 2, 3, 3, 4, 4, 5))
                for m in range(size):
                    rid += 1
                    born = date(1935, 1, 1) + timedelta(days=rnd.randrange(0, 88 * 365))
                    idn17 = f"1301{grid % 10:02d}{born:%Y%m%d}{rid % 1000:03d}"
                    tags = [t for t in TAGS if rnd.random() < 0.02]
                    name = rnd.choice(SURNAMES) + rnd.choice(GIVEN) + (rnd.choice(GIVEN) if rnd.random() < 0.7 else "")
                    res_rows.append({
                        "id": rid, "uuid": uuid.uuid4().hex, "household_id": h, "name": name, "former_name": "",
                        "gender": rnd.choice("男女"), "ethnicity": "汉族", "birth_date": born,
                        "id_number": idn17 + _check_char(idn17), "relation": RELATIONS[min(m, 6)], "rel_order": m,
                        "political_status": rnd.choice(POLITICAL), "education": rnd.choice(("初中", "高中", "大学本科")),
                        "work_unit": "", "phone": f"13{rnd.randrange(10**9):09d}", "hukou_type": "户籍",
                        "tags": "、".join(sorted(tags)), "status": "在住", "move_in_date": None, "move_out_date": None,
                        "death_date": None, "notes": "", "review": "", "py_initials": "", "py_full": "", **stamp})
                    if rnd.random() < 0.005:   # ~1,500 events in the benchmark month
                        kind = rnd.choice(("迁入", "迁出", "出生", "死亡"))
                        evt_rows.append({"resident_id": rid, "kind": kind,
                                         "event_date": month_first + timedelta(days=rnd.randrange(28)),
                                         "from_household_id": h if kind in ("迁出", "死亡") else None,
                                         "to_household_id": h if kind in ("迁入", "出生") else None,
                                         "place": "外省" if kind in ("迁入", "迁出") else "", "note": "",
                                         "recorded_at": now, "recorded_by": "bench"})
                        n_evt += 1
                n_res += size
                flush()
            flush(final=True)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    finally:
        db.close()
    return {"households": households, "residents": n_res, "events": n_evt}


def _complete(path: Path) -> bool:
    """The generated database exists and was finished (a run killed half-way is rebuilt)."""
    import sqlite3

    if not path.exists():
        return False
    try:
        with sqlite3.connect(path) as conn:
            return bool(conn.execute("SELECT count(*) FROM resident_event").fetchone()[0])
    except sqlite3.Error:
        return False


# -- baselines ----------------------------------------------------------------------------------
def _ledger_rows(db: Any, key: str, filters: dict[str, Any]) -> tuple[Any, Any, list[Any]]:
    from commdesk.reports import Params, get_ledger

    ledger = get_ledger(key)
    params = Params(filters=filters)
    return ledger, params, ledger.visible_columns(params)


def baseline_openpyxl(db: Any, out: Path, filters: dict[str, Any], write_only: bool = False) -> None:
    """The same ledger the straightforward way: openpyxl (normal mode unless write_only), styled cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Border, Font, Side

    from commdesk.reports import Row, format_cell

    ledger, params, columns = _ledger_rows(db, "households", filters)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("台账") if write_only else wb.active
    if not write_only:
        ws.append([ledger.title])
        ws.append(["填报单位"])
        ws.append([c.header for c in columns])
        for cell in ws[3]:
            cell.font = Font(bold=True)
            cell.border = border
    row_no = 3
    with db.Session() as s:
        for item in ledger.rows(s, params):
            if not isinstance(item, Row):
                continue
            values = []
            for col, v in zip(columns, item.values):
                if col.kind in ("id", "phone", "code", "text"):
                    v = format_cell(col, v, True)
                values.append(v)
            if write_only:
                cells = []
                for v in values:
                    c = WriteOnlyCell(ws, value=v)
                    c.border = border
                    cells.append(c)
                ws.append(cells)
            else:
                ws.append(values)
                row_no += 1
                for j in range(1, len(values) + 1):
                    ws.cell(row_no, j).border = border
    wb.save(out)


def xlsxwriter_cells(db: Any, filters: dict[str, Any]) -> tuple[list[Any], list[list[Any]]]:
    """The ledger's cells as XlsxWriter takes them (display text, numbers, datetimes; None = empty)."""
    from commdesk.reports import Row, format_cell

    ledger, params, columns = _ledger_rows(db, "households", filters)
    rows: list[list[Any]] = []
    with db.Session() as s:
        for item in ledger.rows(s, params):
            if not isinstance(item, Row):
                continue
            cells: list[Any] = []
            for col, v in zip(columns, item.values):
                if v is None or v == "" or (col.group_level and not item.first):
                    cells.append(None)
                elif col.kind == "date":
                    cells.append(datetime(v.year, v.month, v.day))
                elif col.kind in ("int", "seq", "number"):
                    cells.append(v)
                else:
                    cells.append(format_cell(col, v, True))
            rows.append(cells)
    return list(columns), rows


def xlsxwriter_floor(out: Path, columns: list[Any], rows: list[list[Any]]) -> int:
    """XlsxWriter alone (constant-memory mode, one call per non-empty cell, a format per column), no
    app logic: the floor of any writer that goes through XlsxWriter's cell API."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False})
    ws = wb.add_worksheet("台账")
    formats = [wb.add_format({"border": 1, "num_format": "yyyy-mm-dd" if c.kind == "date" else "@"}) for c in columns]
    write_string, write_number, write_datetime = ws.write_string, ws.write_number, ws.write_datetime
    cells = 0
    for r, values in enumerate(rows, start=3):
        for c, v in enumerate(values):
            if v is None:
                continue
            cells += 1
            if isinstance(v, str):
                write_string(r, c, v, formats[c])
            elif isinstance(v, datetime):
                write_datetime(r, c, v, formats[c])
            else:
                write_number(r, c, v, formats[c])
    wb.close()
    return cells


def baseline_big_table(db: Any, out: Path, filters: dict[str, Any]) -> None:
    """One platypus Table with every row (repeatRows=1), the way a first version would do it."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    from commdesk.reports import Row, format_cell
    from commdesk.reports.fonts import cjk_font

    font = cjk_font().name
    ledger, params, columns = _ledger_rows(db, "households", filters)
    data = [[c.header for c in columns]]
    with db.Session() as s:
        for item in ledger.rows(s, params):
            if isinstance(item, Row):
                data.append([format_cell(c, v, True) for c, v in zip(columns, item.values)])
    total = sum(c.width for c in columns)
    avail = landscape(A4)[0] - 60
    table = Table(data, colWidths=[avail * c.width / total for c in columns], repeatRows=1)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 7),
                               ("GRID", (0, 0), (-1, -1), 0.5, "black")]))
    SimpleDocTemplate(str(out), pagesize=landscape(A4), leftMargin=30, rightMargin=30).build([table])


def baseline_monthly(db: Any) -> dict[str, Any]:
    """Monthly figures from ORM objects (load every resident), the naive way."""
    from collections import Counter

    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from commdesk.models import Household, Resident, ResidentEvent

    with db.Session() as s:
        households = s.scalars(select(Household).where(Household.archived_at.is_(None))
                               .options(selectinload(Household.members))).all()
        per_grid: Counter[Any] = Counter()
        tags: Counter[str] = Counter()
        ages: Counter[int] = Counter()
        last = date(*MONTH, 28)
        for h in households:
            for r in h.members:
                if r.status != "在住" or r.archived_at is not None:
                    continue
                per_grid[h.grid_id] += 1
                for t in (r.tags or "").split("、"):
                    if t:
                        tags[t] += 1
                if r.birth_date:
                    ages[(last - r.birth_date).days // 3652] += 1
        events = s.scalars(select(ResidentEvent).where(ResidentEvent.event_date.between(date(*MONTH, 1), last))).all()
        names = [(e.kind, e.resident.name) for e in events]
    return {"grids": len(per_grid), "tags": len(tags), "events": len(names)}


# -- measuring ----------------------------------------------------------------------------------
def timed(fn: Any, *args: Any, **kw: Any) -> tuple[dict[str, float], Any]:
    """Wall and CPU seconds (CPU time is what to compare when other work shares the machine)."""
    t, c = time.perf_counter(), time.process_time()
    result = fn(*args, **kw)
    return {"wall_s": round(time.perf_counter() - t, 3), "cpu_s": round(time.process_time() - c, 3)}, result


def calibrate() -> dict[str, Any]:
    """A fixed pure-Python loop: ~0.15 s on an unloaded modern core; larger = a busy or slow machine."""
    best = min(timed(sum, range(10**7))[0]["wall_s"] for _ in range(3))
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = None
    return {"sum_range_1e7_s": best, "cpus": os.cpu_count(), "loadavg_1min": load}


def peak_mb() -> float:
    """This process's peak resident memory. Linux: VmHWM (ru_maxrss survives exec, so a child
    would report its parent's peak)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(rss / 1024 / (1024 if sys.platform == "darwin" else 1), 1)


def child(task: str, db_path: str, out: str) -> None:
    """Run one big export in this (fresh) process; print time and peak memory as JSON."""
    from commdesk.models.db import open_database
    from commdesk.reports import export_ledger

    db = open_database(db_path, readonly=True)
    try:
        before = peak_mb()
        if task == "xlsx":
            seconds, _ = timed(export_ledger, db, "households", "xlsx", out)
        elif task == "pdf":
            seconds, _ = timed(export_ledger, db, "households", "pdf", out)
        elif task == "openpyxl":
            seconds, _ = timed(baseline_openpyxl, db, Path(out), {})
        elif task == "bigtable":
            seconds, _ = timed(baseline_big_table, db, Path(out), {})
        elif task == "monthly-orm":
            seconds, _ = timed(baseline_monthly, db)
        elif task == "xlsxwriter-floor":
            columns, rows = xlsxwriter_cells(db, {})
            seconds, cells = timed(xlsxwriter_floor, Path(out), columns, rows)
            seconds["cells"] = cells
            seconds["note"] = "peak_mb includes every cell held in memory before the timed write"
        else:
            raise SystemExit(f"unknown task {task}")
    finally:
        db.close()
    size = Path(out).stat().st_size if Path(out).exists() else None
    print(json.dumps({**seconds, "peak_mb": peak_mb(), "process_mb_before": before, "bytes": size}))


def run_child(task: str, db_path: Path, out: Path, timeout: float | None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", task, "--db", str(db_path), "--out", str(out)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"wall_s": None, "timeout_s": timeout, "note": "did not finish within the timeout"}
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, help="reuse this database (default: build benchmarks/data/…)")
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--rebuild", action="store_true", help="regenerate the default database")
    ap.add_argument("--quick", action="store_true", help="skip the 300,000-row runs")
    ap.add_argument("--baseline-timeout", type=float, default=300.0,
                    help="seconds allowed to each 300k baseline (one big Table is superlinear)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.environ.setdefault("COMMDESK_HOME", tempfile.mkdtemp(prefix="commdesk-bench-"))
    if args.child:
        child(args.child, str(args.db), args.out)
        return 0

    from commdesk.models.db import open_database
    from commdesk.reports import build_monthly_report, export_ledger

    report: dict[str, Any] = {"targets": TARGETS, "machine_before": calibrate()}
    db_path = args.db or DEFAULT_DB
    if args.db is None and (args.rebuild or not _complete(db_path)):
        seconds, info = timed(generate, db_path, args.households)
        report["generate"] = {**seconds, **info}
    OUT.mkdir(parents=True, exist_ok=True)
    db = open_database(db_path)
    try:
        grid = {"grid": "第01网格"}
        with db.Session() as s:
            from sqlalchemy import text

            report["db"] = {
                "households": s.execute(text("SELECT count(*) FROM household")).scalar(),
                "residents": s.execute(text("SELECT count(*) FROM resident")).scalar(),
                "grid_residents": s.execute(text("SELECT count(*) FROM resident r JOIN household h ON"
                                                 " h.id = r.household_id JOIN grid g ON g.id = h.grid_id"
                                                 " WHERE g.name = '第01网格'")).scalar(),
            }
        export_ledger(db, "households", "xlsx", OUT / "warmup.xlsx", filters={"grid": "第02网格"})  # imports, caches
        r: dict[str, Any] = {}
        r["xlsx_xlsxwriter"], _ = timed(export_ledger, db, "households", "xlsx", OUT / "grid.xlsx", filters=grid)
        columns, cells = xlsxwriter_cells(db, grid)
        r["xlsxwriter_floor"], n = timed(xlsxwriter_floor, OUT / "grid_floor.xlsx", columns, cells)
        r["xlsxwriter_floor"]["cells"] = n
        del cells
        r["xlsx_baseline_openpyxl_normal"], _ = timed(baseline_openpyxl, db, OUT / "grid_openpyxl.xlsx", grid)
        r["xlsx_openpyxl_write_only"], _ = timed(baseline_openpyxl, db, OUT / "grid_openpyxl_wo.xlsx", grid, True)
        r["pdf"], _ = timed(export_ledger, db, "households", "pdf", OUT / "grid.pdf", filters=grid)
        r["pdf_baseline_one_big_table"], _ = timed(baseline_big_table, db, OUT / "grid_bigtable.pdf", grid)
        r["targets_s"] = {"xlsx": TARGETS["grid_xlsx"], "pdf": TARGETS["grid_pdf"]}
        report["community_ledger_10k"] = r
        m: dict[str, Any] = {}
        m["pdf"], _ = timed(build_monthly_report, db, *MONTH, OUT / "monthly.pdf")
        m["xlsx"], _ = timed(build_monthly_report, db, *MONTH, OUT / "monthly.xlsx")
        # in a child: loading every ORM object takes ~1.7 GB, which would inflate the peaks below
        m["baseline_orm_figures_only"] = run_child("monthly-orm", db_path, OUT / "none", args.baseline_timeout)
        m["target_s"] = TARGETS["monthly_pdf"]
        m["note"] = "first PDF in a process also parses the 5 MB font file (~0.3 s, once)"
        report["monthly_report"] = m
    finally:
        db.close()
    if not args.quick:
        full: dict[str, Any] = {}
        full["xlsx"] = run_child("xlsx", db_path, OUT / "all.xlsx", None)
        full["xlsxwriter_floor"] = run_child("xlsxwriter-floor", db_path, OUT / "all_floor.xlsx", None)
        full["pdf"] = run_child("pdf", db_path, OUT / "all.pdf", None)
        full["xlsx_baseline_openpyxl_normal"] = run_child("openpyxl", db_path, OUT / "all_openpyxl.xlsx",
                                                          args.baseline_timeout)
        full["pdf_baseline_one_big_table"] = run_child("bigtable", db_path, OUT / "all_bigtable.pdf",
                                                       args.baseline_timeout)
        full["targets"] = {"xlsx_s": TARGETS["all_xlsx"], "pdf_s": TARGETS["all_pdf"], "peak_mb": TARGETS["peak_mb"]}
        report["street_office_300k"] = full
    report["machine_after"] = calibrate()
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
