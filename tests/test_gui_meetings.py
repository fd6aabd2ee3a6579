"""The meetings pages in the real main window: record a meeting of 30 with the keyboard, turn a
resolution into a checklist item, complete it with evidence; the dashboard opens its lists."""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from commdesk.models.meeting import Attachment, ChecklistItem, Meeting, MeetingAttendee
from tests.meetings_support import build_party

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot: Any, db: Any) -> Any:
    from commdesk.ui.app import create_main_window, make_app
    from commdesk.ui.dashboard_page import DashboardPage
    from commdesk.ui.runner import set_runner

    make_app()
    ids = build_party(db)
    w = create_main_window(db)
    w.ids = ids
    qtbot.addWidget(w)
    w.show()
    w.start()
    qtbot.waitUntil(lambda: w.page(DashboardPage).data is not None and w.runner.idle, timeout=10000)
    yield w
    w.runner.shutdown()
    set_runner(None)


def type_text(qtbot: Any, widget: Any, text: str) -> None:
    for ch in text:
        if ch.isascii():
            qtbot.keyClicks(widget, ch)
        elif hasattr(widget, "insert"):
            widget.insert(ch)
        else:
            widget.insertPlainText(ch)


def idle(qtbot: Any, w: Any) -> None:
    qtbot.waitUntil(lambda: w.runner.idle, timeout=10000)


def test_models_pass_the_model_tester(qtmodeltester: Any, window: Any, qtbot: Any) -> None:
    from commdesk.ui.meetings.attendance import AttendanceModel
    from commdesk.ui.meetings.checklist_page import ChecklistPage
    from commdesk.ui.meetings.consultations_page import ConsultationsPage
    from commdesk.ui.meetings.meetings_page import MeetingsPage
    from commdesk.services.meetings import AttendeeForm

    for cls in (MeetingsPage, ConsultationsPage, ChecklistPage):
        qtmodeltester.check(window.page(cls).model)
    model = AttendanceModel()
    model.set_attendees([AttendeeForm("甲", 1), AttendeeForm("乙", 2, "请假", "病")])
    qtmodeltester.check(model)


