"""Party pages in the real main window: assignment editor, visit form, roster, coverage, organisation."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from sqlalchemy import select

from commdesk.models.party import CenterContact, PartyMember, Visit
from commdesk.services.party_centers import open_center_of
from tests.test_party_services import populate

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot: Any, db: Any) -> Any:
    from commdesk.ui.app import create_main_window, make_app
    from commdesk.ui.runner import set_runner

    make_app()
    ids = populate(db)
    w = create_main_window(db)
    w.ids = ids
    w.db = db
    qtbot.addWidget(w)
    w.show()
    w.start()
    qtbot.waitUntil(lambda: w.runner.idle, timeout=10000)
    yield w
    qtbot.wait(600)      # debounce timers (search as you type, the dashboard's) fire and their queries finish
    runner = w.runner
    qtbot.waitUntil(lambda: runner.idle, timeout=10000)
    import shiboken6

    if shiboken6.isValid(w):
        w.close()
    qtbot.wait(50)
    qtbot.waitUntil(lambda: runner.idle, timeout=10000)
    runner.shutdown()
    qtbot.wait(50)       # results queued by the last queries reach the (closed, still existing) window
    set_runner(None)


def type_text(qtbot: Any, widget: Any, text: str) -> None:
    for ch in text:
        if ch.isascii():
            qtbot.keyClicks(widget, ch)
        else:
            widget.insert(ch)


def page(w: Any, name: str) -> Any:
    from commdesk.ui.party import centers_page, coverage_page, members_page, org_page, visits_page

    cls = {"org": org_page.OrgPage, "members": members_page.MembersPage, "centers": centers_page.CentersPage,
           "coverage": coverage_page.CoveragePage, "visits": visits_page.VisitsPage}[name]
    return w.show_page(cls)


def idle(qtbot: Any, w: Any) -> None:
    qtbot.waitUntil(lambda: w.runner.idle, timeout=10000)
    qtbot.wait(10)
    qtbot.waitUntil(lambda: w.runner.idle, timeout=10000)


def open_contacts(w: Any, center_id: int) -> list[int]:
    with w.db.Session() as s:
        return sorted(s.scalars(select(CenterContact.household_id).where(
            CenterContact.center_id == center_id, CenterContact.end_date.is_(None))).all())


def test_models_pass_the_model_tester(qtbot: Any, qtmodeltester: Any, window: Any) -> None:
    for name, attr in (("members", "model"), ("centers", "model"), ("coverage", "grids"), ("coverage", "households"),
                       ("visits", "visits"), ("visits", "overdue")):
        p = page(window, name)
        if name == "visits":
            p.period.setCurrentIndex(p.period.findData(0))    # the sample visits are from 2025
        idle(qtbot, window)
        model = getattr(p, attr)
        assert model.rowCount() > 0, (name, attr)
        qtmodeltester.check(model)


def test_assignment_editor_keyboard_add_and_remove(qtbot: Any, window: Any) -> None:
    p = page(window, "centers")
    idle(qtbot, window)
    editor = p.editor
    assert editor.center is not None and editor.center.id == window.ids["center"]
    qtbot.waitUntil(lambda: editor.suggested.count() == 2, timeout=5000)   # P004, P005 are left in grid 1
    assert "P004" in editor.suggested.item(0).text()                      # same estate first
    # keyboard: search, Enter moves to the list, Enter adds the household
    editor.search.setFocus()
    type_text(qtbot, editor.search, "P005")
    qtbot.waitUntil(lambda: editor.suggested.count() == 1, timeout=5000)
    qtbot.keyClick(editor.search, Qt.Key.Key_Return)
    assert editor.suggested.hasFocus()
    qtbot.keyClick(editor.suggested, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.ids["P005"] in open_contacts(window, window.ids["center"]), timeout=5000)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: editor.assigned.count() == 4, timeout=5000)
    # remove with Delete on the assigned list
    row = next(i for i in range(editor.assigned.count()) if "P005" in editor.assigned.item(i).text())
    editor.assigned.setFocus()
    editor.assigned.setCurrentRow(row)
    qtbot.keyClick(editor.assigned, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: window.ids["P005"] not in open_contacts(window, window.ids["center"]), timeout=5000)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: editor.assigned.count() == 3, timeout=5000)
    with window.db.Session() as s:   # the history is kept
        ended = s.scalars(select(CenterContact).where(CenterContact.household_id == window.ids["P005"])).all()
        assert len(ended) == 1 and ended[0].end_date is not None


def test_assignment_editor_add_button_and_drop(qtbot: Any, window: Any) -> None:
    p = page(window, "centers")
    idle(qtbot, window)
    editor = p.editor
    qtbot.waitUntil(lambda: editor.suggested.count() == 2, timeout=5000)
    editor.suggested.setCurrentRow(0)
    editor.suggested.item(0).setSelected(True)
    qtbot.mouseClick(editor.findChild(QPushButton, "assignAdd"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.ids["P004"] in open_contacts(window, window.ids["center"]), timeout=5000)
    idle(qtbot, window)
    # a drop from the suggestions onto the assigned list adds (the drop handler's signal)
    qtbot.waitUntil(lambda: editor.suggested.count() == 1, timeout=5000)
    editor.suggested.setCurrentRow(0)
    editor.suggested.item(0).setSelected(True)
    editor.assigned.dropped.emit(editor.suggested.selected_ids())
    qtbot.waitUntil(lambda: window.ids["P005"] in open_contacts(window, window.ids["center"]), timeout=5000)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: editor.suggested.count() == 0 and editor.assigned.count() == 5, timeout=5000)
    assert "偏多" not in editor.count.text() and "不足" in editor.count.text()


def test_visit_form_keyboard_entry(qtbot: Any, window: Any) -> None:
    p = page(window, "visits")
    p.period.setCurrentIndex(p.period.findData(0))
    idle(qtbot, window)
    before = p.visits.rowCount()
    form = p.form
    form.search.setFocus()
    type_text(qtbot, form.search, "P006")
    qtbot.waitUntil(lambda: form.hits.count() == 1, timeout=5000)
    qtbot.keyClick(form.search, Qt.Key.Key_Return)
    assert form.household is not None and form.household.household_no == "P006"
    type_text(qtbot, form.visitor, "赵一")
    form.kind.setCurrentIndex(form.kind.findText("困难帮助"))
    form.needs.setPlainText("希望帮助申请临时救助")
    qtbot.keyClick(form.visitor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    idle(qtbot, window)
    with window.db.Session() as s:
        v = s.scalars(select(Visit).where(Visit.household_id == window.ids["P006"])).one()
        assert (v.visitor, v.kind, v.need_status, v.visit_date) == ("赵一", "困难帮助", "待办理", date.today())
        assert v.center_id == open_center_of(s, window.ids["P006"])
    qtbot.waitUntil(lambda: p.visits.rowCount() == before + 1, timeout=5000)
    assert form.household is None and form.visitor.text() == "赵一" and form.needs.toPlainText() == ""


def test_visit_form_refuses_without_household(qtbot: Any, window: Any) -> None:
    p = page(window, "visits")
    idle(qtbot, window)
    p.form.visitor.setText("x")
    p.form.save()
    assert "住户" in p.form.message.text()


def test_roster_search_and_detail(qtbot: Any, window: Any) -> None:
    p = page(window, "members")
    idle(qtbot, window)
    assert p.model.rowCount() == 3
    type_text(qtbot, p.search, "zy")
    qtbot.waitUntil(lambda: p.model.rowCount() == 1, timeout=5000)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: "赵一" in p.detail.toPlainText(), timeout=5000)
    assert "入党" in p.detail.toPlainText() and "P001" in p.detail.toPlainText()
    assert "钱二" in p.reminder.text()   # probationary since 2024-07: full membership due


def test_member_status_change_through_dialog(qtbot: Any, window: Any) -> None:
    p = page(window, "members")
    idle(qtbot, window)
    row = next(i for i, r in enumerate(p.model.rows) if r.name == "赵一")
    p.table.selectRow(row)
    p.change_status()
    dialog = p.dialog
    qtbot.waitUntil(lambda: dialog.isVisible(), timeout=5000)
    dialog.status.setCurrentIndex(dialog.status.findText("外出流动"))
    dialog.place.setText("Beijing")
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    idle(qtbot, window)
    with window.db.Session() as s:
        m = s.get_one(PartyMember, window.ids["m_zhao"])
        assert (m.status, m.out_place) == ("外出流动", "Beijing")


def test_coverage_page_lists_uncovered(qtbot: Any, window: Any) -> None:
    p = page(window, "coverage")
    idle(qtbot, window)
    grids = {r.grid: r for r in p.grids.rows}
    assert (grids["第一网格"].covered, grids["第二网格"].covered) == (4, 0)
    assert "全社区 8 户，已覆盖 4 户" in p.total.text()
    row = next(i for i, r in enumerate(p.grids.rows) if r.grid == "第一网格")
    p.grid_table.selectRow(row)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: {r.household_no for r in p.households.rows} == {"P004", "P005"}, timeout=5000)


def test_org_tree_shows_branches_and_grids(qtbot: Any, window: Any) -> None:
    p = page(window, "org")
    idle(qtbot, window)
    root = p.tree.topLevelItem(0)
    assert root.text(1) == "党委" and root.childCount() == 2
    assert root.child(0).text(4) == "第一网格" and root.child(0).text(3) == "2"


def test_pages_fit_1366x768(qtbot: Any, window: Any) -> None:
    window.resize(1366, 740)
    for name in ("org", "members", "centers", "coverage", "visits"):
        p = page(window, name)
        idle(qtbot, window)
        assert p.minimumSizeHint().width() <= 1366 - 140 and p.minimumSizeHint().height() <= 700, name


def test_cadence_setting_dialog(qtbot: Any, window: Any) -> None:
    from commdesk.settings.party import visit_cadence

    p = page(window, "visits")
    idle(qtbot, window)
    p.edit_cadence()
    qtbot.waitUntil(lambda: getattr(p, "dialog", None) is not None and p.dialog.isVisible(), timeout=5000)
    dialog = p.dialog
    dialog.table.item(0, 1).setText("3")
    dialog.default.setValue(60)
    first_tag = dialog.table.item(0, 0).text()
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    idle(qtbot, window)
    with window.db.Session() as s:
        cadence = visit_cadence(s)
    assert cadence[first_tag] == 3 and cadence["default"] == 60


def test_designate_center_through_dialog(qtbot: Any, window: Any) -> None:
    p = page(window, "centers")
    idle(qtbot, window)
    p.designate()
    qtbot.waitUntil(lambda: p.dialog is not None and p.dialog.isVisible(), timeout=5000)
    dialog = p.dialog
    index = next(i for i in range(dialog.member.count()) if dialog.member.itemText(i).startswith("钱二"))
    dialog.member.setCurrentIndex(index)
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: p.model.rowCount() == 2, timeout=5000)
    with window.db.Session() as s:
        assert open_center_of(s, window.ids["P002"]) is None     # it left 赵一's center when it became one
