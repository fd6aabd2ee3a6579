"""Editors for one declared business setting each (used by the 设置 page): a spin box for a
number, a table for the 三会一课 frequency rules, a table of days by key group for the visit
cadence, and a read-only view for a setting no editor knows yet.

Every editor has ``value()``, ``set_value(v)`` (without emitting ``edited``), ``normalize(v)``
(the comparable form of a stored value), ``problem()`` (what the value cannot say, e.g. a
category named twice) and ``set_read_only(bool)``; ``edited`` is emitted on every user edit.
"""
from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QPlainTextEdit,
                               QPushButton, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from commdesk.i18n import _
from commdesk.settings import Declared

NO_RULE = "none"


class SettingEditor(QWidget):
    edited = Signal()
    editable = True

    def __init__(self, declared: Declared, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.declared = declared
        self._quiet = False

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        self._quiet = True
        try:
            self._show(value)
        finally:
            self._quiet = False

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def _changed(self, *_args: Any) -> None:
        if not self._quiet:
            self.edited.emit()

    def normalize(self, value: Any) -> Any:
        return value

    def problem(self) -> str:
        return ""

    def set_read_only(self, readonly: bool) -> None:
        self.setEnabled(not readonly)


class IntEditor(SettingEditor):
    def __init__(self, declared: Declared, parent: QWidget | None = None) -> None:
        super().__init__(declared, parent)
        self.spin = QSpinBox()
        self.spin.setObjectName(f"setting_{declared.key}")
        self.spin.setRange(0 if declared.minimum is None else declared.minimum,
                           99999 if declared.maximum is None else declared.maximum)
        if declared.unit:
            self.spin.setSuffix(" " + _(declared.unit))
        self.spin.setMinimumWidth(96)
        self.spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.spin.setAccessibleName(_(declared.label))
        self.spin.valueChanged.connect(self._changed)
        box = QHBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.spin)
        self.setFocusProxy(self.spin)

    def value(self) -> int:
        return self.spin.value()

    def _show(self, value: Any) -> None:
        self.spin.setValue(int(value))


def _fit_height(table: QTableWidget, rows: int) -> None:
    """A table as tall as ``rows`` rows (it scrolls beyond)."""
    row_h = table.verticalHeader().defaultSectionSize()
    for r in range(table.rowCount()):
        widget = table.cellWidget(r, 1)
        if widget is not None:
            row_h = max(row_h, widget.sizeHint().height() + 2)
    table.verticalHeader().setDefaultSectionSize(row_h)
    for r in range(table.rowCount()):
        table.setRowHeight(r, row_h)
    height = table.horizontalHeader().sizeHint().height() + row_h * rows + 2 * table.frameWidth()
    table.setFixedHeight(height)


