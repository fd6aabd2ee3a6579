"""Import benchmark: a 100,000-row and a 10,000-row register, end to end, beside a naive baseline.

    python benchmarks/bench_import.py [--rows 100000 10000] [--baseline-rows 10000] [--no-baseline]
                                      [--no-wizard] [--keep DIR]

Generates the registers (xlsx, XlsxWriter constant-memory) in a temporary folder, imports each
into a fresh database with ``run_import`` (read + normalise + validate + insert + index, no
backup, as on a new database) in a child process so that peak memory (ru_maxrss) is per run,
then runs the naive baseline (openpyxl read-only + one ORM object per row, session.add) on the
same file — by default only for the registers of up to 10,000 rows (``--baseline-rows``): on
100,000 rows it takes about half an hour. Prints one JSON object. Targets: 100k ≤ 8 s and
≤ 500 MB; 10k ≤ 1.5 s.

Each run reports wall ``seconds`` and ``cpu_seconds`` (process time, all threads: on a busy
2-core machine wall time is inflated, CPU time much less), ``peak_mb``, the load average before
and after, ``import_module_s`` (importing ``commdesk.importers``, inside ``seconds``) and, for
commdesk, ``phases``: wall and CPU seconds of each phase from ``ImportSummary.timings``
(read: sniff, open, calamine parse, header detection; normalise: walk, normalise, validate;
prepare: duplicate matching, rows as tuples, pinyin; insert; index_rebuild: secondary indexes
rebuilt after the load; search_index: FTS rows; commit: batch record, audit, commit). When every
row is new (as here) prepare, insert and the search index run as one ``pipeline`` (the trigram
index of a chunk is filled by SQLite in a thread while the next chunk is prepared): ``prepare``,
``insert`` and ``search_index`` (the wait for that fill) are then its wall-time parts.
The commit makes the load durable in the write-ahead log; copying the log into the database
file (a checkpoint) then runs in a thread, outside ``seconds``: ``close_s`` is the wait for it
when the database is closed right after (as the command line does).
``commdesk_wizard`` is the GUI's path: ``inspect_file`` (the preview reads and normalises the
whole file; ``inspect_s``) then ``run_import(plan)``, which takes the preview's extraction instead
of reading the file again (``reused_preview``).
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
from datetime import date, datetime, timedelta
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红燕鹏辉建国志文海波宇浩晨欣怡子涵梓轩"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id(rng: random.Random, born: date, male: bool) -> str:
    region = rng.choice(("110105", "130102", "130104", "370102", "410102"))
    seq = rng.randrange(0, 100) * 10 + (rng.choice((1, 3, 5, 7, 9)) if male else rng.choice((0, 2, 4, 6, 8)))
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    import xlsxwriter

    rng = random.Random(seed)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("居民信息")
    ws.write(0, 0, "某某社区居民信息登记表")
    ws.write(1, 0, "填报单位：某某社区居委会    填报日期：2024年3月15日")
    ws.write_row(2, 0, ["序号", "网格", "户号", "姓名", "与户主关系", "性别", "民族", "出生日期", "身份证号",
                        "政治面貌", "联系电话", "现住址", "人员类别"])
    r, n, hno = 3, 0, 0
    formats = ("%Y年%-m月%-d日", "%Y.%m.%d", "%Y-%-m-%-d", "%Y/%-m/%-d", "%Y%m%d")
    while n < rows:
        hno += 1
        size = min(rng.choice((1, 2, 3, 3, 4, 5)), rows - n)
        surname = rng.choice(SURNAMES)
        for k in range(size):
            male = rng.random() < 0.5
            born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 30000))
            relation = "户主" if k == 0 else ("配偶" if k == 1 else rng.choice(("儿子", "女儿", "母亲")))
            name = (surname if k != 1 else rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN) for _ in range(2))
            ws.write_row(r, 0, [n + 1, f"第{hno % 6 + 1}网格" if k == 0 else "", f"H{hno:06d}" if k == 0 else "",
                                name, relation, "男" if male else "女", "汉族",
                                born.strftime(rng.choice(formats)), _id(rng, born, male),
                                rng.choice(("群众", "群众", "党员", "团员")),
                                f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
                                f"某某小区{hno % 40 + 1}栋{hno % 4 + 1}单元{hno % 18 + 1}0{hno % 4 + 1}室" if k == 0 else "",
                                rng.choice(("", "", "", "低保", "独居老人、空巢老人"))])
            r += 1
            n += 1
    wb.close()


def generate_messy(path: Path, rows: int, seed: int = 11) -> None:
    """A register as offices keep them: a merged title and a 填报单位 line, the header far down
    with a row of column numbers under it, household cells (网格, 户号, 住址) merged down over
    the members, birth dates as date cells (yyyy年m月d日), text (1990.3.7, 1985-02-03) and bare
    serials in one column, ~1% damaged ID numbers (a wrong check character, or stored as a number
    that Excel rounded), two phones in a cell now and then, key groups as text, the header repeated
    every 5,000 rows (a printed page's head)."""
    import xlsxwriter

    rng = random.Random(seed)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("居民信息")
    date_cell = wb.add_format({"num_format": "yyyy年m月d日"})
    serial_cell = wb.add_format({"num_format": "0"})
    headers = ["序号", "网格", "户号", "姓名", "与户主关系", "性别", "民族", "出生日期", "身份证号",
               "政治面貌", "联系电话", "现住址", "人员类别"]
    ws.merge_range(0, 0, 0, len(headers) - 1, "某某街道某某社区居民信息登记表（2024年）")
    ws.merge_range(1, 0, 1, len(headers) - 1, "填报单位：某某社区居委会    填报日期：2024年3月15日")
    ws.write_row(3, 0, headers)
    ws.write_row(4, 0, list(range(1, len(headers) + 1)))
    r, n, hno = 5, 0, 0
    epoch = date(1899, 12, 30)
    while n < rows:
        if n and n % 5000 == 0:
            ws.write_row(r, 0, headers)
            r += 1
        hno += 1
        size = min(rng.choice((1, 2, 3, 3, 4, 5)), rows - n)
        surname = rng.choice(SURNAMES)
        household = (f"第{hno % 6 + 1}网格", f"H{hno:06d}",
                     f"某某小区{hno % 40 + 1}栋{hno % 4 + 1}单元{hno % 18 + 1}0{hno % 4 + 1}室")
        for k in range(size):
            male = rng.random() < 0.5
            born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 30000))
            relation = "户主" if k == 0 else ("配偶" if k == 1 else rng.choice(("儿子", "女儿", "母亲")))
            name = (surname if k != 1 else rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN) for _ in range(2))
            phone = f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}"
            if rng.random() < 0.05:
                phone += f"、1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}"
            ws.write_row(r, 3, [name, relation, "男" if male else "女", "汉族"])
            form = rng.random()
            if form < 0.4:
                ws.write_datetime(r, 7, datetime(born.year, born.month, born.day), date_cell)
            elif form < 0.6:
                ws.write_number(r, 7, (born - epoch).days, serial_cell)
            elif form < 0.8:
                ws.write(r, 7, f"{born.year}.{born.month}.{born.day}")
            else:
                ws.write(r, 7, born.isoformat())
            number = _id(rng, born, male)
            damage = rng.random()
            if damage < 0.005:
                ws.write(r, 8, number[:17] + ("0" if number[17] != "0" else "1"))   # a wrong check character
            elif damage < 0.01 and number[17] != "X":
                ws.write_number(r, 8, float(number))                                # Excel rounded it
            else:
                ws.write(r, 8, number)
            ws.write_row(r, 9, [rng.choice(("群众", "群众", "党员", "团员")), phone])
            ws.write(r, 12, rng.choice(("", "", "", "低保", "独居老人、空巢老人", "残疾人")))
            ws.write(r, 0, n + 1)
            if k == 0:
                for c, value in zip((1, 2, 11), household):
                    if size > 1:
                        ws.merge_range(r, c, r + size - 1, c, value)
                    else:
                        ws.write(r, c, value)
            r += 1
            n += 1
    wb.close()


