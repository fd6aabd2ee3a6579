"""台账与报表: every declared ledger to Excel or PDF (filters, columns, orientation, masking),
print preview and printing, and the monthly report. Exports run off the GUI thread with a
progress dialog that can cancel; afterwards the file or its folder opens in one click."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDateEdit, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QListWidget, QListWidgetItem, QMessageBox, QProgressDialog, QPushButton,
                               QRadioButton, QVBoxLayout, QWidget)

from commdesk.i18n import _
from commdesk.changes import Changes
from commdesk.ui.runner import Op

FORMATS = (("xlsx", "Excel 工作簿 (*.xlsx)"), ("pdf", "PDF 文件 (*.pdf)"))
PREVIEW_LIMIT = 3000


def _ledgers() -> list[Any]:
    from commdesk.reports import get_ledger, ledger_keys

    return [get_ledger(k) for k, _t in ledger_keys()]


class ReportsPage(QWidget):
    title = "台账与报表"
    exported = Signal(object)   # Path of a finished export

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportsPage")
        self.ledgers: list[Any] = []   # loaded by start(): the ledger modules are not needed at start-up
        self.last_path: Path | None = None
        self.op: Op | None = None
        self.progress_dialog: QProgressDialog | None = None

        self.ledger_list = QListWidget()
        self.ledger_list.setObjectName("ledgerList")
        self.ledger_list.setFixedWidth(200)

        self.description = QLabel("")
        self.description.setWordWrap(True)
        self.filter_box = QGroupBox(_("筛选"))
        self.filter_form = QFormLayout(self.filter_box)
        self.filter_widgets: dict[str, QComboBox] = {}
        self.month = QDateEdit(QDate.currentDate().addMonths(-1))
        self.month.setObjectName("monthEdit")
        self.month.setDisplayFormat("yyyy年M月")
        self.month_label = QLabel(_("月份") + "：")

        self.columns = QListWidget()
        self.columns.setObjectName("columnList")
        self.columns.setMaximumHeight(150)
        self.columns.setFlow(QListWidget.Flow.LeftToRight)
        self.columns.setWrapping(True)

        self.orientation = QComboBox()
        for value, label in ((None, "自动"), (False, "纵向 A4"), (True, "横向 A4")):
            self.orientation.addItem(_(label), value)
        self.masked = QRadioButton(_("脱敏（身份证号、电话部分隐藏）"))
        self.masked.setObjectName("maskedChoice")
        self.full = QRadioButton(_("完整信息（仅限内部使用）"))
        self.full.setObjectName("fullChoice")
        self.masked.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.masked)
        group.addButton(self.full)

        options = QGroupBox(_("输出"))
        opt = QFormLayout(options)
        opt.addRow(_("纸张方向") + "：", self.orientation)
        mask_row = QWidget()
        mr = QHBoxLayout(mask_row)
        mr.setContentsMargins(0, 0, 0, 0)
        mr.addWidget(self.masked)
        mr.addWidget(self.full)
        mr.addStretch(1)
        opt.addRow(_("个人信息") + "：", mask_row)

        self.export_xlsx = QPushButton(_("导出 Excel…"))
        self.export_xlsx.setObjectName("exportXlsx")
        self.export_pdf = QPushButton(_("导出 PDF…"))
        self.export_pdf.setObjectName("exportPdf")
        self.preview = QPushButton(_("打印预览…"))
        self.preview.setObjectName("printPreview")
        self.open_folder = QPushButton(_("打开所在文件夹"))
        self.open_folder.setEnabled(False)
        self.status = QLabel("")
        self.status.setObjectName("exportStatus")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        for b in (self.export_xlsx, self.export_pdf, self.preview, self.open_folder):
            buttons.addWidget(b)
        buttons.addStretch(1)

        monthly = QGroupBox(_("月报"))
        ml = QHBoxLayout(monthly)
        self.report_month = QDateEdit(QDate.currentDate().addMonths(-1))
        self.report_month.setObjectName("reportMonth")
        self.report_month.setDisplayFormat("yyyy年M月")
        self.report_pdf = QPushButton(_("生成月报 PDF…"))
        self.report_pdf.setObjectName("reportPdf")
        self.report_xlsx = QPushButton(_("生成月报 Excel…"))
        ml.addWidget(QLabel(_("月份") + "："))
        ml.addWidget(self.report_month)
        ml.addWidget(self.report_pdf)
        ml.addWidget(self.report_xlsx)
        ml.addStretch(1)

        right = QVBoxLayout()
        right.addWidget(self.description)
        self.filter_form.addRow(self.month_label, self.month)
        right.addWidget(self.filter_box)
        right.addWidget(QLabel(_("列（取消勾选的列不导出）") + "："))
        right.addWidget(self.columns)
        right.addWidget(options)
        right.addLayout(buttons)
        right.addWidget(self.status)
        right.addStretch(1)
        right.addWidget(monthly)
        layout = QHBoxLayout(self)
        layout.addWidget(self.ledger_list)
        layout.addLayout(right, 1)

        self.ledger_list.currentRowChanged.connect(self._ledger_changed)
        self.export_xlsx.clicked.connect(lambda: self.choose_and_export("xlsx"))
        self.export_pdf.clicked.connect(lambda: self.choose_and_export("pdf"))
        self.preview.clicked.connect(self.print_preview)
        self.open_folder.clicked.connect(self.show_folder)
        self.report_pdf.clicked.connect(lambda: self.choose_and_report("pdf"))
        self.report_xlsx.clicked.connect(lambda: self.choose_and_report("xlsx"))
        self.full.toggled.connect(self._confirm_full)

    # --- page protocol ----------------------------------------------------------------------
    def start(self) -> None:
        self.ledgers = _ledgers()
        for ledger in self.ledgers:
            item = QListWidgetItem(ledger.title)
            item.setData(Qt.ItemDataRole.UserRole, ledger.key)
            item.setToolTip(ledger.description)
            self.ledger_list.addItem(item)
        if self.ledgers:
            self.ledger_list.setCurrentRow(0)

    def on_changes(self, changes: Changes) -> None:
        if changes.touches("grid", "community"):
            self._ledger_changed(self.ledger_list.currentRow())

    # --- ledger choice --------------------------------------------------------------------
    @property
    def ledger(self) -> Any:
        return self.ledgers[self.ledger_list.currentRow()]

    def _ledger_changed(self, row: int) -> None:
        if row < 0:
            return
        ledger = self.ledgers[row]
        self.description.setText(f"<b>{ledger.title}</b>　{ledger.description}")
        while self.filter_form.rowCount() > 1:
            self.filter_form.removeRow(1)
        self.filter_widgets.clear()
        self.month.setVisible(ledger.needs_month)
        self.month_label.setVisible(ledger.needs_month)
        self.columns.clear()
        for col in ledger.columns:
            item = QListWidgetItem(col.header)
            item.setData(Qt.ItemDataRole.UserRole, col.key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if col.default else Qt.CheckState.Unchecked)
            self.columns.addItem(item)
        specs = [f for f in ledger.filters if f.choices is not None]

        def load(session: Any) -> list[tuple[Any, list[tuple[str, str]]]]:
            return [(spec, spec.choices(session)) for spec in specs]

        Op(self, load).success(lambda result: self._filters_loaded(ledger.key, result)).run()

    def _filters_loaded(self, key: str, result: list[tuple[Any, list[tuple[str, str]]]]) -> None:
        if self.ledger.key != key:
            return
        for spec, choices in result:
            box = QComboBox()
            box.setObjectName(f"filter_{spec.key}")
            box.addItem(_("全部"), None)
            for value, label in choices:
                if value == "全部":
                    continue
                box.addItem(label, value)
            if spec.default is not None:
                box.setCurrentIndex(max(0, box.findData(spec.default)))
            self.filter_widgets[spec.key] = box
            self.filter_form.addRow(spec.label + "：", box)

    def _confirm_full(self, checked: bool) -> None:
        """Full values: for an account granted them, with the purpose typed (audited with the
        export); without accounts, a confirmation."""
        if not checked:
            self.full_reason = ""
            return
        from commdesk.ui.session import current_account, may

        if not may("full_values"):
            QMessageBox.information(self, _("导出完整信息"), _("导出完整身份证号和电话需要管理员授权（账号管理 → 授权完整信息）"))
            self.masked.setChecked(True)
            return
        if current_account() is not None:
            from PySide6.QtWidgets import QInputDialog

            reason, ok = QInputDialog.getText(
                self, _("导出完整信息"), _("完整的身份证号和电话属于敏感个人信息，只能用于内部工作。请写明用途（记入审计）："))
            if not ok or len(reason.strip()) < 2:
                self.masked.setChecked(True)
                return
            self.full_reason = reason.strip()
            return
        answer = QMessageBox.question(
            self, _("导出完整信息"),
            _("完整的身份证号和电话属于居民个人信息，只能用于内部工作，不得外传或张贴。确定导出完整信息吗？"))
        if answer != QMessageBox.StandardButton.Yes:
            self.masked.setChecked(True)
        else:
            self.full_reason = _("（未启用账号）")

    def options(self) -> dict[str, Any]:
        ledger = self.ledger
        month = None
        if ledger.needs_month:
            d = self.month.date()
            month = (d.year(), d.month())
        filters = {k: w.currentData() for k, w in self.filter_widgets.items() if w.currentData() is not None}
        columns = [self.columns.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.columns.count())
                   if self.columns.item(i).checkState() == Qt.CheckState.Checked]
        return {"key": ledger.key, "month": month, "filters": filters, "columns": columns,
                "landscape": self.orientation.currentData(), "masked": self.masked.isChecked()}

    # --- export -----------------------------------------------------------------------------
    def choose_and_export(self, fmt: str) -> None:
        name = f"{self.ledger.title}-{date.today():%Y%m%d}.{fmt}"
        path, _f = QFileDialog.getSaveFileName(self, _("导出台账"), str(Path.home() / name), dict(FORMATS)[fmt])
        if path:
            self.export_to(Path(path), fmt)

    def export_to(self, path: Path, fmt: str) -> Op:
        opts = self.options()
        if not opts["columns"]:
            self.status.setText(_("请至少选择一列"))
            raise ValueError("no columns")

        reason = getattr(self, "full_reason", "")
        title = self.ledger.title

        def job(database: Any, progress: Any) -> Path:
            from commdesk.reports import export_ledger

            done = export_ledger(database, opts["key"], fmt, path, month=opts["month"], masked=opts["masked"],
                                 filters=opts["filters"], columns=opts["columns"], landscape=opts["landscape"],
                                 progress=lambda done, total: progress.update(done, total or 0),
                                 cancel=lambda: progress.cancelled)
            if not opts["masked"]:
                from commdesk.services.accounts import record_full_values

                with database.Session() as session:
                    record_full_values(session, _("导出 {title}（{fmt}）").format(title=title, fmt=fmt), None,
                                       reason or _("（未填写）"))
                    session.commit()
            return done

        return self._run(job, _("正在导出“{title}”…").format(title=self.ledger.title))

    def choose_and_report(self, fmt: str) -> None:
        d = self.report_month.date()
        name = f"月报-{d.year()}年{d.month()}月.{fmt}"
        path, _f = QFileDialog.getSaveFileName(self, _("生成月报"), str(Path.home() / name), dict(FORMATS)[fmt])
        if path:
            self.report_to(Path(path))

    def report_to(self, path: Path) -> Op:
        d = self.report_month.date()
        year, month = d.year(), d.month()

        def job(database: Any) -> Path:
            from commdesk.reports import build_monthly_report

            return build_monthly_report(database, year, month, path)

        return self._run(job, _("正在生成 {y} 年 {m} 月月报…").format(y=year, m=month))

    def _run(self, job: Any, label: str) -> Op:
        dialog = QProgressDialog(label, _("取消"), 0, 0, self)
        dialog.setWindowTitle(_("请稍候"))
        dialog.setMinimumDuration(400)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress_dialog = dialog
        self.status.setText(label)
        op = Op(self, job, raw=True)

        def progressed(done: int, total: int, _text: str) -> None:
            if total:
                dialog.setMaximum(total)
                dialog.setValue(min(done, total))

        op.with_progress(progressed).success(self._done).failure(self._failed)
        dialog.canceled.connect(op.cancel)
        self.op = op.run()
        return op

    def _finish_progress(self) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.reset()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None

    def _done(self, path: Path) -> None:
        self._finish_progress()
        self.last_path = Path(path)
        self.open_folder.setEnabled(True)
        self.status.setText(_("已保存：{path}").format(path=path))
        self.exported.emit(self.last_path)

    def _failed(self, error: BaseException) -> None:
        self._finish_progress()
        from commdesk.reports import ExportCancelled

        if isinstance(error, ExportCancelled):
            self.status.setText(_("已取消，没有生成文件。"))
            return
        from commdesk.ui.errors import show_error

        self.status.setText(_("没有完成。"))
        show_error(self, error)

    def show_folder(self) -> None:
        if self.last_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_path.parent)))

    # --- print preview ---------------------------------------------------------------------
    def print_preview(self) -> None:
        opts = self.options()

        def job(session: Any) -> Any:
            from commdesk.ui.print_ledger import ledger_document_html

            return ledger_document_html(session, opts, limit=PREVIEW_LIMIT)

        Op(self, job).success(self._show_preview).failure(self._failed).run()

    def _show_preview(self, result: Any) -> None:
        from commdesk.ui.print_ledger import show_print_preview

        self.preview_dialog = show_print_preview(self, result)
