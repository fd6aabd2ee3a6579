"""从备份恢复: choose a backup (encrypted .cdbak with its password, or an automatic .sqlite3),
check it whole, see what it holds against today, then restore (the window closes, today's
database is saved aside, the backup replaces it, and the program reopens it with a login).
Restoring a backup replaces the whole database; importing data is a different act."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDialog, QFileDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QMessageBox, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from commdesk.errors import UserError
from commdesk.i18n import _


class RestoreDialog(QDialog):
    #: the backup and its password (None for a plain copy), once checked and confirmed
    restore_confirmed = Signal(str, object)

    def __init__(self, db_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.preview: Any = None
        self.setWindowTitle(_("从备份恢复"))
        intro = QLabel(_("恢复会用备份替换当前的整个数据库（当前数据库会先另存一份）。这与“导入旧台账”不同。"
                         "请先选择备份并检查，确认内容无误后再恢复。"))
        intro.setWordWrap(True)
        self.file = QLineEdit()
        self.file.setObjectName("restoreFile")
        self.file.setReadOnly(True)
        choose = QPushButton(_("选择备份…"))
        choose.clicked.connect(self.choose)
        row = QHBoxLayout()
        row.addWidget(self.file, 1)
        row.addWidget(choose)
        self.password = QLineEdit()
        self.password.setObjectName("restorePassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(_("加密备份（.cdbak）才需要；本机的自动备份可以不填"))
        form = QFormLayout()
        form.addRow(_("备份文件") + "：", row)
        form.addRow(_("备份密码") + "：", self.password)
        self.check_button = QPushButton(_("检查备份"))
        self.check_button.setObjectName("restoreCheck")
        self.check_button.clicked.connect(self.check)
        self.message = QLabel("")
        self.message.setObjectName("restoreMessage")
        self.message.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("restoreTable")
        self.table.setHorizontalHeaderLabels([_("内容"), _("备份中"), _("今天")])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.restore_button = QPushButton(_("恢复此备份"))
        self.restore_button.setObjectName("restoreDo")
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self.confirm)
        cancel = QPushButton(_("关闭"))
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.check_button)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.restore_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.setMinimumSize(560, 420)

    def choose(self) -> None:
        from commdesk.paths import backups_dir

        path, _f = QFileDialog.getOpenFileName(self, _("选择备份文件"), str(backups_dir()),
                                              _("commdesk 备份 (*.cdbak *.sqlite3)"))
        if path:
            self.set_file(path)

    def set_file(self, path: str) -> None:
        self.file.setText(path)
        self.preview = None
        self.restore_button.setEnabled(False)
        self.table.setRowCount(0)
        self.message.setText("")

    def check(self) -> None:
        from PySide6.QtWidgets import QApplication

        from commdesk.models.restore_preview import preview_restore

        if not self.file.text():
            self.message.setText(_("请先选择备份文件"))
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.preview = preview_restore(Path(self.file.text()), self.db_path, self.password.text() or None)
        except UserError as exc:
            self.preview = None
            self.restore_button.setEnabled(False)
            self.message.setStyleSheet("color: #b3261e;")
            self.message.setText(str(exc))
            return
        finally:
            QApplication.restoreOverrideCursor()
        rows = self.preview.rows()
        self.table.setRowCount(len(rows))
        for i, (label, then, now) in enumerate(rows):
            for j, value in enumerate((label, "—" if then is None else str(then), "—" if now is None else str(now))):
                self.table.setItem(i, j, QTableWidgetItem(value))
        self.message.setStyleSheet("color: #1e7d32;")
        self.message.setText(_("备份完整（{when} 制作，数据结构版本 {schema}）。下表是备份与今天数据库的对比。").format(
            when=self.preview.created_at.replace("T", " ")[:16] or "?", schema=self.preview.schema or "?"))
        self.restore_button.setEnabled(True)

    def confirm(self) -> None:
        if self.preview is None:
            return
        answer = QMessageBox.question(self, _("从备份恢复"), _("确定用这个备份替换今天的整个数据库吗？今天的数据库会先另存一份，"
                                                           "恢复后程序重新打开数据库，需要重新登录。"))
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.restore_confirmed.emit(self.file.text(), self.password.text() or None)
        self.accept()
