"""文件 → 备份数据库: an encrypted, verified backup to a folder or a USB stick, now.

The backup is always encrypted (AES-256-GCM, ``models.backup_crypt``): a copy that leaves the PC
on a stick is the whole community. The password is the automatic backups' one when an
administrator has set it (设置 → 备份; nothing to type), or one typed twice here; an
administrator may keep what was typed for the automatic backups too. The backup runs on the
database thread (a snapshot, encryption, then every chunk read back against the manifest) and
the dialog says where it went and what it holds, or, in one sentence, why it could not be
written (a full stick, a folder that cannot be written, a short password).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QRadioButton, QWidget)

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.ui.dialogs.parts import ERROR_STYLE, button, button_row, message_label, password_field, stack

OK_STYLE = "color: #1e7d32;"
NOTE_STYLE = "color: #555555;"


def password_problem(first: str, second: str) -> str:
    """Why a backup password typed twice cannot be used ('' when it can)."""
    from commdesk.models.backup_crypt import MIN_PASSWORD

    if not first:
        return _("请输入备份密码")
    if len(first) < MIN_PASSWORD:
        return _("备份密码至少 {n} 个字符").format(n=MIN_PASSWORD)
    if first != second:
        return _("两次输入的备份密码不一致")
    return ""


class BackupDialog(QDialog):
    #: the written backup's path, once verified
    done = Signal(str)

    def __init__(self, database: Any, parent: QWidget | None = None) -> None:
        from commdesk.models.backup_key import kept_key
        from commdesk.paths import backups_dir
        from commdesk.ui.session import may

        super().__init__(parent)
        self.setObjectName("backupDialog")
        self.setWindowTitle(_("备份数据库"))
        self.database = database
        self.key = kept_key(database)
        self.admin = may("settings")
        self.target: Path | None = None
        self.busy = False
        intro = QLabel(_("把整个数据库加密备份到一个文件夹或 U 盘。备份写完后会逐块核对；"
                         "没有备份密码谁也打不开这个文件，请把密码记在安全的地方。"))
        intro.setWordWrap(True)
        self.folder = QLineEdit(str(_default_folder(backups_dir)))
        self.folder.setObjectName("backupFolder")
        browse = QPushButton(_("浏览…"))
        browse.setObjectName("backupBrowse")
        browse.clicked.connect(self.browse)
        where = QHBoxLayout()
        where.addWidget(self.folder, 1)
        where.addWidget(browse)
        self.use_kept = QRadioButton(_("使用已设置的备份密码（与自动备份相同）"))
        self.use_kept.setObjectName("backupUseKept")
        self.use_new = QRadioButton(_("另设一个备份密码"))
        self.use_new.setObjectName("backupUseNew")
        self.password = password_field("backupPassword")
        self.again = password_field("backupPasswordAgain")
        self.remember = QCheckBox(_("今后的自动备份也用这个密码加密"))
        self.remember.setObjectName("backupRemember")
        self.remember.setVisible(self.admin)
        form = QFormLayout()
        form.addRow(_("备份到") + "：", where)
        if self.key is not None:
            form.addRow(self.use_kept)
            form.addRow(self.use_new)
            self.use_kept.setChecked(True)
        else:
            self.use_new.setChecked(True)
        form.addRow(_("备份密码") + "：", self.password)
        form.addRow(_("再输入一次") + "：", self.again)
        form.addRow(self.remember)
        self.use_kept.toggled.connect(self._mode)
        self.message = message_label("backupMessage")
        self.backup_button = button(_("开始备份"), self.start, "backupStart", default=True)
        self.close_button = button(_("关闭"), self.reject)
        layout = stack(self, intro, form, self.message)
        layout.addStretch(1)
        layout.addLayout(button_row(self.close_button, self.backup_button))
        self.setMinimumWidth(520)
        self._mode()

    def _mode(self) -> None:
        typed = not (self.key is not None and self.use_kept.isChecked())
        for widget in (self.password, self.again):
            widget.setEnabled(typed)
        self.remember.setEnabled(typed)

    def browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("选择备份文件夹（可以是 U 盘）"), self.folder.text())
        if folder:
            self.folder.setText(folder)

    def say(self, text: str, style: str = ERROR_STYLE) -> None:
        self.message.setStyleSheet(style)
        self.message.setText(text)

    def start(self) -> None:
        """Check what was typed, then back up on the database thread."""
        from commdesk.ui.runner import Op

        if self.busy:
            return
        folder = self.folder.text().strip()
        if not folder:
            self.say(_("请选择备份文件夹"))
            return
        kept = self.key is not None and self.use_kept.isChecked()
        password = self.password.text()
        if not kept:
            problem = password_problem(password, self.again.text())
            if problem:
                self.say(problem)
                return
        remember = not kept and self.admin and self.remember.isChecked()
        dest = Path(folder)

        def job(database: Any) -> tuple[Path, Any, Any]:
            from commdesk.models.backup import audit_backup, backup_encrypted
            from commdesk.models.backup_key import keep_backup_password

            secret: Any = self.key if kept else password
            if remember:
                secret = keep_backup_password(database, password)
            target, manifest = backup_encrypted(database, secret, dest)
            audit_backup(database, target, "backup")
            return target, manifest, secret if remember else None

        self.busy = True
        self.backup_button.setEnabled(False)
        self.say(_("正在备份并核对……"), NOTE_STYLE)
        Op(self, job, raw=True).success(self._written).failure(self._failed).run()

    def _written(self, result: tuple[Path, Any, Any]) -> None:
        target, manifest, kept = result
        self.busy = False
        self.backup_button.setEnabled(True)
        self.target = target
        self.password.clear()
        self.again.clear()
        people = manifest.counts.get("resident", 0)
        households = manifest.counts.get("household", 0)
        self.say(_("已加密备份到：\n{path}\n（{h} 户、居民 {n} 人，已逐块核对）").format(
            path=target, h=households, n=people), OK_STYLE)
        if kept is not None:             # the password just kept for the automatic backups
            self.key = kept
        self.backup_button.setText(_("再备份一次"))
        self.done.emit(str(target))

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.backup_button.setEnabled(True)
        if isinstance(error, UserError):
            self.say(str(error))
        elif isinstance(error, OSError):
            from commdesk.errors import write_failure

            self.say(_("无法写入备份：{err}").format(err=write_failure(error)))
        else:
            from commdesk.ui.errors import show_error

            self.say(_("备份没有完成。"))
            show_error(self, error)


def _default_folder(make: Any) -> Path:
    try:
        return Path(make())
    except OSError:
        return Path.home()
