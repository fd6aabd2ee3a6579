"""本机的数据库钥匙不在了: the window's prompt for the backup password when an encrypted database's
key is not in this PC's keyring (``models.db_cipher``'s prompt). The password unwraps the key file
beside the database; the key goes back into the keyring and the database opens."""
from __future__ import annotations

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QWidget

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.models import db_cipher
from commdesk.ui.dialogs.parts import PasswordPrompt


class DatabaseKeyDialog(QDialog):
    """Which database, why (the keyring lost its key), the reason when asked again, the password."""

    def __init__(self, request: db_cipher.KeyRequest, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("databaseKeyDialog")
        self.setWindowTitle(_("打开加密的数据库"))
        self.setModal(True)
        intro = QLabel(_(db_cipher.MISSING_KEY))
        intro.setStyleSheet("font-weight: bold;")
        why = QLabel(_("“{name}”是加密的数据库。这台电脑的凭据管理器里没有它的钥匙（例如换了 Windows 账户或重装了系统）。"
                       "输入设置自动备份时的备份密码，就能用数据库旁的钥匙文件打开它，钥匙也会重新保存到凭据管理器。").format(
                           name=request.name))
        why.setWordWrap(True)
        self.prompt = PasswordPrompt(self, prefix="databaseKeyPassword", top=[intro, why], error=request.error,
                                     label=_("备份密码"), ok_text=_("打开"), empty=_("请输入备份密码"))
        self.prompt.error.setObjectName("databaseKeyError")
        self.prompt.ok.setObjectName("databaseKeyOk")
        self.error, self.password, self.ok = self.prompt.error, self.prompt.password, self.prompt.ok

    def answer(self) -> str | None:
        return self.prompt.answer()


def ask_backup_password(request: db_cipher.KeyRequest) -> str | None:
    """The prompt ``models.db_cipher`` calls (on the GUI thread, where the database is opened)."""
    app = QApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        raise UserError(_("“{name}”是加密的数据库，本机的数据库钥匙不在了：需要备份密码才能打开。").format(name=request.name))
    active = QApplication.activeWindow()
    # not a dialog as parent: the one asking before this (a refused password) is deleted meanwhile
    dialog = DatabaseKeyDialog(request, None if isinstance(active, QDialog) else active)
    dialog.exec()
    answer = dialog.answer()
    dialog.deleteLater()
    return answer


def install_key_prompt() -> None:
    """For the rest of the process (the window's start calls it)."""
    db_cipher.set_key_prompt(ask_backup_password)
