"""设置: every declared business setting (``commdesk.settings``), edited in place.

One editor per setting (a spin box with its range, the 三会一课 rules table, the visit-cadence
table), each with its default, when it was last changed, a message when the value cannot be
stored and 恢复默认. 保存 (Ctrl+S) checks everything first (also across settings: the lower
bound of a range not above its upper bound) and writes only when all is well, on the database
thread; the ``setting`` change it broadcasts makes the dashboard, coverage and calendar recompute.
A database opened read-only shows the values with every editor disabled.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QFrame, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QScrollArea,
                               QVBoxLayout, QWidget)

from commdesk.errors import UserError, ValidationError
from commdesk.i18n import _
from commdesk.changes import Changes
from commdesk.settings import Declared, SettingChange, all_settings, check_settings, last_changes, load_declarations, \
    save_settings
from commdesk.ui.party.common import PageOp, action
from commdesk.ui.runner import Op
from commdesk.ui.settings_editors import SettingEditor, editor_for

ERROR_STYLE = "color: #b3261e;"
NOTE_STYLE = "color: #666666;"
DIRTY_STYLE = "color: #9a6700;"
HELP_STYLE = "color: #555555;"
#: the groups in the order a clerk meets them; a group declared later comes after these
GROUP_ORDER = ("党员中心户", "党员管理提醒", "工作台提醒", "三会一课", "走访")


class SettingRow:
    """One setting on the page: its editor, 恢复默认, a note (default, last change) and a message."""

    def __init__(self, declared: Declared, page: SettingsPage) -> None:
        self.declared = declared
        self.key = declared.key
        self.label = QLabel(_(declared.label) + "：")
        self.label.setWordWrap(True)
        self.editor: SettingEditor = editor_for(declared)
        self.label.setBuddy(self.editor)
        self.reset = QPushButton(_("恢复默认"))
        self.reset.setObjectName(f"reset_{declared.key}")
        self.reset.setToolTip(_("把“{label}”恢复为程序默认值（保存后生效）").format(label=_(declared.label)))
        self.reset.clicked.connect(lambda _c=False: page.restore_default(self.key))
        self.note = QLabel("")
        self.note.setObjectName(f"note_{declared.key}")
        self.note.setWordWrap(True)
        self.message = QLabel("")
        self.message.setObjectName(f"msg_{declared.key}")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setVisible(False)
        self.reset_pending = False
        self.editor.edited.connect(lambda: page.edited(self.key))

    @property
    def is_table(self) -> bool:
        return self.declared.type is not int

    def message_text(self) -> str:
        return self.message.text() if not self.message.isHidden() else ""


class SettingsPage(QWidget):
    title = "设置"
    loaded = Signal()
    saved = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsPage")
        self.declared = load_declarations()
        self.rows: dict[str, SettingRow] = {key: SettingRow(d, self) for key, d in self.declared.items()}
        self.stored: dict[str, Any] = {}
        self.changed_at: dict[str, SettingChange] = {}
        self.readonly = False
        self.saving = False
        self.loaded_once = False

        heading = QLabel(_("业务设置"))
        heading.setStyleSheet("font-size: 15px; font-weight: bold;")
        hint = QLabel(_("本社区的工作规则；改动后点“保存”，工作台、覆盖情况和三会一课日历随即按新设置计算。"))
        hint.setStyleSheet(HELP_STYLE)
        hint.setWordWrap(True)       # a narrow window (150% on 1366x768) wraps it instead of widening the page
        self.status = QLabel("")
        self.status.setObjectName("settingsStatus")
        self.revert_button = QPushButton(_("撤销修改"))
        self.revert_button.setObjectName("settingsRevert")
        self.revert_button.clicked.connect(lambda _c=False: self.revert())
        self.save_button = QPushButton(_("保存"))
        self.save_button.setObjectName("settingsSave")
        self.save_button.setToolTip(_("保存（Ctrl+S）"))
        self.save_button.clicked.connect(lambda _c=False: self.save())
        action(self, "保存", self.save, "Ctrl+S")
        action(self, "刷新", self.refresh, "F5")
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addSpacing(12)
        top.addWidget(hint, 1)
        top.addWidget(self.status)
        top.addWidget(self.revert_button)
        top.addWidget(self.save_button)
        self.banner = QLabel(_("数据库是只读打开的：可以查看设置，不能修改。"))
        self.banner.setObjectName("settingsReadOnly")
        self.banner.setStyleSheet("background: #fff4ce; color: #5c4400; padding: 6px; border: 1px solid #e6d28a;")
        self.banner.setVisible(False)
        self.general = QLabel("")
        self.general.setObjectName("settingsMessage")
        self.general.setStyleSheet(ERROR_STYLE)
        self.general.setWordWrap(True)
        self.general.setVisible(False)

        content = QWidget()
        stack = QVBoxLayout(content)
        stack.setContentsMargins(0, 0, 0, 0)
        columns = QHBoxLayout()
        stack.addLayout(columns, 1)
        # the system boxes (where the data is …) in a row below the business settings, which keep
        # fitting 1366x768 without scrolling
        from commdesk.ui.settings_data_folder import DataFolderBox
        from commdesk.ui.settings_backup import BackupBox     # 备份: automatic backups, their password
        self.system_row = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(DataFolderBox())
        self.backup_box = BackupBox()
        left.addWidget(self.backup_box)
        self.system_row.addLayout(left, 1)
        from commdesk.ui.settings_database import DatabaseBox   # 数据库: the store in use, the PC's server
        from commdesk.ui.settings_cipher import CipherBox       # 数据库加密: the file encrypted at rest
        right = QVBoxLayout()
        right.addWidget(DatabaseBox())
        self.cipher_box = CipherBox()
        right.addWidget(self.cipher_box)
        self.system_row.addLayout(right, 1)
        stack.addLayout(self.system_row)
        columns.setSpacing(10)
        for stretch, groups in self._columns():
            column = QVBoxLayout()
            column.setSpacing(10)
            for name, keys in groups:
                column.addWidget(self._group(name, keys))
            column.addStretch(1)
            columns.addLayout(column, stretch)
        scroll = QScrollArea()
        scroll.setObjectName("settingsScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.general)
        layout.addWidget(scroll, 1)
        for row in self.rows.values():
            row.editor.set_value(row.declared.default)
        self.setEnabled(False)        # until the values in force are shown

    # --- layout -------------------------------------------------------------------------------
    def _columns(self) -> list[tuple[int, list[tuple[str, list[str]]]]]:
        """The groups of number settings in the first column; each group with a table its own."""
        found: dict[str, list[str]] = {}
        for key, d in self.declared.items():
            found.setdefault(d.group or _("其他"), []).append(key)
        rank = {_(g): i for i, g in enumerate(GROUP_ORDER)}
        groups = dict(sorted(found.items(), key=lambda item: rank.get(item[0], len(rank))))
        numbers = [(g, keys) for g, keys in groups.items() if not any(self.rows[k].is_table for k in keys)]
        tables = [(g, keys) for g, keys in groups.items() if any(self.rows[k].is_table for k in keys)]
        return [(5, numbers)] + [(4, [group]) for group in tables]

    def _group(self, name: str, keys: list[str]) -> QGroupBox:
        box = QGroupBox(_(name))
        box.setObjectName(f"settingsGroup_{keys[0]}")
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        grid.setColumnStretch(0, 1)
        r = 0
        helps = [self.declared[k].help for k in keys if self.declared[k].help]
        if helps:
            help_label = QLabel("\n".join(_(h) for h in helps))
            help_label.setWordWrap(True)
            help_label.setStyleSheet(HELP_STYLE)
            grid.addWidget(help_label, r, 0, 1, 3)
            r += 1
        for key in keys:
            row = self.rows[key]
            if row.is_table:
                grid.addWidget(row.label, r, 0, 1, 3)
                grid.addWidget(row.editor, r + 1, 0, 1, 3)
                grid.addWidget(row.note, r + 2, 0, 1, 2)
                grid.addWidget(row.reset, r + 2, 2)
                grid.addWidget(row.message, r + 3, 0, 1, 3)
            else:
                grid.addWidget(row.label, r, 0)
                grid.addWidget(row.editor, r, 1)
                grid.addWidget(row.reset, r, 2)
                grid.addWidget(row.note, r + 1, 0, 1, 3)
                grid.addWidget(row.message, r + 2, 0, 1, 3)
            r += 4 if row.is_table else 3
            if key != keys[-1]:
                grid.addWidget(_spacer(), r, 0)
                r += 1
        return box

    # --- loading ------------------------------------------------------------------------------
    def start(self) -> None:
        database = getattr(self.window(), "database", None)
        self.readonly = bool(getattr(database, "readonly", False))
        self.banner.setVisible(self.readonly)
        self.refresh()

    def refresh(self) -> None:
        def job(session: Any) -> tuple[dict[str, Any], dict[str, SettingChange]]:
            return all_settings(session), last_changes(session)

        PageOp(self, job).success(self._loaded).run()

    def _loaded(self, result: tuple[dict[str, Any], dict[str, SettingChange]]) -> None:
        values, self.changed_at = result
        for key, row in self.rows.items():
            if key in values and (not self.loaded_once or not self.dirty(key)):
                row.editor.set_value(values[key])
                row.reset_pending = False
        self.stored = dict(values)
        self.loaded_once = True
        self.setEnabled(True)
        for row in self.rows.values():
            row.editor.set_read_only(self.readonly or not row.editor.editable)
        self.update_state()
        self.loaded.emit()

    # --- state --------------------------------------------------------------------------------
    def _same(self, key: str, a: Any, b: Any) -> bool:
        editor = self.rows[key].editor
        return bool(editor.normalize(a) == editor.normalize(b))

    def dirty(self, key: str) -> bool:
        row = self.rows[key]
        if key not in self.stored:
            return False
        return row.reset_pending or not self._same(key, row.editor.value(), self.stored[key])

    def dirty_keys(self) -> list[str]:
        return [key for key in self.rows if self.dirty(key)]

    def errors(self) -> dict[str, str]:
        """Messages by key for the values in the editors (nothing is written while there are any)."""
        values = {key: row.editor.value() for key, row in self.rows.items()}
        errors = {key: p for key, row in self.rows.items() if (p := row.editor.problem())}
        for key, msg in check_settings(values).items():
            errors.setdefault(key, msg)
        return errors

    def edited(self, key: str) -> None:
        self.rows[key].reset_pending = False
        self.general.setVisible(False)
        self.update_state()

    def update_state(self) -> None:
        errors = self.errors()
        shown: set[str] = set()
        for key, row in self.rows.items():
            message = errors.get(key, "")
            if message in shown:   # a check over two settings: its message once, on the first of them
                message = ""
            shown.add(message)
            row.message.setText(message)
            row.message.setVisible(bool(message))
            self._show_note(row)
            at_default = self._same(key, row.editor.value(), row.declared.default)
            row.reset.setEnabled(not self.readonly and not self.saving and row.editor.editable and not at_default)
        dirty = self.dirty_keys()
        editable = not self.readonly and not self.saving
        self.save_button.setEnabled(editable and bool(dirty) and not errors)
        self.revert_button.setEnabled(editable and bool(dirty))
        self.save_button.setVisible(not self.readonly)
        self.revert_button.setVisible(not self.readonly)
        if self.saving:
            self.status.setText(_("正在保存…"))
        elif errors and dirty:
            self.status.setText(_("有 {n} 处需要改正，未保存").format(n=len(set(errors.values()))))
        elif dirty:
            self.status.setText(_("{n} 项设置已修改，未保存").format(n=len(dirty)))
        elif self.status.text() != _("已保存"):
            self.status.setText("")
        self.status.setStyleSheet(ERROR_STYLE if errors and dirty else DIRTY_STYLE if dirty else NOTE_STYLE)

    def _show_note(self, row: SettingRow) -> None:
        d = row.declared
        parts = []
        if d.type is int:
            parts.append(_("默认 {value} {unit}").format(value=d.default, unit=_(d.unit)).strip())
        elif row.key in self.stored:
            same = self._same(row.key, self.stored[row.key], d.default)
            parts.append(_("当前生效：默认设置") if same else _("当前生效：本社区修改过的设置"))
        change = self.changed_at.get(row.key)
        if change is not None:
            parts.append(_("上次修改 {at}（{user}）").format(at=f"{change.at:%Y-%m-%d %H:%M}", user=change.user))
        dirty = self.dirty(row.key)
        if dirty:
            parts.append(_("恢复默认，未保存") if row.reset_pending else _("已修改，未保存"))
        row.note.setText(" · ".join(parts))
        row.note.setStyleSheet(DIRTY_STYLE if dirty else NOTE_STYLE)

    # --- actions ------------------------------------------------------------------------------
    def restore_default(self, key: str) -> None:
        if self.readonly or self.saving:
            return
        row = self.rows[key]
        row.editor.set_value(row.declared.default)
        row.reset_pending = True
        self.general.setVisible(False)
        self.update_state()

    def revert(self) -> None:
        for key, row in self.rows.items():
            if key in self.stored:
                row.editor.set_value(self.stored[key])
            row.reset_pending = False
        self.general.setVisible(False)
        self.update_state()

    def save(self) -> None:
        if self.readonly or self.saving or not self.loaded_once:
            return
        dirty = self.dirty_keys()
        if not dirty:
            return
        errors = self.errors()
        if errors:
            self.update_state()
            first = next(k for k in self.rows if k in errors)
            self.rows[first].editor.setFocus()
            return
        reset = [key for key in dirty if self.rows[key].reset_pending]
        values = {key: self.rows[key].editor.value() for key in dirty if key not in reset}
        self.saving = True
        self._set_editing(False)
        self.update_state()
        Op(self, lambda s: save_settings(s, values, reset), write=True) \
            .success(lambda _changes: self._saved(values, reset)).failure(self._failed).run()

    def _set_editing(self, on: bool) -> None:
        for row in self.rows.values():
            row.editor.set_read_only(not on or self.readonly or not row.editor.editable)

    def _saved(self, values: dict[str, Any], reset: list[str]) -> None:
        self.saving = False
        for key, value in values.items():
            self.stored[key] = value
        for key in reset:
            self.stored[key] = self.declared[key].default
            self.rows[key].reset_pending = False
        self._set_editing(True)
        self.status.setText(_("已保存"))
        self.update_state()
        self.saved.emit()       # then the runner broadcasts the change; this page reloads with the rest

    def _failed(self, error: BaseException) -> None:
        self.saving = False
        self._set_editing(True)
        self.update_state()
        if isinstance(error, ValidationError) and error.field in self.rows:
            row = self.rows[error.field]
            row.message.setText(error.message)
            row.message.setVisible(True)
            row.editor.setFocus()
        elif isinstance(error, UserError):
            self.general.setText(error.message)
            self.general.setVisible(True)
        else:
            from commdesk.ui.errors import show_error

            show_error(self, error)

    def on_changes(self, changes: Changes) -> None:
        if changes.touches("setting"):
            self.refresh()


def _spacer() -> QWidget:
    gap = QWidget()
    gap.setFixedHeight(6)
    return gap
