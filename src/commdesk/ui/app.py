"""GUI composition root: Qt application, fonts, opening the database (with calm messages for
every way that can fail), the first-run welcome and the main window."""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget

from commdesk.errors import DatabaseLocked, UserError
from commdesk.i18n import _
from commdesk.ui.runner import Runner, set_runner

log = logging.getLogger("commdesk.ui")
_state: dict[str, Any] = {}


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        QCoreApplication.setOrganizationName("commdesk")
        QCoreApplication.setApplicationName("commdesk")
        app = QApplication(argv if argv is not None else sys.argv[:1])
    setup_fonts(app)  # type: ignore[arg-type]
    return app  # type: ignore[return-value]


def setup_fonts(app: QApplication) -> None:
    """Ship our own CJK font so Chinese renders on any machine; Windows keeps its UI font."""
    if getattr(app, "_commdesk_fonts", False):
        return
    from commdesk.paths import font_path

    fid = QFontDatabase.addApplicationFont(str(font_path()))
    families = QFontDatabase.applicationFontFamilies(fid) if fid >= 0 else []
    if families and sys.platform != "win32":
        font = QFont(families[0], 10)
        app.setFont(font)
    elif sys.platform == "win32":
        app.setFont(QFont("Microsoft YaHei UI", 9))
    app._commdesk_fonts = True  # type: ignore[attr-defined]


def open_database_interactive(db: str | Path | None, readonly: bool = False, parent: QWidget | None = None) -> Any:
    """Open the database, asking the user what to do when it is locked, damaged or too new."""
    from commdesk.models.db import open_database

    target: str | Path | None = db
    while True:
        if not readonly:
            choice = folder_fault_choice(target, parent)   # a folder that cannot take writes: ask
            if choice is None:
                return None
            readonly = choice
        try:
            return open_database(target, readonly=readonly)
        except DatabaseLocked as exc:
            box = QMessageBox(QMessageBox.Icon.Warning, _("数据库已被占用"), str(exc), parent=parent)
            ro = box.addButton(_("只读打开"), QMessageBox.ButtonRole.AcceptRole)
            box.addButton(_("退出"), QMessageBox.ButtonRole.RejectRole)
            box.exec()
            if box.clickedButton() is ro:
                readonly = True
                continue
            return None
        except UserError as exc:
            box = QMessageBox(QMessageBox.Icon.Warning, _("无法打开数据库"), str(exc), parent=parent)
            other = box.addButton(_("打开其他文件…"), QMessageBox.ButtonRole.AcceptRole)
            box.addButton(_("退出"), QMessageBox.ButtonRole.RejectRole)
            box.exec()
            if box.clickedButton() is not other:
                return None
            path, _f = QFileDialog.getOpenFileName(parent, _("打开数据库"), "", _("commdesk 数据库 (*.sqlite3 *.db)"))
            if not path:
                return None
            target, readonly = path, False


