"""设置 → 数据库 and the window's server password dialog, driven with qtbot against the real test
server: what is in use (never a password), 测试连接 on the database thread (ok with the server's and
the schema's versions, a refused password, sslmode=require without TLS), 保存为启动数据库 (the
connection file without the password, the password in the keyring when ticked, the next start on
the server), 改回本机文件, administrators only; the start asking for the password in a dialog."""
from __future__ import annotations

import json
import types

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit

from commdesk.models import connection
from commdesk.models.connection import PasswordRequest, ServerAddress
from commdesk.models.db import open_database, resolve_url
from tests.memory_keyring import MemoryKeyring
from tests.pg_office import SECRET, Office

pytestmark = pytest.mark.gui


@pytest.fixture
def runner_for(qtbot):  # noqa: ANN001
    """The app's database runner over a database (as the window has), shut down after."""
    from commdesk.ui.runner import Runner, set_runner

    made = []

    def make(database: object) -> Runner:
        runner = Runner(database)
        set_runner(runner)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.shutdown()
    set_runner(None)


def _texts(widget: object) -> str:
    """Every label's and line edit's text in the widget (what is on screen)."""
    parts = [w.text() for w in widget.findChildren(QLabel)]  # type: ignore[attr-defined]
    parts += [w.text() for w in widget.findChildren(QLineEdit)]  # type: ignore[attr-defined]
    return "\n".join(parts)


def _box(qtbot, database: object):  # noqa: ANN001, ANN202
    from commdesk.ui.settings_database import DatabaseBox

    box = DatabaseBox(database)
    qtbot.addWidget(box)
    box.show()
    return box


def _fill(box, office: Office, password: str = "", sslmode: str = "disable") -> None:  # noqa: ANN001
    box.host.setText("127.0.0.1")
    box.port.setValue(office.server.port)  # type: ignore[attr-defined]
    box.name.setText(office.db)
    box.user.setText(office.role)
    box.sslmode.setCurrentIndex(box.sslmode.findData(sslmode))
    box.password.setText(password)


def _test(qtbot, box) -> str:  # noqa: ANN001
    with qtbot.waitSignal(box.tested, timeout=20000):
        box.test_button.click()
    return box.result.text()


def test_the_box_shows_the_sqlite_file_in_use(qtbot, db_path) -> None:  # noqa: ANN001
    with open_database(db_path) as database:
        box = _box(qtbot, database)
        assert str(db_path) in box.in_use.text() and "本机数据库文件" in box.in_use.text()
        assert "本机数据库文件（默认）" in box.at_start.text()
        assert not box.local_button.isEnabled() and box.test_button.isEnabled()
        assert box.admin_note.isHidden()


def test_on_a_server_the_address_is_shown_never_the_password(qtbot, office: Office, ring: MemoryKeyring) -> None:
    ring.set_password("commdesk", office.address.key, SECRET)
    with open_database(office.url()) as database:
        box = _box(qtbot, database)
        shown = box.in_use.text()
        assert "数据库服务器" in shown and "127.0.0.1" in shown and str(office.server.port) in shown  # type: ignore[attr-defined]
        assert office.db in shown and office.role in shown
        assert (box.host.text(), box.port.value(), box.name.text(), box.user.text()) == (
            "127.0.0.1", office.server.port, office.db, office.role)  # type: ignore[attr-defined]
        assert box.password.text() == "" and SECRET not in _texts(box)
    with open_database(office.url(SECRET)) as database:      # even when the URL had it
        box = _box(qtbot, database)
        assert SECRET not in _texts(box)


def test_connection_test_on_the_runner_against_the_real_server(qtbot, office: Office, ring: MemoryKeyring,
                                                               db_path, runner_for) -> None:  # noqa: ANN001
    with open_database(db_path) as here:
        runner_for(here)
        box = _box(qtbot, here)
        box.password.setText("")
        _fill(box, office)
        assert "请输入密码" in _test(qtbot, box)                  # nothing typed, nothing stored
        _fill(box, office, "wrong")
        assert "连接失败" in (text := _test(qtbot, box)) and "用户名或密码不对" in text
        _fill(box, office, SECRET, sslmode="require")           # the test server has no TLS
        assert "sslmode" in (text := _test(qtbot, box)) and "加密连接" in text
        _fill(box, office, SECRET)
        text = _test(qtbot, box)
        assert "连接成功：PostgreSQL 15" in text and "空数据库" in text
        assert box.result.styleSheet() == "color: #1b6e20;"
        with open_database(office.url(SECRET)):                  # the first start makes the schema
            pass
        from commdesk.models.migrate import HEAD

        assert f"数据库结构版本 {HEAD}，与本程序一致" in _test(qtbot, box)
        assert SECRET not in box.result.text()
        assert box.test_button.isEnabled()                       # enabled again after the answer


