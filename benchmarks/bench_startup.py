"""Start-up benchmark: the frozen bundle started to a painted ledger, cold and warm, beside the
source-tree start and a bare PySide6 window measured in the same run.

    python benchmarks/bench_startup.py [--quick] [--reuse] [--households N] [--warm N] [--no-drop-caches]

1. The bundle: ``tools/build_installer.py``'s bundle step (PyInstaller, ``installer/commdesk.spec``)
   into ``build/bench_startup/dist/commdesk/`` — ``--reuse`` keeps one built before.
2. The database: ``benchmarks/data/foundation_<N>.sqlite3`` (100,000 households; ``--quick``:
   2,000), built by ``bench_foundation.build_database`` (``commdesk.demo.households.generate_demo``)
   unless it is there already, copied to ``benchmarks/data/startup_<N>.sqlite3`` so the start's own
   open (lock, WAL) never touches the foundation file.
3. Each start is a new process ``commdesk --startup-probe OUT.json --db DB`` (the hidden option of
   ``ui/first_paint_probe.py``: the real start — Qt, fonts, crash handler, data-folder check,
   ``open_database`` with its version check, the main window with the ledger in view); the figure is
   the time from just before the process is spawned to the paint of the ledger's first rows.
   Qt runs offscreen (``QT_QPA_PLATFORM=offscreen``): no X server, the same widgets and painting.
4. **Cold**: the first start after ``sync; echo 3 > /proc/sys/vm/drop_caches`` (the page cache
   emptied: program files and database read from disk). Whether dropping worked is in the JSON
   (``drop_caches``); where it did not (not root, a container), "cold" is only the first start.
   **Warm**: the median of ``--warm`` further starts (default 7; ``--quick``: 5).
5. Baselines in the same run: the source-tree start (``python -m commdesk --startup-probe``, cold
   and warm) and a bare PySide6 window (``QApplication`` + a painted ``QTableView`` of 200 rows; the
   floor any Qt program pays). Also the daily automatic backup (``models.backup_rotation``), which
   the real first start of each day makes before the window opens.

Targets: ≤ 1.5 s cold, ≤ 0.8 s warm. Prints one JSON document, also written to
``benchmarks/out/bench_startup.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SRC = ROOT / "src"
for p in (str(SRC), str(HERE), str(ROOT / "tools")):
    if p not in sys.path:
        sys.path.insert(0, p)

TARGETS = {"cold_s": 1.5, "warm_s": 0.8}
BUNDLE_DIST = ROOT / "build" / "bench_startup" / "dist"
BUNDLE_WORK = ROOT / "build" / "bench_startup" / "work"

BARE_WINDOW = r"""
import json, sys, time
from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, Qt
from PySide6.QtWidgets import QApplication, QTableView
app = QApplication(sys.argv[:1])
class Rows(QAbstractTableModel):
    def rowCount(self, parent=QModelIndex()): return 200
    def columnCount(self, parent=QModelIndex()): return 8
    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        return f"{index.row()}-{index.column()}" if role == Qt.ItemDataRole.DisplayRole else None
painted = []
class Watch(QObject):
    def eventFilter(self, obj, event):
        if not painted and event.type() == QEvent.Type.Paint: painted.append(time.time())
        return False
