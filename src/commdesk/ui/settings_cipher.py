"""设置 → 数据库加密: whether the local database file is encrypted at rest (SQLCipher), whether the
driver is installed on this PC, the trade-off in two sentences, and (administrators) 加密数据库… /
取消加密….

Converting needs the database closed: after the administrator confirms, the box asks the main
window (``cipher_requested``), and the application closes the window and the database, converts
the file (``models.cipher_switch``: a backup first, checked, swapped atomically) and reopens it, as
it does for a restore (``ui.app.convert_and_reopen``). Encrypting needs a kept backup password (设置
→ 备份): the box says so and the button stays off without one.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

from commdesk.i18n import _
from commdesk.ui.settings_box import SystemBox

OK_STYLE = "color: #1b6e20;"
WARN_STYLE = "color: #9a6700;"
NOTE_STYLE = "color: #555555;"

TRADE_OFF = ("加密后，数据库文件被复制走（U 盘、共享文件夹、拆下的硬盘）也打不开；但钥匙保存在本机这个 Windows 账户的凭据管理器里，"
             "登录这个账户的人仍能打开它。钥匙另有一份用备份密码保护的副本（数据库旁的 .key 文件），凭据管理器里的钥匙丢了可以用备份密码找回。")


def driver_version() -> str | None:
    """SQLCipher's version when the driver is installed (None: not installed)."""
    from commdesk.models import db_cipher

    module = db_cipher.driver()
    if module is None:
        return None
    try:
        conn = module.connect(":memory:")
        try:
            return str(conn.execute("PRAGMA cipher_version").fetchone()[0])
        finally:
            conn.close()
    except module.Error:  # pragma: no cover - a driver that loads but cannot answer
        return "?"


class CipherBox(SystemBox):
    """The 数据库加密 group of the settings page (see the module docstring)."""

    def __init__(self, database: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(_("数据库加密"), database, parent)
        self.setObjectName("cipherBox")
        grid = QGridLayout(self)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        self.state = QLabel("")
        self.state.setObjectName("cipherState")
        self.state.setWordWrap(True)
        self.driver = QLabel("")
        self.driver.setObjectName("cipherDriver")
        self.driver.setWordWrap(True)
        trade = QLabel(_(TRADE_OFF))
        trade.setObjectName("cipherTradeOff")
        trade.setWordWrap(True)
        trade.setStyleSheet(NOTE_STYLE)
        self.encrypt_button = QPushButton(_("加密数据库…"))
        self.encrypt_button.setObjectName("cipherEncrypt")
        self.encrypt_button.clicked.connect(lambda _c=False: self.ask(True))
        self.decrypt_button = QPushButton(_("取消加密…"))
        self.decrypt_button.setObjectName("cipherDecrypt")
        self.decrypt_button.clicked.connect(lambda _c=False: self.ask(False))
        self.message = QLabel("")
        self.message.setObjectName("cipherMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(WARN_STYLE)
        self.message.setVisible(False)
        grid.addWidget(QLabel(_("数据库文件：")), 0, 0)
        grid.addWidget(self.state, 0, 1)
        grid.addWidget(QLabel(_("SQLCipher：")), 1, 0)
        grid.addWidget(self.driver, 1, 1)
        grid.addWidget(trade, 2, 0, 1, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.encrypt_button)
        buttons.addWidget(self.decrypt_button)
        buttons.addStretch(1)
        grid.addLayout(buttons, 3, 0, 1, 2)
        grid.addWidget(self.message, 4, 0, 1, 2)
        grid.setRowStretch(5, 1)

    def refresh(self) -> None:
        from commdesk.models import db_cipher
        from commdesk.models.backup_key import kept_key
        from commdesk.ui.session import may

        database = self.database()
        version = driver_version()
        self.driver.setText(_("已安装（SQLCipher {v}）").format(v=version) if version else
                            _("未安装：本机没有安装 SQLCipher（sqlcipher3），无法加密数据库。"))
        self.driver.setStyleSheet(NOTE_STYLE if version else WARN_STYLE)
        path = getattr(database, "path", None)
        if database is None or path is None:
            self.state.setText(_("服务器上的数据库：由服务器管理员加密服务器的磁盘，这里不适用。"))
            self.state.setStyleSheet(NOTE_STYLE)
            self.encrypt_button.setEnabled(False)
            self.decrypt_button.setEnabled(False)
            return
        encrypted = bool(getattr(database, "encrypted", False)) or db_cipher.is_encrypted_file(path)
        if encrypted:
            self.state.setText(_("已加密（SQLCipher）。钥匙在本机凭据管理器中，另有备份密码保护的钥匙文件 {key}。").format(
                key=db_cipher.sidecar_path(path).name))
            self.state.setStyleSheet(OK_STYLE)
        else:
            self.state.setText(_("未加密：数据库文件被复制走后，任何 SQLite 工具都能读出居民信息。"))
            self.state.setStyleSheet(WARN_STYLE)
        admin = may("settings")
        writable = not getattr(database, "readonly", False)
        has_key = kept_key(database) is not None
        self.encrypt_button.setVisible(not encrypted)
        self.decrypt_button.setVisible(encrypted)
        self.encrypt_button.setEnabled(admin and writable and bool(version) and has_key)
        self.decrypt_button.setEnabled(admin and writable and bool(version))
        if not admin:
            tip = _("只有管理员可以更改数据库加密")
        elif not version:
            tip = _("本机没有安装 SQLCipher（sqlcipher3），无法加密数据库")
        elif not encrypted and not has_key:
            tip = _("请先在“备份”里设置备份密码：钥匙丢失时只能用它找回数据")
        else:
            tip = ""
        for button in (self.encrypt_button, self.decrypt_button):
            button.setToolTip(tip)
        self.message.setText(tip if tip and admin else "")
        self.message.setVisible(bool(tip) and admin)

    # --- the buttons --------------------------------------------------------------------------
    def ask(self, encrypt: bool) -> bool:
        """Confirm, then ask the window to close the database, convert and reopen. False when
        the administrator said no (or the window cannot do it)."""
        text = (_("加密数据库需要关闭并重新打开它（先自动备份一次）。加密后，钥匙保存在本机凭据管理器中；"
                  "钥匙丢失时需要输入备份密码。现在加密吗？") if encrypt else
                _("取消加密后，数据库文件被复制走就能被任何 SQLite 工具读出。需要关闭并重新打开数据库（先自动备份一次）。"
                  "现在取消加密吗？"))
        answer = QMessageBox.question(self, _("加密数据库") if encrypt else _("取消加密"), text)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        signal = getattr(self.window(), "cipher_requested", None)
        if signal is None:
            return False
        signal.emit(encrypt)
        return True
