"""Consultation dialogs: the record (topic, source, participants by side, process, decision,
implementation, publication, satisfaction) and one 四议两公开 stage with its live quorum check."""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QSpinBox, QTabWidget, QWidget)

from commdesk.i18n import _
from commdesk.models.meeting import CONSULTATION_SIDES, CONSULTATION_SOURCES, OUTCOMES, SATISFACTION, STAGES
from commdesk.services.consultations import (ConsultationForm, StageForm, check_consultation_form, split_names,
                                             stage_quorum)
from commdesk.ui.dialogs.form_dialog import ERROR_STYLE, NOTE_STYLE, FormDialog, combo, date_edit, date_value


def _text(value: str = "", height: int = 54) -> QPlainTextEdit:
    edit = QPlainTextEdit(value)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(height)
    return edit


def _spin(value: int | None, special: bool = False) -> QSpinBox:
    box = QSpinBox()
    box.setRange(-1 if special else 0, 100000)
    if special:
        box.setSpecialValueText(_("（未填）"))
    box.setValue(value if value is not None else (-1 if special else 0))
    return box


def _opt(box: QSpinBox) -> int | None:
    return None if box.value() < 0 else box.value()


class ConsultationDialog(FormDialog):
    def __init__(self, parent: QWidget | None, form: ConsultationForm | None = None, *,
                 consultation_id: int | None = None, source_text: str = "") -> None:
        super().__init__(_("编辑协商议事") if consultation_id else _("登记协商议事"), parent)
        form = form or ConsultationForm()
        self.base = form
        self.topic = self.add_field("topic", _("议题"), QLineEdit(form.topic))
        self.source = self.add_field("source", _("议题来源"), combo(CONSULTATION_SOURCES, form.source))
        if source_text:
            self.add_field("source_label", _("来源记录"), QLabel(source_text))
        self.proposer = self.add_field("proposer", _("提出人"), QLineEdit(form.proposer))
        self.held_on = self.add_field("held_on", _("议事日期"), date_edit(form.held_on))
        self.place = self.add_field("place", _("地点"), QLineEdit(form.place))
        self.form_kind = self.add_field("form", _("议事形式"), combo(("居民议事会", "协商恳谈会", "楼栋议事会", "听证会",
                                                                   "线上协商"), form.form, editable=True))
        self.host = self.add_field("host", _("主持人"), QLineEdit(form.host))
        counts = QWidget()
        row = QHBoxLayout(counts)
        row.setContentsMargins(0, 0, 0, 0)
        self.expected, self.present = _spin(form.expected), _spin(form.present)
        row.addWidget(QLabel(_("应到")))
        row.addWidget(self.expected)
        row.addWidget(QLabel(_("实到")))
        row.addWidget(self.present)
        self.add_field("present", _("人数"), counts)
        self.staged = self.add_field("staged", _("程序"), QCheckBox(_("采用“四议两公开”程序")))
        self.staged.setChecked(form.staged)

        self.sides: dict[str, QLineEdit] = {}
        people = QWidget()
        people_form = QFormLayout(people)
        for side in CONSULTATION_SIDES:
            edit = QLineEdit("、".join(form.participants.get(side, [])))
            edit.setPlaceholderText(_("姓名用、分隔"))
            self.sides[side] = edit
            people_form.addRow(side + "：", edit)
        talk = QWidget()
        talk_form = QFormLayout(talk)
        self.background, self.process = _text(form.background), _text(form.process, 80)
        self.votes_for, self.votes_against = _spin(form.votes_for, True), _spin(form.votes_against, True)
        self.outcome = combo(("",) + OUTCOMES, form.outcome)
        self.decision = _text(form.decision)
        self.executor = QLineEdit(form.executor)
        self.due = date_edit(form.due_date)
        self.due.setMaximumDate(self.due.maximumDate().addYears(5))
        for label, w in ((_("情况说明"), self.background), (_("讨论意见"), self.process), (_("赞成票"), self.votes_for),
                         (_("反对票"), self.votes_against), (_("议事结果"), self.outcome), (_("形成决议"), self.decision),
                         (_("责任人/单位"), self.executor), (_("完成时限"), self.due)):
            talk_form.addRow(label + "：", w)
        result = QWidget()
        result_form = QFormLayout(result)
        self.result, self.result_date = _text(form.result), date_edit(form.result_date)
        self.dpub, self.dpub_how = date_edit(form.decision_published_on), QLineEdit(form.decision_published_how)
        self.rpub, self.rpub_how = date_edit(form.result_published_on), QLineEdit(form.result_published_how)
        self.satisfaction = combo(("",) + SATISFACTION, form.satisfaction)
        self.satisfaction_note = _text(form.satisfaction_note, 40)
        for label, w in ((_("落实结果"), self.result), (_("落实日期"), self.result_date), (_("决议公开日期"), self.dpub),
                         (_("决议公开方式"), self.dpub_how), (_("结果公开日期"), self.rpub),
                         (_("结果公开方式"), self.rpub_how), (_("群众满意度"), self.satisfaction),
                         (_("评议意见"), self.satisfaction_note)):
            result_form.addRow(label + "：", w)
        self.tabs = QTabWidget()
        self.tabs.addTab(people, _("参加人员"))
        self.tabs.addTab(talk, _("议事过程与决议"))
        self.tabs.addTab(result, _("落实与公开"))
        outer = self.layout()
        outer.removeItem(self.form)
        body = QHBoxLayout()
        body.addLayout(self.form, 2)
        body.addWidget(self.tabs, 3)
        outer.insertLayout(0, body)  # type: ignore[attr-defined]
        self.resize(1050, 560)
        self.topic.textChanged.connect(lambda _t: self.show_messages(self.collect()[1]))
        self.topic.setFocus()
        self.show_messages(self.collect()[1])

    def value(self) -> ConsultationForm:
        f = ConsultationForm(**{**vars(self.base), "participants": {}})
        f.topic, f.source, f.proposer = self.topic.text(), self.source.currentText(), self.proposer.text()
        f.held_on, f.place, f.form, f.host = date_value(self.held_on), self.place.text(), \
            self.form_kind.currentText(), self.host.text()
        f.expected, f.present, f.staged = self.expected.value(), self.present.value(), self.staged.isChecked()
        f.participants = {side: split_names(e.text()) for side, e in self.sides.items() if e.text().strip()}
        f.background, f.process = self.background.toPlainText(), self.process.toPlainText()
        f.votes_for, f.votes_against = _opt(self.votes_for), _opt(self.votes_against)
        f.outcome, f.decision, f.executor = self.outcome.currentText(), self.decision.toPlainText(), self.executor.text()
        f.due_date, f.result, f.result_date = date_value(self.due), self.result.toPlainText(), date_value(self.result_date)
        f.decision_published_on, f.decision_published_how = date_value(self.dpub), self.dpub_how.text()
        f.result_published_on, f.result_published_how = date_value(self.rpub), self.rpub_how.text()
        f.satisfaction, f.satisfaction_note = self.satisfaction.currentText(), self.satisfaction_note.toPlainText()
        return f

    def collect(self) -> tuple[Any, dict[str, str]]:
        value = self.value()
        return value, check_consultation_form(value)


