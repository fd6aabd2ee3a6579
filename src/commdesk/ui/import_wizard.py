"""导入旧台账: file → sheets and header rows → column mapping → preview with every problem marked
on its cell → import with progress and cancel → summary. All reading and writing runs off the
GUI thread; nothing is written before the last step (and then in one transaction)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QCheckBox, QComboBox, QFileDialog, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPlainTextEdit, QProgressBar, QPushButton,
                               QRadioButton, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget, QWizard,
                               QWizardPage)

from commdesk.i18n import _
from commdesk.changes import Changes
from commdesk.importers.plan import replan
from commdesk.ui.runner import Op

PROBLEM_BRUSH = QBrush(QColor("#f8d7da"))
SKIPPED_BRUSH = QBrush(QColor("#eeeeee"))
NOT_IMPORTED = "（不导入）"


def problem_label(code: str) -> str:
    from commdesk.validation.review_flags import PROBLEM_LABELS

    return PROBLEM_LABELS.get(code, code)


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(_("第1步：选择要导入的文件"))
        self.setSubTitle(_("支持 Excel（.xlsx/.xls，WPS 表格也可）和 CSV（UTF-8 或 GBK）。导入前会自动备份数据库。"))
        self.path = QLineEdit()
        self.path.setObjectName("importPath")
        self.path.setPlaceholderText(_("选择旧台账文件…"))
        browse = QPushButton(_("浏览…"))
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.kind = QComboBox()
        from commdesk.importers.fields import KINDS

        for key, spec in KINDS.items():
            self.kind.addItem(spec.label, key)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b3261e;")
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        kind_row = QHBoxLayout()
        kind_row.addWidget(QLabel(_("文件内容") + "："))
        kind_row.addWidget(self.kind)
        kind_row.addStretch(1)
        layout.addLayout(kind_row)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.path.textChanged.connect(lambda _t: self.completeChanged.emit())

    def browse(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, _("选择旧台账"), "",
                                              _("表格文件 (*.xlsx *.xlsm *.xls *.csv);;所有文件 (*)"))
        if path:
            self.path.setText(path)

    def isComplete(self) -> bool:  # noqa: N802
        return bool(self.path.text().strip())

    def validatePage(self) -> bool:  # noqa: N802
        """Inspect the file off the GUI thread; the wizard moves on when the plan arrives."""
        if self.w.plan is not None and self.w.plan_source == (self.path.text(), self.kind.currentData()):
            return True
        path, kind = self.path.text().strip(), self.kind.currentData()
        self.message.setText(_("正在读取文件…"))
        self.w.set_busy(True)

        def job(session: Any) -> Any:
            from commdesk.importers import inspect_file

            return inspect_file(path, kind, session)

        def ok(plan: Any) -> None:
            self.w.set_busy(False)
            self.message.setText("")
            self.w.plan = plan
            self.w.plan_source = (path, kind)
            self.w.next()

        def bad(error: BaseException) -> None:
            self.w.set_busy(False)
            self.message.setText(str(error))

        Op(self.w, job).success(ok).failure(bad).run()
        return False


class SheetsPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(_("第2步：工作表和表头"))
        self.setSubTitle(_("程序已自动找到表头所在的行。如有不对，请改正表头的起止行（按 Excel 中的行号）。"))
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("sheetsTable")
        self.table.setHorizontalHeaderLabels([_("工作表"), _("用途"), _("表头起始行"), _("表头结束行"), _("说明")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.info = QLabel("")
        self.info.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addWidget(self.table)

    def initializePage(self) -> None:  # noqa: N802
        plan = self.w.plan
        self.info.setText(_("文件类型：{t}{enc}　识别出的社区：{c}　网格：{g}").format(
            t=plan.file_type, enc=f"（{plan.encoding}）" if plan.encoding else "", c=plan.community or _("无"),
            g="、".join(plan.grids) or _("无")))
        self.table.setRowCount(len(plan.sheets))
        self.spins: list[tuple[QSpinBox, QSpinBox]] = []
        for r, sheet in enumerate(plan.sheets):
            self.table.setItem(r, 0, QTableWidgetItem(sheet.name))
            self.table.setItem(r, 1, QTableWidgetItem(_("导入") if sheet.role == "data" else _("不导入")))
            first = QSpinBox()
            last = QSpinBox()
            for spin in (first, last):
                spin.setRange(1, 100000)
                spin.setEnabled(sheet.role == "data")
            if sheet.header_rows:
                first.setValue(min(sheet.header_rows) + 1)
                last.setValue(max(sheet.header_rows) + 1)
            self.table.setCellWidget(r, 2, first)
            self.table.setCellWidget(r, 3, last)
            self.spins.append((first, last))
            self.table.setItem(r, 4, QTableWidgetItem(sheet.reason or "；".join(sheet.title_lines[:2])))

    def validatePage(self) -> bool:  # noqa: N802
        plan = self.w.plan
        changed = False
        for sheet, (first, last) in zip(plan.sheets, self.spins, strict=True):
            if sheet.role != "data":
                continue
            rows = list(range(first.value() - 1, max(first.value(), last.value())))
            if rows != sheet.header_rows:
                plan.set_header_rows(sheet.name, rows)
                changed = True
        if changed:
            self.w.refresh_plan_then(self.w.next)
            return False
        return True


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(_("第3步：列对应"))
        self.setSubTitle(_("每一列对应到哪一项。程序按表头自动对应；改正后，同样表头的文件下次会自动沿用。"))
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("mappingTable")
        self.table.setHorizontalHeaderLabels([_("工作表"), _("原表头"), _("对应到")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self.combos: list[tuple[str, int, QComboBox]] = []

    def initializePage(self) -> None:  # noqa: N802
        from commdesk.importers.fields import get_kind

        plan = self.w.plan
        spec = get_kind(plan.kind)
        rows = [(s.name, c) for s in plan.data_sheets() for c in s.columns]
        self.table.setRowCount(len(rows))
        self.combos = []
        for r, (sheet, col) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(sheet))
            self.table.setItem(r, 1, QTableWidgetItem(col.label))
            box = QComboBox()
            box.addItem(_(NOT_IMPORTED), "")
            for f in spec.fields:
                if not f.ignore:
                    box.addItem(f.label, f.key)
            box.setCurrentIndex(max(0, box.findData(col.field or "")))
            self.table.setCellWidget(r, 2, box)
            self.combos.append((sheet, col.index, box))

    def validatePage(self) -> bool:  # noqa: N802
        plan = self.w.plan
        current = {(s.name, c.index): c.field or "" for s in plan.data_sheets() for c in s.columns}
        changed = False
        for sheet, index, box in self.combos:
            value = box.currentData() or ""
            if current.get((sheet, index), "") != value:
                plan.set_mapping(sheet, index, value or None)
                changed = True
        if changed:
            self.w.refresh_plan_then(self.w.next)
            return False
        return True


def preview_text_for(plan: Any) -> Any:
    """How a register's cell is shown in the preview: with accounts (``masks_screen``) the ID
    number and phone columns are masked as on every other screen, and anything in another cell
    that looks like an ID number or a mobile too (a phone written into 备注); without accounts
    as in the file."""
    from commdesk.logsetup import redact
    from commdesk.ui.session import masks_screen
    from commdesk.validation.idcard import mask_id
    from commdesk.validation.phone import mask_phone, split_phones

    if not masks_screen():
        return lambda sheet, column, text: text
    fields = {(s.name, c.index): c.field for s in plan.data_sheets() for c in s.columns}

    def shown(sheet: str, column: int, text: str) -> str:
        field = fields.get((sheet, column))
        if field == "id_number":
            return mask_id(text)
        if field == "phone":
            return " / ".join(mask_phone(part) for part in split_phones(text)) or mask_phone(text)
        return redact(text)

    return shown


class PreviewPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(_("第4步：预览和问题"))
        self.setSubTitle(_("红色单元格有问题（鼠标停留可看原因）；灰色行不是数据行，会跳过。确认无误后开始导入。"))
        self.setCommitPage(True)  # no way back once the import has started
        self.counts = QLabel("")
        self.counts.setObjectName("problemCounts")
        self.counts.setWordWrap(True)
        self.table = QTableWidget(0, 0)
        self.table.setObjectName("previewTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.fill = QRadioButton(_("只补空白（不覆盖已有内容）"))
        self.fill.setChecked(True)
        self.update = QRadioButton(_("用文件内容更新"))
        self.skip = QRadioButton(_("跳过已有居民"))
        group = QButtonGroup(self)
        for b in (self.fill, self.update, self.skip):
            group.addButton(b)
        self.dry_run = QCheckBox(_("试导入（只检查，不写入）"))
        self.report = QCheckBox(_("同时生成问题报告（Excel）"))
        self.report.setChecked(True)
        self.report_full = QCheckBox(_("报告中显示完整身份证号和电话"))
        self.report_full.setToolTip(_("默认脱敏（如 130102********1234、138****5678）；报告文件请妥善保管"))
        self.report.toggled.connect(self.report_full.setEnabled)
        dup = QHBoxLayout()
        dup.addWidget(QLabel(_("已在数据库中的居民") + "："))
        for b in (self.fill, self.update, self.skip):
            dup.addWidget(b)
        dup.addStretch(1)
        opts = QHBoxLayout()
        opts.addWidget(self.dry_run)
        opts.addWidget(self.report)
        opts.addWidget(self.report_full)
        opts.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.counts)
        layout.addWidget(self.table, 1)
        layout.addLayout(dup)
        layout.addLayout(opts)

    def initializePage(self) -> None:  # noqa: N802
        plan = self.w.plan
        rc = plan.row_counts
        parts = [_("数据行 {n}").format(n=rc.get("data", 0)), _("跳过 {n}").format(n=rc.get("skipped", 0)),
                 _("拒绝 {n}").format(n=rc.get("rejected", 0))]
        problems = "；".join(f"{problem_label(k)} {v}" for k, v in sorted(plan.problem_counts.items(),
                                                                         key=lambda kv: -kv[1]))
        notes = "".join("\n" + _("注意：") + w for w in plan.warnings[:6])
        if len(plan.warnings) > 6:
            notes += "\n" + _("……另有 {n} 条注意事项（见导入报告）").format(n=len(plan.warnings) - 6)
        self.counts.setText("　".join(parts) + (_("\n问题：") + problems if problems else _("\n没有发现问题。"))
                            + notes)
        self.counts.setWordWrap(True)
        preview = plan.preview
        headers = [_("工作表"), _("行号"), _("状态")]
        width = max((len(p.cells) for p in preview), default=0)
        labels = self._column_labels(width)
        self.table.setColumnCount(3 + width)
        self.table.setHorizontalHeaderLabels(headers + labels)
        self.table.setRowCount(len(preview))
        status_text = {"data": _("导入"), "skipped": _("跳过"), "rejected": _("拒绝")}
        shown = preview_text_for(plan)
        for r, p in enumerate(preview):
            fixed = (p.sheet, str(p.row), status_text.get(p.status, p.status) + (f"：{p.reason}" if p.reason else ""))
            for c, text in enumerate(fixed):
                item = QTableWidgetItem(text)
                if p.status != "data":
                    item.setBackground(SKIPPED_BRUSH)
                self.table.setItem(r, c, item)
            for c, text in enumerate(p.cells):
                item = QTableWidgetItem(shown(p.sheet, c, text))
                code = p.problems.get(c)
                if code:
                    item.setBackground(PROBLEM_BRUSH)
                    item.setToolTip(problem_label(code))
                elif p.status != "data":
                    item.setBackground(SKIPPED_BRUSH)
                self.table.setItem(r, 3 + c, item)
        self.table.resizeColumnsToContents()

    def _column_labels(self, width: int) -> list[str]:
        sheets = self.w.plan.data_sheets()
        if sheets and len(sheets[0].columns) >= width:
            return [c.label for c in sheets[0].columns[:width]]
        return [str(i + 1) for i in range(width)]

    def on_duplicate(self) -> str:
        return "update" if self.update.isChecked() else "skip" if self.skip.isChecked() else "fill"


class RunPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(_("第5步：导入"))
        self.bar = QProgressBar()
        self.bar.setObjectName("importProgress")
        self.cancel = QPushButton(_("取消导入"))
        self.cancel.clicked.connect(self.cancel_import)
        self.summary = QPlainTextEdit()
        self.summary.setObjectName("importSummary")
        self.summary.setReadOnly(True)
        self.open_report = QPushButton(_("打开问题报告"))
        self.open_report.setVisible(False)
        self.open_report.clicked.connect(self._open_report)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel)
        layout.addLayout(row)
        layout.addWidget(self.summary, 1)
        layout.addWidget(self.open_report)
        self.done = False
        self.result: Any = None
        self.op: Op | None = None

    def initializePage(self) -> None:  # noqa: N802
        from commdesk.importers import ImportOptions

        self.done = False
        self.summary.setPlainText(_("正在导入，请稍候…"))
        preview: PreviewPage = self.w.preview_page
        plan = self.w.plan
        report = None
        if preview.report.isChecked():
            from commdesk.paths import home

            report = home() / "import-reports" / f"{Path(plan.path).stem}-问题报告.xlsx"
            report.parent.mkdir(parents=True, exist_ok=True)
        options = ImportOptions(kind=plan.kind, on_duplicate=preview.on_duplicate(),
                                dry_run=preview.dry_run.isChecked(), report_path=report,
                                report_full=preview.report_full.isChecked())

        def job(database: Any, progress: Any) -> Any:
            from commdesk.importers import run_import

            summary = run_import(database, plan, options, progress=progress, cancel=lambda: progress.cancelled)
            return Changes.of("household", "resident", "grid", "community"), summary

        def progressed(done: int, total: int, _t: str) -> None:
            self.bar.setMaximum(max(total, 1))
            self.bar.setValue(done)

        self.op = Op(self.w, job, raw=True).with_progress(progressed).success(self._finished).failure(self._failed)
        self.op.run()
        self.cancel.setEnabled(True)

    def cancel_import(self) -> None:
        if self.op is not None:
            self.op.cancel()
            self.cancel.setEnabled(False)

    def _finished(self, result: Any) -> None:
        summary = result[1]
        self.result = summary
        self.done = True
        self.cancel.setEnabled(False)
        self.bar.setValue(self.bar.maximum())
        self.summary.setPlainText("\n".join(summary.lines()))
        self.open_report.setVisible(bool(summary.report_path))
        self.completeChanged.emit()

    def _failed(self, error: BaseException) -> None:
        self.done = True
        self.cancel.setEnabled(False)
        self.summary.setPlainText(_("导入没有完成，数据库没有任何改动。\n原因：{e}").format(e=error))
        self.completeChanged.emit()

    def _open_report(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        if self.result is not None and self.result.report_path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.result.report_path))

    def isComplete(self) -> bool:  # noqa: N802
        return self.done


class ImportWizard(QWizard):
    def __init__(self, parent: QWidget | None = None, path: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(_("导入旧台账"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setButtonText(QWizard.WizardButton.NextButton, _("下一步 >"))
        self.setButtonText(QWizard.WizardButton.BackButton, _("< 上一步"))
        self.setButtonText(QWizard.WizardButton.CancelButton, _("取消"))
        self.setButtonText(QWizard.WizardButton.FinishButton, _("完成"))
        self.setButtonText(QWizard.WizardButton.CommitButton, _("开始导入"))
        self.plan: Any = None
        self.plan_source: tuple[str, str] | None = None
        self.file_page = FilePage(self)
        self.sheets_page = SheetsPage(self)
        self.mapping_page = MappingPage(self)
        self.preview_page = PreviewPage(self)
        self.run_page = RunPage(self)
        for page in (self.file_page, self.sheets_page, self.mapping_page, self.preview_page, self.run_page):
            self.addPage(page)
        self.file_page.path.setText(path)
        self.resize(1100, 680)

    def set_busy(self, busy: bool) -> None:
        self.button(QWizard.WizardButton.NextButton).setEnabled(not busy)
        self.setCursor(Qt.CursorShape.WaitCursor if busy else Qt.CursorShape.ArrowCursor)

    def refresh_plan_then(self, then: Any) -> None:
        plan = self.plan
        self.set_busy(True)

        def ok(_plan: Any) -> None:
            self.set_busy(False)
            then()

        def bad(error: BaseException) -> None:
            self.set_busy(False)
            from commdesk.ui.errors import show_error

            show_error(self, error)

        Op(self, lambda _s: replan(plan)).success(ok).failure(bad).run()


class BatchesDialog(QWidget):
    """Import history with undo of a whole batch."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Dialog)
        self.setWindowTitle(_("导入记录"))
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("batchesTable")
        self.table.setHorizontalHeaderLabels([_("批次"), _("时间"), _("文件"), _("状态"), _("人数")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.undo = QPushButton(_("撤销所选导入"))
        self.undo.clicked.connect(self.undo_selected)
        self.message = QLabel("")
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        row.addWidget(self.undo)
        layout.addLayout(row)
        self.resize(760, 360)
        self.rows: list[Any] = []
        self.load()

    def load(self) -> None:
        from commdesk.importers import list_batches

        Op(self, list_batches).success(self._show).run()

    def _show(self, rows: list[Any]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for r, b in enumerate(rows):
            n = b.counts.get("imported", 0) + b.counts.get("merged", 0)
            for c, text in enumerate((str(b.id), f"{b.created_at:%Y-%m-%d %H:%M}", b.file_name, b.status, str(n))):
                self.table.setItem(r, c, QTableWidgetItem(text))

    def undo_selected(self) -> None:
        from commdesk.ui.dialogs.form_dialog import confirm

        row = self.table.currentRow()
        if row < 0:
            return
        batch = self.rows[row]
        if not confirm(self, _("撤销导入"), _("撤销批次 {id}（{file}）导入的全部居民和修改？").format(
                id=batch.id, file=batch.file_name)):
            return

        def job(database: Any) -> Any:
            from commdesk.importers import undo_batch

            undo_batch(database, batch.id)
            return Changes.of("household", "resident")

        Op(self, job, raw=True).success(lambda _r: (self.message.setText(_("已撤销。")), self.load())).failure(
            lambda e: self.message.setText(str(e))).run()
