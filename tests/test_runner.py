"""The op runner: database work on one thread, results and progress on the GUI thread.

A frozen test run (gdb: the GUI thread in QObject::connectImpl waiting for a Qt mutex while
holding the GIL, the database thread in PyGILState_Ensure waiting for the GIL) showed the
deadlock a queued signal with a Python argument allows: Qt copies the argument while it holds the
sender's connection lock, and the copy needs the GIL. The runner therefore never emits a signal
with arguments from the database thread."""
from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtCore import QMetaMethod, QObject

from commdesk.ui.runner import Op, Runner, _Bridge

pytestmark = pytest.mark.gui


def test_cross_thread_signals_carry_no_python_objects(qapp: Any) -> None:
    bridge = _Bridge()
    meta = bridge.metaObject()
    signals = [meta.method(i) for i in range(QObject.staticMetaObject.methodCount(), meta.methodCount())
               if meta.method(i).methodType() == QMetaMethod.MethodType.Signal]
    assert signals and all(m.parameterCount() == 0 for m in signals), [bytes(m.methodSignature()) for m in signals]


class _NoDatabase:
    pass


def test_results_and_progress_arrive_on_the_gui_thread_in_order(qtbot: Any) -> None:
    runner = Runner(_NoDatabase())
    gui = threading.get_ident()
    seen: list[tuple[str, Any, bool]] = []

    def work(database: Any, progress: Any) -> list[int]:
        for i in range(1, 4):
            progress.update(i, 3)
        return [threading.get_ident() != gui]

    parent = QObject()
    for k in range(20):
        Op(parent, work, raw=True, runner=runner) \
            .with_progress(lambda d, t, _txt, k=k: seen.append(("progress", (k, d), threading.get_ident() == gui))) \
            .success(lambda r, k=k: seen.append(("result", (k, r), threading.get_ident() == gui))).run()
        for _ in range(10):   # the GUI thread keeps connecting signals meanwhile
            QObject(parent).destroyed.connect(lambda *_a: None)
    qtbot.waitUntil(lambda: runner.idle, timeout=10000)
    runner.shutdown()
    assert all(on_gui for _kind, _v, on_gui in seen)
    results = [v for kind, v, _g in seen if kind == "result"]
    assert results == [(k, [True]) for k in range(20)]           # ran on the database thread, in order
    progress = [v for kind, v, _g in seen if kind == "progress"]
    assert progress == [(k, d) for k in range(20) for d in (1, 2, 3)]


def test_an_op_leaves_no_connection_on_its_page_and_drops_a_result_for_a_closed_one(qtbot: Any) -> None:
    """A page lives for the whole session and asks for hundreds of ops: each used to connect to
    its ``destroyed``, a connection that stayed (and that PySide once called on another object
    living at a dead op's address: FrozenInstanceError in a teardown)."""
    import shiboken6
    from PySide6.QtCore import SIGNAL

    runner = Runner(_NoDatabase())
    page = QObject()
    before = page.receivers(SIGNAL("destroyed(QObject*)"))
    seen: list[str] = []
    for _ in range(50):
        Op(page, lambda database: "ok", raw=True, runner=runner).success(seen.append).run()
    qtbot.waitUntil(lambda: runner.idle, timeout=10000)
    assert seen == ["ok"] * 50
    assert page.receivers(SIGNAL("destroyed(QObject*)")) == before
    closed = QObject()
    op = Op(closed, lambda database: "late", raw=True, runner=runner).success(seen.append)
    shiboken6.delete(closed)                   # the page closed before its result came
    op.run()
    qtbot.waitUntil(lambda: runner.idle, timeout=10000)
    runner.shutdown()
    assert seen == ["ok"] * 50
