"""设置 → 数据库加密 and the backup-password prompt, driven with qtbot in the real window over a real
SQLite file, the real SQLCipher driver and the in-memory keyring: the box says whether the file is
encrypted and whether the driver is installed; only an administrator with a kept backup password
can encrypt; 加密数据库… closes the database, encrypts it and reopens it (the same rows, encrypted
on disk), 取消加密… the other way; a PC that lost the key asks for the backup password in a dialog."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlcipher3")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from commdesk.cli import main  # noqa: E402
from commdesk.models import db_cipher  # noqa: E402
from commdesk.services.accounts import LoggedIn  # noqa: E402
from tests.gui_support import app_window, settings_box  # noqa: E402

pytestmark = [pytest.mark.gui, pytest.mark.sqlite_only(reason="encryption of the SQLite file")]
PASSWORD = "Beifen-2026-12"
ADMIN = LoggedIn("wang", "admin", False)
STAFF = LoggedIn("li", "staff", False)


@pytest.fixture
def window(qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ring: object) -> Iterator[Any]:
    """The real main window over a demo database (no login asked, message boxes answered), closed after."""
    db_cipher._known.clear()
    old_prompt = db_cipher.set_key_prompt(None)
    db = tmp_path / "office.sqlite3"
    assert main(["demo", "--db", str(db), "--households", "6"]) == 0
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a, **k: told.append(text))
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: told.append(text))
    with app_window(db, monkeypatch) as shown:
        shown.told = told
        yield shown
    db_cipher._known.clear()
    db_cipher.set_key_prompt(old_prompt)


def _names(db: Path) -> list[str]:
    from commdesk.models.db import open_database

    with open_database(db, readonly=True) as database, database.engine.connect() as conn:
        return [r[0] for r in conn.exec_driver_sql("SELECT name FROM resident ORDER BY id")]


def test_the_box_says_what_is_what_and_only_an_administrator_with_a_backup_password_may(
        qtbot: Any, window: Any) -> None:
    from commdesk.models.backup_key import keep_backup_password
    from commdesk.ui.session import set_account

    set_account(STAFF)
    box = settings_box(qtbot, window, "cipher_box")
    assert "未加密" in box.state.text()
    assert "已安装" in box.driver.text() and "SQLCipher" in box.driver.text()
    assert "凭据管理器" in box.findChild(type(box.state), "cipherTradeOff").text()
    assert box.encrypt_button.isVisible() and not box.encrypt_button.isEnabled()
    assert "只有管理员" in box.encrypt_button.toolTip()
    set_account(ADMIN)
    box.refresh()
    assert not box.encrypt_button.isEnabled() and "先在“备份”里设置备份密码" in box.message.text()
    keep_backup_password(window.database, PASSWORD)
    box.refresh()
    assert box.encrypt_button.isEnabled() and not box.message.isVisible()


def test_the_box_without_the_driver(qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from commdesk.models.backup_key import keep_backup_password
    from commdesk.ui.session import set_account

    set_account(ADMIN)
    keep_backup_password(window.database, PASSWORD)
    monkeypatch.setattr(db_cipher, "_driver", None)
    monkeypatch.setitem(sys.modules, "sqlcipher3", None)           # not installed on this PC
    box = settings_box(qtbot, window, "cipher_box")
    assert "本机没有安装 SQLCipher（sqlcipher3），无法加密数据库" in box.driver.text()
    assert not box.encrypt_button.isEnabled()


def test_encrypt_and_decrypt_from_the_settings_page(qtbot: Any, window: Any) -> None:
    from commdesk.models.backup_key import keep_backup_password
    from commdesk.ui import app as app_mod
    from commdesk.ui.session import set_account

    set_account(ADMIN)
    db = Path(window.database.path)
    names = _names(db)
    keep_backup_password(window.database, PASSWORD)
    box = settings_box(qtbot, window, "cipher_box")
    assert box.ask(True)                                           # confirmed: closed, encrypted, reopened
    reopened = app_mod._state["window"]
    assert reopened is not window and reopened.database.encrypted
    assert db_cipher.is_encrypted_file(db) and db_cipher.sidecar_path(db).exists()
    assert "数据库已加密" in window.told[-1]
    with pytest.raises(sqlite3.DatabaseError):
        with sqlite3.connect(db) as conn:
            conn.execute("SELECT count(*) FROM resident").fetchone()
    assert _names(db) == names
    box = settings_box(qtbot, reopened, "cipher_box")
    assert "已加密" in box.state.text() and box.decrypt_button.isVisible() and box.decrypt_button.isEnabled()
    assert not box.encrypt_button.isVisible()
    assert box.ask(False)
    again = app_mod._state["window"]
    assert again is not reopened and not again.database.encrypted
    assert not db_cipher.is_encrypted_file(db) and not db_cipher.sidecar_path(db).exists()
    assert "已取消数据库加密" in window.told[-1]
    assert _names(db) == names


def test_a_failed_conversion_says_why_and_reopens_the_file_as_it_was(qtbot: Any, window: Any) -> None:
    from commdesk.ui import app as app_mod
    from commdesk.ui.session import set_account

    set_account(ADMIN)
    db = Path(window.database.path)
    app_mod.convert_and_reopen(window, True)                       # no backup password kept: refused
    assert "必须先设置备份密码" in window.told[-1]
    reopened = app_mod._state["window"]
    assert reopened is not window and not reopened.database.encrypted
    assert not db_cipher.is_encrypted_file(db)


def test_a_lost_key_asks_for_the_backup_password_in_a_dialog(qtbot: Any, window: Any, ring: object) -> None:
    from commdesk.models import cipher_switch
    from commdesk.models.backup_key import keep_backup_password
    from commdesk.models.db import open_database
    from commdesk.ui import app as app_mod
    from commdesk.ui.dialogs.database_key import DatabaseKeyDialog, install_key_prompt

    db = Path(window.database.path)
    keep_backup_password(window.database, PASSWORD)
    app_mod._close_window(app_mod._state.pop("window"))
    cipher_switch.encrypt(db)
    ring.store.clear()  # type: ignore[attr-defined]
    db_cipher._known.clear()
    install_key_prompt()
    seen: list[str] = []

    answers = ["Falsch-2026-12", PASSWORD]

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, DatabaseKeyDialog):
            QTimer.singleShot(20, answer)
            return
        seen.append(dialog.error.text())
        dialog.password.setText(answers.pop(0))
        if answers:
            QTimer.singleShot(0, answer)           # runs in the next dialog's event loop
        dialog.ok.click()

    QTimer.singleShot(0, answer)
    with open_database(db) as database:
        assert database.encrypted
    assert seen == ["", "备份密码不对，打不开数据库的钥匙文件"]
    assert db_cipher.keyring_key(db) is not None
