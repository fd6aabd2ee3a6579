"""Foundation benchmark: demo build, search latency, ledger id list, GUI start-up — each beside a naive baseline.

    python benchmarks/bench_foundation.py [--households 100000] [--db PATH] [--quick] [--rebuild] [--no-gui]
                                          [--backends sqlite,postgresql,sqlcipher] [--pg-url URL]

Builds (or reuses) a street-office-size database in benchmarks/data/ (git-ignored) with
``commdesk.demo.households.generate_demo`` and prints one JSON document; see benchmarks/README.md
for what each figure means. The same JSON is written to benchmarks/out/bench_foundation.json.

``--backends sqlite,postgresql`` measures the same data on a PostgreSQL server too: a temporary
private server (``tests/pg_server.py``, the Debian ``postgresql`` package) unless ``--pg-url``
names one; the SQLite file is copied there with ``migrate-db``'s code (``models.store_copy``,
counts and hashes compared), and the same queries and ledger measurements run on both, printed
side by side.

``--backends sqlite,sqlcipher`` measures the cost of the database file encrypted at rest: a copy of
the SQLite file is encrypted in place with ``models.db_cipher.encrypt_database`` (the conversion
``commdesk encrypt-db`` does, timed) and the same figures are measured on it; the GUI probe's
process gets the key through a benchmark-only keyring backend (``bench_keyring.py``), as the
application gets it from the OS keyring.
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
if str(SRC) not in sys.path:  # run from a checkout without an editable install
    sys.path.insert(0, str(SRC))

from sqlalchemy import Connection, text  # noqa: E402

from commdesk.models.db import open_database  # noqa: E402

SEARCH_TARGET_MS = 10.0
BASELINE_QUERIES = 5      # per kind, each run BASELINE_REPEAT times
BASELINE_REPEAT = 3
DEMO_TARGET_S = 60.0
GUI_TARGETS = {"startup_s": 0.8, "ledger_first_paint_s": 0.2, "ledger_extra_mb": 50.0}

_IDS = "SELECT r.id FROM resident r WHERE r.archived_at IS NULL AND {cond} ORDER BY r.id"
_NAME_LIKE = _IDS.format(cond="r.name LIKE :q")
#: The naive "search everything": one LIKE over name, ID, phone, pinyin and address joined.
_ALL_LIKE = (
    "SELECT r.id FROM resident r JOIN household h ON h.id = r.household_id WHERE r.archived_at IS NULL AND"
    " (r.name || '|' || coalesce(r.id_number, '') || '|' || r.phone || '|' || r.py_initials || '|' || r.py_full"
    " || '|' || h.household_no || '|' || h.estate || h.building || '栋' || h.unit || '单元' || h.room || '室')"
    " LIKE :q ORDER BY r.id"
)
_LEDGER_IDS = ("SELECT r.id FROM resident r WHERE r.archived_at IS NULL"
               " ORDER BY r.household_id, r.rel_order, r.id")
_LEDGER_ROWS = ("SELECT r.*, h.household_no, h.grid_id, h.estate, h.building, h.unit, h.room, h.address,"
                " h.housing, h.tags AS household_tags FROM resident r JOIN household h ON h.id = r.household_id"
                " WHERE r.id IN ({ids})")
_LOAD_ALL = ("SELECT r.*, h.* FROM resident r JOIN household h ON h.id = r.household_id"
             " WHERE r.archived_at IS NULL ORDER BY r.household_id, r.rel_order, r.id")


def _note(message: str) -> None:
    """Progress on stderr (stdout carries only the JSON)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 1e6


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


# --- the database -------------------------------------------------------------------------------

