"""文件 → 备份数据库 and 设置 → 备份, driven with qtbot in the real window over a real SQLite file:
the backup to a folder (a USB stick) is encrypted with the password typed twice and opens with it
to the same rows; a short or mistyped password, or a folder that cannot be made, is one sentence in
the dialog; an administrator keeps the password for the automatic backups (then the next backup
needs nothing typed and the daily copy is encrypted); a read-only account is refused; the settings
box says whether automatic backups are encrypted and lets only an administrator set the password."""
from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from commdesk.cli import main
from commdesk.services.accounts import LoggedIn
from tests.gui_support import app_window, settings_box

pytestmark = [pytest.mark.gui, pytest.mark.sqlite_only(reason="backups of SQLite files")]
PASSWORD = "Beifen-2026-12"
ADMIN = LoggedIn("wang", "admin", False)
STAFF = LoggedIn("li", "staff", False)
VIEWER = LoggedIn("zhao", "readonly", False)


def _rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id, name, id_number, phone FROM resident ORDER BY id").fetchall()


@pytest.fixture
def window(qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The real main window over a demo database (no login asked), closed after."""
    db = tmp_path / "office.sqlite3"
    assert main(["demo", "--db", str(db), "--households", "6"]) == 0
    with app_window(db, monkeypatch) as shown:
        yield shown


def _back_up(qtbot: Any, dialog: Any) -> str:
    """Click 开始备份 and wait until the dialog has answered."""
    before = dialog.target
    qtbot.mouseClick(dialog.backup_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30000)
    assert dialog.target is before or dialog.target is not None
    return dialog.message.text()


def test_backup_to_a_stick_is_encrypted_and_opens_with_the_password(qtbot: Any, window: Any, tmp_path: Path) -> None:
    from commdesk.models.backup_crypt import decrypt_file, is_encrypted_backup
    from commdesk.ui.session import set_account

    set_account(STAFF)
    stick = tmp_path / "U盘" / "备份"
    dialog = window.backup_now()
    assert dialog is not None and dialog.isVisible()
    assert not dialog.use_kept.isVisible()              # no kept password yet: it is typed
    assert not dialog.remember.isVisible()              # only an administrator keeps it
    dialog.folder.setText(str(stick))
    dialog.password.setText("short")
    dialog.again.setText("short")
    assert "至少 8 个字符" in _back_up(qtbot, dialog)
    dialog.password.setText(PASSWORD)
    dialog.again.setText(PASSWORD + "x")
    assert "不一致" in _back_up(qtbot, dialog)
    assert not stick.exists()                           # nothing written for a refused password
    dialog.again.setText(PASSWORD)
    text = _back_up(qtbot, dialog)
    target = Path(dialog.target)
    assert target.parent == stick and target.suffix == ".cdbak" and is_encrypted_backup(target)
    assert "已加密备份到" in text and str(target) in text and "已逐块核对" in text
    assert dialog.password.text() == "" and dialog.again.text() == ""
    assert PASSWORD.encode() not in target.read_bytes()
    plain = tmp_path / "opened.sqlite3"
    decrypt_file(target, plain, PASSWORD)
    assert _rows(plain) == _rows(window.database.path)
    with sqlite3.connect(window.database.path) as conn:
        action, user, summary = conn.execute("SELECT action, user, summary FROM audit_log ORDER BY id DESC LIMIT 1") \
            .fetchone()
    assert (action, user) == ("backup", "li") and target.name in summary


def test_a_folder_that_cannot_be_made_is_one_sentence(qtbot: Any, window: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "不是文件夹"
    blocker.write_text("x", encoding="utf-8")
    dialog = window.backup_now()
    dialog.folder.setText(str(blocker / "备份"))
    dialog.password.setText(PASSWORD)
    dialog.again.setText(PASSWORD)
    text = _back_up(qtbot, dialog)
    assert "无法使用备份文件夹" in text and "Traceback" not in text
    assert dialog.target is None and dialog.backup_button.isEnabled()


def test_an_administrator_keeps_the_password_for_automatic_backups(qtbot: Any, window: Any, tmp_path: Path) -> None:
    from commdesk.models.backup_crypt import is_encrypted_backup, key_matches
    from commdesk.models.backup_key import kept_key
    from commdesk.models.backup_rotation import daily_backup
    from commdesk.ui.session import set_account

    set_account(ADMIN)
    dialog = window.backup_now()
    assert dialog.remember.isVisible()
    dialog.folder.setText(str(tmp_path / "stick"))
    dialog.password.setText(PASSWORD)
    dialog.again.setText(PASSWORD)
    dialog.remember.setChecked(True)
    _back_up(qtbot, dialog)
    first = Path(dialog.target)
    key = kept_key(window.database)
    assert key is not None and key_matches(first, key)
    dialog.close()
    # the next backup uses the kept password: nothing to type
    again = window.backup_now()
    assert again.use_kept.isVisible() and again.use_kept.isChecked() and not again.password.isEnabled()
    again.folder.setText(str(tmp_path / "stick2"))
    _back_up(qtbot, again)
    assert key_matches(Path(again.target), key)
    made = daily_backup(window.database, tmp_path / "auto", today=date.today())
    assert made is not None and made.suffix == ".cdbak" and is_encrypted_backup(made) and key_matches(made, key)
    with sqlite3.connect(window.database.path) as conn:
        kinds = [r[0] for r in conn.execute("SELECT action FROM audit_log WHERE action IN ('backup', 'backup_key')")]
        stored = conn.execute("SELECT changes, summary FROM audit_log WHERE action = 'backup_key'").fetchone()
    assert kinds.count("backup_key") == 1 and kinds.count("backup") >= 3
    assert key.key.hex() not in "".join(stored) and PASSWORD not in "".join(stored)


def test_a_read_only_account_may_not_back_up(window: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from commdesk.ui.session import set_account

    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a: said.append(text))
    set_account(VIEWER)
    assert window.backup_now() is None
    assert said and "只读账号不能备份" in said[0]


def test_the_settings_box_sets_the_backup_password(qtbot: Any, window: Any, tmp_path: Path) -> None:
    from commdesk.models.backup_key import kept_key
    from commdesk.ui.session import set_account

    set_account(STAFF)
    box = settings_box(qtbot, window, "backup_box")
    assert "未加密" in box.state.text() and not box.set_button.isEnabled() and box.now_button.isEnabled()
    set_account(ADMIN)
    box.refresh()
    assert box.set_button.isEnabled() and box.set_button.text() == "设置备份密码…"
    dialog = box.ask_password()
    dialog.password.setText(PASSWORD)
    dialog.again.setText("another-one")
    qtbot.mouseClick(dialog.findChild(type(box.set_button), "keepPasswordOk"), Qt.MouseButton.LeftButton)
    assert "不一致" in dialog.message.text() and dialog.isVisible() and kept_key(window.database) is None
    dialog.again.setText(PASSWORD)
    qtbot.mouseClick(dialog.findChild(type(box.set_button), "keepPasswordOk"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: kept_key(window.database) is not None, timeout=30000)
    qtbot.waitUntil(lambda: "已加密" in box.state.text(), timeout=10000)
    assert "wang" in box.state.text() and box.set_button.text() == "更改备份密码…"
    assert "还没有备份" in box.newest.text()
    from commdesk.models.backup import backup_database

    made = backup_database(window.database, "before-import")
    box.refresh()
    assert made.name in box.newest.text() and "（加密）" in box.newest.text()
