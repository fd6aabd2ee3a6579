"""``commdesk --startup-probe OUT.json [--db DB] [--user NAME]``: the start, timed to a painted ledger.

A hidden option of the installed command (and the frozen bundle), for
``benchmarks/bench_startup.py``: the window's start as ``ui.app.run_gui`` does it (the Qt
application and its fonts, the crash handler, the data-folder check, ``open_database`` with its
version check and migration, the main window) but with the ledger as the page in view and the
login taken as the command line takes it (``--user`` and ``COMMDESK_PASSWORD``; a database with
accounts opens only with a valid one, as everywhere). Once the ledger's first rows are painted it
writes ``OUT.json`` and quits:

``painted_unix`` (``time.time()`` at that paint, for the caller that started the process),
``entered_unix`` (when this module was reached: the interpreter, bootloader and ``cli`` imports
are before it), ``rows`` (the ledger's row count), ``rss_mb`` (when psutil is there).

The daily backup and the welcome are left out: the first is a copy of the file made once a day
(timed on its own by the benchmark), the second waits for a person.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ENTERED = time.time()


def _rss_mb() -> float | None:
    try:
        import psutil
    except ImportError:
        return None
    return round(psutil.Process(os.getpid()).memory_info().rss / 1e6, 1)


def run(db: str | Path | None, out: Path, user: str | None = None,
        password: Callable[[str], str] | None = None, timeout_s: float = 120.0) -> int:
    """Start, wait for the ledger's first painted rows, write ``out``; ``password(user)`` gives the
    password of ``--user`` when the database has accounts (the command line's way)."""
    from PySide6.QtCore import QEvent, QObject

    from commdesk.errors import UserError
    from commdesk.i18n import _
    from commdesk.models.data_folder import check_data_folders
    from commdesk.models.db import open_database
    from commdesk.services.accounts import has_accounts, login
    from commdesk.ui.app import create_main_window, make_app
    from commdesk.ui.crash import install_crash_handler
    from commdesk.ui.ledger_page import LedgerPage
    from commdesk.ui.session import set_account

    app = make_app()
    install_crash_handler()
    fault = check_data_folders(db)
    if fault is not None:
        raise UserError(str(fault))
    database = open_database(db)
    try:
        with database.Session() as session:
            if has_accounts(session):
                if not user or password is None:
                    raise UserError(_("此数据库已启用账号登录：请用 --user 指定用户名"))
                set_account(login(session, user, password(user)))
        window = create_main_window(database, first_page=LedgerPage)
        painted: list[float] = []
        model = window.ledger.model

        class PaintWatch(QObject):
            def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802 - Qt's name
                if not painted and event.type() == QEvent.Type.Paint and model.rowCount() \
                        and model.row_data(0) is not None:
                    painted.append(time.time())
                return False

        watch = PaintWatch()
        window.ledger.table.viewport().installEventFilter(watch)
        window.show()
        window.start()
        end = time.perf_counter() + timeout_s
        while not painted:
            app.processEvents()
            if time.perf_counter() > end:
                raise UserError(_("启动测量超时：{s} 秒内台账没有显示").format(s=timeout_s))
            time.sleep(0.001)
        result = {"painted_unix": painted[0], "entered_unix": ENTERED, "rows": model.rowCount(),
                  "rss_mb": _rss_mb()}
        window.runner.shutdown()
        window.close()
    finally:
        database.close()
        set_account(None)
    Path(out).write_text(json.dumps(result), encoding="utf-8")
    return 0