def build_database(path: Path, households: int, seed: int, rebuild: bool) -> dict[str, Any]:
    """Build the demo database, or reuse it when it was built with the same size and seed."""
    sidecar = path.with_suffix(".build.json")
    if not rebuild and path.exists() and sidecar.exists():
        info = json.loads(sidecar.read_text(encoding="utf-8"))
        if info.get("households") == households and info.get("seed") == seed:
            return {**info, "reused": True}
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    sidecar.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    from commdesk.demo.households import generate_demo

    _note(f"building {path.name}: {households} households")
    database = open_database(path)
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        summary = generate_demo(database, households=households, seed=seed)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        database.close()
    info = {"households": households, "seed": seed, "residents": summary["residents"],
            "demo_build_s": round(wall, 2), "demo_build_cpu_s": round(cpu, 2),
            "demo_target_s": DEMO_TARGET_S, "meets_target": wall <= DEMO_TARGET_S,
            "db_mb": round(path.stat().st_size / 1e6, 1), "built_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    sidecar.write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    return {**info, "reused": False}


# --- search -------------------------------------------------------------------------------------

def sample_queries(conn: Connection, per_kind: int, seed: int = 7) -> dict[str, list[str]]:
    """Queries of each kind, taken from the data itself (plus the literal examples of the issue)."""
    rng = random.Random(seed)
    top = conn.execute(text("SELECT max(id) FROM resident")).scalar_one()
    picked = rng.sample(range(1, top + 1), min(top, 2000))
    found = {r.id: r for r in conn.execute(text(
        "SELECT r.id, r.name, r.id_number, r.phone, h.estate, h.building FROM resident r"
        " JOIN household h ON h.id = r.household_id WHERE r.archived_at IS NULL AND r.id IN ({ids})"
        .format(ids=",".join(map(str, picked)))))}
    rows = [found[i] for i in picked if i in found]
    first_estate = conn.execute(text("SELECT estate FROM household ORDER BY id LIMIT 1")).scalar_one()
    from commdesk.search.pinyin import name_keys

    def take(values: list[str]) -> list[str]:
        unique = list(dict.fromkeys(v for v in values if v))
        return unique[:per_kind]

    return {
        "name_1char": take(["张"] + [r.name[0] for r in rows]),
        "name_2chars": take([r.name[:2] for r in rows if len(r.name) >= 2]),
        "name_3chars": take([r.name[:3] for r in rows if len(r.name) >= 3]),
        "pinyin_initials": take(["zs"] + [name_keys(r.name)[0][:2] for r in rows]),
        "pinyin_full": take(["zhang"] + [name_keys(r.name[0])[1] for r in rows if len(name_keys(r.name[0])[1]) >= 3]),
        "id_fragment": take([r.id_number[8:14] for r in rows if r.id_number]),
        "phone_fragment": take([r.phone[-4:] for r in rows if r.phone and r.phone[:1] == "1"]),
        "address_fragment": take([f"{first_estate}3栋"] + [f"{r.estate}{r.building}栋" for r in rows]),
    }


def _timed(conn: Connection, sql: str, params: dict[str, Any], repeat: int,
           warm: bool = True) -> tuple[list[float], list[int]]:
    if warm:
        conn.execute(text(sql), params).all()        # warm the page cache
    times, result = [], []
    for _i in range(repeat):
        t = time.perf_counter()
        result = [r[0] for r in conn.execute(text(sql), params)]
        times.append(time.perf_counter() - t)
    return times, result


def _plan(conn: Connection, sql: str, params: dict[str, Any]) -> list[str]:
    if conn.dialect.name == "postgresql":
        return [str(r[0]) for r in conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql), params)]
    return [str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql), params)]


def bench_search(conn: Connection, queries: dict[str, list[str]], repeat: int) -> dict[str, Any]:
    from commdesk.search.query import search_condition as condition

    def search_condition(q: str) -> Any:
        return condition(q, conn.dialect.name)      # the app's condition for this store

    out: dict[str, Any] = {}
    for kind, texts in queries.items():
        _note(f"search {kind}: {len(texts)} queries")
        fast: list[float] = []
        slow: list[float] = []
        hits: list[int] = []
        disagree: list[str] = []
        worst = ("", 0.0)
        for n, q in enumerate(texts):
            cond = search_condition(q)
            if cond is None:
                disagree.append(q)
                continue
            sql = _IDS.format(cond=cond.sql)
            times, ids = _timed(conn, sql, cond.params, repeat)
            fast += times
            hits.append(len(ids))
            if max(times) > worst[1]:
                worst = (q, max(times))
            if n >= BASELINE_QUERIES:   # a full scan each time: a few queries are enough
                continue
            base_sql = _NAME_LIKE if kind.startswith("name_") else _ALL_LIKE
            pattern = f"{q}%" if kind.startswith("pinyin") else f"%{q}%"
            base_times, base_ids = _timed(conn, base_sql, {"q": pattern}, BASELINE_REPEAT, warm=n == 0)
            slow += base_times
            if kind.startswith("name_") and set(ids) != set(base_ids):
                disagree.append(q)
        entry: dict[str, Any] = {
            "queries": len(texts), "baseline_queries": min(len(texts), BASELINE_QUERIES),
            "example": texts[0] if texts else "",
            "p50_ms": _ms(statistics.median(fast)) if fast else None,
            "p95_ms": _ms(_percentile(fast, 95)) if fast else None,
            "baseline_like_p50_ms": _ms(statistics.median(slow)) if slow else None,
            "baseline_like_p95_ms": _ms(_percentile(slow, 95)) if slow else None,
            "median_hits": statistics.median(hits) if hits else 0, "max_hits": max(hits) if hits else 0,
        }
        entry["meets_target"] = entry["p95_ms"] is not None and entry["p95_ms"] <= SEARCH_TARGET_MS
        if disagree:
            entry["differs_from_like"] = disagree[:5]
        if not entry["meets_target"] and worst[0]:
            cond = search_condition(worst[0])
            assert cond is not None
            entry["slowest_query"] = worst[0]
            entry["slowest_plan"] = _plan(conn, _IDS.format(cond=cond.sql), cond.params)
        out[kind] = entry
    return out