class RulesEditor(SettingEditor):
    """三会一课: one row per Party meeting kind — frequency (or 不作要求), times, and to whom it applies."""

    HEADERS = ("会议类型", "频次", "次数", "适用于")

    def __init__(self, declared: Declared, parent: QWidget | None = None) -> None:
        super().__init__(declared, parent)
        from commdesk.models.meeting import PARTY_KINDS
        from commdesk.settings.meetings import MAX_TIMES, PER_GROUP, PERIOD_LABELS, PERIODS

        self.kinds = list(PARTY_KINDS)
        self.table = QTableWidget(len(self.kinds), len(self.HEADERS))
        self.table.setObjectName("meetingRulesTable")
        self.table.setHorizontalHeaderLabels([_(h) for h in self.HEADERS])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.periods: list[QComboBox] = []
        self.times: list[QSpinBox] = []
        for r, kind in enumerate(self.kinds):
            item = QTableWidgetItem(_(kind))
            self.table.setItem(r, 0, item)
            period = QComboBox()
            period.setObjectName(f"rulePeriod_{kind}")
            period.addItem(_("不作要求"), NO_RULE)
            for p in PERIODS:
                period.addItem(_(PERIOD_LABELS[p]), p)
            period.setAccessibleName(_("{kind}的频次").format(kind=_(kind)))
            period.currentIndexChanged.connect(self._period_changed)
            times = QSpinBox()
            times.setObjectName(f"ruleTimes_{kind}")
            times.setRange(1, MAX_TIMES)
            times.setSuffix(" " + _("次"))
            times.setAccessibleName(_("{kind}每期次数").format(kind=_(kind)))
            times.valueChanged.connect(self._changed)
            self.table.setCellWidget(r, 1, period)
            self.table.setCellWidget(r, 2, times)
            scope = QTableWidgetItem(_("每个党小组") if kind in PER_GROUP else _("每个支部"))
            scope.setForeground(Qt.GlobalColor.darkGray)
            self.table.setItem(r, 3, scope)
            self.periods.append(period)
            self.times.append(times)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        _fit_height(self.table, len(self.kinds))
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.table)

    def _period_changed(self, *_args: Any) -> None:
        for period, times in zip(self.periods, self.times):
            times.setEnabled(period.currentData() != NO_RULE)
        self._changed()

    def normalize(self, value: Any) -> Any:
        from commdesk.settings.meetings import rules_by_kind

        return rules_by_kind(value)

    def value(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for kind, period, times in zip(self.kinds, self.periods, self.times):
            p = period.currentData()
            out[kind] = None if p == NO_RULE else {"period": p, "times": times.value()}
        return out

    def _show(self, value: Any) -> None:
        rules = self.normalize(value)
        for kind, period, times in zip(self.kinds, self.periods, self.times):
            rule = rules.get(kind)
            period.setCurrentIndex(period.findData(rule["period"] if rule else NO_RULE))
            times.setValue(rule["times"] if rule else 1)
            times.setEnabled(rule is not None)

    def set_rule(self, kind: str, period: str | None, times: int = 1) -> None:
        """As a clerk would: pick the frequency (``None``: 不作要求) and the number of times."""
        r = self.kinds.index(kind)
        self.periods[r].setCurrentIndex(self.periods[r].findData(period or NO_RULE))
        self.times[r].setValue(times)

    def set_read_only(self, readonly: bool) -> None:
        for period in self.periods:
            period.setEnabled(not readonly)
        for period, times in zip(self.periods, self.times):
            times.setEnabled(not readonly and period.currentData() != NO_RULE)


class DayMapEditor(SettingEditor):
    """Days between visits by key group, plus the days for every other household."""

    def __init__(self, declared: Declared, parent: QWidget | None = None) -> None:
        super().__init__(declared, parent)
        from commdesk.settings.party import MAX_CADENCE_DAYS

        self.max_days = MAX_CADENCE_DAYS
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("cadenceTable")
        self.table.setHorizontalHeaderLabels([_("重点人群类别"), _("间隔天数")])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemChanged.connect(self._changed)
        self.default = QSpinBox()
        self.default.setObjectName("cadenceDefault")
        self.default.setRange(1, self.max_days)
        self.default.setSuffix(" " + _("天"))
        self.default.setAccessibleName(_("其他住户的走访间隔天数"))
        self.default.valueChanged.connect(self._changed)
        self.add_button = QPushButton(_("添加类别"))
        self.add_button.setObjectName("cadenceAdd")
        self.add_button.clicked.connect(lambda _c=False: self.add_row())
        self.remove_button = QPushButton(_("删除所选"))
        self.remove_button.setObjectName("cadenceRemove")
        self.remove_button.clicked.connect(lambda _c=False: self.remove_selected())
        row = QHBoxLayout()
        row.addWidget(QLabel(_("其他住户：")))
        row.addWidget(self.default)
        row.addStretch(1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.table)
        box.addLayout(row)

    def _spin(self, days: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(1, self.max_days)
        spin.setSuffix(" " + _("天"))
        spin.setValue(days)
        spin.valueChanged.connect(self._changed)
        return spin

    def add_row(self, tag: str = "", days: int = 30) -> int:
        r = self.table.rowCount()
        self.table.insertRow(r)
        self.table.setItem(r, 0, QTableWidgetItem(tag))
        self.table.setCellWidget(r, 1, self._spin(days))
        if not self._quiet:
            self.table.setCurrentCell(r, 0)
            self.table.editItem(self.table.item(r, 0))
            self._changed()
        return r

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()} or
                      ({self.table.currentRow()} if self.table.currentRow() >= 0 else set()), reverse=True)
        for r in rows:
            self.table.removeRow(r)
        if rows:
            self._changed()

    def rows(self) -> list[tuple[str, int]]:
        out = []
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            spin = self.table.cellWidget(r, 1)
            out.append(((item.text() if item else "").strip(), spin.value() if isinstance(spin, QSpinBox) else 0))
        return out

    def value(self) -> dict[str, int]:
        out = {tag: days for tag, days in self.rows() if tag}
        out["default"] = self.default.value()
        return out

    def problem(self) -> str:
        seen: set[str] = set()
        for n, (tag, _days) in enumerate(self.rows(), start=1):
            if not tag:
                return _("第 {n} 行没有填写类别名称（不需要的行请删除）").format(n=n)
            if tag == "default":
                return _("“default”不能作为类别名称")
            if tag in seen:
                return _("类别“{tag}”填写了两次").format(tag=tag)
            seen.add(tag)
        return ""

    def _show(self, value: Any) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for tag, days in value.items():
            if tag != "default" and isinstance(days, int):
                self.add_row(str(tag), days)
        self.table.blockSignals(False)
        self.default.setValue(int(value.get("default", 90)))
        _fit_height(self.table, 8)

    def set_read_only(self, readonly: bool) -> None:
        triggers = QAbstractItemView.EditTrigger
        self.table.setEditTriggers(triggers.NoEditTriggers if readonly else
                                   triggers.DoubleClicked | triggers.EditKeyPressed | triggers.AnyKeyPressed)
        for r in range(self.table.rowCount()):
            widget = self.table.cellWidget(r, 1)
            if widget is not None:
                widget.setEnabled(not readonly)
        for widget in (self.default, self.add_button, self.remove_button):
            widget.setEnabled(not readonly)


class ReadOnlyEditor(SettingEditor):
    """A setting no editor knows yet: its value, shown but not editable here."""

    editable = False

    def __init__(self, declared: Declared, parent: QWidget | None = None) -> None:
        super().__init__(declared, parent)
        self.view = QPlainTextEdit()
        self.view.setReadOnly(True)
        self.view.setMaximumHeight(120)
        self._value: Any = declared.default
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.view)

    def value(self) -> Any:
        return self._value

    def _show(self, value: Any) -> None:
        self._value = value
        self.view.setPlainText(json.dumps(value, ensure_ascii=False, indent=1))

    def set_read_only(self, readonly: bool) -> None:
        pass


def editor_for(declared: Declared, parent: QWidget | None = None) -> SettingEditor:
    if declared.type is int:
        return IntEditor(declared, parent)
    if declared.editor == "meeting_rules":
        return RulesEditor(declared, parent)
    if declared.editor == "day_map":
        return DayMapEditor(declared, parent)
    return ReadOnlyEditor(declared, parent)
