"""The crash dialog for the GUI: an exception nothing caught is written to a crash log (without
personal data) and shown in Chinese with the log's path; the program then keeps running. (An
operation that fails on the database thread is shown by ``ui.errors.show_error`` instead.)

``install_crash_handler()`` (called once by ``ui.app.run_gui``) replaces ``sys.excepthook``.
The log holds the exception's type and the traceback's frames (file, line, function, the source
line) — never the exception's message or any variable, which may hold a resident's name, ID
number or phone; what remains is passed through ``logsetup.redact`` as well.
"""
from __future__ import annotations

import logging
import sys
import traceback
from datetime import datetime
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from commdesk import __version__
from commdesk.i18n import _
from commdesk.logsetup import redact

log = logging.getLogger("commdesk.crash")
_installed: dict[str, object] = {}


def write_crash_log(exc_type: type[BaseException], tb: TracebackType | None) -> Path:
    from commdesk.paths import logs_dir

    path = logs_dir() / f"crash-{datetime.now():%Y%m%d-%H%M%S-%f}.log"
    frames = "".join(traceback.format_list(traceback.extract_tb(tb)))
    text = (f"commdesk {__version__} on {sys.platform}, Python {sys.version.split()[0]}\n"
            f"{datetime.now().isoformat(timespec='seconds')}\n"
            f"{exc_type.__module__}.{exc_type.__qualname__} (message left out: it may hold personal data)\n"
            f"Traceback (most recent call last):\n{frames}")
    path.write_text(redact(text), encoding="utf-8")
    return path


def crash_dialog(path: Path) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Critical, _("程序出错"), _(
        "社区工作台遇到了一个意外错误，刚才的操作可能没有完成（已保存的数据不受影响）。\n\n"
        "错误记录已保存到：\n{path}\n\n记录里没有居民的姓名、身份证号或电话。"
        "请把这个文件交给维护人员。建议保存工作后重新启动程序。").format(path=path))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return box


def _hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    from commdesk.ui.errors import SHOWN_BUGS

    SHOWN_BUGS.append(exc)      # as for a failed operation (ui.errors): the test suite fails on it
    try:
        path = write_crash_log(exc_type, tb)
        log.error("uncaught %s, crash log %s", exc_type.__name__, path.name)
    except OSError:  # the log folder itself failed: say so without a path
        path = Path(_("（无法写入日志文件夹）"))
    if QApplication.instance() is not None:
        crash_dialog(path).exec()


def install_crash_handler() -> None:
    if "previous" not in _installed:
        _installed["previous"] = sys.excepthook
        sys.excepthook = _hook
