"""Record (or edit) a meeting: type, branch/group, topic, time, place, host, recorder; the
attendance pre-filled from the roster; agenda, minutes, votes, resolutions. Keyboard first:
the topic has the focus, Tab reaches the attendance table, Space marks who was away, Ctrl+S saves."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QDateTime, QTime, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QDateTimeEdit, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QTabWidget,
                               QTimeEdit, QVBoxLayout, QWidget)

from commdesk.i18n import _
from commdesk.models.meeting import MEETING_KINDS, PARTY_KINDS
from commdesk.services.meetings import MeetingForm, check_meeting_form, groups_of, quorum, roster
from commdesk.ui.dialogs.form_dialog import ERROR_STYLE, NOTE_STYLE, FormDialog, combo
from commdesk.ui.meetings.attendance import AttendanceModel, AttendanceView
from commdesk.ui.runner import Op


def _text_edit(value: str = "", height: int = 70) -> QPlainTextEdit:
    edit = QPlainTextEdit(value)
    edit.setTabChangesFocus(True)
    edit.setMinimumHeight(height)
    return edit


class MeetingDialog(FormDialog):
    def __init__(self, parent: QWidget | None, branches: list[tuple[int, str]], form: MeetingForm | None = None,
                 *, meeting_id: int | None = None) -> None:
        super().__init__(_("编辑会议记录") if meeting_id else _("登记会议"), parent)
        self.meeting_id = meeting_id
        form = form or MeetingForm(start_at=datetime.now().replace(second=0, microsecond=0))
        self.kind = self.add_field("kind", _("会议类型"), combo(MEETING_KINDS, form.kind))
        self.org = self.add_field("org", _("党支部"), QComboBox())
        self.org.addItem(_("（不属于党支部）"), None)
        for oid, name in branches:
            self.org.addItem(name, oid)
        idx = self.org.findData(form.org_id) if form.org_id is not None else (1 if branches else 0)
        self.org.setCurrentIndex(max(0, idx))
        self.group = self.add_field("group", _("党小组"), QComboBox())
        self.topic = self.add_field("topic", _("会议名称/议题"), QLineEdit(form.topic))
        self.start = self.add_field("start_at", _("开始时间"), QDateTimeEdit())
        self.start.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.start.setCalendarPopup(True)
        start = form.start_at or datetime.now()
        self.start.setDateTime(QDateTime(start.year, start.month, start.day, start.hour, start.minute, 0))
        self.end = self.add_field("end_at", _("结束时间"), QTimeEdit())
        self.end.setDisplayFormat("HH:mm")
        self.end.setSpecialValueText(_("（未填）"))
        self.end.setMinimumTime(QTime(0, 0))
        self.end.setTime(QTime(form.end_at.hour, form.end_at.minute) if form.end_at else QTime(0, 0))
        self.place = self.add_field("place", _("地点"), QLineEdit(form.place))
        self.host = self.add_field("host", _("主持人"), QLineEdit(form.host))
        self.recorder = self.add_field("recorder", _("记录人"), QLineEdit(form.recorder))

        self.model = AttendanceModel(self)
        self.attendance = AttendanceView(self.model)
        self.counts = QLabel("")
        self.counts.setObjectName("attendanceCounts")
        self.reason = QLineEdit()
        self.reason.setObjectName("reasonEdit")
        self.reason.setPlaceholderText(_("请假/缺席原因（在表中按回车填写，回车确认）"))
        self.reason.returnPressed.connect(self._reason_done)
        self._reason_row: int | None = None
        self.attendance.reason_requested.connect(self._edit_reason)
        self.guest = QLineEdit()
        self.guest.setPlaceholderText(_("添加非党员参会人（回车）"))
        self.guest.returnPressed.connect(self._add_guest)
        att_page = QWidget()
        att_box = QVBoxLayout(att_page)
        att_box.setContentsMargins(4, 4, 4, 4)
        att_box.addWidget(self.attendance, 1)
        row = QHBoxLayout()
        row.addWidget(self.counts, 1)
        row.addWidget(self.guest)
        att_box.addWidget(self.reason)
        att_box.addLayout(row)
        self.guests = _text_edit(form.guests, 40)
        self.agenda = _text_edit(form.agenda)
        self.minutes = _text_edit(form.minutes, 120)
        self.votes = _text_edit(form.votes, 40)
        self.resolutions = _text_edit(form.resolutions, 90)
        self.resolutions.setPlaceholderText(_("一行一条决议；以后可把每条决议转为责任清单事项"))
        self.pending = _text_edit(form.pending, 40)
        text_page = QWidget()
        text_box = QVBoxLayout(text_page)
        for label, widget in ((_("列席人员"), self.guests), (_("议程"), self.agenda), (_("讨论情况"), self.minutes)):
            text_box.addWidget(QLabel(label + "："))
            text_box.addWidget(widget)
        res_page = QWidget()
        res_box = QVBoxLayout(res_page)
        for label, widget in ((_("表决情况"), self.votes), (_("决议/决定（一行一条）"), self.resolutions),
                              (_("遗留事项"), self.pending)):
            res_box.addWidget(QLabel(label + "："))
            res_box.addWidget(widget)
        self.tabs = QTabWidget()
        self.tabs.addTab(att_page, _("出席情况"))
        self.tabs.addTab(text_page, _("议程与记录"))
        self.tabs.addTab(res_page, _("表决与决议"))
        self.messages["attendees"] = QLabel("")
        self.messages["attendees"].setVisible(False)
        self.fields["attendees"] = self.attendance
        att_box.addWidget(self.messages["attendees"])

        outer = self.layout()
        outer.removeItem(self.form)
        body = QHBoxLayout()
        left = QVBoxLayout()
        left.addLayout(self.form)
        left.addStretch(1)
        body.addLayout(left, 2)
        body.addWidget(self.tabs, 3)
        outer.insertLayout(0, body)  # type: ignore[attr-defined]
        self.resize(1100, 600)

        for a, b in ((self.kind, self.org), (self.org, self.group), (self.group, self.topic), (self.topic, self.start),
                     (self.start, self.end), (self.end, self.place), (self.place, self.host),
                     (self.host, self.recorder), (self.recorder, self.attendance), (self.attendance, self.guest)):
            QWidget.setTabOrder(a, b)
        to_table = QShortcut(QKeySequence("Alt+A"), self)
        to_table.activated.connect(self._focus_attendance)
        save = QShortcut(QKeySequence("Ctrl+S"), self)
        save.activated.connect(self.save)
        self.model.counts_changed.connect(self._show_counts)
        self.kind.currentTextChanged.connect(lambda _t: self._org_changed(reload=False))
        self.org.currentIndexChanged.connect(lambda _i: self._org_changed(reload=True))
        self.group.currentIndexChanged.connect(lambda _i: self._load_roster())
        self.topic.textChanged.connect(lambda _t: self._validate())
        self._initial_group = form.group_id
        self._editing = meeting_id is not None
        if form.attendees:
            self.model.set_attendees(form.attendees)
        self._org_changed(reload=not self._editing)
        self.topic.setFocus()
        self._validate()

    def _edit_reason(self, row: int) -> None:
        self._reason_row = row
        a = self.model.attendees[row]
        self.reason.setText(a.reason)
        self.reason.setPlaceholderText(_("{name} 的请假/缺席原因（回车确认）").format(name=a.name))
        self.reason.setFocus()
        self.reason.selectAll()

    def _reason_done(self) -> None:
        if self._reason_row is not None:
            from commdesk.ui.meetings.attendance import REASON_COL

            self.model.setData(self.model.index(self._reason_row, REASON_COL), self.reason.text())
            self.attendance.setCurrentIndex(self.model.index(self._reason_row, 0))
        self._reason_row = None
        self.reason.clear()
        self.attendance.setFocus()

    def _focus_attendance(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.attendance.setFocus()

    # -- roster ---------------------------------------------------------------------------------
    def _org_changed(self, reload: bool) -> None:
        org_id = self.org.currentData()
        party = self.kind.currentText() in PARTY_KINDS
        self.group.setEnabled(self.kind.currentText() == "党小组会")
        if org_id is None:
            self._set_groups([])
            if reload and not self._editing:
                self.model.set_attendees([])
            self._validate()
            return
        Op(self, lambda s: groups_of(s, org_id)).success(lambda g: self._set_groups(g, reload and party)).run()

    def _set_groups(self, groups: list[tuple[int, str]], reload: bool = False) -> None:
        self.group.blockSignals(True)
        self.group.clear()
        self.group.addItem(_("（整个支部）"), None)
        for gid, name in groups:
            self.group.addItem(name, gid)
        if self._initial_group is not None:
            self.group.setCurrentIndex(max(0, self.group.findData(self._initial_group)))
            self._initial_group = None
        self.group.blockSignals(False)
        if reload:
            self._load_roster()
        self._validate()

    def _load_roster(self) -> None:
        if self._editing:
            return
        org_id = self.org.currentData()
        group_id = self.group.currentData() if self.kind.currentText() == "党小组会" else None
        self.roster_loading = True
        Op(self, lambda s: roster(s, org_id, group_id)).success(self._roster_loaded).run()

    def _roster_loaded(self, attendees: list[Any]) -> None:
        self.roster_loading = False
        self.model.set_attendees(attendees)
        self._validate()

    def _add_guest(self) -> None:
        name = self.guest.text().strip()
        if name:
            self.model.add_guest(name)
            self.guest.clear()

    def _show_counts(self) -> None:
        expected, present, vexp, vpres = self.model.counts()
        text = _("应到 {e} 人，实到 {p} 人，请假/缺席 {a} 人").format(e=expected, p=present, a=expected - present)
        q = quorum(self.kind.currentText(), vexp, vpres)
        if q.applies:
            text += "；" + q.text
            self.counts.setStyleSheet(NOTE_STYLE if q.ok else ERROR_STYLE)
        else:
            self.counts.setStyleSheet(NOTE_STYLE)
        self.counts.setText(text)

    # -- value ----------------------------------------------------------------------------------
    def value(self) -> MeetingForm:
        start = self.start.dateTime().toPython().replace(second=0, microsecond=0)
        end_t = self.end.time()
        end = None if end_t == self.end.minimumTime() else start.replace(hour=end_t.hour(), minute=end_t.minute())
        group = self.group.currentData() if self.kind.currentText() == "党小组会" else None
        return MeetingForm(self.kind.currentText(), self.org.currentData(), group, self.topic.text(), start, end,
                           self.place.text(), self.host.text(), self.recorder.text(), self.guests.toPlainText(),
                           self.agenda.toPlainText(), self.minutes.toPlainText(), self.votes.toPlainText(),
                           self.resolutions.toPlainText(), self.pending.toPlainText(), list(self.model.attendees))

    def _validate(self) -> None:
        self.show_messages(check_meeting_form(self.value()))
        self._show_counts()

    def collect(self) -> tuple[Any, dict[str, str]]:
        value = self.value()
        return value, check_meeting_form(value)

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802
        # Enter inside the attendance table edits a reason; it must not save the dialog
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (self.attendance.hasFocus()
                                                                      or self.reason.hasFocus()):
            return
        super().keyPressEvent(event)
