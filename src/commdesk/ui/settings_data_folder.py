"""设置 → 数据文件夹: where this PC keeps commdesk's data, for the person who must find, back up or
move it (the installer's uninstaller leaves it; README's "Install on Windows").

One row per place: the user data folder, the database file (a server database: its address
without the password), the backups and the logs folders, each with 打开文件夹 (the system's file
manager, ``QDesktopServices.openUrl``) and 复制路径; then the free space on the disk that holds
the data, and the data folder's fault when it has one (``models.data_folder``: read-only, network
share, nearly full — the same check as the start). The figures are read again each time the box
is shown.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QGridLayout, QLabel, QPushButton, QWidget

from commdesk.i18n import _
from commdesk.ui.settings_box import SystemBox

log = logging.getLogger("commdesk.ui")
WARN_STYLE = "color: #b3261e;"
NOTE_STYLE = "color: #555555;"


def server_address(url: str) -> str:
    """A server database's address for the screen: the password left out."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url)._replace(password=None).render_as_string(hide_password=False)
    except Exception:  # noqa: BLE001 - an address that does not parse is shown up to its host part
        return url.split("@")[-1]


def _folder(make: Any, fallback: Path) -> Path:
    try:
        return Path(make())
    except OSError:             # a folder that cannot be created (the start said why)
        return fallback


class DataFolderBox(SystemBox):
    """The data folder, the database, backups and logs, with their buttons, and the free space."""

    ROWS = (("home", "数据文件夹"), ("database", "数据库文件"), ("backups", "备份文件夹"), ("logs", "日志文件夹"))

    def __init__(self, database: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(_("数据文件夹"), database, parent)
        self.setObjectName("dataFolderBox")
        self.places: dict[str, Path | str] = {}
        self.values: dict[str, QLabel] = {}
        self.open_buttons: dict[str, QPushButton] = {}
        self.copy_buttons: dict[str, QPushButton] = {}
        grid = QGridLayout(self)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        for r, (key, label) in enumerate(self.ROWS):
            name = QLabel(_(label) + "：")
            value = QLabel("")
            value.setObjectName(f"dataFolder_{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            value.setMinimumWidth(120)
            open_button = QPushButton(_("打开文件夹"))
            open_button.setObjectName(f"dataFolderOpen_{key}")
            open_button.clicked.connect(lambda _c=False, k=key: self.open_folder(k))
            copy_button = QPushButton(_("复制路径"))
            copy_button.setObjectName(f"dataFolderCopy_{key}")
            copy_button.clicked.connect(lambda _c=False, k=key: self.copy_path(k))
            grid.addWidget(name, r, 0)
            grid.addWidget(value, r, 1)
            grid.addWidget(open_button, r, 2)
            grid.addWidget(copy_button, r, 3)
            self.values[key], self.open_buttons[key], self.copy_buttons[key] = value, open_button, copy_button
        r = len(self.ROWS)
        grid.addWidget(QLabel(_("可用空间：")), r, 0)
        self.free = QLabel("")
        self.free.setObjectName("dataFolder_free")
        self.free.setWordWrap(True)
        grid.addWidget(self.free, r, 1, 1, 3)
        self.fault = QLabel("")
        self.fault.setObjectName("dataFolderFault")
        self.fault.setWordWrap(True)
        self.fault.setStyleSheet(WARN_STYLE)
        self.fault.setVisible(False)
        grid.addWidget(self.fault, r + 1, 0, 1, 4)
        note = QLabel(_("卸载程序不会删除这些文件夹。换电脑时请用“文件 → 备份数据库”，在新电脑上用“文件 → 从备份恢复…”。"))
        note.setObjectName("dataFolderNote")
        note.setWordWrap(True)
        note.setStyleSheet(NOTE_STYLE)
        grid.addWidget(note, r + 2, 0, 1, 4)
        grid.setRowStretch(r + 3, 1)    # the rows stay together when the row of boxes is taller

    # --- what is shown ------------------------------------------------------------------------
    def refresh(self) -> None:
        from commdesk import paths
        from commdesk.models.data_folder import check_data_folders, data_folders, free_bytes, size_text

        home = paths.home_location()
        database = self.database()
        db_path = getattr(database, "path", None)
        url = getattr(database, "url", None)
        self.places = {"home": home,
                       "database": Path(db_path) if db_path is not None else server_address(url or ""),
                       "backups": _folder(paths.backups_dir, home / "backups"),
                       "logs": _folder(paths.logs_dir, home / "logs")}
        for key, place in self.places.items():
            is_path = isinstance(place, Path)
            self.values[key].setText(str(place) if is_path or place else _("（未打开数据库）"))
            self.open_buttons[key].setEnabled(is_path and self._folder_of(key).is_dir())
            self.open_buttons[key].setVisible(is_path)
            self.copy_buttons[key].setEnabled(bool(place))
        db = db_path if db_path is not None else url
        lines = []
        for folder, needed in data_folders(db):
            try:
                usage = free_bytes(folder if folder.exists() else folder.parent)
            except OSError:
                continue
            lines.append(_("{folder} 所在磁盘还剩 {free}（至少应留 {needed}）").format(
                folder=folder, free=size_text(usage), needed=size_text(needed)))
        self.free.setText("\n".join(lines))
        fault = check_data_folders(db)
        self.fault.setText(str(fault) if fault is not None else "")
        self.fault.setVisible(fault is not None)

    def _folder_of(self, key: str) -> Path:
        place = self.places[key]
        assert isinstance(place, Path)
        return place.parent if key == "database" else place

    # --- the buttons --------------------------------------------------------------------------
    def open_folder(self, key: str) -> bool:
        """The folder (the database file's own folder for the database) in the file manager."""
        folder = self._folder_of(key)
        done = QDesktopServices.openUrl(QUrl.fromLocalFile(os.fspath(folder)))
        if not done:
            log.warning("could not open folder %s in the file manager", folder)
            self.fault.setText(_("无法打开文件夹“{folder}”：请复制路径后在资源管理器中打开。").format(folder=folder))
            self.fault.setVisible(True)
        return bool(done)

    def copy_path(self, key: str) -> str:
        text = str(self.places[key])
        QApplication.clipboard().setText(text)
        return text
