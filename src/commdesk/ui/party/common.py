"""Shared pieces of the Party pages: the rows table (from ``ui/rows_table``), actions, small widgets."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QTableView, QWidget

from commdesk.i18n import _
from commdesk.ui.rows_table import Col, RowsModel, display, make_table  # noqa: F401  (the Party pages' table)
from commdesk.ui.runner import Op

log = logging.getLogger("commdesk.ui.party")


def selected_row(view: QTableView) -> Any:
    index = view.currentIndex()
    model = view.model()
    if not index.isValid() or not isinstance(model, RowsModel):
        return None
    return model.row_at(index.row())


def action(widget: QWidget, text: str, slot: Callable[[], Any], shortcut: Any = None) -> QAction:
    """A page action whose shortcut works while the page (or one of its children) has focus."""
    act = QAction(_(text), widget)
    if shortcut is not None:
        act.setShortcut(QKeySequence(shortcut))
        act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        act.setToolTip(f"{_(text)}（{QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)}）")
    act.triggered.connect(lambda _c=False: slot())
    widget.addAction(act)
    return act


def show_failure(parent: QWidget, error: BaseException) -> None:
    from commdesk.errors import UserError
    from PySide6.QtWidgets import QMessageBox

    if isinstance(error, UserError):
        QMessageBox.warning(parent, _("提示"), error.message)
        return
    from commdesk.ui.errors import show_error

    show_error(parent, error)


class PageOp(Op):
    """An ``Op`` for page refreshes that may be chained from another op's callback: when the
    window is closing (its runner is gone or shut down) there is nothing left to refresh."""

    def run(self) -> PageOp:
        try:
            super().run()
        except RuntimeError as exc:   # "no database runner" / "cannot schedule new futures after shutdown"
            log.debug("page refresh skipped: %s", exc)
        return self
