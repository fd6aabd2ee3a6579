"""设置 page in the real main window: edit, save, and the rest of the program computing with the
new values; invalid input shown and nothing written; 恢复默认; a read-only database."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QScrollArea
from sqlalchemy import select

from commdesk.models import AuditEntry, Setting
from commdesk.changes import Changes
from commdesk.services.compliance import compliance_calendar
from commdesk.services.party_centers import list_centers
from commdesk.settings import get_setting, set_setting
from tests.test_party_services import TODAY, populate

pytestmark = pytest.mark.gui


def _open_window(qtbot: Any, database: Any) -> Any:
    from commdesk.ui.app import create_main_window, make_app

    make_app()
    w = create_main_window(database)
    qtbot.addWidget(w)
    w.show()
    w.start()
    qtbot.waitUntil(lambda: w.runner.idle, timeout=10000)
    return w


def _close_window(qtbot: Any, w: Any) -> None:
    import shiboken6

    from commdesk.ui.runner import set_runner

    qtbot.wait(600)      # debounce timers fire and their queries finish
    runner = w.runner
    qtbot.waitUntil(lambda: runner.idle, timeout=10000)
    if shiboken6.isValid(w):
        w.close()
    qtbot.wait(50)
    qtbot.waitUntil(lambda: runner.idle, timeout=10000)
    runner.shutdown()
    qtbot.wait(50)
    set_runner(None)


@pytest.fixture
def window(qtbot: Any, db: Any) -> Iterator[Any]:
    ids = populate(db)
    w = _open_window(qtbot, db)
    w.ids, w.db = ids, db
    yield w
    _close_window(qtbot, w)


def idle(qtbot: Any, w: Any) -> None:
    qtbot.waitUntil(lambda: w.runner.idle, timeout=10000)
    qtbot.wait(10)
    qtbot.waitUntil(lambda: w.runner.idle, timeout=10000)


def settings_page(qtbot: Any, w: Any) -> Any:
    from commdesk.ui.settings_page import SettingsPage

    page = w.show_page(SettingsPage)
    qtbot.waitUntil(lambda: page.loaded_once, timeout=10000)
    idle(qtbot, w)
    return page


def type_number(qtbot: Any, spin: Any, value: int) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, str(value))
    qtbot.keyClick(spin, Qt.Key.Key_Tab)


def stored(db: Any) -> dict[str, Any]:
    with db.Session() as s:
        return {row.key: json.loads(row.value) for row in s.scalars(select(Setting))}


def setting_audit(db: Any) -> list[AuditEntry]:
    with db.Session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.table_name == "setting")))


def test_settings_is_the_last_page_and_shows_every_setting(qtbot: Any, window: Any) -> None:
    from commdesk.settings import SETTINGS

    page = settings_page(qtbot, window)
    assert window.nav.item(window.nav.count() - 1).text() == "设置"
    assert set(page.rows) == set(SETTINGS)
    rules = page.rows["meetings.rules"].editor
    assert [rules.periods[i].currentText() for i in range(len(rules.kinds))] == \
        ["每季度", "每月", "每月", "每季度", "每月", "每年"]
    assert rules.table.item(2, 3).text() == "每个党小组"
    assert [rules.periods[0].itemText(i) for i in range(rules.periods[0].count())] == \
        ["不作要求", "每月", "每季度", "每半年", "每年"]
    assert page.rows["party.center_target_min"].editor.value() == 10
    assert page.rows["party.center_target_min"].note.text() == "默认 10 户"
    assert not page.save_button.isEnabled() and not page.rows["meetings.alert_days"].reset.isEnabled()


def test_edit_save_and_the_rest_follows(qtbot: Any, window: Any) -> None:
    from commdesk.ui.party.centers_page import CentersPage
    from commdesk.ui.party.coverage_page import CoveragePage

    centers = window.show_page(CentersPage)              # started pages hear the change
    idle(qtbot, window)
    center_row = next(r for r in centers.model.rows if r.id == window.ids["center"])
    assert center_row.warning == "under"                 # 3 contacts, target 10–15
    coverage = window.show_page(CoveragePage)
    idle(qtbot, window)
    assert "10–15 户" in coverage.target.text()
    page = settings_page(qtbot, window)
    type_number(qtbot, page.rows["party.center_target_max"].editor.spin, 3)
    type_number(qtbot, page.rows["party.center_target_min"].editor.spin, 2)
    rules = page.rows["meetings.rules"].editor
    rules.periods[rules.kinds.index("党课")].setCurrentIndex(1)          # 每月
    type_number(qtbot, rules.times[rules.kinds.index("党课")], 2)
    rules.set_rule("支委会", None)                                        # 不作要求
    assert "未保存" in page.status.text() and page.save_button.isEnabled()
    assert "已修改，未保存" in page.rows["meetings.rules"].note.text()
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: page.status.text() == "已保存", timeout=5000)
    db = window.db
    with db.Session() as s:
        assert (get_setting(s, "party.center_target_min"), get_setting(s, "party.center_target_max")) == (2, 3)
        assert get_setting(s, "meetings.rules")["党课"] == {"period": "month", "times": 2}
        assert get_setting(s, "meetings.rules")["支委会"] is None
        # what depends on them computes with the new values
        assert [c.warning for c in list_centers(s) if c.id == window.ids["center"]] == [""]   # 3 contacts
        calendar = compliance_calendar(s, 2025, TODAY)
        assert {len(r.cells) for r in calendar if r.kind == "党课"} == {12}
        assert not [r for r in calendar if r.kind == "支委会"]
    assert {k for e in setting_audit(db) for k in e.change_dict()} == {
        "party.center_target_min", "party.center_target_max", "meetings.rules"}
    qtbot.waitUntil(lambda: "2–3 户" in coverage.target.text(), timeout=5000)
    qtbot.waitUntil(lambda: next(r for r in centers.model.rows if r.id == window.ids["center"]).warning == "",
                    timeout=5000)
    assert not page.save_button.isEnabled() and not page.dirty_keys()
    assert "上次修改" in page.rows["party.center_target_min"].note.text()


def test_invalid_input_shows_the_message_and_writes_nothing(qtbot: Any, window: Any) -> None:
    page = settings_page(qtbot, window)
    type_number(qtbot, page.rows["party.center_target_min"].editor.spin, 20)
    row = page.rows["party.center_target_min"]
    assert row.message_text() == "联系户数下限（20 户）不能大于上限（15 户）"
    assert page.rows["party.center_target_max"].message_text() == ""       # said once
    assert not page.save_button.isEnabled() and "需要改正" in page.status.text()
    cadence = page.rows["party.visit_cadence"].editor
    qtbot.mouseClick(cadence.add_button, Qt.MouseButton.LeftButton)
    assert "没有填写类别名称" in page.rows["party.visit_cadence"].message_text()
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)   # Ctrl+S anyway
    idle(qtbot, window)
    assert stored(window.db) == {} and setting_audit(window.db) == []
    # corrected: the upper bound raised, the empty row named → saves
    type_number(qtbot, page.rows["party.center_target_max"].editor.spin, 24)
    assert row.message_text() == ""
    last = cadence.table.rowCount() - 1
    cadence.table.item(last, 0).setText("困境儿童")
    assert page.rows["party.visit_cadence"].message_text() == ""
    page.save()
    idle(qtbot, window)
    with window.db.Session() as s:
        assert (get_setting(s, "party.center_target_min"), get_setting(s, "party.center_target_max")) == (20, 24)
        assert get_setting(s, "party.visit_cadence")["困境儿童"] == 30


def test_restore_default_then_save(qtbot: Any, db: Any) -> None:
    populate(db)
    with db.Session.begin() as s:
        set_setting(s, "party.probation_reminder_days", 60)
        set_setting(s, "meetings.rules", {"党课": {"period": "half", "times": 1}})
    w = _open_window(qtbot, db)
    try:
        page = settings_page(qtbot, w)
        row = page.rows["party.probation_reminder_days"]
        assert row.editor.value() == 60 and row.reset.isEnabled()
        qtbot.mouseClick(row.reset, Qt.MouseButton.LeftButton)
        assert row.editor.value() == 30 and "恢复默认，未保存" in row.note.text() and not row.reset.isEnabled()
        rules = page.rows["meetings.rules"]
        assert rules.editor.periods[0].currentText() == "不作要求"          # only 党课 was stored
        qtbot.mouseClick(rules.reset, Qt.MouseButton.LeftButton)
        assert rules.editor.periods[0].currentText() == "每季度"
        page.revert()                                                         # 撤销修改 brings them back
        assert row.editor.value() == 60 and rules.editor.periods[0].currentText() == "不作要求"
        qtbot.mouseClick(row.reset, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(rules.reset, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
        idle(qtbot, w)
        qtbot.waitUntil(lambda: not page.dirty_keys(), timeout=5000)
        assert stored(db) == {}                                               # the defaults apply again
        with db.Session() as s:
            assert get_setting(s, "party.probation_reminder_days") == 30
            assert {r.kind for r in compliance_calendar(s, 2025, TODAY)} >= {"支委会", "党课"}
        assert sum("恢复默认" in e.summary for e in setting_audit(db)) == 2
    finally:
        _close_window(qtbot, w)


def test_a_change_made_elsewhere_is_shown(qtbot: Any, window: Any) -> None:
    from commdesk.ui.runner import Op

    page = settings_page(qtbot, window)
    type_number(qtbot, page.rows["meetings.alert_days"].editor.spin, 20)     # an unsaved edit is kept

    def elsewhere(s: Any) -> Changes:     # e.g. the target dialog of 覆盖情况
        set_setting(s, "party.center_target_max", 30)
        return Changes.of("setting")

    Op(window, elsewhere, write=True).run()
    idle(qtbot, window)
    qtbot.waitUntil(lambda: page.rows["party.center_target_max"].editor.value() == 30, timeout=5000)
    assert page.rows["meetings.alert_days"].editor.value() == 20 and page.dirty_keys() == ["meetings.alert_days"]


@pytest.mark.sqlite_only(reason="opens the SQLite file read-only")
def test_read_only_database_shows_but_disables(qtbot: Any, db: Any, db_path: Any) -> None:
    from commdesk.models.db import open_database

    populate(db)
    with db.Session.begin() as s:
        set_setting(s, "party.center_target_min", 8)
    readonly = open_database(db_path, readonly=True)
    w = _open_window(qtbot, readonly)
    try:
        page = settings_page(qtbot, w)
        assert page.readonly and page.banner.isVisible()
        assert page.rows["party.center_target_min"].editor.value() == 8
        assert not page.rows["party.center_target_min"].editor.spin.isEnabled()
        assert not page.rows["party.center_target_min"].reset.isEnabled()
        rules = page.rows["meetings.rules"].editor
        assert not any(p.isEnabled() for p in rules.periods) and not any(t.isEnabled() for t in rules.times)
        cadence = page.rows["party.visit_cadence"].editor
        assert not cadence.add_button.isEnabled() and not cadence.default.isEnabled()
        assert not page.save_button.isVisible()
        page.restore_default("party.center_target_min")                       # refused
        page.save()
        idle(qtbot, w)
        assert page.rows["party.center_target_min"].editor.value() == 8 and not page.dirty_keys()
    finally:
        _close_window(qtbot, w)
        readonly.close()
    assert stored(db) == {"party.center_target_min": 8}


def test_page_fits_1366x768(qtbot: Any, window: Any) -> None:
    window.resize(1366, 740)
    page = settings_page(qtbot, window)
    assert page.minimumSizeHint().width() <= 1366 - 140 and page.minimumSizeHint().height() <= 700
    scroll = page.findChild(QScrollArea, "settingsScroll")
    # every business setting is in view without scrolling (the system boxes below them may need it)
    groups = [g for g in scroll.widget().findChildren(QGroupBox) if g.objectName().startswith("settingsGroup_")]
    assert groups and all(g.mapTo(scroll.viewport(), g.rect().bottomLeft()).y() <= scroll.viewport().height()
                          for g in groups), "the settings need scrolling at 1366x768"


def test_file_menu_opens_the_settings_page(qtbot: Any, window: Any) -> None:
    from commdesk.ui.settings_page import SettingsPage

    action = next(a for a in window.menu_file.actions() if a.text() == "设置…")
    assert action.shortcut().toString() == "Ctrl+,"
    action.trigger()
    assert window.stack.currentWidget() is window.page(SettingsPage)
    assert window.nav.currentItem().text() == "设置"
