"""Checklist dialogs: the item form (also pre-filled from a resolution, decision or visit need),
a progress entry, completion with evidence and the written reason when late, evaluation."""
from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QSpinBox,
                               QWidget)

from commdesk.i18n import _
from commdesk.models.meeting import ATTACHMENT_KINDS, CHECKLIST_CATEGORIES, CHECKLIST_SOURCES, SATISFACTION
from commdesk.services.checklist import ChecklistForm, check_item_form
from commdesk.ui.dialogs.form_dialog import FormDialog, combo, date_edit, date_value


def _text(value: str = "", height: int = 60) -> QPlainTextEdit:
    edit = QPlainTextEdit(value)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(height)
    return edit


class FileField(QWidget):
    """A path with a "选择文件…" button (the file is copied in when the dialog saves)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = QLineEdit()
        self.path.setPlaceholderText(_("可选：照片、扫描件等（保存时复制到数据文件夹）"))
        button = QPushButton(_("选择文件…"))
        button.clicked.connect(self.choose)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.path, 1)
        row.addWidget(button)

    def choose(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, _("选择附件"))
        if path:
            self.path.setText(path)

    def value(self) -> str:
        return self.path.text().strip()


class ItemDialog(FormDialog):
    def __init__(self, parent: QWidget | None, form: ChecklistForm | None = None, *, item_id: int | None = None,
                 source_text: str = "") -> None:
        title = _("编辑责任清单事项") if item_id else (_("转为责任清单事项") if source_text else _("新建责任清单事项"))
        super().__init__(title, parent)
        self.item_id = item_id
        form = form or ChecklistForm(start_date=date.today())
        self.base = form
        if source_text:
            src = QLabel(source_text)
            src.setWordWrap(True)
            self.add_field("source_label", _("来源"), src)
        self.title = self.add_field("title", _("工作任务"), QLineEdit(form.title))
        self.category = self.add_field("category", _("类别"), combo(CHECKLIST_CATEGORIES, form.category))
        if not source_text:
            self.source = self.add_field("source", _("来源"), combo(
                [s for s in CHECKLIST_SOURCES if s in ("上级交办", "年度计划", "其他")] if not item_id
                else CHECKLIST_SOURCES, form.source if form.source in CHECKLIST_SOURCES else "其他"))
            self.source.setEnabled(not item_id or form.source not in ("会议决议", "协商议事", "走访诉求"))
            self.source_ref = self.add_field("source_ref", _("文号/计划名称"), QLineEdit(form.source_ref))
        self.content = self.add_field("content", _("具体内容"), _text(form.content))
        self.measures = self.add_field("measures", _("工作措施"), _text(form.measures, 44))
        self.unit = self.add_field("responsible_unit", _("责任单位"), QLineEdit(form.responsible_unit))
        self.person = self.add_field("responsible_person", _("责任人"), QLineEdit(form.responsible_person))
        self.collab = self.add_field("collaborators", _("配合单位"), QLineEdit(form.collaborators))
        self.start = self.add_field("start_date", _("开始日期"), date_edit(form.start_date))
        self.deadline = self.add_field("deadline", _("完成时限"), date_edit(form.deadline))
        self.deadline.setMaximumDate(self.deadline.maximumDate().addYears(5))
        if form.deadline is not None:
            from PySide6.QtCore import QDate

            self.deadline.setDate(QDate(form.deadline.year, form.deadline.month, form.deadline.day))
        for w in (self.title, self.unit, self.person):
            w.textChanged.connect(lambda _t: self.show_messages(self.collect()[1]))
        self.deadline.dateChanged.connect(lambda _d: self.show_messages(self.collect()[1]))
        self.title.setFocus()
        self.show_messages(self.collect()[1])

    def value(self) -> ChecklistForm:
        f = ChecklistForm(**vars(self.base))
        f.title, f.category = self.title.text(), self.category.currentText()
        if hasattr(self, "source") and self.source.isEnabled():
            f.source, f.source_ref = self.source.currentText(), self.source_ref.text()
        elif hasattr(self, "source_ref"):
            f.source_ref = self.source_ref.text()
        f.content, f.measures = self.content.toPlainText(), self.measures.toPlainText()
        f.responsible_unit, f.responsible_person = self.unit.text(), self.person.text()
        f.collaborators = self.collab.text()
        f.start_date, f.deadline = date_value(self.start), date_value(self.deadline)
        return f

    def collect(self) -> tuple[Any, dict[str, str]]:
        value = self.value()
        return value, check_item_form(value)


class ProgressDialog(FormDialog):
    def __init__(self, parent: QWidget | None, title: str) -> None:
        super().__init__(_("登记进展：{t}").format(t=title), parent)
        self.when = self.add_field("entry_date", _("日期"), date_edit(allow_empty=False))
        self.text = self.add_field("progress", _("进展情况"), _text())
        self.percent = self.add_field("percent", _("完成比例(%)"), QSpinBox())
        self.percent.setRange(0, 100)
        self.percent.setSpecialValueText(_("（不填）"))
        self.file = self.add_field("file", _("佐证材料"), FileField())
        self.kind = self.add_field("kind", _("材料类别"), combo(ATTACHMENT_KINDS, "证明材料"))
        self.text.setFocus()

    def collect(self) -> tuple[Any, dict[str, str]]:
        text = self.text.toPlainText().strip()
        errors = {} if text else {"progress": _("请填写进展情况")}
        return {"when": date_value(self.when), "text": text, "percent": self.percent.value() or None,
                "file": self.file.value(), "kind": self.kind.currentText()}, errors


class CompleteDialog(FormDialog):
    def __init__(self, parent: QWidget | None, title: str, deadline: date | None, reason: str = "") -> None:
        super().__init__(_("登记完成：{t}").format(t=title), parent)
        self.deadline = deadline
        self.when = self.add_field("completed_on", _("完成日期"), date_edit(allow_empty=False))
        self.note = self.add_field("note", _("完成情况"), _text())
        self.file = self.add_field("evidence", _("佐证材料"), FileField())
        self.kind = self.add_field("kind", _("材料类别"), combo(ATTACHMENT_KINDS, "证明材料"))
        self.reason = self.add_field("overdue_reason", _("未按期完成原因"), _text(reason, 50))
        self.when.dateChanged.connect(lambda _d: self.show_messages(self.collect()[1]))
        self.reason.textChanged.connect(lambda: self.show_messages(self.collect()[1]))
        self.note.setFocus()
        self.show_messages(self.collect()[1])

    def collect(self) -> tuple[Any, dict[str, str]]:
        when = date_value(self.when)
        reason = self.reason.toPlainText().strip()
        errors = {}
        if self.deadline is not None and when is not None and when > self.deadline and not reason:
            errors["overdue_reason"] = _("超过完成时限（{d}），请书面说明原因").format(d=self.deadline.isoformat())
        return {"when": when, "note": self.note.toPlainText().strip(), "file": self.file.value(),
                "kind": self.kind.currentText(), "reason": reason}, errors


class EvaluateDialog(FormDialog):
    def __init__(self, parent: QWidget | None, title: str, row: Any) -> None:
        super().__init__(_("考评与群众评价：{t}").format(t=title), parent)
        self.score = self.add_field("score", _("考评分数"), QSpinBox())
        self.score.setRange(-1, 100)
        self.score.setSpecialValueText(_("（未评）"))
        self.score.setValue(row.score if row.score is not None else -1)
        self.remark = self.add_field("remark", _("考评意见"), _text(row.evaluation, 44))
        self.satisfaction = self.add_field("satisfaction", _("群众满意度"), combo(("",) + SATISFACTION, row.satisfaction))
        self.feedback = self.add_field("feedback", _("群众评价"), _text(row.feedback, 44))

    def collect(self) -> tuple[Any, dict[str, str]]:
        score = self.score.value()
        return {"score": None if score < 0 else score, "remark": self.remark.toPlainText(),
                "satisfaction": self.satisfaction.currentText(), "feedback": self.feedback.toPlainText()}, {}
