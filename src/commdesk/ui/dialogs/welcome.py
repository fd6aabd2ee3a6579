"""First run: create the community and its grids, or load demo data to look around."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QProgressBar, QPushButton, QVBoxLayout, QWidget)

from commdesk.errors import ValidationError
from commdesk.i18n import _
from commdesk.changes import Changes
from commdesk.services.community import create_community
from commdesk.ui.runner import Op

DEMO_HOUSEHOLDS = 300


class WelcomeDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("欢迎使用社区工作台"))
        intro = QLabel(_("第一次使用：请建立本社区的基本信息和网格。也可以先载入演示数据看看各项功能。"))
        intro.setWordWrap(True)
        create = QGroupBox(_("建立社区"))
        form = QFormLayout(create)
        self.name = QLineEdit()
        self.name.setObjectName("welcome_name")
        self.name.setPlaceholderText(_("例如：幸福里社区居民委员会"))
        self.street = QLineEdit()
        self.street.setPlaceholderText(_("例如：和平街道"))
        self.district = QLineEdit()
        self.district.setPlaceholderText(_("例如：新华区"))
        self.grids = QPlainTextEdit("第一网格\n第二网格\n第三网格")
        self.grids.setObjectName("welcome_grids")
        self.grids.setFixedHeight(90)
        form.addRow(_("社区名称") + "：", self.name)
        form.addRow(_("所属街道") + "：", self.street)
        form.addRow(_("所在区县") + "：", self.district)
        form.addRow(_("网格（每行一个）") + "：", self.grids)
        self.message = QLabel("")
        self.message.setStyleSheet("color: #b3261e;")
        form.addRow("", self.message)
        self.create_button = QPushButton(_("建立社区并开始"))
        self.create_button.setObjectName("welcome_create")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self.create)
        self.demo_button = QPushButton(_("载入演示数据（{n} 户）").format(n=DEMO_HOUSEHOLDS))
        self.demo_button.setObjectName("welcome_demo")
        self.demo_button.clicked.connect(self.load_demo)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(create)
        layout.addWidget(self.progress)
        layout.addLayout(buttons)
        self.setMinimumWidth(520)
        self.name.setFocus()

    def create(self) -> None:
        name, street, district = self.name.text(), self.street.text(), self.district.text()
        grids = self.grids.toPlainText().splitlines()
        if not name.strip():
            self.message.setText(_("请填写社区名称"))
            self.name.setFocus()
            return
        self._busy(True)
        Op(self, lambda s: create_community(s, name, street, district, grids), write=True) \
            .success(lambda _r: self.accept()).failure(self._failed).run()

    def load_demo(self) -> None:
        from commdesk.demo import generate_full_demo

        self._busy(True)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)

        def job(database: object) -> Changes:
            generate_full_demo(database, households=DEMO_HOUSEHOLDS, seed=1)
            return Changes.of("community", "grid", "household", "resident")

        Op(self, job, raw=True).success(lambda _r: self.accept()).failure(self._failed).run()

    def _busy(self, busy: bool) -> None:
        self.create_button.setEnabled(not busy)
        self.demo_button.setEnabled(not busy)
        self.setCursor(Qt.CursorShape.WaitCursor if busy else Qt.CursorShape.ArrowCursor)

    def _failed(self, error: BaseException) -> None:
        self._busy(False)
        self.progress.setVisible(False)
        if isinstance(error, ValidationError):
            self.message.setText(error.message)
        else:
            from commdesk.ui.errors import show_error

            show_error(self, error)
