"""设置 → 数据文件夹 (ui/settings_data_folder.py): the data folder, the database, backups and logs
shown with 打开文件夹 and 复制路径, the free space, the folder's fault; in the real settings page."""
from __future__ import annotations

import shutil
from collections import namedtuple
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.gui
Usage = namedtuple("Usage", "total used free")


@pytest.fixture()
def opened(tmp_path: Path) -> Any:
    from commdesk.models.db import open_database

    folder = tmp_path / "社区 台账"
    folder.mkdir()
    database = open_database(folder / "幸福里.sqlite3")
    yield database
    database.close()


def _box(qtbot: Any, database: Any) -> Any:
    from commdesk.ui.app import make_app
    from commdesk.ui.settings_data_folder import DataFolderBox

    make_app()
    box = DataFolderBox(database)
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    return box


def test_every_place_is_shown_with_its_buttons(qtbot: Any, opened: Any, commdesk_home: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QApplication

    box = _box(qtbot, opened)
    assert box.values["home"].text() == str(commdesk_home)
    assert box.values["database"].text() == str(opened.path)
    assert box.values["backups"].text() == str(commdesk_home / "backups")
    assert box.values["logs"].text() == str(commdesk_home / "logs")
    free = box.free.text()
    assert str(opened.path.parent) in free and str(commdesk_home) in free and "还剩" in free
    assert box.fault.isHidden()
    opened_urls: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened_urls.append(url.toLocalFile()) or True)
    qtbot.mouseClick(box.open_buttons["database"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(box.open_buttons["backups"], Qt.MouseButton.LeftButton)
    assert [Path(u) for u in opened_urls] == [opened.path.parent, commdesk_home / "backups"]
    qtbot.mouseClick(box.copy_buttons["database"], Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == str(opened.path)
    qtbot.mouseClick(box.copy_buttons["logs"], Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == str(commdesk_home / "logs")


def test_a_folder_the_file_manager_cannot_open_says_so(qtbot: Any, opened: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtGui import QDesktopServices

    box = _box(qtbot, opened)
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)
    assert not box.open_folder("home")
    assert not box.fault.isHidden() and "无法打开文件夹" in box.fault.text()


def test_a_server_database_shows_its_address_without_the_password(qtbot: Any) -> None:
    from types import SimpleNamespace

    from PySide6.QtWidgets import QApplication

    server = SimpleNamespace(path=None, url="postgresql+psycopg://commdesk:S3cret!pw@192.168.1.20:5432/commdesk",
                             readonly=False)
    box = _box(qtbot, server)
    text = box.values["database"].text()
    assert "S3cret" not in text and "192.168.1.20" in text and "commdesk@" in text
    assert box.open_buttons["database"].isHidden() and box.copy_buttons["database"].isEnabled()
    box.copy_path("database")
    assert "S3cret" not in QApplication.clipboard().text()


def test_a_nearly_full_disk_is_shown_as_the_start_says_it(qtbot: Any, opened: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    real = shutil.disk_usage
    folder = str(opened.path.parent)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: Usage(2**34, 2**34 - 2**24, 2**24)
                        if str(p) == folder else real(p))
    box = _box(qtbot, opened)
    assert not box.fault.isHidden() and folder in box.fault.text() and "磁盘快满" in box.fault.text()
    assert "16.0 MB" in box.free.text()


def test_the_settings_page_shows_the_box_below_the_business_settings(qtbot: Any, db: Any) -> None:
    from PySide6.QtWidgets import QGroupBox

    from commdesk.ui.settings_data_folder import DataFolderBox
    from tests.test_gui_settings import _close_window, _open_window, settings_page

    w = _open_window(qtbot, db)
    try:
        page = settings_page(qtbot, w)
        box = page.findChild(DataFolderBox)
        assert box is not None and box.isVisible() and box.isEnabled()
        shown = box.values["database"].text()
        assert shown == (str(db.path) if db.path is not None else box.places["database"])
        groups = [g for g in page.findChildren(QGroupBox) if g.objectName().startswith("settingsGroup_")]
        top = box.mapTo(page, box.rect().topLeft()).y()
        assert groups and all(g.mapTo(page, g.rect().bottomLeft()).y() <= top for g in groups)
    finally:
        _close_window(qtbot, w)