def folder_fault_choice(db: str | Path | None, parent: QWidget | None = None) -> bool | None:
    """The data-folder check before a read-write open (``models.data_folder``): False when the
    folders can be written safely, True when they cannot and the user chose 只读打开, None for 退出."""
    from commdesk.models.data_folder import check_data_folders

    fault = check_data_folders(db)
    if fault is None:
        return False
    log.warning("data folder fault (%s): %s", fault.kind, fault.folder)
    box = QMessageBox(QMessageBox.Icon.Warning, _("数据文件夹不能安全写入"), fault.message, parent=parent)
    ro = box.addButton(_("只读打开"), QMessageBox.ButtonRole.AcceptRole) if fault.readonly_open_possible else None
    box.addButton(_("退出"), QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return True if ro is not None and box.clickedButton() is ro else None


def create_main_window(database: Any, first_page: type | None = None) -> Any:
    """The main window over an opened database (tests and the benchmark use this too); it opens
    on the dashboard unless ``first_page`` names another page class."""
    from sqlalchemy.orm import configure_mappers

    from commdesk.ui.main_window import MainWindow

    # SQLAlchemy configures the mapped classes at their first use; do it now, while the window is
    # built, rather than on the database thread inside the first page's first read
    configure_mappers()
    runner = Runner(database)
    set_runner(runner)
    window = MainWindow(database, runner, first_page)
    return window


def maybe_welcome(window: Any) -> None:
    from commdesk.services.community import is_initialised
    from commdesk.ui.runner import Op

    def decided(initialised: bool) -> None:
        if initialised or window.database.readonly:
            return
        from commdesk.ui.dialogs.welcome import WelcomeDialog

        dialog = WelcomeDialog(window)
        window.welcome = dialog
        dialog.open()

    Op(window, is_initialised).success(decided).run()


def logged_in(database: Any, parent: QWidget | None = None) -> Any:
    """The database after the login it needs (None: the user gave up, the database is closed):
    the first administrator created on a database without accounts; a 只读 account's database
    reopened read-only, so nothing on screen can change it."""
    from commdesk.ui.dialogs.login import ask_login
    from commdesk.ui.session import set_account

    account = ask_login(database, parent)
    if account is False:
        database.close()
        return None
    set_account(account)
    if account is not None and not account.may("edit") and not database.readonly:
        path = getattr(database, "path", None)
        if path is not None:
            from commdesk.models.db import open_database

            database.close()
            database = open_database(path, readonly=True)
    return database


def _daily_backup(database: Any) -> None:
    """Today's automatic backup on the first start of the day (a failure is logged and shown in
    the log, never a reason not to start)."""
    from commdesk.models.backup_rotation import daily_backup
    from commdesk.models.data_folder import check_data_folders

    if check_data_folders(database.path if database.path is not None else database.url) is not None:
        return              # the folders cannot take it (the start said so)
    try:
        daily_backup(database)
    except (UserError, OSError) as exc:
        log.warning("daily backup failed: %s", exc)


def start_idle_lock(database: Any) -> None:
    """The idle lock for the logged-in account (none while the database has no accounts)."""
    from commdesk.settings import get_setting
    from commdesk.settings.security import IDLE_LOCK_MINUTES
    from commdesk.ui.idle_lock import IdleLock
    from commdesk.ui.session import current_account

    old = _state.pop("idle_lock", None)
    if old is not None:
        old.timer.stop()
        old.deleteLater()
    account = current_account()
    if account is None:
        return
    with database.Session() as session:
        minutes = int(get_setting(session, IDLE_LOCK_MINUTES))
    _state["idle_lock"] = IdleLock(database, account, minutes)


def reopen(window: Any, path: str) -> None:
    database = open_database_interactive(path, parent=window)
    if database is None:
        return
    database = logged_in(database, window)
    if database is None:
        return
    _close_window(window)
    _show_locked(database)


def restore_and_reopen(window: Any, backup: str, password: str | None) -> Any:
    """Close the window and its database, restore ``backup`` over the file (today's saved aside
    first), record it in the restored audit trail and reopen with a login. A failure leaves
    today's database as it was and reopens it."""
    from commdesk.models.backup import audit_backup, restore_any
    from commdesk.models.backup_key import kept_key
    from commdesk.models.db import open_database

    path = Path(window.database.path)
    key = kept_key(window.database)        # opens today's automatic backups without a password
    _close_window(window)
    source = Path(backup)
    try:
        safety = restore_any(source, path, password, key)
    except UserError as exc:
        QMessageBox.warning(None, _("无法恢复"), str(exc))
        database = open_database_interactive(path)
        return _show(database) if database is not None else None
    database = open_database(path)
    audit_backup(database, source, "restore_db")
    QMessageBox.information(None, _("已从备份恢复"), _("已从备份恢复。恢复前的数据库已另存为：\n{path}").format(path=safety))
    database = logged_in(database)
    if database is None:
        QApplication.quit()
        return None
    return _show_locked(database)


def convert_and_reopen(window: Any, encrypt: bool) -> Any:
    """设置 → 数据库加密: close the window and its database, encrypt (or decrypt) the file
    (``models.cipher_switch``: a backup first, the converted copy checked, then swapped), say how it
    went and reopen it for the same account. A failure leaves the file as it was and reopens it."""
    from commdesk.models import cipher_switch, db_cipher

    path = Path(window.database.path)
    _close_window(window)
    try:
        before = cipher_switch.encrypt(path) if encrypt else cipher_switch.decrypt(path)
    except UserError as exc:
        QMessageBox.warning(None, _("加密数据库") if encrypt else _("取消加密"), str(exc))
    else:
        if encrypt:
            text = _("数据库已加密。钥匙保存在本机的凭据管理器中；另有一份用备份密码保护的钥匙文件 {key}，"
                     "请让它和数据库放在一起。加密前的备份：\n{backup}").format(key=db_cipher.sidecar_path(path).name,
                                                                backup=before)
        else:
            text = _("已取消数据库加密。取消前的备份：\n{backup}").format(backup=before)
        QMessageBox.information(None, _("数据库加密"), text)
    database = open_database_interactive(path)
    if database is None:
        QApplication.quit()
        return None
    return _show_locked(database)


def _close_window(window: Any) -> None:
    window.runner.shutdown()
    window.close()
    window.database.close()


def _show(database: Any) -> Any:
    window = create_main_window(database)
    window.open_requested.connect(lambda path: reopen(window, path))
    window.restore_requested.connect(lambda backup, password: restore_and_reopen(window, backup, password))
    window.cipher_requested.connect(lambda encrypt: convert_and_reopen(window, encrypt))
    _state["window"] = window
    window.show()
    window.start()
    QTimer.singleShot(0, lambda: maybe_welcome(window))
    return window


def _show_locked(database: Any) -> Any:
    """The window over ``database``, with the idle lock of the account logged in."""
    window = _show(database)
    start_idle_lock(database)
    return window


def run_gui(db: str | Path | None = None, readonly: bool = False) -> int:
    os.environ.setdefault("QT_ENABLE_HIGHDPI_SCALING", "1")
    app = make_app()
    from commdesk.ui.crash import install_crash_handler  # uncaught errors: crash log + Chinese dialog
    install_crash_handler()
    from commdesk.ui.dialogs.server_password import install_server_prompts  # a server password: a dialog
    install_server_prompts()
    from commdesk.ui.dialogs.database_key import install_key_prompt  # an encrypted file's lost key: the backup password
    install_key_prompt()
    from commdesk.ui.screen_fit import install as fit_windows_to_screen  # 1366x768 at 150%: 911x512
    fit_windows_to_screen(app)
    database = open_database_interactive(db, readonly=readonly)
    if database is None:
        return 1
    database = logged_in(database)
    if database is None:
        return 1
    _daily_backup(database)
    _show_locked(database)
    code = app.exec()
    window = _state.pop("window", None)
    if window is not None:
        window.runner.shutdown()
        window.database.close()
    return int(code)