def test_saved_as_the_start_database_the_next_start_opens_the_server(qtbot, office: Office, ring: MemoryKeyring,
                                                                    db_path, commdesk_home) -> None:  # noqa: ANN001
    with open_database(db_path) as here:
        box = _box(qtbot, here)
        _fill(box, office, SECRET, sslmode="prefer")
        box.remember.setChecked(True)
        with qtbot.waitSignal(box.saved, timeout=2000):
            box.save_button.click()
        assert "已保存" in box.result.text() and "密码已保存到系统凭据管理器" in box.result.text()
        assert box.password.text() == ""
        assert "启动时使用：数据库服务器" in box.at_start.text() and box.local_button.isEnabled()
    stored = (commdesk_home / "database.json").read_text(encoding="utf-8")
    assert SECRET not in stored and json.loads(stored)["database"] == office.db
    assert ring.get_password("commdesk", office.address.key) == SECRET
    connection.forget_answers()
    url, path = resolve_url(None)
    assert path is None
    with open_database(None) as database:                        # the next start, password from the keyring
        assert database.path is None and office.db in database.url
        box = _box(qtbot, database)
        assert "正在使用：数据库服务器" in box.in_use.text()
        box.local_button.click()
        assert "已改回" in box.result.text() and not (commdesk_home / "database.json").exists()
        assert "本机数据库文件（默认）" in box.at_start.text()


def test_save_without_remember_stores_no_password_and_says_it_will_ask(qtbot, office: Office, ring: MemoryKeyring,
                                                                      db_path) -> None:  # noqa: ANN001
    with open_database(db_path) as here:
        box = _box(qtbot, here)
        _fill(box, office, SECRET)
        box.save_button.click()
        assert "启动时会询问密码" in box.result.text()
        assert ring.store == {}
        box.host.setText("")
        assert not box.save_start() and "服务器地址" in box.result.text()


def test_only_an_administrator_may_change_it(qtbot, db_path) -> None:  # noqa: ANN001
    from commdesk.ui.session import set_account

    viewer = types.SimpleNamespace(name="viewer", may=lambda permission: permission == "view")
    set_account(viewer)
    try:
        with open_database(db_path) as here:
            box = _box(qtbot, here)
            assert not box.host.isEnabled() and not box.test_button.isEnabled() and not box.save_button.isEnabled()
            assert box.admin_note.isVisible()
    finally:
        set_account(None)


def test_the_settings_page_has_the_box() -> None:
    from PySide6.QtWidgets import QGroupBox

    from commdesk.ui.settings_page import SettingsPage

    page = SettingsPage()
    try:
        box = page.findChild(QGroupBox, "databaseBox")
        assert box is not None and box.title() == "数据库"
    finally:
        page.deleteLater()


def test_the_password_dialog(qtbot) -> None:  # noqa: ANN001
    from commdesk.ui.dialogs.server_password import ServerPasswordDialog

    address = ServerAddress(host="192.168.1.10", database="commdesk", user="commdesk")
    dialog = ServerPasswordDialog(PasswordRequest(address, error="数据库服务器拒绝登录：用户名或密码不对。"))
    qtbot.addWidget(dialog)
    assert dialog.remember.text() == "记住密码（保存到系统凭据管理器）"
    assert dialog.error.isVisibleTo(dialog) and "用户名或密码不对" in dialog.error.text()
    assert "192.168.1.10" in _texts(dialog)
    dialog.ok.click()                                             # empty: refused in the dialog
    assert dialog.result() != dialog.DialogCode.Accepted and "请输入密码" in dialog.error.text()
    qtbot.keyClicks(dialog.password, "s3cret-pw")
    dialog.password.insert("密码")
    dialog.remember.setChecked(True)
    dialog.ok.click()
    assert dialog.answer() == ("s3cret-pw密码", True)
    other = ServerPasswordDialog(PasswordRequest(address))
    qtbot.addWidget(other)
    assert not other.error.isVisibleTo(other)
    other.reject()
    assert other.answer() is None


def test_the_window_start_asks_for_the_server_password(qtbot, office: Office, ring: MemoryKeyring) -> None:  # noqa: ANN001
    from commdesk.ui.app import open_database_interactive
    from commdesk.ui.dialogs.server_password import ServerPasswordDialog, install_server_prompts

    install_server_prompts()
    seen: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ServerPasswordDialog):
            QTimer.singleShot(20, answer)
            return
        seen.append(dialog.findChild(QLabel, "serverPasswordAddress").text())
        dialog.password.setText(SECRET)
        dialog.remember.setChecked(True)
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)

    QTimer.singleShot(20, answer)
    database = open_database_interactive(office.url())
    try:
        assert database is not None and database.path is None
        assert len(seen) == 1 and office.role in seen[0]
        assert ring.get_password("commdesk", office.address.key) == SECRET
    finally:
        if database is not None:
            database.close()


def test_a_password_in_the_address_is_warned_about_in_the_window(qtbot, office: Office,
                                                                 ring: MemoryKeyring) -> None:  # noqa: ANN001
    from commdesk.ui.dialogs.server_password import install_server_prompts

    install_server_prompts()
    with open_database(office.url(SECRET)):
        pass
    box = QApplication.activeModalWidget() or next(
        w for w in QApplication.topLevelWidgets() if w.objectName() == "clearPasswordNotice" and w.isVisible())
    assert box.objectName() == "clearPasswordNotice"
    assert "明文密码" in box.text() and SECRET not in box.text()
    box.close()
