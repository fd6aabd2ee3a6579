"""党员中心户 in the real main window: fellow members linked and unlinked ("1+10+N"), who covers
each contact, the contact history, revoked centers and the grid filter (from 覆盖情况)."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from sqlalchemy import select

from commdesk.models import AuditEntry
from commdesk.models.party import CenterContact, CenterMember
from tests.test_gui_party import idle, page, window  # noqa: F401 - the fixture

pytestmark = pytest.mark.gui


def contact_member(w: Any, household_id: int) -> int | None | str:
    """Who covers this household's open contact (None: the center's own member; "none": no contact)."""
    with w.db.Session() as s:
        rows = s.execute(select(CenterContact.member_id).where(CenterContact.household_id == household_id,
                                                               CenterContact.end_date.is_(None))).all()
    return rows[0][0] if rows else "none"


def activate(qtbot: Any, w: Any) -> None:
    """After a modal dialog closed the offscreen platform leaves no window active (shortcuts need one)."""
    from PySide6.QtWidgets import QApplication

    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=5000)


def open_dialog(qtbot: Any, p: Any, trigger: Any) -> Any:
    p.dialog = None
    trigger()
    qtbot.waitUntil(lambda: p.dialog is not None and p.dialog.isVisible(), timeout=5000)
    return p.dialog


def save(qtbot: Any, w: Any, dialog: Any) -> None:
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    idle(qtbot, w)


def link_qian(qtbot: Any, w: Any, p: Any) -> None:
    dialog = open_dialog(qtbot, p, p.link)
    dialog.member.setCurrentIndex(next(i for i in range(dialog.member.count())
                                       if dialog.member.itemText(i).startswith("钱二")))
    save(qtbot, w, dialog)


def test_link_hand_over_and_unlink_a_fellow_member(qtbot: Any, window: Any) -> None:  # noqa: F811
    w, ids = window, window.ids
    p = page(w, "centers")
    idle(qtbot, w)
    link_qian(qtbot, w, p)
    qtbot.waitUntil(lambda: [r.name for r in p.links.model.rows] == ["钱二"], timeout=5000)
    assert p.model.rows[0].members == 1
    # the assignment editor offers 钱二 as the covering member; hand P003 over to her
    editor = p.editor
    qtbot.waitUntil(lambda: editor.member.count() == 2, timeout=5000)
    editor.member.setCurrentIndex(editor.member.findData(ids["m_qian"]))
    row = next(i for i in range(editor.assigned.count()) if "P003" in editor.assigned.item(i).text())
    editor.assigned.setCurrentRow(row)
    qtbot.mouseClick(editor.findChild(QPushButton, "assignHandOver"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: contact_member(w, ids["P003"]) == ids["m_qian"], timeout=5000)
    idle(qtbot, w)
    qtbot.waitUntil(lambda: any("P003" in editor.assigned.item(i).text() and "〔钱二〕" in editor.assigned.item(i).text()
                                for i in range(editor.assigned.count())), timeout=5000)
    # a household added now is covered by the member chosen (still 钱二)
    qtbot.waitUntil(lambda: editor.suggested.count() == 2, timeout=5000)
    editor.suggested.setCurrentRow(0)
    editor.suggested.item(0).setSelected(True)
    qtbot.mouseClick(editor.findChild(QPushButton, "assignAdd"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: contact_member(w, ids["P004"]) == ids["m_qian"], timeout=5000)
    idle(qtbot, w)
    qtbot.waitUntil(lambda: [r.contacts for r in p.links.model.rows] == [2], timeout=5000)
    # unlink with the keyboard: Ctrl+Shift+L opens the dialog on the links tab
    activate(qtbot, w)
    p.table.setFocus()
    p.dialog = None
    qtbot.keyClick(p.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: p.dialog is not None and p.dialog.isVisible(), timeout=5000)
    dialog = p.dialog
    assert p.tabs.currentWidget() is p.links and dialog.member.currentData() == ids["m_qian"]
    save(qtbot, w, dialog)
    with w.db.Session() as s:
        link = s.scalars(select(CenterMember).where(CenterMember.center_id == ids["center"])).one()
        assert link.end_date == date.today()                       # ended, not deleted
        entries = s.scalars(select(AuditEntry).where(AuditEntry.table_name == "center_member",
                                                     AuditEntry.record_id == link.id)).all()
        assert [e.action for e in entries] == ["create", "update"]
        assert entries[-1].change_dict() == {"end_date": [None, date.today().isoformat()]}
    assert contact_member(w, ids["P003"]) is None and contact_member(w, ids["P004"]) is None
    qtbot.waitUntil(lambda: p.links.model.rowCount() == 0 and p.model.rows[0].members == 0, timeout=5000)
    p.links.history.setChecked(True)                                # the ended link is still there
    qtbot.waitUntil(lambda: [(r.name, r.end_date) for r in p.links.model.rows] == [("钱二", date.today())],
                    timeout=5000)


def test_unlink_refuses_a_date_before_the_link(qtbot: Any, window: Any) -> None:  # noqa: F811
    w = window
    p = page(w, "centers")
    idle(qtbot, w)
    link_qian(qtbot, w, p)
    dialog = open_dialog(qtbot, p, p.unlink)
    from PySide6.QtCore import QDate

    dialog.when.setDate(QDate(2020, 1, 1))
    dialog.save()
    qtbot.waitUntil(lambda: "不能早于" in dialog.message_text("date"), timeout=5000)
    assert dialog.isVisible()
    dialog.reject()
    with w.db.Session() as s:
        assert s.scalars(select(CenterMember.end_date)).one() is None


def test_contact_history_and_revoked_centers(qtbot: Any, window: Any) -> None:  # noqa: F811
    w, ids = window, window.ids
    p = page(w, "centers")
    idle(qtbot, w)
    editor = p.editor
    qtbot.waitUntil(lambda: editor.assigned.count() == 3, timeout=5000)
    row = next(i for i in range(editor.assigned.count()) if "P006" in editor.assigned.item(i).text())
    editor.assigned.setCurrentRow(row)
    editor.reason.setText("搬离本社区")
    qtbot.mouseClick(editor.findChild(QPushButton, "assignRemove"), Qt.MouseButton.LeftButton)
    idle(qtbot, w)
    assert editor.reason.text() == ""
    p.tabs.setCurrentWidget(p.history)
    qtbot.waitUntil(lambda: any(r.household_no == "P006" and r.end_date == date.today()
                                for r in p.history.model.rows), timeout=5000)
    ended = next(r for r in p.history.model.rows if r.household_no == "P006")
    assert ended.end_reason == "搬离本社区" and "已结束 1 条" in p.history.summary.text()
    # revoke the center; it leaves the list, and comes back greyed with 含已撤销, history intact
    dialog = open_dialog(qtbot, p, p.revoke)
    dialog.reason.setText("搬离本社区")
    save(qtbot, w, dialog)
    qtbot.waitUntil(lambda: p.model.rowCount() == 0, timeout=5000)
    p.ended.setChecked(True)
    qtbot.waitUntil(lambda: p.model.rowCount() == 1, timeout=5000)
    idle(qtbot, w)
    assert p.model.rows[0].status == "已撤销"
    assert p.model.data(p.model.index(0, 6)) == "已撤销"
    assert not editor.isEnabled() and not p.links.link_button.isEnabled()
    qtbot.waitUntil(lambda: len(p.history.model.rows) == 3
                    and all(r.end_date is not None for r in p.history.model.rows), timeout=5000)


def test_coverage_go_assign_opens_the_grid(qtbot: Any, window: Any) -> None:  # noqa: F811
    w, ids = window, window.ids
    cov = page(w, "coverage")
    idle(qtbot, w)
    row = next(i for i, r in enumerate(cov.grids.rows) if r.grid == "第二网格")
    cov.grid_table.selectRow(row)
    idle(qtbot, w)
    cov.go_assign()
    from commdesk.ui.party.centers_page import CentersPage

    p = w.page(CentersPage)
    idle(qtbot, w)
    assert p.grid.currentData() == ids["grid2"] and p.model.rowCount() == 0    # no center in grid 2 yet
    p.grid.setCurrentIndex(p.grid.findData(ids["grid1"]))
    qtbot.waitUntil(lambda: p.model.rowCount() == 1, timeout=5000)
