"""The grid filter the list pages share: "全部网格" then the community's grids."""
from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QComboBox, QWidget

from commdesk.i18n import _


class GridCombo(QComboBox):
    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.addItem(_("全部网格"), None)

    def set_grids(self, grids: Iterable[tuple[int, str]]) -> None:
        """Replace the grids (id, name), keeping the chosen one, without emitting a change."""
        current = self.currentData()
        self.blockSignals(True)
        self.clear()
        self.addItem(_("全部网格"), None)
        for gid, name in grids:
            self.addItem(name, gid)
        self.setCurrentIndex(max(0, self.findData(current)))
        self.blockSignals(False)