GENERATORS = {"plain": generate, "messy": generate_messy}


def _dump(database: object, file: Path) -> int:
    """The floor: calamine reads every row, ``executemany`` writes them as they are into one table
    (no header detection, no household, no check, no index)."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(file)).get_sheet_by_index(0).to_python()
    width = max(len(row) for row in rows)
    with database.engine.begin() as conn:  # type: ignore[attr-defined]
        raw = conn.connection.driver_connection
        raw.execute(f"CREATE TABLE dump ({', '.join(f'c{i}' for i in range(width))})")
        raw.executemany(f"INSERT INTO dump VALUES ({', '.join('?' * width)})",
                        (tuple(str(v) if not isinstance(v, (int, float, str)) else v for v in row)
                         + ("",) * (width - len(row)) for row in rows))
    return len(rows)


def _floor(database: object, file: Path, source: Path) -> tuple[int, dict[str, float]]:
    """What the import cannot do without, with nothing of its own work: the sheet read as the dump
    reads it, then the rows the import wrote (taken from its database, ``source``) written again
    with the import's own statements in its order (the bulk load with the indexes dropped and
    rebuilt, households, then per 2,000 residents the rows, their one-character search rows and
    the trigram fill), serially, and the commit. No header detection, no check, no household."""
    import sqlite3

    from python_calamine import CalamineWorkbook

    from commdesk.models.bulk import bulk_load
    from commdesk.models.search_index import FILL_TRI_RANGE_SQL
    from commdesk.services.coverage import household_counters_deferred

    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    tables = {t: (src.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall(),
                  [d[1] for d in src.execute(f"PRAGMA table_info({t})")])
              for t in ("community", "grid", "household", "resident")}
    chars = src.execute("SELECT rowid, body FROM resident_fts_char ORDER BY rowid").fetchall()
    src.close()
    started = time.perf_counter()
    CalamineWorkbook.from_path(str(file)).get_sheet_by_index(0).to_python()
    read_s = time.perf_counter() - started
    residents = tables["resident"][0]
    rid = tables["resident"][1].index("id")
    with database.engine.begin() as conn:  # type: ignore[attr-defined]
        def insert(table: str, rows: list) -> None:
            cols = tables[table][1]
            conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                 rows)
        with bulk_load(conn, ("household", "resident"), len(residents)):
            with household_counters_deferred(conn, 1):
                insert("community", tables["community"][0])
                insert("grid", tables["grid"][0])
                households = tables["household"][0]
                for i in range(0, len(households), 2000):
                    insert("household", households[i:i + 2000])
                for i in range(0, len(residents), 2000):
                    chunk = residents[i:i + 2000]
                    insert("resident", chunk)
                    conn.exec_driver_sql("INSERT INTO resident_fts_char(rowid, body) VALUES (?, ?)",
                                         chars[i:i + 2000])
                    conn.exec_driver_sql(FILL_TRI_RANGE_SQL, (chunk[0][rid], chunk[-1][rid]))
    return len(residents), {"read_s": round(read_s, 3), "sql_s": round(time.perf_counter() - started - read_s, 3)}


def _child(mode: str, file: str, db: str) -> None:
    import resource

    os.environ.setdefault("COMMDESK_HOME", str(Path(db).parent / "home"))
    from commdesk.models.db import open_database

    database = open_database(db)
    load_before = os.getloadavg()
    started, cpu_started = time.perf_counter(), time.process_time()
    out: dict = {}
    if mode.startswith("commdesk"):
        from commdesk.importers import ImportOptions, inspect_file, run_import

        out["import_module_s"] = round(time.perf_counter() - started, 3)
        source: object = Path(file)
        if mode == "commdesk_wizard":
            source = inspect_file(Path(file))
            out["inspect_s"] = round(time.perf_counter() - started, 3)
        summary = run_import(database, source, ImportOptions(backup=False))  # type: ignore[arg-type]
        count = summary.imported
        out["flagged"] = summary.flagged
        out["rows_skipped"] = summary.skipped
        out["phases"] = _phases(summary.timings)
        if summary.timings.get("reused_preview"):
            out["reused_preview"] = True
    elif mode == "dump":
        count = _dump(database, Path(file))
    elif mode == "floor":
        count, out["parts"] = _floor(database, Path(file), _db_for("commdesk", Path(file), Path(db).parent))
    else:
        count = _naive(database, Path(file))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if mode == "floor":          # without taking the import's rows out of its database
        seconds = out["parts"]["read_s"] + out["parts"]["sql_s"]
    closing = time.perf_counter()
    database.close()    # waits for the checkpoint the import left running in the background
    out["close_s"] = round(time.perf_counter() - closing, 3)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3), "peak_mb": round(peak, 1),
                      "residents": count, "load_avg_before": [round(x, 2) for x in load_before],
                      "load_avg_after": [round(x, 2) for x in os.getloadavg()], **out}, ensure_ascii=False))


def _phases(timings: dict[str, float]) -> dict[str, dict[str, float]]:
    """``{"read": {"s": wall, "cpu_s": cpu}, …}`` in the order of the work."""
    order = ("read", "normalise", "backup", "connect", "pipeline", "prepare", "insert", "search_index",
             "index_rebuild", "commit")
    return {p: {"s": timings[p], **({"cpu_s": timings[f"{p}_cpu"]} if f"{p}_cpu" in timings else {})}
            for p in order if p in timings}


def _naive(database: object, file: Path) -> int:
    """openpyxl read-only + one ORM object per row (the index is kept by the session hooks)."""
    import openpyxl

    from commdesk.models import Community, Grid, Household, Resident
    from commdesk.validation.idcard import check_id_number

    wb = openpyxl.load_workbook(file, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    count = 0
    with database.Session.begin() as session:  # type: ignore[attr-defined]
        community = Community(name="基准社区")
        session.add(community)
        session.flush()
        grids: dict[str, Grid] = {}
        household = None
        for row in ws.iter_rows(min_row=4, values_only=True):
            seq, grid, hno, name, relation, gender, eth, born, idn, pol, phone, addr, tags = row[:13]
            if hno:
                if grid not in grids:
                    grids[grid] = Grid(community_id=community.id, name=grid)
                    session.add(grids[grid])
                household = Household(household_no=hno, grid=grids[grid], address=addr or "")
                session.add(household)
            check = check_id_number(idn)
            session.add(Resident(household=household, name=str(name).strip(), relation=relation, gender=gender,
                                 id_number=check.number if check.ok else None, birth_date=check.birth_date,
                                 phone=str(phone or ""), political_status=pol or "群众"))
            count += 1
    wb.close()
    return count


def _db_for(mode: str, file: Path, work: Path) -> Path:
    """The database a run of ``mode`` on ``file`` writes (the floor reads the import's)."""
    return work / f"{mode}-{file.stem}.sqlite3"


def _median_run(runs: list[dict]) -> dict:
    """The run with the median wall time (the lower middle one of an even number)."""
    return dict(sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2])