def test_record_meeting_of_30_with_the_keyboard(qtbot: Any, window: Any, db: Any) -> None:
    from commdesk.ui.meetings.meetings_page import MeetingsPage

    page = window.show_page(MeetingsPage)
    qtbot.waitUntil(lambda: window.runner.idle, timeout=10000)  # the page loads when first shown
    started = time.perf_counter()
    keys = 0
    page.setFocus()
    qtbot.keyClick(page, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    keys += 1
    qtbot.waitUntil(lambda: page.last_dialog is not None and page.last_dialog.isVisible(), timeout=5000)
    d = page.last_dialog
    qtbot.waitUntil(lambda: d.model.rowCount() == 30, timeout=15000)       # roster pre-filled as present
    assert d.topic.hasFocus()
    type_text(qtbot, d.topic, "11月支委会")
    keys += 6
    # Tab to the attendance table (through the form fields), the way a user would
    qtbot.keyClick(d.topic, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)   # Alt+A: to the attendance table
    keys += 1
    assert d.attendance.hasFocus()
    # three members away: move down, Space marks 请假, Enter goes to the reason, type it, Enter
    for step, reason in ((3, "生病"), (5, "出差"), (10, "")):
        for _i in range(step):
            qtbot.keyClick(d.attendance, Qt.Key.Key_Down)
        qtbot.keyClick(d.attendance, Qt.Key.Key_Space)
        keys += step + 1
        if reason:
            qtbot.keyClick(d.attendance, Qt.Key.Key_Return)
            editor = d.reason
            assert editor.hasFocus()
            type_text(qtbot, editor, reason)
            qtbot.keyClick(editor, Qt.Key.Key_Return)
            keys += len(reason) + 2
    assert "实到 27 人" in d.counts.text()
    qtbot.keyClick(d, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    keys += 1
    qtbot.waitUntil(lambda: not d.isVisible(), timeout=5000)
    idle(qtbot, window)
    elapsed = time.perf_counter() - started
    with db.Session() as s:
        m = s.scalars(select(Meeting)).one()
        assert (m.kind, m.topic, m.expected, m.present) == ("支委会", "11月支委会", 30, 27)
        away = s.execute(select(MeetingAttendee.name, MeetingAttendee.reason).where(
            MeetingAttendee.status == "请假").order_by(MeetingAttendee.sort_order)).all()
        assert [r for _n, r in away] == ["生病", "出差", ""]
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    # a user typing ~3 keys a second needs keys/3 seconds: well under a minute
    assert keys < 120 and elapsed < 60


def _meeting_with_resolutions(db: Any, ids: dict[str, Any]) -> int:
    from commdesk.services import meetings as ms

    with db.Session.begin() as s:
        return ms.create_meeting(s, ms.MeetingForm(
            kind="支部党员大会", org_id=ids["b1"], topic="研究整治", start_at=datetime.now() - timedelta(days=1),
            attendees=ms.roster(s, ids["b1"]), resolutions="1. 整治楼道杂物\n2. 修楼道灯"))[1]


def test_resolution_to_item_then_complete_with_evidence(qtbot: Any, window: Any, db: Any, tmp_path: Path) -> None:
    from commdesk.ui.meetings.checklist_page import ChecklistPage
    from commdesk.ui.meetings.meetings_page import MeetingsPage

    mid = _meeting_with_resolutions(db, window.ids)
    page = window.show_page(MeetingsPage)
    page.refresh()
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.row.id == mid, timeout=5000)
    page.resolution_to_item(line=1)                      # the second resolution
    qtbot.waitUntil(lambda: page.last_dialog is not None and page.last_dialog.isVisible(), timeout=5000)
    d = page.last_dialog
    assert d.title.text() == "修楼道灯" and d.unit.text() == "第一党支部"
    type_text(qtbot, d.person, "王党员01")
    d.save()
    qtbot.waitUntil(lambda: not d.isVisible(), timeout=5000)
    idle(qtbot, window)
    with db.Session() as s:
        item = s.scalars(select(ChecklistItem)).one()
        assert (item.source, item.source_meeting_id, item.responsible_person) == ("会议决议", mid, "王党员01")
    qtbot.waitUntil(lambda: page.detail is not None and len(page.detail.items) == 1, timeout=5000)

    checklist = window.show_page(ChecklistPage)
    qtbot.waitUntil(lambda: checklist.model.rowCount() == 1 and checklist.current_id() == item.id, timeout=5000)
    evidence = tmp_path / "完工照片.jpg"
    evidence.write_bytes(b"\xff\xd8photo")
    checklist.complete()
    c = checklist.last_dialog
    type_text(qtbot, c.note, "楼道灯已修好")
    c.file.path.setText(str(evidence))
    c.save()
    qtbot.waitUntil(lambda: not c.isVisible(), timeout=5000)
    idle(qtbot, window)
    with db.Session() as s:
        item = s.get_one(ChecklistItem, item.id)
        assert item.status == "已完成" and item.completed_on == date.today()
        att = s.scalars(select(Attachment)).one()
        assert (att.owner_table, att.owner_id, att.original_name) == ("checklist_item", item.id, "完工照片.jpg")
    qtbot.waitUntil(lambda: checklist.detail is not None and checklist.detail.row.status == "已完成", timeout=5000)
    assert "完工照片.jpg" in checklist.info.toPlainText()


def test_dashboard_alert_opens_the_overdue_list(qtbot: Any, window: Any, db: Any) -> None:
    from commdesk.services import checklist as ck
    from commdesk.ui.dashboard_page import DashboardPage
    from commdesk.ui.meetings.checklist_page import ChecklistPage
    from commdesk.ui.meetings.meetings_page import MeetingsPage

    with db.Session.begin() as s:
        ck.create_item(s, ck.ChecklistForm(title="逾期事项", source="上级交办", responsible_unit="居委会",
                                           deadline=date.today() - timedelta(days=3)))
        ck.create_item(s, ck.ChecklistForm(title="未到期事项", source="上级交办", responsible_unit="居委会",
                                           deadline=date.today() + timedelta(days=30)))
    dash = window.page(DashboardPage)
    window.show_page(DashboardPage)
    dash.refresh()
    qtbot.waitUntil(lambda: dash.data is not None and dash.data.checklist.get("逾期") == 1, timeout=5000)
    keys = [dash.alerts.item(i).data(Qt.ItemDataRole.UserRole).key for i in range(dash.alerts.count())
            if dash.alerts.item(i).data(Qt.ItemDataRole.UserRole) is not None]
    assert keys[0] in ("checklist_overdue", "meetings_missing") and "checklist_overdue" in keys
    assert dash.tiles["members"].value.text() == "31"
    row = keys.index("checklist_overdue")
    dash.alerts.setCurrentRow(row)
    qtbot.keyClick(dash.alerts, Qt.Key.Key_Return)
    checklist = window.page(ChecklistPage)
    assert window.stack.currentWidget() is checklist
    qtbot.waitUntil(lambda: checklist.model.rowCount() == 1, timeout=5000)
    assert checklist.model.row_at(0).title == "逾期事项"
    # the meetings alert opens the compliance calendar
    window.show_page(DashboardPage)
    if "meetings_due" in keys:
        dash.alerts.setCurrentRow(keys.index("meetings_due"))
        dash.open_alert()
        meetings = window.page(MeetingsPage)
        assert window.stack.currentWidget() is meetings and meetings.tabs.currentWidget() is meetings.calendar
        qtbot.waitUntil(lambda: meetings.calendar.table.rowCount() > 0, timeout=5000)


def test_consultation_stage_through_the_page(qtbot: Any, window: Any, db: Any) -> None:
    from commdesk.services import consultations as cs
    from commdesk.ui.meetings.consultations_page import ConsultationsPage

    with db.Session.begin() as s:
        _c, cid = cs.create_consultation(s, cs.ConsultationForm(topic="加装电梯", staged=True))
    page = window.show_page(ConsultationsPage)
    page.refresh()
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.row.id == cid, timeout=5000)
    page.record_stage()
    qtbot.waitUntil(lambda: page.last_dialog is not None and page.last_dialog.isVisible(), timeout=5000)
    d = page.last_dialog
    assert d.stage == 1
    d.save()
    qtbot.waitUntil(lambda: not d.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.row.stage_done == 1, timeout=5000)
    assert "第1步已完成" in page.info.toPlainText() or "已完成" in page.info.toPlainText()


