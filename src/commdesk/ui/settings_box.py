"""The base of the settings page's boxes about this PC and its database (数据文件夹, 数据库, 备份):
the database is the window's unless one was given (tests, a dialog), and what the box shows is
read again each time it is shown."""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QGroupBox, QWidget


class SystemBox(QGroupBox):
    def __init__(self, title: str, database: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self._database = database

    def database(self) -> Any:
        return self._database if self._database is not None else getattr(self.window(), "database", None)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        self.refresh()
        super().showEvent(event)

    def refresh(self) -> None:
        """Show the current state (each box its own)."""
        raise NotImplementedError
