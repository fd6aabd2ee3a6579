"""连接数据库服务器: the window's prompt for a server password (``models.connection``'s prompt),
with 记住密码（保存到系统凭据管理器）; and the once-per-server warning about a password written in
the database address in clear. ``install_server_prompts`` makes them the process's."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QThread, Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QDialog, QLabel, QMessageBox, QWidget

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.models import connection
from commdesk.ui.dialogs.parts import PasswordPrompt

REMEMBER_LABEL = "记住密码（保存到系统凭据管理器）"
_notices: list[QMessageBox] = []


class ServerPasswordDialog(QDialog):
    """The server's address (never a password), the reason when asked again, the password and
    记住密码. ``answer()`` after ``exec``: (password, remember) or None."""

    def __init__(self, request: connection.PasswordRequest, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("serverPasswordDialog")
        self.setWindowTitle(_("连接数据库服务器"))
        self.setModal(True)
        address = request.address
        intro = QLabel(_("请输入数据库服务器的密码。"))
        where = QLabel(address.describe())
        where.setObjectName("serverPasswordAddress")
        where.setWordWrap(True)
        self.remember = QCheckBox(_(REMEMBER_LABEL))
        self.remember.setObjectName("serverPasswordRemember")
        self.remember.setEnabled(request.can_remember)
        self.remember.setToolTip(_("保存后，这台电脑下次连接时不再询问；密码由 Windows 凭据管理器加密保存，"
                                   "不会写进任何文件。"))
        self.prompt = PasswordPrompt(self, prefix="serverPassword", top=[intro, where], error=request.error,
                                     label=_("密码"), ok_text=_("连接"), empty=_("请输入密码"),
                                     rows=((_("用户"), QLabel(address.user)),), below=(self.remember,))
        self.error, self.password, self.ok = self.prompt.error, self.prompt.password, self.prompt.ok

    def answer(self) -> tuple[str, bool] | None:
        password = self.prompt.answer()
        return None if password is None else (password, self.remember.isChecked())


def ask_server_password(request: connection.PasswordRequest) -> tuple[str, bool] | None:
    """The prompt ``models.connection`` calls (on the GUI thread: a database is opened there; on
    another thread no dialog can be shown, so the user is told how else to give it)."""
    app = QApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        raise UserError(request.error or connection.no_password_message())
    dialog = ServerPasswordDialog(request, QApplication.activeWindow())
    dialog.exec()
    answer = dialog.answer()
    dialog.deleteLater()
    return answer


def show_clear_password_notice(address: connection.ServerAddress) -> Any:
    """The warning, not blocking the start (the database opens meanwhile)."""
    box = QMessageBox(QMessageBox.Icon.Warning, _("数据库密码是明文"), connection.clear_password_warning(address),
                      parent=QApplication.activeWindow())
    box.setObjectName("clearPasswordNotice")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.finished.connect(lambda _r, b=box: _notices.remove(b) if b in _notices else None)
    _notices.append(box)
    box.open()
    return box


def install_server_prompts() -> None:
    """For the rest of the process (the window's start calls it)."""
    connection.set_password_prompt(ask_server_password)
    connection.set_clear_password_notice(show_clear_password_notice)