view = QTableView(); model = Rows(); view.setModel(model); watch = Watch()
view.viewport().installEventFilter(watch); view.resize(1200, 600); view.show()
while not painted: app.processEvents(); time.sleep(0.001)
open(sys.argv[1], "w").write(json.dumps({"painted_unix": painted[0]}))
"""


def _note(message: str) -> None:
    print(f"[bench_startup {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def drop_caches() -> dict[str, Any]:
    """Empty the page cache (Linux, root); what happened, for the JSON."""
    if not sys.platform.startswith("linux"):
        return {"ok": False, "detail": f"not Linux ({sys.platform}): the first start only"}
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as fh:
            fh.write("3\n")
    except OSError as exc:
        return {"ok": False, "detail": f"/proc/sys/vm/drop_caches: {exc.strerror}: the first start only"}
    return {"ok": True, "detail": "sync; echo 3 > /proc/sys/vm/drop_caches"}


def ensure_bundle(reuse: bool) -> dict[str, Any]:
    import build_installer as bi

    exe = BUNDLE_DIST / "commdesk" / ("commdesk.exe" if os.name == "nt" else "commdesk")
    info: dict[str, Any] = {"exe": str(exe)}
    if reuse and exe.is_file():
        info["built"] = False
    else:
        _note("building the bundle (PyInstaller)")
        py = bi.venv_python()
        bi.ensure_pyinstaller(py)
        t = time.perf_counter()
        bi.build_bundle(py, BUNDLE_DIST, BUNDLE_WORK)
        info.update(built=True, build_s=round(time.perf_counter() - t, 1))
    info["bundle_mb"] = round(bi.dir_size(exe.parent) / 1e6, 1)
    return info


def ensure_database(households: int, seed: int) -> tuple[Path, dict[str, Any]]:
    import bench_foundation

    foundation = (HERE / "data" / f"foundation_{households}.sqlite3").resolve()
    info = bench_foundation.build_database(foundation, households, seed, rebuild=False)
    copy = foundation.with_name(f"startup_{households}.sqlite3")
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copy2(foundation, copy)
    return copy, {"households": households, "residents": info.get("residents"),
                  "db_mb": round(copy.stat().st_size / 1e6, 1), "foundation_reused": info.get("reused")}


def start_once(cmd: list[str], env: dict[str, str], timeout: float = 180.0) -> dict[str, Any]:
    """One start: seconds from spawning the process to the first painted ledger rows."""
    with tempfile.TemporaryDirectory(prefix="commdesk-start-") as tmp:
        out = Path(tmp) / "probe.json"
        t0 = time.time()
        proc = subprocess.run([*cmd, str(out)],
                              env=env, capture_output=True, text=True, timeout=timeout)
        ended = time.time()
        if proc.returncode != 0 or not out.is_file():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise SystemExit(f"start failed (exit {proc.returncode}): {tail[0][:300]}")
        data = json.loads(out.read_text(encoding="utf-8"))
    result = {"start_s": round(data["painted_unix"] - t0, 3), "exit_s": round(ended - t0, 3)}
    if "entered_unix" in data:
        result["entered_s"] = round(data["entered_unix"] - t0, 3)   # interpreter + imports of the command
    return result


def probe_cmd(prefix: list[str], db: Path) -> list[str]:
    # the output file is appended by start_once: --startup-probe takes it as its value
    return [*prefix, "--db", str(db), "--startup-probe"]


def series(name: str, cmd: list[str], env: dict[str, str], warm: int, cold: bool) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if cold:
        result["drop_caches"] = drop_caches()
        first = start_once(cmd, env)
        result["cold_s"] = first["start_s"]
        result["cold_entered_s"] = first.get("entered_s")
        _note(f"{name}: cold {first['start_s']} s")
    else:
        start_once(cmd, env)                     # warm the cache up: not counted
    runs = [start_once(cmd, env) for _ in range(warm)]
    result["warm_s"] = round(statistics.median(r["start_s"] for r in runs), 3)
    result["warm_runs_s"] = [r["start_s"] for r in runs]
    if runs and "entered_s" in runs[0]:
        result["warm_entered_s"] = round(statistics.median(r["entered_s"] for r in runs), 3)
        result["warm_exit_s"] = round(statistics.median(r["exit_s"] for r in runs), 3)
    _note(f"{name}: warm median {result['warm_s']} s of {result['warm_runs_s']}")
    return result


def daily_backup_s(db: Path) -> float:
    """The daily backup the first start of each day makes (a full copy of the database)."""
    from commdesk.models.backup_rotation import daily_backup
    from commdesk.models.db import open_database

    with tempfile.TemporaryDirectory(prefix="commdesk-backup-") as tmp:
        database = open_database(db, lock=False)
        try:
            t = time.perf_counter()
            daily_backup(database, dest_dir=Path(tmp))
            return round(time.perf_counter() - t, 3)
        finally:
            database.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=None, help="default 100000 (--quick: 2000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="2,000 households, fewer warm starts")
    parser.add_argument("--reuse", action="store_true", help="reuse the bundle built by an earlier run")
    parser.add_argument("--warm", type=int, default=None, help="warm starts per series (default 7; --quick: 5)")
    parser.add_argument("--no-drop-caches", action="store_true", help="do not try to empty the page cache")
    parser.add_argument("--out", type=Path, default=HERE / "out" / "bench_startup.json")
    args = parser.parse_args(argv)
    households = args.households or (2000 if args.quick else 100_000)
    warm = args.warm or (5 if args.quick else 7)
    bundle = ensure_bundle(args.reuse)
    db, db_info = ensure_database(households, args.seed)
    home = Path(tempfile.mkdtemp(prefix="commdesk-bench-home-"))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", COMMDESK_HOME=str(home))
    env.pop("COMMDESK_PASSWORD", None)
    cold = not args.no_drop_caches
    result: dict[str, Any] = {
        "benchmark": "startup", "platform": platform.platform(), "python": platform.python_version(),
        "qt_platform": "offscreen", "cpus": os.cpu_count(), "database": db_info, "bundle": bundle,
        "targets": TARGETS,
    }
    result["frozen_bundle"] = series("bundle", probe_cmd([bundle["exe"]], db), env, warm, cold)
    src_env = dict(env, PYTHONPATH=str(SRC))
    result["source_tree"] = series("source", probe_cmd([sys.executable, "-m", "commdesk"], db), src_env, warm, cold)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bare_window.py"
        script.write_text(BARE_WINDOW, encoding="utf-8")
        result["bare_pyside6_window"] = series("bare PySide6", [sys.executable, str(script)], env, warm, False)
    result["daily_backup_s"] = daily_backup_s(db)
    fb = result["frozen_bundle"]
    result["meets_targets"] = {k: fb[k] <= v for k, v in TARGETS.items() if isinstance(fb.get(k), float | int)}
    shutil.rmtree(home, ignore_errors=True)
    text = json.dumps(result, ensure_ascii=False, indent=1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
