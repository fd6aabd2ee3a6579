"""文件 → 打开其他数据库: the window asks, the application closes this database and opens the other."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.gui_support import app_window, seed_small_community

pytestmark = pytest.mark.gui


def test_open_other_database_replaces_the_window(qtbot: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from PySide6.QtWidgets import QFileDialog

    import commdesk.ui.dialogs.login as login_dialogs
    from commdesk.models.db import open_database
    from commdesk.services.accounts import LoggedIn
    from commdesk.ui import app as app_mod

    first, other = tmp_path / "甲社区.sqlite3", tmp_path / "乙社区.sqlite3"
    for path in (first, other):
        database = open_database(path)
        seed_small_community(database)
        database.close()
    with app_window(first, monkeypatch) as window:
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(other), ""))
        # the other database asks for a login (a modal dialog: answered here as its user would)
        asked: list[str] = []
        monkeypatch.setattr(login_dialogs, "ask_login",
                            lambda database, parent=None: asked.append(database.path.name)
                            or LoggedIn("wang", "admin", False))
        window.open_other()
        new = app_mod._state["window"]
        assert new is not window
        assert Path(new.database.path) == other
        assert "乙社区" in new.windowTitle()
        assert not window.isVisible()
        assert asked == ["乙社区.sqlite3"]
