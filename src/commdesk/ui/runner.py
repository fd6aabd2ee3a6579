"""All database work off the GUI thread, through one runner (Anki's CollectionOp/QueryOp idea).

    Op(parent, fn).success(cb).failure(cb).run()

``fn(session)`` runs on the single database thread (SQLite has one writer) and never touches
widgets; ``cb`` runs on the GUI thread. ``write=True`` wraps ``fn`` in a transaction and, when
it returns ``Changes`` (or a tuple starting with one), broadcasts them on ``AppSignals.changed``.
Long jobs receive a ``Progress`` object (``progress.update(done, total)``, ``progress.cancelled``).
"""
from __future__ import annotations

import inspect
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal

from commdesk.changes import Changes

log = logging.getLogger("commdesk.ui.runner")


class Progress:
    def __init__(self, bridge: _Bridge, op: Op) -> None:
        self._bridge = bridge
        self._op = op
        self._cancel = threading.Event()

    def update(self, done: int, total: int, text: str = "") -> None:
        self._bridge.post(_Delivery(self._op, done=done, total=total or 0, text=text, is_progress=True))

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def __call__(self, done: int, total: int) -> None:  # usable as a plain progress callback
        self.update(done, total)


class _Delivery:
    """What the database thread hands to the GUI thread: a result, an error or progress."""

    __slots__ = ("op", "result", "error", "done", "total", "text", "is_progress")

    def __init__(self, op: Op, result: object = None, error: BaseException | None = None, done: int = 0,
                 total: int = 0, text: str = "", is_progress: bool = False) -> None:
        self.op, self.result, self.error = op, result, error
        self.done, self.total, self.text = done, total, text
        self.is_progress = is_progress


class _Bridge(QObject):
    """Carries deliveries from the database thread to the GUI thread.

    The worker never passes a Python object through a Qt signal: Qt copies a queued signal's
    arguments while it holds the sender's connection lock (one of a small pool shared by address),
    and copying a Python object needs the GIL. If the GUI thread, holding the GIL, was connecting
    any signal of an object whose lock is the same, both threads waited for ever (seen as a frozen
    window). So deliveries go through a thread-safe queue and the signal carries no arguments."""

    wake = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._queue: queue.SimpleQueue[_Delivery] = queue.SimpleQueue()
        self.wake.connect(self._drain)

    def post(self, delivery: _Delivery) -> None:
        """Any thread: queue a delivery and wake the GUI thread."""
        self._queue.put(delivery)
        self.wake.emit()

    def _drain(self) -> None:
        while True:
            try:
                d = self._queue.get_nowait()
            except queue.Empty:
                return
            if d.is_progress:
                op = d.op
                if op._on_progress is not None and op._alive():
                    op._on_progress(d.done, d.total, d.text)
            else:
                d.op._deliver(d.result, d.error)


class AppSignals(QObject):
    """The one change signal: pages listen and decide whether to refresh."""

    changed = Signal(object)   # Changes
    busy = Signal(bool)
    error = Signal(object)     # an exception for the one error display


class Runner:
    def __init__(self, database: Any) -> None:
        self.database = database
        self.signals = AppSignals()
        self._bridge = _Bridge()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="commdesk-db")
        self._pending = 0
        self._lock = threading.Lock()
        self.closed = False

    def submit(self, op: Op) -> None:
        if self.closed:
            # a closed window's late timer: its database is gone, nothing to do
            log.debug("op dropped: the runner is shut down")
            return
        with self._lock:
            self._pending += 1
        self.signals.busy.emit(True)
        self._executor.submit(self._execute, op)

    def _execute(self, op: Op) -> None:
        try:
            result = op._call(self.database)
            error = None
        except BaseException as exc:  # noqa: BLE001 - delivered to the GUI thread
            result, error = None, exc
        # the op counts as pending until its result has been delivered on the GUI thread
        self._bridge.post(_Delivery(op, result, error))

    def _delivered(self) -> None:
        with self._lock:
            self._pending -= 1

    @property
    def idle(self) -> bool:
        """No op queued, running, or waiting for its result to reach the GUI thread."""
        return self._pending == 0

    def shutdown(self) -> None:
        self.closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)


class Op:
    def __init__(self, parent: QObject | None, fn: Callable[..., Any], *, write: bool = False,
                 raw: bool = False, runner: Runner | None = None) -> None:
        """``raw=True``: ``fn(database)`` manages its own transactions (import, demo, export)."""
        self.parent = parent
        self.fn = fn
        self.write = write
        self.raw = raw
        self._runner = runner
        self._on_success: Callable[[Any], None] | None = None
        self._on_failure: Callable[[BaseException], None] | None = None
        self._on_progress: Callable[[int, int, str], None] | None = None
        self.progress: Progress | None = None

    def _alive(self) -> bool:
        """Whether the parent (the page that asked) still exists: a result for a closed page is
        dropped. Asked of Qt when the result arrives, instead of a connection to the parent's
        ``destroyed`` per op (those piled up on a long-lived page, and PySide could call one on
        another object that came to live at a dead op's address)."""
        return self.parent is None or shiboken6.isValid(self.parent)

    def success(self, cb: Callable[[Any], None]) -> Op:
        self._on_success = cb
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> Op:
        self._on_failure = cb
        return self

    def with_progress(self, cb: Callable[[int, int, str], None]) -> Op:
        self._on_progress = cb
        return self

    def run(self) -> Op:
        runner = self._runner or _runner_of(self.parent) or current_runner()
        self._runner = runner
        self.progress = Progress(runner._bridge, self)
        runner.submit(self)
        return self

    def cancel(self) -> None:
        if self.progress is not None:
            self.progress.cancel()

    def _call(self, database: Any) -> Any:
        wants_progress = "progress" in inspect.signature(self.fn).parameters
        kwargs = {"progress": self.progress} if wants_progress else {}
        if self.raw:
            return self.fn(database, **kwargs)
        if self.write:
            with database.Session.begin() as session:
                return self.fn(session, **kwargs)
        with database.Session() as session:
            return self.fn(session, **kwargs)

    def _deliver(self, result: Any, error: BaseException | None) -> None:
        runner = self._runner
        assert runner is not None
        runner._delivered()
        if runner.idle:
            runner.signals.busy.emit(False)
        if error is None:
            changes = result[0] if isinstance(result, tuple) and result and isinstance(result[0], Changes) \
                else result
            # the caller's callback first (it may choose what to select), then everyone else
            if self._on_success is not None and self._alive():
                self._on_success(result)
            if (self.write or self.raw) and isinstance(changes, Changes):
                runner.signals.changed.emit(changes)
            return
        if self._on_failure is not None and self._alive():
            self._on_failure(error)
        else:
            runner.signals.error.emit(error)


_current: Runner | None = None


def _runner_of(parent: QObject | None) -> Runner | None:
    """The runner of the window this widget lives in (each main window has its own database)."""
    window = parent.window() if parent is not None and hasattr(parent, "window") else None
    runner = getattr(window, "runner", None)
    return runner if isinstance(runner, Runner) else None


def set_runner(runner: Runner | None) -> None:
    global _current
    _current = runner


def current_runner() -> Runner:
    if _current is None:
        raise RuntimeError("no database runner")
    return _current