# --- ledger -------------------------------------------------------------------------------------

def bench_ledger(conn: Connection, repeat: int) -> dict[str, Any]:
    """Ordered id list + first 100 rows (what a lazy model needs) vs loading every row into Python."""
    gc.collect()
    rss0 = _rss_mb()
    times, ids = _timed(conn, _LEDGER_IDS, {}, repeat)
    rss_ids = _rss_mb() - rss0
    first = ids[:100]
    row_times = []
    for _i in range(repeat):
        t = time.perf_counter()
        rows = conn.execute(text(_LEDGER_ROWS.format(ids=",".join(map(str, first))))).all()
        row_times.append(time.perf_counter() - t)
    from commdesk.reports.ledger_query import LedgerFilter, ordered_ids

    page_times = []
    for _i in range(max(1, repeat // 2)):
        t = time.perf_counter()
        page_ids = ordered_ids(conn, LedgerFilter())
        page_times.append(time.perf_counter() - t)
    del rows
    gc.collect()
    rss1 = _rss_mb()
    t = time.perf_counter()
    everything = conn.execute(text(_LOAD_ALL)).all()
    load_all = time.perf_counter() - t
    rss_all = _rss_mb() - rss1
    n_all = len(everything)
    del everything
    gc.collect()
    return {
        "residents": len(ids),
        "id_list_p50_ms": _ms(statistics.median(times)), "id_list_max_ms": _ms(max(times)),
        "id_list_rss_mb": round(rss_ids, 1),
        "first_100_rows_p50_ms": _ms(statistics.median(row_times)),
        "page_default_filter_ids_p50_ms": _ms(statistics.median(page_times)),
        "page_default_filter_rows": len(page_ids),
        "baseline_load_all_s": round(load_all, 3), "baseline_load_all_rows": n_all,
        "baseline_load_all_rss_mb": round(rss_all, 1),
    }


# --- GUI (start-up probe owned by the UI) -------------------------------------------------------

def measure_gui(db_path: str | Path, env_extra: dict[str, str] | None = None) -> dict[str, Any] | str:
    """Start-up and ledger first paint, measured by ``commdesk.ui.startup_probe`` in a fresh process.

    The probe prints JSON with startup_s, ledger_first_paint_s, rss_empty_mb, rss_ledger_mb,
    baseline_load_all_s, baseline_load_all_rss_mb. Returns "not available" when the probe
    module does not exist, or {"error": ...} when it fails.
    """
    if importlib.util.find_spec("commdesk.ui.startup_probe") is None:
        return "not available"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p)
    env.update(env_extra or {})
    target = str(db_path)
    if "://" in target:        # a server: the password to the probe through the environment, not argv
        from sqlalchemy.engine import make_url

        from commdesk.models.connection import PASSWORD_ENV

        url = make_url(target)
        if url.password is not None:
            env[PASSWORD_ENV] = url.password
            target = url.set(password=None).render_as_string(hide_password=False)
    cmd = [sys.executable, "-m", "commdesk.ui.startup_probe", "--db", target, "--baseline"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    except subprocess.TimeoutExpired:
        return {"error": "startup probe timed out"}
    lines = [line for line in proc.stdout.splitlines() if line.strip().startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"error": f"startup probe exit {proc.returncode}: {tail[0][:300]}"}
    result: dict[str, Any] = json.loads(lines[-1])
    if "rss_ledger_mb" in result and "rss_empty_mb" in result:
        result["ledger_extra_mb"] = round(result["rss_ledger_mb"] - result["rss_empty_mb"], 1)
    result["meets_targets"] = {k: result[k] <= v for k, v in GUI_TARGETS.items()
                               if isinstance(result.get(k), float | int)}
    return result


# --- the PostgreSQL side -------------------------------------------------------------------------

def start_pg_server() -> Any:
    """A temporary private PostgreSQL server (tests/pg_server.py), or exit with the reason."""
    root = str(HERE.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    from tests import pg_server

    server = pg_server.start_server()
    if server is None:
        raise SystemExit("no PostgreSQL server binaries: install the Debian package 'postgresql' or give --pg-url")
    return server


def _pg_households(url: str) -> int | None:
    """Households in the server database (None: no commdesk schema there yet)."""
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("household"):
                return None
            return int(conn.execute(text("SELECT count(*) FROM household")).scalar_one())
    finally:
        engine.dispose()


def build_pg(sqlite_path: Path, url: str, households: int) -> dict[str, Any]:
    """Copy the SQLite benchmark database to the (empty) server database, as ``commdesk migrate-db``
    does: one transaction, every table compared by count and SHA-256; then ``VACUUM (ANALYZE)``,
    what the server's autovacuum does shortly after a bulk load (without it the first reads of
    each page set its hint bits and the index-only paths have no visibility map: measured twice
    as slow, one query 118 ms instead of 10). A server database already holding ``households``
    households is reused."""
    from commdesk.models.dialect import normalise_url
    from commdesk.models.store_copy import copy_store, prove

    url = normalise_url(url)
    have = _pg_households(url)
    if have == households:
        return {"reused": True, "households": have}
    _note(f"copying {sqlite_path.name} to the server (migrate-db)")
    wall, cpu = time.perf_counter(), time.process_time()
    with open_database(sqlite_path, create=False) as source, open_database(url) as target:
        with source.engine.connect() as src, target.engine.begin() as dst:
            tables = copy_store(src, dst)
            copied = time.perf_counter() - wall
            proofs = prove(src, dst, tables)
        migrated = time.perf_counter() - wall
        with target.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM (ANALYZE)")
            size = conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one()
    return {"reused": False, "households": households, "migrate_db_s": round(migrated, 1),
            "copy_and_index_s": round(copied, 1), "vacuum_analyze_s": round(time.perf_counter() - wall - migrated, 1),
            "cpu_s": round(time.process_time() - cpu, 1),
            "tables": len(proofs), "rows": sum(p.rows for p in proofs), "db_mb": round(size / 1e6, 1)}


# --- the SQLCipher side -------------------------------------------------------------------------

def build_sqlcipher(sqlite_path: Path) -> tuple[Path, bytes, dict[str, Any]]:
    """An encrypted copy of the benchmark database: the file copied, then encrypted in place by
    ``db_cipher.encrypt_database`` (export, checks, swap: what ``commdesk encrypt-db`` does after
    its backup), timed. Rebuilt each run (the key is not kept)."""
    import shutil

    from commdesk.models import db_cipher

    if not db_cipher.available():
        raise SystemExit("sqlcipher3 is not installed: pip install 'sqlcipher3-binary>=0.6,<1'")
    target = sqlite_path.with_name(f"{sqlite_path.stem}.sqlcipher.sqlite3")
    for suffix in ("", "-wal", "-shm", ".lock", ".key", ".converting"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with open_database(sqlite_path):   # folds the write-ahead log into the file on close
        pass
    shutil.copyfile(sqlite_path, target)
    key = db_cipher.new_key()
    _note(f"encrypting a copy of {sqlite_path.name} (SQLCipher)")
    wall, cpu = time.perf_counter(), time.process_time()
    db_cipher.encrypt_database(target, key)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    conn = db_cipher.connect(target, key=key)
    try:
        version = conn.execute("PRAGMA cipher_version").fetchone()[0]
    finally:
        conn.close()
    return target, key, {"encrypt_db_s": round(wall, 2), "encrypt_db_cpu_s": round(cpu, 2),
                         "sqlcipher": version, "plain_mb": round(sqlite_path.stat().st_size / 1e6, 1),
                         "encrypted_mb": round(target.stat().st_size / 1e6, 1)}


WRITES = 100


def bench_writes(database: Any, repeat: int = WRITES) -> dict[str, Any]:
    """Small write transactions, each committed (and synced: ``synchronous=FULL``): one household's
    notes set and put back, what saving a form costs."""
    top = 0
    with database.engine.connect() as conn:
        top = int(conn.execute(text("SELECT max(id) FROM household")).scalar_one())
    rng = random.Random(3)
    ids = [rng.randint(1, top) for _i in range(repeat)]
    times = []
    for hid in ids:
        t = time.perf_counter()
        with database.engine.begin() as conn:
            conn.execute(text("UPDATE household SET notes = notes || ' ' WHERE id = :id"), {"id": hid})
        times.append(time.perf_counter() - t)
        with database.engine.begin() as conn:
            conn.execute(text("UPDATE household SET notes = rtrim(notes, ' ') WHERE id = :id"), {"id": hid})
    return {"transactions": repeat, "p50_ms": _ms(statistics.median(times)), "p95_ms": _ms(_percentile(times, 95))}


def measure_backend(target: str | Path, queries: dict[str, list[str]] | None, repeat: int, per_kind: int,
                    gui: bool, gui_env: dict[str, str] | None = None) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Ledger, search (``queries``, or sampled here), small writes and the GUI probe on one store."""
    out: dict[str, Any] = {}
    t = time.perf_counter()
    database = open_database(target)
    out["open_s"] = round(time.perf_counter() - t, 3)
    try:
        with database.engine.connect() as conn:
            # the ledger first: its memory deltas are only meaningful before other work grew the heap
            _note(f"{conn.dialect.name}: ledger id list and load-all baseline")
            out["ledger"] = bench_ledger(conn, repeat)
            queries = queries or sample_queries(conn, per_kind)
            out["search"] = bench_search(conn, queries, repeat)
        _note("small write transactions")
        out["writes"] = bench_writes(database)
    finally:
        database.close()
    _note("GUI start-up probe")
    out["gui"] = measure_gui(target, gui_env) if gui else "skipped"
    return out, queries


def side_by_side(backends: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Search p95 and ledger first paint of each backend beside its naive baseline."""
    rows: dict[str, Any] = {}
    first = next(iter(backends.values()))
    for kind in first["search"]:
        rows[f"search_{kind}_p95_ms"] = {
            name: {"app": b["search"][kind]["p95_ms"], "naive_like": b["search"][kind]["baseline_like_p95_ms"]}
            for name, b in backends.items()}
    def paint(b: dict[str, Any]) -> dict[str, Any]:
        g = b["gui"] if isinstance(b["gui"], dict) else {}
        return {"app_s": g.get("ledger_first_paint_s"), "naive_load_all_s": g.get("baseline_load_all_s"),
                "startup_s": g.get("startup_s")}
    rows["ledger_first_paint"] = {name: paint(b) for name, b in backends.items()}
    rows["ledger_id_list_p50_ms"] = {name: {"app": b["ledger"]["page_default_filter_ids_p50_ms"],
                                            "naive_load_all_s": b["ledger"]["baseline_load_all_s"]}
                                     for name, b in backends.items()}
    rows["write_txn_ms"] = {name: {"p50": b["writes"]["p50_ms"], "p95": b["writes"]["p95_ms"]}
                            for name, b in backends.items()}
    rows["open_s"] = {name: {"open": b.get("open_s"), "-": None} for name, b in backends.items()}
    return rows


def print_table(rows: dict[str, Any]) -> None:
    """The side-by-side figures as a table on stderr (stdout carries only the JSON): per backend
    the app's figure, then the naive baseline's."""
    names = list(next(iter(rows.values())))

    def cell(v: Any) -> str:
        return "-" if v is None else f"{v:g}" if isinstance(v, float) else str(v)

    lines = [f"{'figure':34}" + "".join(f"{n:>28}" for n in names) + "   (app / naive)"]
    for key, per in rows.items():
        values = [list(per[n].values())[:2] for n in names]
        lines.append(f"{key:34}" + "".join(f"{cell(v[0]) + ' / ' + cell(v[1]):>28}" for v in values))
    print("\n".join(lines), file=sys.stderr, flush=True)


# --- main ---------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=None, help="default 100000 (--quick: 2000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", type=Path, default=None, help="default benchmarks/data/foundation_<N>.sqlite3")
    parser.add_argument("--quick", action="store_true", help="small database, fewer repetitions")
    parser.add_argument("--rebuild", action="store_true", help="build the database even if it exists")
    parser.add_argument("--no-gui", action="store_true", help="skip the GUI start-up probe")
    parser.add_argument("--out", type=Path, default=HERE / "out" / "bench_foundation.json")
    parser.add_argument("--backends", default="sqlite",
                        help="comma-separated: sqlite, postgresql, sqlcipher (the same data and queries on each)")
    parser.add_argument("--pg-url", default=None,
                        help="an empty (or earlier filled) server database; default: a temporary private server")
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgresql", "sqlcipher"}
    if unknown or not backends:
        parser.error(f"unknown backend: {', '.join(sorted(unknown)) or '(none)'}")
    households = args.households or (2000 if args.quick else 100_000)
    repeat, per_kind = (3, 5) if args.quick else (10, 20)
    db_path = (args.db or HERE / "data" / f"foundation_{households}.sqlite3").resolve()

    report: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
                    "platform": platform.platform(), "load_avg_at_start": [round(x, 2) for x in os.getloadavg()]
                    if hasattr(os, "getloadavg") else None},
        "database": str(db_path),
    }
    report["demo"] = build_database(db_path, households, args.seed, args.rebuild)
    results: dict[str, dict[str, Any]] = {}
    queries: dict[str, list[str]] | None = None
    if set(backends) & {"sqlite", "postgresql", "sqlcipher"}:
        # the queries are sampled from the SQLite file, so both stores answer the same ones
        with open_database(db_path) as database, database.engine.connect() as conn:
            queries = sample_queries(conn, per_kind)
    server = None
    try:
        for backend in backends:
            target: str | Path = db_path
            gui_env: dict[str, str] | None = None
            if backend == "sqlcipher":
                from commdesk.models import db_cipher

                target, key, report["sqlcipher_build"] = build_sqlcipher(db_path)
                db_cipher.remember(target, key)              # this process: as after the keyring answered
                gui_env = {"PYTHON_KEYRING_BACKEND": "bench_keyring.BenchKeyring", "COMMDESK_BENCH_DB_KEY": key.hex(),
                           "COMMDESK_BENCH_DB_PATH": str(Path(target).resolve()),
                           "PYTHONPATH": os.pathsep.join((str(SRC), str(HERE), os.environ.get("PYTHONPATH", "")))}
            if backend == "postgresql":
                url = _with_password(args.pg_url) if args.pg_url else None
                if url is None:
                    _note("starting a temporary PostgreSQL server")
                    server = start_pg_server()
                    url = server.url(server.create_database(f"foundation_{households}"))
                    report["postgresql_server"] = {"kind": "temporary (tests/pg_server.py: fsync off, "
                                                           "shared_buffers 128MB, unix socket)",
                                                   "version": _server_version(url)}
                else:
                    report["postgresql_server"] = {"kind": "given (--pg-url)", "version": _server_version(url)}
                report["postgresql_build"] = build_pg(db_path, url, households)
                target = url
            results[backend], queries = measure_backend(target, queries, repeat, per_kind, not args.no_gui, gui_env)
    finally:
        if server is not None:
            from tests import pg_server

            pg_server.stop_server(server)
    first = results[backends[0]]
    report["search"], report["ledger"], report["gui"] = first["search"], first["ledger"], first["gui"]
    report["search_target_ms"] = SEARCH_TARGET_MS
    if len(backends) > 1:
        report["backends"] = results
        report["side_by_side"] = side_by_side(results)
    misses = [f"{b}:{k}" if len(backends) > 1 else k for b, r in results.items()
              for k, v in r["search"].items() if not v["meets_target"]]
    if not report["demo"]["meets_target"]:
        misses.append("demo_build")
    report["targets_missed"] = misses
    text_out = json.dumps(report, ensure_ascii=False, indent=1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text_out, encoding="utf-8")
    if len(backends) > 1:
        print_table(report["side_by_side"])
    print(text_out)
    return 0


def _with_password(url: str) -> str:
    """``--pg-url`` with its password for this process's own engines: the one in the URL, else
    the OS keyring's or ``COMMDESK_DB_PASSWORD`` (as commdesk takes it)."""
    from sqlalchemy.engine import make_url

    from commdesk.models import connection
    from commdesk.models.dialect import normalise_url

    parsed = make_url(normalise_url(url))
    if parsed.password is None:
        parsed = parsed.set(password=connection.server_password(connection.ServerAddress.from_url(parsed)))
    return parsed.render_as_string(hide_password=False)


def _server_version(url: str) -> str:
    from sqlalchemy import create_engine

    from commdesk.models.dialect import normalise_url

    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("SHOW server_version").scalar_one())
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
