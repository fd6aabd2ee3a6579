"""登录: the login dialog (also the idle lock's, with the name fixed) and the first start's
dialog that creates the administrator. Both check through ``services.accounts``."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QWidget

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.services import accounts
from commdesk.ui.dialogs.parts import button, button_row, message_label, password_field, stack


def _message_label() -> QLabel:
    return message_label("loginMessage")


class LoginDialog(QDialog):
    """Name and password; ``account`` holds the login after ``accept``. ``locked_for``: the idle
    lock (the name is fixed; the other button quits the program instead of cancelling)."""

    def __init__(self, database: Any, parent: QWidget | None = None, locked_for: str = "") -> None:
        super().__init__(parent)
        self.database = database
        self.account: Any = None
        self.setWindowTitle(_("已锁定") if locked_for else _("登录社区工作台"))
        self.setModal(True)
        intro = QLabel(_("长时间没有操作，窗口已锁定。请输入密码继续，未保存的内容都还在。") if locked_for
                       else _("此数据库保存着居民的个人信息，请登录。"))
        intro.setWordWrap(True)
        self.user = QLineEdit(locked_for)
        self.user.setObjectName("loginUser")
        self.user.setReadOnly(bool(locked_for))
        self.password = password_field("loginPassword")
        form = QFormLayout()
        form.addRow(_("用户名") + "：", self.user)
        form.addRow(_("密码") + "：", self.password)
        self.message = _message_label()
        self.ok = button(_("解锁") if locked_for else _("登录"), self.try_login, "loginButton", default=True)
        self.quit_button = button(_("退出程序") if locked_for else _("取消"), self.reject, "loginQuit")
        stack(self, intro, form, self.message, button_row(self.quit_button, self.ok))
        self.setMinimumWidth(420)
        (self.password if locked_for else self.user).setFocus(Qt.FocusReason.OtherFocusReason)

    def try_login(self) -> None:
        name, password = self.user.text().strip(), self.password.text()
        if not name or not password:
            self.message.setText(_("请输入用户名和密码"))
            return
        try:
            with self.database.Session() as session:
                self.account = accounts.login(session, name, password, write=not self.database.readonly)
        except UserError as exc:
            self.message.setText(str(exc))
            self.password.clear()
            self.password.setFocus()
            return
        self.password.clear()
        self.accept()


class FirstAdminDialog(QDialog):
    """The first start (or the first after an upgrade): create the administrator account. From
    then on nothing opens without a login."""

    def __init__(self, database: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.account: Any = None
        self.setWindowTitle(_("创建管理员账号"))
        intro = QLabel(_("社区工作台保存着居民的身份证号、电话和困难情况等敏感个人信息。请先创建管理员账号；"
                         "以后每次打开都需要登录，管理员可以为其他工作人员添加账号。\n"
                         "请牢记密码：忘记密码只能由其他管理员重设，程序没有“找回密码”的后门。"))
        intro.setWordWrap(True)
        self.user = QLineEdit(_("管理员"))
        self.user.setObjectName("adminUser")
        self.password = password_field("adminPassword")
        self.repeat = password_field("adminRepeat")
        hint = QLabel(_("至少 {n} 位，字母、数字、符号中至少两种").format(n=accounts.MIN_LENGTH))
        hint.setStyleSheet("color: #5f6368;")
        form = QFormLayout()
        form.addRow(_("用户名") + "：", self.user)
        form.addRow(_("密码") + "：", self.password)
        form.addRow(_("再输入一次") + "：", self.repeat)
        form.addRow("", hint)
        self.message = _message_label()
        self.ok = button(_("创建并登录"), self.create, "adminCreate", default=True)
        stack(self, intro, form, self.message, button_row(button(_("退出"), self.reject), self.ok))
        self.setMinimumWidth(480)

    def create(self) -> None:
        if self.password.text() != self.repeat.text():
            self.message.setText(_("两次输入的密码不一致"))
            return
        name, password = self.user.text().strip(), self.password.text()
        try:
            with self.database.Session() as session:
                accounts.add_account(session, name, "admin", password, None)
                session.commit()
                self.account = accounts.login(session, name, password)
        except UserError as exc:
            self.message.setText(str(exc))
            return
        self.accept()


def ask_login(database: Any, parent: QWidget | None = None) -> Any:
    """The account to work as: a login, or on a database without accounts the first
    administrator created now; ``None`` when no account is needed (a read-only database that has
    none); ``False`` when the user gave up."""
    with database.Session() as session:
        has = accounts.has_accounts(session)
    if not has and database.readonly:
        return None
    dialog: LoginDialog | FirstAdminDialog = LoginDialog(database, parent) if has else FirstAdminDialog(database, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.account is None:
        return False
    return dialog.account
