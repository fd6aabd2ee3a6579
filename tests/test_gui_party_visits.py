"""走访记录 in the real main window: correcting a recorded visit, archiving and restoring one, the
grid and method filters, and a need turned into a responsibility-checklist item."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from commdesk.models import AuditEntry
from commdesk.models.meeting import ChecklistItem
from commdesk.models.party import Visit
from tests.test_gui_party import idle, page, window  # noqa: F401 - the fixture
from tests.test_gui_party_centers import activate

pytestmark = pytest.mark.gui


def visits_page(qtbot: Any, w: Any) -> Any:
    p = page(w, "visits")
    p.period.setCurrentIndex(p.period.findData(0))       # the sample visits are from 2025
    idle(qtbot, w)
    qtbot.waitUntil(lambda: p.visits.rowCount() == 2, timeout=5000)
    return p


def select_visit(p: Any, household_no: str) -> int:
    row = next(i for i, r in enumerate(p.visits.rows) if r.household_no == household_no)
    p.visit_table.setFocus()
    p.visit_table.selectRow(row)
    return p.visits.rows[row].id


def visit(w: Any, vid: int) -> Visit:
    with w.db.Session() as s:
        v = s.get_one(Visit, vid)
        s.expunge(v)
        return v


def test_correct_a_visit_with_f2_and_ctrl_s(qtbot: Any, window: Any) -> None:  # noqa: F811
    w = window
    p = visits_page(qtbot, w)
    activate(qtbot, w)
    vid = select_visit(p, "P002")
    before = visit(w, vid)
    qtbot.keyClick(p.visit_table, Qt.Key.Key_F2)
    form = p.form
    qtbot.waitUntil(lambda: form.editing == vid, timeout=5000)
    assert form.edit_bar.isVisible() and "2025-05-20" in form.banner.text()
    assert (form.needs.toPlainText(), form.handling.toPlainText(), form.kind.currentText()) == \
        ("希望安装扶手", "已联系物业", "节庆慰问")
    assert form.household is not None and form.household.household_no == "P002"
    assert form.status.currentData() == ""          # 已办结 was the automatic status
    form.handling.setPlainText("物业已安装扶手")
    form.method.setCurrentIndex(form.method.findText("电话"))
    qtbot.keyClick(form.handling, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: form.editing is None, timeout=5000)
    idle(qtbot, w)
    after = visit(w, vid)
    assert (after.handling, after.method, after.need_status) == ("物业已安装扶手", "电话", "已办结")
    assert (after.center_id, after.visit_date, after.visitor) == (before.center_id, before.visit_date, before.visitor)
    with w.db.Session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.table_name == "visit", AuditEntry.record_id == vid)
                          .order_by(AuditEntry.id.desc())).first()
        assert entry is not None and entry.action == "update"
        assert entry.change_dict() == {"method": ["入户", "电话"], "handling": ["已联系物业", "物业已安装扶手"]}
        assert s.query(Visit).count() == 2             # corrected, not added
    assert not form.edit_bar.isVisible() and form.household is None and form.visitor.text() == ""
    qtbot.waitUntil(lambda: any(r.id == vid and r.method == "电话" for r in p.visits.rows), timeout=5000)


def test_escape_drops_a_correction(qtbot: Any, window: Any) -> None:  # noqa: F811
    w = window
    p = visits_page(qtbot, w)
    activate(qtbot, w)
    vid = select_visit(p, "P003")
    p.edit_visit()
    qtbot.waitUntil(lambda: p.form.editing == vid, timeout=5000)
    p.form.findings.setPlainText("改了但不保存")
    qtbot.keyClick(p.form.findings, Qt.Key.Key_Escape)
    assert p.form.editing is None and p.form.findings.toPlainText() == ""
    idle(qtbot, w)
    assert visit(w, vid).findings == ""


def test_archive_and_restore_a_visit(qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from commdesk.ui.party import visits_page as vp

    asked: list[str] = []
    monkeypatch.setattr(vp, "confirm", lambda _p, _t, text: asked.append(text) or True)
    w = window
    p = visits_page(qtbot, w)
    activate(qtbot, w)
    vid = select_visit(p, "P003")
    qtbot.keyClick(p.visit_table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: visit(w, vid).archived_at is not None, timeout=5000)
    assert asked and "2025-05-03" in asked[0]
    idle(qtbot, w)
    qtbot.waitUntil(lambda: [r.household_no for r in p.visits.rows] == ["P002"], timeout=5000)
    p.archived.setChecked(True)
    qtbot.waitUntil(lambda: p.visits.rowCount() == 2, timeout=5000)
    select_visit(p, "P003")
    row = p.visit_table.currentIndex().row()
    assert p.visits.data(p.visits.index(row, 0), Qt.ItemDataRole.ForegroundRole) is not None   # greyed
    assert p.archive_action.text() == "恢复" and not p.edit_action.isEnabled()
    p.archive_action.trigger()
    qtbot.waitUntil(lambda: visit(w, vid).archived_at is None, timeout=5000)
    assert len(asked) == 1                            # restoring asks nothing
    with w.db.Session() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).where(
            AuditEntry.table_name == "visit", AuditEntry.record_id == vid).order_by(AuditEntry.id))]
    assert actions[-2:] == ["archive", "restore"]


def test_grid_and_method_filters(qtbot: Any, window: Any) -> None:  # noqa: F811
    w, ids = window, window.ids
    p = visits_page(qtbot, w)
    qtbot.waitUntil(lambda: p.grid.count() == 3, timeout=5000)
    p.method.setCurrentIndex(p.method.findData("电话"))
    qtbot.waitUntil(lambda: [r.household_no for r in p.visits.rows] == ["P003"], timeout=5000)
    p.method.setCurrentIndex(0)
    p.grid.setCurrentIndex(p.grid.findData(ids["grid2"]))
    qtbot.waitUntil(lambda: p.visits.rowCount() == 0, timeout=5000)
    idle(qtbot, w)
    assert p.overdue.rowCount() == 0                  # no contact households in grid 2
    p.grid.setCurrentIndex(p.grid.findData(ids["grid1"]))
    qtbot.waitUntil(lambda: p.visits.rowCount() == 2 and p.overdue.rowCount() > 0, timeout=5000)


def test_need_becomes_a_checklist_item(qtbot: Any, window: Any) -> None:  # noqa: F811
    w = window
    p = visits_page(qtbot, w)
    vid = select_visit(p, "P003")
    assert not p.checklist_action.isEnabled()          # no need was recorded in this visit
    vid = select_visit(p, "P002")
    assert p.checklist_action.isEnabled()
    p.dialog = None
    activate(qtbot, w)
    p.visit_table.setFocus()
    qtbot.keyClick(p.visit_table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: p.dialog is not None and p.dialog.isVisible(), timeout=5000)
    dialog = p.dialog
    assert dialog.title.text() == "希望安装扶手" and dialog.person.text() == "赵一"
    dialog.unit.setText("幸福里社区居委会")
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    idle(qtbot, w)
    with w.db.Session() as s:
        item = s.scalars(select(ChecklistItem).where(ChecklistItem.source_visit_id == vid)).one()
        assert (item.source, item.title, item.responsible_unit) == ("走访诉求", "希望安装扶手", "幸福里社区居委会")
        assert s.get_one(Visit, vid).checklist_item_uuid == item.uuid
    qtbot.waitUntil(lambda: any(r.id == vid and r.checklist_linked for r in p.visits.rows), timeout=5000)
    select_visit(p, "P002")
    assert not p.checklist_action.isEnabled()
    row = p.visit_table.currentIndex().row()
    assert p.visits.data(p.visits.index(row, 8)) == "已办结·已转清单"
    assert date.today() >= item.start_date
