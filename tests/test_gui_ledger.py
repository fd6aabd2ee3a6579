"""The real main window on a temporary database, driven with qtbot."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from commdesk.models import Household, Resident, ResidentEvent
from tests.gui_support import make_id, seed_small_community

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot: Any, db: Any) -> Any:
    from commdesk.ui.app import create_main_window, make_app
    from commdesk.ui.runner import set_runner

    make_app()
    ids = seed_small_community(db)
    w = create_main_window(db)
    w.ids = ids
    qtbot.addWidget(w)
    w.show()
    w.start()
    w.show_page(type(w.ledger))
    qtbot.waitUntil(lambda: w.ledger.model.rowCount() == 6, timeout=5000)
    yield w
    w.runner.shutdown()
    set_runner(None)


def type_text(qtbot: Any, widget: Any, text: str) -> None:
    """Type like a user: QTest can only synthesise ASCII keys, an IME commits Chinese characters."""
    for ch in text:
        if ch.isascii():
            qtbot.keyClicks(widget, ch)
        else:
            widget.insert(ch)


def wait_rows(qtbot: Any, w: Any, n: int) -> None:
    qtbot.waitUntil(lambda: w.ledger.model.rowCount() == n and w.runner.idle, timeout=5000)


def shown_names(w: Any) -> list[str]:
    m = w.ledger.model
    col = m.keys.index("name")
    return [m.data(m.index(r, col)) for r in range(m.rowCount())]


def dialog(qtbot: Any, w: Any) -> Any:
    qtbot.waitUntil(lambda: w.ledger.actions.last_dialog is not None and w.ledger.actions.last_dialog.isVisible(),
                    timeout=5000)
    return w.ledger.actions.last_dialog


def test_ledger_shows_residents_in_household_order(qtbot: Any, window: Any) -> None:
    qtbot.waitUntil(lambda: shown_names(window)[0] == "张三", timeout=5000)
    assert shown_names(window) == ["张三", "李梅", "张小明", "单田芳", "曾国强", "王芳"]
    assert "6" in window.ledger.count_label.text()


@pytest.mark.parametrize("query, expected", [
    ("zs", ["张三"]), ("张", ["张三", "张小明"]), ("shan", ["单田芳"]), ("zeng", ["曾国强"]),
    ("5678", ["张三", "李梅"]), ("和平新村", ["曾国强", "王芳"]), ("李梅", ["李梅"]),
])
def test_search_as_you_type(qtbot: Any, window: Any, query: str, expected: list[str]) -> None:
    type_text(qtbot, window.ledger.search, query)
    wait_rows(qtbot, window, len(expected))
    qtbot.waitUntil(lambda: sorted(shown_names(window)) == sorted(expected), timeout=5000)


def test_filters_by_tag_and_review(qtbot: Any, window: Any) -> None:
    window.ledger.tag_box.setCurrentIndex(window.ledger.tag_box.findData("独居老人"))
    wait_rows(qtbot, window, 1)
    assert shown_names(window) == ["单田芳"]
    window.ledger.tag_box.setCurrentIndex(0)
    window.ledger.review_box.setChecked(True)
    wait_rows(qtbot, window, 0)


def test_add_household_and_head_through_dialogs(qtbot: Any, window: Any, db: Any) -> None:
    window.ledger.actions.new_household.trigger()
    d = dialog(qtbot, window)
    assert d.household_no.text().startswith("H")
    d.household_no.setText("H0100")
    type_text(qtbot, d.estate, "建设家园")
    type_text(qtbot, d.building, "7")
    type_text(qtbot, d.room, "101")
    d.save()
    qtbot.waitUntil(lambda: window.ledger.actions.last_dialog is not d and window.ledger.actions.last_dialog
                    is not None, timeout=5000)
    r = window.ledger.actions.last_dialog
    type_text(qtbot, r.name, "赵  六")
    type_text(qtbot, r.id_number, make_id("130104", date(1990, 3, 7), 13))
    assert r.gender.currentText() == "男"
    assert r.birth.date().toPython() == date(1990, 3, 7)
    r.save()
    wait_rows(qtbot, window, 7)
    with db.Session() as s:
        h = s.scalars(select(Household).where(Household.household_no == "H0100")).one()
        (head,) = h.members
        assert (head.name, head.relation, head.gender) == ("赵六", "户主", "男")
        assert s.scalar(select(func.count()).select_from(ResidentEvent).where(ResidentEvent.resident_id == head.id)) == 1
    qtbot.waitUntil(lambda: window.ledger.current_resident() == head.id, timeout=5000)


def test_invalid_id_is_refused_inline(qtbot: Any, window: Any, db: Any) -> None:
    window.ledger.actions.add_member.trigger()
    r = dialog(qtbot, window)
    type_text(qtbot, r.name, "钱七")
    good = make_id("130104", date(1990, 3, 7), 13)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    type_text(qtbot, r.id_number, bad)
    assert "校验" in r.message_text("id_number")
    assert not r.buttons.button(r.buttons.StandardButton.Save).isEnabled()
    r.save()
    assert r.isVisible()
    type_text(qtbot, r.phone, "12345")
    assert r.message_text("phone")
    r.reject()
    with db.Session() as s:
        assert s.scalar(select(func.count()).select_from(Resident).where(Resident.name == "钱七")) == 0


def test_edit_resident_phone(qtbot: Any, window: Any, db: Any) -> None:
    qtbot.waitUntil(lambda: window.ledger.current_resident() == window.ids["张三"], timeout=5000)
    window.ledger.actions.edit_member.trigger()
    r = dialog(qtbot, window)
    assert r.name.text() == "张三"
    r.phone.clear()
    type_text(qtbot, r.phone, "139-0000-1111")
    r.save()
    qtbot.waitUntil(lambda: not r.isVisible(), timeout=5000)
    with db.Session() as s:
        assert s.get_one(Resident, window.ids["张三"]).phone == "13900001111"
    qtbot.waitUntil(lambda: any("联系电话已修改" in window.ledger.panel.history.item(i).text()
                                for i in range(window.ledger.panel.history.count())), timeout=5000)


def test_archive_and_restore(qtbot: Any, window: Any, db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("commdesk.ui.household_actions.confirm", lambda *a: True)  # the user's "确定"
    target = window.ids["王芳"]
    window.ledger.table.selectRow(window.ledger.model.row_of(target))
    qtbot.waitUntil(lambda: window.ledger.current_resident() == target, timeout=5000)
    window.ledger.actions.archive.trigger()
    wait_rows(qtbot, window, 5)
    assert "王芳" not in shown_names(window)
    window.ledger.archived_box.setChecked(True)
    wait_rows(qtbot, window, 1)
    window.ledger.table.selectRow(0)
    qtbot.waitUntil(lambda: window.ledger.current_resident() == target, timeout=5000)
    window.ledger.actions.restore.trigger()
    wait_rows(qtbot, window, 0)
    with db.Session() as s:
        assert s.get_one(Resident, target).archived_at is None


def test_move_resident_to_another_household(qtbot: Any, window: Any, db: Any) -> None:
    target = window.ids["张小明"]
    window.ledger.table.selectRow(window.ledger.model.row_of(target))
    qtbot.waitUntil(lambda: window.ledger.current_resident() == target, timeout=5000)
    window.ledger.actions.move.trigger()
    d = dialog(qtbot, window)
    type_text(qtbot, d.query, "H0002")
    qtbot.waitUntil(lambda: d.results.count() == 1, timeout=5000)
    d.save()
    qtbot.waitUntil(lambda: not d.isVisible(), timeout=5000)
    with db.Session() as s:
        r = s.get_one(Resident, target)
        assert r.household_id == window.ids["H0002"]
        ev = s.scalars(select(ResidentEvent).where(ResidentEvent.resident_id == target)).one()
        assert ev.kind == "户内迁移" and ev.from_household_id == window.ids["H0001"]


def test_record_move_out(qtbot: Any, window: Any, db: Any) -> None:
    target = window.ids["李梅"]
    window.ledger.table.selectRow(window.ledger.model.row_of(target))
    qtbot.waitUntil(lambda: window.ledger.current_resident() == target, timeout=5000)
    window.ledger.actions.event.trigger()
    d = dialog(qtbot, window)
    assert d.kind.currentText() == "迁出"
    type_text(qtbot, d.place, "外省")
    d.save()
    wait_rows(qtbot, window, 5)  # the default filter shows 在住 only
    with db.Session() as s:
        r = s.get_one(Resident, target)
        assert r.status == "迁出" and r.move_out_date == date.today()


def test_keyboard_shortcut_focuses_search(qtbot: Any, window: Any) -> None:
    window.ledger.table.setFocus()
    qtbot.keyClick(window.ledger.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.ledger.search.hasFocus()


def test_resident_model_passes_modeltester(qtbot: Any, window: Any, qtmodeltester: Any) -> None:
    qtmodeltester.check(window.ledger.model, force_py=True)


def test_welcome_creates_community(qtbot: Any, tmp_path: Any) -> None:
    from commdesk.models.db import open_database
    from commdesk.services.community import list_grids
    from commdesk.ui.app import create_main_window, make_app, maybe_welcome
    from commdesk.ui.runner import set_runner

    make_app()
    database = open_database(tmp_path / "fresh.sqlite3")
    w = create_main_window(database)
    qtbot.addWidget(w)
    w.show()
    w.start()
    w.show_page(type(w.ledger))
    maybe_welcome(w)
    qtbot.waitUntil(lambda: getattr(w, "welcome", None) is not None and w.welcome.isVisible(), timeout=5000)
    type_text(qtbot, w.welcome.name, "测试社区")
    w.welcome.create()
    qtbot.waitUntil(lambda: not w.welcome.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: w.ledger.grid_box.count() == 4, timeout=5000)
    with database.Session() as s:
        assert [g.name for g in list_grids(s)] == ["第一网格", "第二网格", "第三网格"]
    w.runner.shutdown()
    set_runner(None)
    database.close()
