"""账号管理 (administrators only): the accounts with their role and state; add, reset a password,
unlock, change the role, grant or withdraw full ID numbers and phones, disable. Every action
goes through ``services.accounts`` and is audited there."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QFormLayout, QHBoxLayout, QHeaderView,
                               QInputDialog, QLabel, QLineEdit, QMessageBox, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.models.account import ROLES
from commdesk.services import accounts
from commdesk.ui.dialogs.parts import button, button_row, message_label, password_field, stack
from commdesk.ui.runner import Op
from commdesk.ui.session import current_account

HEADERS = (_("用户名"), _("角色"), _("完整身份证号"), _("状态"), _("上次登录"))


class AccountDialog(QDialog):
    """A new account, or a new password for one (``name`` given)."""

    def __init__(self, parent: QWidget | None, name: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(_("重设 {name} 的密码").format(name=name) if name else _("添加账号"))
        self.name = QLineEdit(name)
        self.name.setObjectName("accountName")
        self.name.setReadOnly(bool(name))
        self.role = QComboBox()
        self.role.setObjectName("accountRole")
        for key in ("staff", "readonly", "admin"):
            self.role.addItem(ROLES[key], key)
        self.password = password_field("accountPassword")
        self.repeat = password_field("accountRepeat")
        form = QFormLayout()
        form.addRow(_("用户名") + "：", self.name)
        if not name:
            form.addRow(_("角色") + "：", self.role)
        form.addRow(_("密码") + "：", self.password)
        form.addRow(_("再输入一次") + "：", self.repeat)
        self.message = message_label("accountMessage")
        self.ok_button = button(_("确定"), self._check, "accountOk", default=True)
        stack(self, form, self.message, button_row(button(_("取消"), self.reject), self.ok_button))

    def _check(self) -> None:
        if self.password.text() != self.repeat.text():
            self.message.setText(_("两次输入的密码不一致"))
            return
        try:
            accounts.check_strength(self.password.text(), self.name.text().strip())
        except UserError as exc:
            self.message.setText(str(exc))
            return
        self.accept()


class AccountsPage(QWidget):
    title = "账号管理"
    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accountsPage")
        intro = QLabel(_("管理员：账号、设置、恢复备份；工作人员：修改、导入、脱敏导出；只读：只能查看（脱敏）。"
                         "查看或导出完整身份证号和电话需单独授权，每次都记入审计。"))
        intro.setWordWrap(True)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("accountsTable")
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text in (("add", _("添加账号")), ("reset", _("重设密码")), ("unlock", _("解锁")),
                          ("role", _("修改角色")), ("grant", _("授权完整信息")), ("revoke", _("收回完整信息")),
                          ("disable", _("停用"))):
            button = QPushButton(text)
            button.setObjectName(f"account_{key}")
            button.clicked.connect(lambda _c=False, k=key: self.act(k))
            buttons.addWidget(button)
            self.buttons[key] = button
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.rows: list[accounts.AccountRow] = []
        self.dialog: QDialog | None = None

    def start(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        Op(self, accounts.list_accounts).success(self._show).run()

    def _show(self, rows: list[accounts.AccountRow]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            last = r.last_login_at.strftime("%Y-%m-%d %H:%M") if r.last_login_at else _("从未登录")
            for j, value in enumerate((r.name, r.role_name, _("可查看") if r.full_values else _("脱敏"), r.state, last)):
                self.table.setItem(i, j, QTableWidgetItem(value))
        self.loaded.emit()

    def selected(self) -> str | None:
        row = self.table.currentRow()
        return self.rows[row].name if 0 <= row < len(self.rows) else None

    def _write(self, fn: Any) -> None:
        me = current_account()
        Op(self, lambda s: fn(s, me), write=True).success(lambda _r: self.refresh()).run()

    def act(self, key: str) -> None:
        if key == "add":
            self._add()
            return
        name = self.selected()
        if name is None:
            QMessageBox.information(self, self.title, _("请先在表格中选中一个账号"))
            return
        if key == "reset":
            dialog = AccountDialog(self, name)
            self.dialog = dialog
            dialog.accepted.connect(lambda: self._write(
                lambda s, me: accounts.reset_password(s, name, dialog.password.text(), me)))
            dialog.open()
        elif key == "unlock":
            self._write(lambda s, me: accounts.unlock(s, name, me))
        elif key == "role":
            labels = [ROLES[k] for k in ("staff", "readonly", "admin")]
            label, ok = QInputDialog.getItem(self, _("修改角色"), _("{name} 的角色：").format(name=name), labels, 0, False)
            if ok:
                role = next(k for k, v in ROLES.items() if v == label)
                self._write(lambda s, me: accounts.set_role(s, name, role, me))
        elif key in ("grant", "revoke"):
            self._write(lambda s, me: accounts.set_full_values(s, name, key == "grant", me))
        elif key == "disable":
            if QMessageBox.question(self, _("停用账号"), _("停用 {name}？停用后不能再登录，审计记录保留。").format(
                    name=name)) == QMessageBox.StandardButton.Yes:
                self._write(lambda s, me: accounts.disable(s, name, me))

    def _add(self) -> None:
        dialog = AccountDialog(self)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._write(lambda s, me: accounts.add_account(
            s, dialog.name.text(), dialog.role.currentData(), dialog.password.text(), me)))
        dialog.open()

    def on_changes(self, changes: Any) -> None:
        if self.isVisible():
            self.refresh()
