"""设置 → 备份: when the automatic backups are made, whether they are encrypted, the newest one,
and (administrators) the automatic backups' password.

Without a backup password the automatic backups are plain SQLite copies that stay in this PC's
data folder; the box says so in amber. 设置备份密码… (an administrator, a local SQLite database
opened for writing) asks for it twice and keeps the key derived from it (``models.backup_key``);
from then on every automatic backup is an encrypted ``.cdbak`` that this database opens by itself
and any other PC opens with the password. 立即备份… opens 文件 → 备份数据库 (folder or USB stick).
The figures are read again each time the box is shown.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QFormLayout, QGridLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.ui.settings_box import SystemBox
from commdesk.ui.dialogs.parts import button, button_row, message_label, password_field, stack

OK_STYLE = "color: #1b6e20;"
WARN_STYLE = "color: #9a6700;"
ERROR_STYLE = "color: #b3261e;"
NOTE_STYLE = "color: #555555;"


class BackupPasswordDialog(QDialog):
    """The automatic backups' password, typed twice (an administrator)."""

    def __init__(self, replacing: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backupPasswordDialog")
        self.setWindowTitle(_("更改备份密码") if replacing else _("设置备份密码"))
        intro = QLabel(_("自动备份今后都用这个密码加密。在别的电脑上恢复时需要输入它；忘记了就无法打开这些备份，"
                         "程序也没有办法找回。请把它记在安全的地方。")
                       + (("\n" + _("已经做好的备份仍用原来的密码打开。")) if replacing else ""))
        intro.setWordWrap(True)
        self.password = password_field("keepPassword")
        self.again = password_field("keepPasswordAgain")
        form = QFormLayout()
        form.addRow(_("备份密码") + "：", self.password)
        form.addRow(_("再输入一次") + "：", self.again)
        self.message = message_label("keepPasswordMessage")
        self.ok_button = button(_("确定"), self.check, "keepPasswordOk", default=True)
        stack(self, intro, form, self.message, button_row(button(_("取消"), self.reject), self.ok_button))
        self.setMinimumWidth(460)

    def check(self) -> None:
        from commdesk.ui.dialogs.backup_dialog import password_problem

        problem = password_problem(self.password.text(), self.again.text())
        if problem:
            self.message.setText(problem)
            return
        self.accept()


class BackupBox(SystemBox):
    """The 备份 group of the settings page (see the module docstring)."""

    key_set = Signal()

    def __init__(self, database: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(_("备份"), database, parent)
        self.setObjectName("backupBox")
        self.password_dialog: BackupPasswordDialog | None = None
        grid = QGridLayout(self)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        when = QLabel(_("每天第一次启动时，以及每次导入、迁移数据库和恢复备份之前；保留最近 7 天、4 周和 12 个月各一份。"))
        when.setWordWrap(True)
        self.state = QLabel("")
        self.state.setObjectName("backupState")
        self.state.setWordWrap(True)
        self.newest = QLabel("")
        self.newest.setObjectName("backupNewest")
        self.newest.setWordWrap(True)
        self.set_button = QPushButton(_("设置备份密码…"))
        self.set_button.setObjectName("backupSetPassword")
        self.set_button.clicked.connect(lambda _c=False: self.ask_password())
        self.now_button = QPushButton(_("立即备份…"))
        self.now_button.setObjectName("backupNow")
        self.now_button.clicked.connect(lambda _c=False: self.backup_now())
        self.message = QLabel("")
        self.message.setObjectName("backupBoxMessage")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        grid.addWidget(QLabel(_("自动备份：")), 0, 0)
        grid.addWidget(when, 0, 1)
        grid.addWidget(QLabel(_("加密：")), 1, 0)
        grid.addWidget(self.state, 1, 1)
        grid.addWidget(QLabel(_("最近一次：")), 2, 0)
        grid.addWidget(self.newest, 2, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.set_button)
        buttons.addWidget(self.now_button)
        buttons.addStretch(1)
        grid.addLayout(buttons, 3, 0, 1, 2)
        grid.addWidget(self.message, 4, 0, 1, 2)
        grid.setRowStretch(5, 1)

    def refresh(self) -> None:
        from commdesk.models.backup_key import kept_key
        from commdesk.ui.session import may

        database = self.database()
        local = getattr(database, "path", None) is not None
        if database is None or not local:
            self.state.setText(_("服务器上的数据库由服务器管理员备份（pg_dump），这里不做自动备份。"))
            self.state.setStyleSheet(NOTE_STYLE)
            self.newest.setText("—")
            for push in (self.set_button, self.now_button):
                push.setEnabled(False)
            return
        key = kept_key(database)
        if key is not None:
            self.state.setText(_("已加密（AES-256-GCM）。在别的电脑上恢复自动备份需要备份密码。") + self._set_when())
            self.state.setStyleSheet(OK_STYLE)
        else:
            self.state.setText(_("未加密：自动备份是普通的数据库副本，只存放在本机数据文件夹。设置备份密码后自动备份也会加密；"
                                 "“立即备份”总是加密的。"))
            self.state.setStyleSheet(WARN_STYLE)
        self.newest.setText(self._newest())
        admin = may("settings")
        writable = not getattr(database, "readonly", False)
        self.set_button.setText(_("更改备份密码…") if key is not None else _("设置备份密码…"))
        self.set_button.setEnabled(admin and writable)
        self.set_button.setToolTip("" if admin else _("只有管理员可以设置备份密码"))
        self.now_button.setEnabled(may("backup"))

    def _set_when(self) -> str:
        from sqlalchemy import select

        from commdesk.models.audit import AuditEntry

        try:
            with self.database().Session() as session:
                row = session.execute(select(AuditEntry.at, AuditEntry.user).where(AuditEntry.action == "backup_key")
                                      .order_by(AuditEntry.id.desc()).limit(1)).first()
        except Exception:  # noqa: BLE001 - an audit that cannot be read only loses this detail
            return ""
        if row is None:
            return ""
        return _("（{user} 于 {at} 设置）").format(user=row.user, at=row.at.strftime("%Y-%m-%d %H:%M"))

    def _newest(self) -> str:
        from commdesk.models.backup import list_backups

        try:
            found = list_backups()
        except OSError:
            found = []
        stem = self.database().path.stem
        mine = [p for p in found if p.name.startswith(stem + "-")]
        if not mine:
            return _("还没有备份")
        newest = mine[0]
        try:
            when = datetime.fromtimestamp(newest.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        except OSError:
            when = "?"
        kind = _("加密") if newest.suffix == ".cdbak" else _("未加密")
        return _("{when}，{name}（{kind}），共 {n} 份").format(when=when, name=newest.name, kind=kind, n=len(mine))

    # --- the buttons --------------------------------------------------------------------------
    def ask_password(self) -> BackupPasswordDialog:
        from commdesk.models.backup_key import kept_key

        dialog = BackupPasswordDialog(kept_key(self.database()) is not None, self)
        dialog.accepted.connect(lambda: self.keep(dialog.password.text()))
        self.password_dialog = dialog
        dialog.open()
        return dialog

    def keep(self, password: str) -> None:
        """Derive and keep the key on the database thread, then show the new state."""
        from commdesk.models.backup_key import keep_backup_password
        from commdesk.ui.runner import Op

        self.set_button.setEnabled(False)
        Op(self, lambda database: keep_backup_password(database, password), raw=True) \
            .success(self._kept).failure(self._failed).run()

    def _kept(self, _key: Any) -> None:
        self.message.setStyleSheet(OK_STYLE)
        self.message.setText(_("备份密码已设置，今后的自动备份都会加密。"))
        self.message.setVisible(True)
        self.refresh()
        self.key_set.emit()

    def _failed(self, error: BaseException) -> None:
        self.refresh()
        if not isinstance(error, UserError):
            from commdesk.ui.errors import show_error

            show_error(self, error)
            return
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(str(error))
        self.message.setVisible(True)

    def backup_now(self) -> Any:
        window = self.window()
        dialog = window.backup_now() if hasattr(window, "backup_now") else None
        if dialog is not None:
            dialog.done.connect(lambda _p: self.refresh())
        return dialog