def test_dashboard_reads_the_slow_alerts_after_its_first_paint(qtbot: Any, db: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The overdue-visit alert (the slow read) is asked for once the page has painted its figures:
    read at once, it ran on the database thread while the page painted and took the GIL from it."""
    import commdesk.ui.dashboard_page as page_module
    from commdesk.ui.app import create_main_window, make_app
    from commdesk.ui.dashboard_page import DashboardPage
    from commdesk.ui.runner import set_runner

    events: list[str] = []
    real_slow = page_module.slow_alerts

    def slow(session: Any) -> Any:
        # on the database thread: whether the page had painted its figures by then (the order of
        # two appends from two threads would say nothing on a busy machine)
        events.append("slow alerts read" if page.data is not None and not page._pending_paint else "read too early")
        return real_slow(session)

    monkeypatch.setattr(page_module, "slow_alerts", slow)
    make_app()
    build_party(db)
    w = create_main_window(db)
    qtbot.addWidget(w)
    page = w.page(DashboardPage)
    page.painted.connect(lambda: events.append("painted"))
    w.show()
    w.start()
    qtbot.waitUntil(lambda: any("read" in e for e in events) and "painted" in events and w.runner.idle,
                    timeout=10000)
    try:
        assert sorted(events[:2]) == ["painted", "slow alerts read"]
        assert page.data is not None and page.alerts.count() > 0
    finally:
        w.runner.shutdown()
        set_runner(None)
