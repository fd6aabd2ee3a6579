"""The main window: navigation among the modules that exist, their pages, menus and status bar."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow,
                               QMessageBox, QStackedWidget, QWidget)

from commdesk import __version__
from commdesk.i18n import _
from commdesk.changes import Changes
from commdesk.ui.errors import show_error
from commdesk.ui.page_registry import PageEntry, available_pages
from commdesk.ui.runner import Op, Runner

SHORTCUT_HELP = (
    ("Ctrl+F", "搜索"), ("Ctrl+N", "新建户"), ("Ctrl+Shift+N", "添加家庭成员"), ("F2", "编辑居民"),
    ("Ctrl+E", "编辑户"), ("Ctrl+M", "迁到他户"), ("Ctrl+D", "登记迁入/迁出/死亡"), ("Delete", "归档居民"),
    ("Ctrl+Delete", "归档整户"), ("Ctrl+Shift+R", "恢复"), ("F5", "刷新"), ("Ctrl+1…9", "切换页面"),
    ("Ctrl+B", "备份数据库"), ("Ctrl+,", "设置"), ("Ctrl+Q", "退出"),
)


class PageStack(QStackedWidget):
    """The pages, sized by the page in view: a QStackedWidget asks for the largest of all its
    pages, so one wide page (党员中心户) would make every other page scroll sideways in a narrow
    window (1366x768 at 150 %)."""

    def __init__(self) -> None:
        super().__init__()
        self.currentChanged.connect(lambda _i: self.updateGeometry())

    def sizeHint(self) -> Any:  # noqa: N802 - Qt's name
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self) -> Any:  # noqa: N802 - Qt's name
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else super().minimumSizeHint()


class MainWindow(QMainWindow):
    #: another database file chosen in 文件 → 打开其他数据库 (the application reopens on it)
    open_requested = Signal(str)
    #: a checked backup (path, password or None) to restore over this database
    restore_requested = Signal(str, object)
    #: 设置 → 数据库加密: True to encrypt the database file, False to decrypt it (the application
    #: closes the database, converts and reopens it)
    cipher_requested = Signal(bool)

    def __init__(self, database: Any, runner: Runner, first_page: type | None = None) -> None:
        super().__init__()
        self.database = database
        self.runner = runner
        self.setObjectName("mainWindow")
        name = database.path.name if database.path else database.url
        self.setWindowTitle(_("社区工作台 — {name}{ro}").format(
            name=name, ro=_("（只读）") if database.readonly else ""))
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(120)
        self.nav.setStyleSheet("QListWidget { font-size: 14px; } QListWidget::item { padding: 8px 6px; }")
        self.stack = PageStack()
        # one slot per page; a page is imported and built the first time it is needed
        self.entries: list[PageEntry] = []
        self.built: dict[int, QWidget] = {}
        self.page_by_class: dict[type, QWidget] = {}  # the pages built so far
        for entry in available_pages():
            self.add_entry(entry)
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.started: set[int] = set()
        self._running = False
        self.nav.currentRowChanged.connect(self._page_changed)
        self.nav.setCurrentRow(self.page_index(first_page) if first_page is not None else 0)

        self.status = QLabel("")
        self.statusBar().addWidget(self.status, 1)
        self._build_menus()
        # bound methods, not lambdas: Qt disconnects them when the window is destroyed
        runner.signals.changed.connect(self.on_changes)
        runner.signals.error.connect(self._show_error)
        runner.signals.busy.connect(self._show_busy)
        self.resize(1366, 740)
        settings = QSettings()
        geometry = settings.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    def _show_error(self, error: BaseException) -> None:
        show_error(self, error)

    def _show_busy(self, busy: bool) -> None:
        self.status.setText(_("正在处理…") if busy else "")

    # --- pages ---------------------------------------------------------------------------
    def page_index(self, cls: type) -> int:
        for i, entry in enumerate(self.entries):
            if entry.is_for(cls):
                return i
        raise KeyError(f"no page {cls.__qualname__} in this build")

    def has_page(self, cls: type) -> bool:
        return any(entry.is_for(cls) for entry in self.entries)

    def page(self, key: type | int) -> QWidget:
        """The page of this class (or navigation index), built now if it was not yet."""
        index = key if isinstance(key, int) else self.page_index(key)
        page = self.built.get(index)
        if page is None:
            cls = self.entries[index].load()
            page = cls()
            placeholder = self.stack.widget(index)
            current = self.stack.currentIndex()
            self.stack.insertWidget(index, page)
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
            self.stack.setCurrentIndex(current)
            self.built[index] = page
            self.page_by_class[cls] = page
        return page

    @property
    def pages(self) -> list[QWidget]:
        """Every page, in navigation order (builds those not built yet)."""
        return [self.page(i) for i in range(len(self.entries))]

    @property
    def ledger(self) -> Any:
        from commdesk.ui.ledger_page import LedgerPage

        return self.page(LedgerPage)

    @property
    def grids(self) -> Any:
        from commdesk.ui.grids_page import GridsPage

        return self.page(GridsPage)

    def show_page(self, cls: type) -> QWidget:
        """Switch to the page of this class (dashboard alerts open the list behind them)."""
        index = self.page_index(cls)
        page = self.page(index)
        self.nav.setCurrentRow(index)
        return page

    def add_entry(self, entry: PageEntry) -> None:
        self.entries.append(entry)
        self.stack.addWidget(QWidget())  # placeholder until the page is first shown
        item = QListWidgetItem(_(entry.title))
        item.setSizeHint(item.sizeHint().expandedTo(self.nav.sizeHintForIndex(self.nav.model().index(0, 0))))
        self.nav.addItem(item)
        n = len(self.entries)
        if n <= 9:
            action = QAction(self)
            action.setShortcut(QKeySequence(f"Ctrl+{n}"))
            action.triggered.connect(lambda _c=False, i=n - 1: self.nav.setCurrentRow(i))
            self.addAction(action)

    def _build_menus(self) -> None:
        menu = self.menuBar().addMenu(_("文件(&F)"))
        self.menu_file = menu

        def add(m: Any, text: str, slot: Any, shortcut: Any = None) -> QAction:
            action = QAction(_(text), self)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(lambda _c=False: slot())
            m.addAction(action)
            return action

        add(menu, "打开其他数据库…", self.open_other, QKeySequence.StandardKey.Open)
        menu.addSeparator()
        add(menu, "备份数据库…", self.backup_now, "Ctrl+B")
        add(menu, "从备份恢复…", self.restore_from_backup)
        add(menu, "检查数据库完整性", self.check_database)
        menu.addSeparator()
        add(menu, "设置…", self.open_settings, "Ctrl+,")
        menu.addSeparator()
        add(menu, "退出", self.close, "Ctrl+Q")
        self.menu_data = self.menuBar().addMenu(_("数据(&D)"))
        add(self.menu_data, "导入旧台账…", self.open_import, "Ctrl+I")
        add(self.menu_data, "导入记录与撤销…", self.open_batches)
        add(self.menu_data, "待核实的居民", self.show_review)
        help_menu = self.menuBar().addMenu(_("帮助(&H)"))
        add(help_menu, "快捷键", self.show_shortcuts, "F1")
        add(help_menu, "关于社区工作台", self.about)

    def start(self) -> None:
        """Load the page in view. The others load the first time they are shown, so start-up
        (and the dashboard's first paint) never waits behind every module's queries."""
        self._running = True
        self._start_page(self.nav.currentRow())

    def _start_page(self, index: int) -> None:
        if not self._running or index < 0 or index in self.started:
            return
        self.started.add(index)
        self.page(index).start()  # type: ignore[attr-defined]

    def _page_changed(self, index: int) -> None:
        if index < 0:
            return
        self.page(index)
        self.stack.setCurrentIndex(index)
        self._start_page(index)

    def on_changes(self, changes: Changes) -> None:
        # pages not started yet load everything fresh when they are first shown
        for i in sorted(self.started):
            self.built[i].on_changes(changes)  # type: ignore[attr-defined]

    # --- data menu -------------------------------------------------------------------------
    def open_import(self, path: str = "") -> Any:
        from commdesk.ui.import_wizard import ImportWizard

        wizard = ImportWizard(self, path)
        self.import_wizard = wizard
        wizard.open()
        return wizard

    def open_batches(self) -> Any:
        from commdesk.ui.import_wizard import BatchesDialog

        dialog = BatchesDialog(self)
        self.batches_dialog = dialog
        dialog.show()
        return dialog

    def open_settings(self) -> None:
        from commdesk.ui.settings_page import SettingsPage

        if self.has_page(SettingsPage):
            self.show_page(SettingsPage)

    def show_review(self) -> None:
        from commdesk.ui.ledger_page import LedgerPage

        page = self.show_page(LedgerPage)
        page.review_box.setChecked(True)  # type: ignore[attr-defined]

    # --- file menu -------------------------------------------------------------------------
    def backup_now(self) -> Any:
        """备份数据库: the encrypted backup to a folder or USB stick (``BackupDialog``)."""
        from commdesk.ui.dialogs.backup_dialog import BackupDialog
        from commdesk.ui.session import may

        if self.database.path is None:
            QMessageBox.information(self, _("备份数据库"), _("服务器上的数据库由服务器管理员备份（pg_dump）。"))
            return None
        if not may("backup"):
            QMessageBox.information(self, _("备份数据库"), _("只读账号不能备份数据库，请找管理员"))
            return None
        dialog = BackupDialog(self.database, self)
        self.backup_dialog = dialog
        dialog.open()
        return dialog

    def restore_from_backup(self) -> None:
        """从备份恢复 (administrators): check the backup, compare, then the application restores it
        and reopens the database (``restore_requested``)."""
        from commdesk.ui.dialogs.restore_dialog import RestoreDialog
        from commdesk.ui.session import may

        if self.database.path is None:
            QMessageBox.information(self, _("从备份恢复"), _("只能恢复本机 SQLite 数据库"))
            return
        if not may("restore"):
            QMessageBox.information(self, _("从备份恢复"), _("恢复备份需要管理员账号"))
            return
        dialog = RestoreDialog(self.database.path, self)
        dialog.restore_confirmed.connect(self.restore_requested)
        self.restore_dialog = dialog
        dialog.open()

    def open_other(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, _("打开数据库"), "", _("commdesk 数据库 (*.sqlite3 *.db)"))
        if path:
            self.open_requested.emit(path)

    def check_database(self) -> None:
        from commdesk.services.integrity import check_database

        def shown(report: Any) -> None:
            if report.ok:
                QMessageBox.information(self, _("检查数据库"), _("检查通过：数据库完整。"))
            else:
                QMessageBox.warning(self, _("检查数据库"), "\n".join(report.problems))

        Op(self, lambda s: check_database(s.connection())).success(shown).run()

    def show_shortcuts(self) -> None:
        text = "\n".join(f"{k}\t{_(v)}" for k, v in SHORTCUT_HELP)
        QMessageBox.information(self, _("快捷键"), text)

    def about(self) -> None:
        QMessageBox.about(self, _("关于社区工作台"),
                          _("社区工作台 commdesk {v}\n离线的社区台账、党建与议事工作软件。\n数据只保存在本机。")
                          .format(v=__version__))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        QSettings().setValue("main/geometry", self.saveGeometry())
        super().closeEvent(event)