class StageDialog(FormDialog):
    def __init__(self, parent: QWidget | None, stage: int, row: Any = None) -> None:
        super().__init__(_("第{n}步：{name}").format(n=stage, name=_(STAGES[stage - 1])), parent)
        self.stage = stage
        self.held_on = self.add_field("held_on", _("日期"), date_edit(getattr(row, "held_on", None), allow_empty=False))
        label = _("公开方式") if stage >= 5 else _("会议形式")
        self.form_kind = self.add_field("form", label, combo(
            ("公开栏", "微信群", "公开栏、微信群", "广播") if stage >= 5 else ("支委会", "两委联席会议", "党员大会", "居民代表会议"),
            getattr(row, "form", "") or ("党员大会" if stage == 3 else "居民代表会议" if stage == 4 else ""),
            editable=True))
        self.expected = self.add_field("expected", _("应到人数"), _spin(getattr(row, "expected", None), True))
        self.present = self.add_field("present", _("实到人数"), _spin(getattr(row, "present", None), True))
        self.votes_for = self.add_field("votes_for", _("赞成票"), _spin(getattr(row, "votes_for", None), True))
        self.votes_against = self.add_field("votes_against", _("反对票"), _spin(getattr(row, "votes_against", None), True))
        self.content = self.add_field("content", _("内容") if stage < 5 else _("公开内容"),
                                      _text(getattr(row, "content", "") or ""))
        self.officials = self.add_field("officials", _("街道(乡镇)参会人员"), QLineEdit(getattr(row, "officials", "")))
        self.supervision = self.add_field("supervision", _("监督意见"), _text(getattr(row, "supervision", ""), 40))
        self.quorum = QLabel("")
        self.quorum.setObjectName("stageQuorum")
        self.quorum.setWordWrap(True)
        self.form.addRow("", self.quorum)
        for w in (self.expected, self.present, self.votes_for, self.votes_against):
            w.setEnabled(stage <= 4)
            w.valueChanged.connect(lambda _v: self._update())
        self.supervision.setEnabled(stage >= 5)
        self._update()

    def _update(self) -> None:
        q = stage_quorum(self.stage, _opt(self.expected), _opt(self.present), _opt(self.votes_for))
        self.quorum.setText(q.text)
        self.quorum.setStyleSheet(NOTE_STYLE if q.passed or not q.applies else ERROR_STYLE)

    def collect(self) -> tuple[Any, dict[str, str]]:
        return StageForm(date_value(self.held_on), self.form_kind.currentText(), _opt(self.expected),
                         _opt(self.present), _opt(self.votes_for), _opt(self.votes_against), self.content.toPlainText(),
                         None, self.officials.text(), self.supervision.toPlainText()), {}
