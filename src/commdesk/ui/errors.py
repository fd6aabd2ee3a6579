"""The one place errors reach the user: a calm message for UserError, a crash dialog for bugs."""
from __future__ import annotations

import logging
import traceback

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from commdesk.errors import UserError, classify_db_error
from commdesk.i18n import _

log = logging.getLogger("commdesk.ui")
#: Bugs shown by the crash dialog in this process (the test suite fails a test that shows one).
SHOWN_BUGS: list[BaseException] = []


def show_error(parent: QWidget | None, error: BaseException) -> None:
    user = error if isinstance(error, UserError) else classify_db_error(error)
    if user is not None:
        box = QMessageBox(QMessageBox.Icon.Warning, _("提示"), str(user), QMessageBox.StandardButton.Ok, parent)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # window-modal, without blocking the caller
        return
    SHOWN_BUGS.append(error)
    log.error("unexpected error: %s", "".join(traceback.format_exception(error)))
    from commdesk.paths import logs_dir

    box = QMessageBox(QMessageBox.Icon.Critical, _("程序出错"),
                      _("操作没有完成，数据没有改动。\n错误已记录在日志中：{path}\n请把日志文件交给维护人员。")
                      .format(path=logs_dir() / "commdesk.log"), QMessageBox.StandardButton.Ok, parent)
    from commdesk.logsetup import redact

    box.setDetailedText(redact(f"{type(error).__name__}: {error}"))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
