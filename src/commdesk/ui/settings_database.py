"""设置 → 数据库: which database this window uses, and the office server this PC starts on.

Shows the store in use (the SQLite file's path, or the server's host, port, database, user and
encryption, never a password) and what the next start opens. An administrator enters a server's
address (服务器, 端口, 数据库, 用户名, 加密方式 = libpq's ``sslmode``) and a password, then

- 测试连接: one connection on the database thread (the window's ``Runner``; the GUI never waits),
  answered in Chinese with the server's version and the schema version there, or the clear reason
  (``models.db.probe_server``: unreachable, refused password, no encryption where ``require``…);
- 保存为启动数据库: the address goes into this PC's connection file (``models.connection``, in the
  data folder, never the password); with 记住密码 ticked the password goes to the OS keyring
  (Windows Credential Manager). The next start opens the server;
- 改回本机文件: the connection file removed, the next start opens the SQLite file again.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.ui.settings_box import SystemBox
from commdesk.models import connection
from commdesk.models.connection import SSLMODES, ServerAddress
from commdesk.ui.dialogs.server_password import REMEMBER_LABEL
from commdesk.ui.runner import Op

OK_STYLE = "color: #1b6e20;"
ERROR_STYLE = "color: #b3261e;"
NOTE_STYLE = "color: #555555;"


class DatabaseBox(SystemBox):
    """The 数据库 group of the settings page (see the module docstring)."""

    tested = Signal(bool)      # 测试连接 answered: True for a connection made
    saved = Signal()

    def __init__(self, database: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(_("数据库"), database, parent)
        self.setObjectName("databaseBox")
        self.testing = False
        self.in_use = QLabel("")
        self.in_use.setObjectName("databaseInUse")
        self.in_use.setWordWrap(True)
        self.at_start = QLabel("")
        self.at_start.setObjectName("databaseAtStart")
        self.at_start.setWordWrap(True)
        self.at_start.setStyleSheet(NOTE_STYLE)

        self.host = QLineEdit()
        self.host.setObjectName("databaseHost")
        self.host.setPlaceholderText(_("服务器的计算机名或 IP 地址，例如 192.168.1.10"))
        self.port = QSpinBox()
        self.port.setObjectName("databasePort")
        self.port.setRange(1, 65535)
        self.port.setValue(connection.DEFAULT_PORT)
        self.port.setMaximumWidth(110)
        self.name = QLineEdit("commdesk")
        self.name.setObjectName("databaseName")
        self.user = QLineEdit("commdesk")
        self.user.setObjectName("databaseUser")
        self.sslmode = QComboBox()
        self.sslmode.setObjectName("databaseSslmode")
        for mode, label in SSLMODES.items():
            self.sslmode.addItem(f"{_(label)}（{mode}）", mode)
        self.password = QLineEdit()
        self.password.setObjectName("databasePassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(_("留空：用已保存在系统凭据管理器中的密码"))
        self.remember = QCheckBox(_(REMEMBER_LABEL))
        self.remember.setObjectName("databaseRemember")
        form = QFormLayout()
        form.addRow(_("服务器") + "：", self.host)
        form.addRow(_("端口") + "：", self.port)
        form.addRow(_("数据库") + "：", self.name)
        form.addRow(_("用户名") + "：", self.user)
        form.addRow(_("加密方式") + "：", self.sslmode)
        form.addRow(_("密码") + "：", self.password)
        form.addRow("", self.remember)

        self.test_button = QPushButton(_("测试连接"))
        self.test_button.setObjectName("databaseTest")
        self.test_button.clicked.connect(lambda _c=False: self.test_connection())
        self.save_button = QPushButton(_("保存为启动数据库"))
        self.save_button.setObjectName("databaseSave")
        self.save_button.setToolTip(_("这台电脑下次启动时连接这个服务器（密码不写进文件）"))
        self.save_button.clicked.connect(lambda _c=False: self.save_start())
        self.local_button = QPushButton(_("改回本机文件"))
        self.local_button.setObjectName("databaseLocal")
        self.local_button.setToolTip(_("下次启动时重新使用本机的数据库文件"))
        self.local_button.clicked.connect(lambda _c=False: self.use_local_file())
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.local_button)
        buttons.addStretch(1)
        self.result = QLabel("")
        self.result.setObjectName("databaseResult")
        self.result.setWordWrap(True)
        self.admin_note = QLabel(_("只有管理员可以修改这台电脑连接的数据库。"))
        self.admin_note.setObjectName("databaseAdminOnly")
        self.admin_note.setStyleSheet(NOTE_STYLE)

        layout = QVBoxLayout(self)
        layout.addWidget(self.in_use)
        layout.addWidget(self.at_start)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        layout.addWidget(self.admin_note)
        self.filled = False

    # --- what is shown ------------------------------------------------------------------------
    def current_server(self) -> ServerAddress | None:
        database = self.database()
        url = getattr(database, "url", None)
        if database is None or getattr(database, "path", None) is not None or not url:
            return None
        return ServerAddress.from_url(url)

    def refresh(self) -> None:
        from commdesk.ui.session import may

        database = self.database()
        server = self.current_server()
        if server is not None:
            self.in_use.setText(_("正在使用：数据库服务器（{where}）").format(where=server.describe()))
        elif database is not None and getattr(database, "path", None) is not None:
            self.in_use.setText(_("正在使用：本机数据库文件 {path}").format(path=database.path))
        else:
            self.in_use.setText(_("正在使用：（未打开数据库）"))
        saved = connection.start_database()
        self.at_start.setText(_("启动时使用：数据库服务器（{where}）").format(where=saved.describe()) if saved is not None
                              else _("启动时使用：本机数据库文件（默认）"))
        if not self.filled:
            self.fill(saved or server)
        allowed = may("settings")
        for w in (self.host, self.port, self.name, self.user, self.sslmode, self.password, self.remember,
                  self.test_button, self.save_button):
            w.setEnabled(allowed and not self.testing)
        self.local_button.setEnabled(allowed and saved is not None)
        self.admin_note.setVisible(not allowed)

    def fill(self, address: ServerAddress | None) -> None:
        """The form from a saved or the current server (the password field stays empty)."""
        self.filled = True
        if address is None:
            return
        self.host.setText(address.host)
        self.port.setValue(address.port)
        self.name.setText(address.database)
        self.user.setText(address.user)
        index = self.sslmode.findData(address.sslmode)
        self.sslmode.setCurrentIndex(index if index >= 0 else 0)

    def address(self) -> ServerAddress:
        """The address in the form (a UserError naming what is missing)."""
        address = ServerAddress(host=self.host.text().strip(), database=self.name.text().strip(),
                                user=self.user.text().strip(), port=self.port.value(),
                                sslmode=str(self.sslmode.currentData()))
        address.validate()
        return address

    def _say(self, text: str, style: str) -> None:
        self.result.setText(text)
        self.result.setStyleSheet(style)

    # --- actions ------------------------------------------------------------------------------
    def test_connection(self) -> Op | None:
        """One connection to the address in the form, on the database thread."""
        from commdesk.models.db import probe_server

        try:
            address = self.address()
        except UserError as exc:
            self._say(str(exc), ERROR_STYLE)
            return None
        password = self.password.text() or None
        self.testing = True
        self.refresh()
        self._say(_("正在连接 {host}:{port} …").format(host=address.host, port=address.port), NOTE_STYLE)

        def job(_database: Any) -> Any:
            return probe_server(address, password)

        return Op(self, job, raw=True).success(self._tested).failure(self._test_failed).run()

    def _tested(self, probe: Any) -> None:
        self.testing = False
        self.refresh()
        self._say(probe.describe(), OK_STYLE if probe.usable else ERROR_STYLE)
        self.tested.emit(True)

    def _test_failed(self, error: BaseException) -> None:
        from commdesk.errors import classify_db_error

        self.testing = False
        self.refresh()
        user = error if isinstance(error, UserError) else classify_db_error(error)
        if user is None:              # a bug: the one error display (crash log) as for any other
            from commdesk.ui.errors import show_error

            show_error(self, error)
            return
        self._say(_("连接失败：{reason}").format(reason=user), ERROR_STYLE)
        self.tested.emit(False)

    def save_start(self) -> bool:
        """The address into this PC's connection file; the password (typed, 记住密码 ticked) into
        the OS keyring."""
        try:
            address = self.address()
            connection.save_start_database(address)
        except (UserError, OSError) as exc:
            self._say(_("没有保存：{reason}").format(reason=exc), ERROR_STYLE)
            return False
        text = _("已保存：这台电脑下次启动时连接 {where}。").format(where=address.describe())
        if self.remember.isChecked() and self.password.text():
            if connection.remember_password(address, self.password.text()):
                text += _("密码已保存到系统凭据管理器。")
            else:
                text += _("这台电脑没有可用的系统凭据管理器，密码没有保存：启动时会询问密码。")
        elif connection.keyring_password(address) is None:
            text += _("启动时会询问密码（勾选“记住密码”可保存到系统凭据管理器）。")
        self.password.clear()
        self._say(text, OK_STYLE)
        self.refresh()
        self.saved.emit()
        return True

    def use_local_file(self) -> None:
        if connection.clear_start_database():
            self._say(_("已改回：这台电脑下次启动时使用本机的数据库文件。"), OK_STYLE)
        self.refresh()
