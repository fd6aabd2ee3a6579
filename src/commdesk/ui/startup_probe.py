"""Measure start-up and the ledger's first paint, for benchmarks/bench_foundation.py.

    python -m commdesk.ui.startup_probe --db PATH [--baseline]

Prints JSON: startup_s (process start → main window painted with the ledger's first rows),
ledger_first_paint_s (ledger query issued → rows painted), rss_empty_mb (window shown, ledger
not loaded), rss_ledger_mb, and with --baseline the naive way (every row loaded into a model):
baseline_load_all_s, baseline_load_all_rss_mb.
"""
from __future__ import annotations

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
from typing import Any  # noqa: E402


def _rss_mb() -> float:
    import psutil

    return psutil.Process(os.getpid()).memory_info().rss / 1e6


def _wait(app: Any, cond: Any, timeout: float = 60.0) -> None:
    end = time.perf_counter() + timeout
    while not cond():
        app.processEvents()
        if time.perf_counter() > end:
            raise TimeoutError("probe timed out")
        time.sleep(0.001)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--baseline", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from commdesk.models.db import open_database
    from commdesk.ui.app import create_main_window, make_app

    from commdesk.ui.ledger_page import LedgerPage

    app = make_app()
    database = open_database(args.db)
    window = create_main_window(database, first_page=LedgerPage)  # the ledger as the page in view
    painted: list[float] = []
    table = window.ledger.table
    from PySide6.QtCore import QEvent, QObject

    class PaintWatch(QObject):
        def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and window.ledger.model.rowCount() and \
                    window.ledger.model.row_data(0) is not None:
                painted.append(time.perf_counter())
            return False

    watch = PaintWatch()
    table.viewport().installEventFilter(watch)
    window.show()
    app.processEvents()
    rss_empty = _rss_mb()
    t_start = time.perf_counter()
    window.start()
    _wait(app, lambda: bool(painted))
    t_paint = painted[0]
    rss_ledger = _rss_mb()
    out: dict[str, Any] = {
        "rows": window.ledger.model.rowCount(),
        "startup_s": round(t_paint - T0, 4),
        "ledger_first_paint_s": round(t_paint - t_start, 4),
        "rss_empty_mb": round(rss_empty, 1),
        "rss_ledger_mb": round(rss_ledger, 1),
        "ledger_extra_mb": round(rss_ledger - rss_empty, 1),
    }
    if args.baseline:
        from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
        from PySide6.QtWidgets import QTableView
        from sqlalchemy import text

        rss0 = _rss_mb()
        t = time.perf_counter()
        with database.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT h.household_no, r.name, r.relation, r.gender, r.birth_date, r.id_number, r.phone,"
                " r.political_status, g.name, h.estate, h.building, h.unit, h.room, r.tags, r.status, r.review"
                " FROM resident r JOIN household h ON h.id = r.household_id LEFT JOIN grid g ON g.id = h.grid_id"
                " WHERE r.archived_at IS NULL AND r.status = '在住' ORDER BY h.household_no, r.rel_order, r.id"
            )).all()
        data = [[("" if v is None else str(v)) for v in row] for row in rows]

        class AllRows(QAbstractTableModel):
            def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: N802,B008
                return len(data)

            def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: N802,B008
                return 16

            def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
                return data[index.row()][index.column()] if role == Qt.ItemDataRole.DisplayRole else None

        view = QTableView()
        model = AllRows()
        view.setModel(model)
        view.resize(1200, 600)
        view.show()
        app.processEvents()
        out["baseline_load_all_s"] = round(time.perf_counter() - t, 4)
        out["baseline_load_all_rss_mb"] = round(_rss_mb() - rss0, 1)
        view.close()
    window.runner.shutdown()
    window.close()
    database.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