def _run(mode: str, file: Path, work: Path) -> dict:
    """One import in a fresh child process (peak memory per run)."""
    db = _db_for(mode, file, work)
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(file), str(db)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="*", default=[100_000, 10_000])
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--baseline-rows", type=int, nargs="*", default=[10_000],
                        help="the register sizes the naive baseline runs on (default: 10000)")
    parser.add_argument("--shapes", nargs="*", choices=tuple(GENERATORS), default=["plain", "messy"],
                        help="plain: one header row, every cell filled; messy: see generate_messy")
    parser.add_argument("--no-wizard", action="store_true", help="skip the inspect + run (GUI) path")
    parser.add_argument("--no-floor", action="store_true",
                        help="skip the floor (the read and the import's own SQL, nothing else)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds of import, dump and floor per register; the median run is reported (default: 3)")
    parser.add_argument("--keep")
    parser.add_argument("--child", nargs=3)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return 0
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    report: dict = {"targets": {"100000": {"seconds": 8, "peak_mb": 500, "ratio_to_dump": 2.5},
                                "10000": {"seconds": 1.5}},
                    "machine": {"cpus": os.cpu_count(), "load_avg_at_start": [round(x, 2) for x in os.getloadavg()]},
                    "runs": {}}
    for shape in args.shapes:
        for rows in args.rows:
            file = work / f"register-{shape}-{rows}.xlsx"
            if not file.exists():
                GENERATORS[shape](file, rows)
            entry: dict = {"file_mb": round(file.stat().st_size / 1e6, 2)}
            # the import, the dump and the floor one after the other, --repeat rounds: a busy
            # neighbour on the machine slows one round, not one of the three in every round
            modes = [("commdesk", "commdesk"), ("dump_calamine_executemany", "dump")]
            if not args.no_floor:
                modes.append(("floor_read_and_sql", "floor"))   # reads the database the import of its round wrote
            rounds: dict[str, list[dict]] = {key: [] for key, _mode in modes}
            for _round in range(args.repeat):
                for key, mode in modes:
                    rounds[key].append(_run(mode, file, work))
            for key, runs in rounds.items():
                entry[key] = _median_run(runs)
                if len(runs) > 1:
                    entry[key]["seconds_each_round"] = [r["seconds"] for r in runs]
            if not args.no_wizard and shape == "plain":
                entry["commdesk_wizard"] = _run("commdesk_wizard", file, work)
            dump_s = entry["dump_calamine_executemany"]["seconds"]
            entry["ratio_to_dump"] = round(entry["commdesk"]["seconds"] / dump_s, 2)
            entry["ratio_to_dump_each_round"] = [round(a["seconds"] / b["seconds"], 2) for a, b in
                                                 zip(rounds["commdesk"], rounds["dump_calamine_executemany"])]
            if not args.no_floor:
                entry["floor_ratio_to_dump"] = round(entry["floor_read_and_sql"]["seconds"] / dump_s, 2)
                entry["floor_ratio_to_dump_each_round"] = [
                    round(a["seconds"] / b["seconds"], 2)
                    for a, b in zip(rounds["floor_read_and_sql"], rounds["dump_calamine_executemany"])]
            if not args.no_baseline and rows in args.baseline_rows and shape == "plain":
                entry["naive_openpyxl_orm"] = _run("naive", file, work)
                entry["speedup"] = round(entry["naive_openpyxl_orm"]["seconds"] / entry["commdesk"]["seconds"], 1)
            target = report["targets"].get(str(rows))
            if target:
                run = entry["commdesk"]
                entry["meets_target"] = run["seconds"] <= target["seconds"] and \
                    run["peak_mb"] <= target.get("peak_mb", float("inf")) and \
                    entry["ratio_to_dump"] <= target.get("ratio_to_dump", float("inf"))
            report["runs"][f"{shape}-{rows}"] = entry
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
