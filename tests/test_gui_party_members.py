"""党员 in the real main window: a member linked to the resident they are (new, and a flagged
import corrected from 待核实), the mobile member's details, archive and restore."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from sqlalchemy import select

from commdesk.models import AuditEntry
from commdesk.models.party import PartyMember
from commdesk.services import party_members as pm
from tests.test_gui_party import idle, page, type_text, window  # noqa: F401 - the fixture
from tests.test_gui_party_centers import activate

pytestmark = pytest.mark.gui


def member(w: Any, mid: int) -> PartyMember:
    with w.db.Session() as s:
        m = s.get_one(PartyMember, mid)
        s.expunge(m)
        return m


def open_dialog(qtbot: Any, p: Any, trigger: Any) -> Any:
    p.dialog = None
    trigger()
    qtbot.waitUntil(lambda: p.dialog is not None and p.dialog.isVisible(), timeout=5000)
    return p.dialog


def pick_resident(qtbot: Any, dialog: Any, text: str) -> None:
    picker = dialog.resident
    picker.search.setFocus()
    type_text(qtbot, picker.search, text)
    qtbot.waitUntil(lambda: picker.current() is not None, timeout=5000)


def select_member(p: Any, name: str) -> None:
    p.table.setFocus()
    p.table.selectRow(next(i for i, r in enumerate(p.model.rows) if r.name == name))


def test_new_member_linked_to_a_resident(qtbot: Any, window: Any) -> None:  # noqa: F811
    w, ids = window, window.ids
    p = page(w, "members")
    idle(qtbot, w)
    dialog = open_dialog(qtbot, p, p.add)
    assert not dialog.out_contact.isVisibleTo(dialog)          # mobile details only for mobile members
    pick_resident(qtbot, dialog, "李四")
    assert dialog.name.text() == "李四" and len(dialog.id_number.text()) == 18
    assert not dialog.address.isEnabled()
    dialog.join.setDate(QDate(1998, 7, 1))
    dialog.full.setDate(QDate(1999, 7, 1))
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    idle(qtbot, w)
    with w.db.Session() as s:
        m = s.scalars(select(PartyMember).where(PartyMember.name == "李四")).one()
        assert m.resident_id == ids["李四"] and m.birth_date is not None and m.gender
    qtbot.waitUntil(lambda: any(r.name == "李四" and r.household_no == "P004" for r in p.model.rows), timeout=5000)


def test_review_filter_and_linking_clears_the_flag(qtbot: Any, window: Any) -> None:  # noqa: F811
    w, ids = window, window.ids
    with w.db.Session.begin() as s:          # as the roster import leaves a member it could not match
        _c, mid = pm.create_member(s, pm.MemberForm(name="孙三", org_id=ids["b1"], join_date=date(1995, 1, 1),
                                                    full_date=date(1996, 1, 1)))
        s.get_one(PartyMember, mid).review = "not_resident:未在居民信息中找到此人"
    p = page(w, "members")
    idle(qtbot, w)
    p.review.setChecked(True)
    qtbot.waitUntil(lambda: [r.name for r in p.model.rows] == ["孙三"], timeout=5000)
    qtbot.waitUntil(lambda: "不是本社区登记的居民" in p.detail.toPlainText(), timeout=5000)
    select_member(p, "孙三")
    activate(qtbot, w)
    p.dialog = None
    p.table.setFocus()
    qtbot.keyClick(p.table, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: p.dialog is not None and p.dialog.isVisible(), timeout=5000)
    dialog = p.dialog
    assert dialog.resident.current() is None
    pick_resident(qtbot, dialog, "孙三")
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    idle(qtbot, w)
    m = member(w, mid)
    assert (m.resident_id, m.review) == (ids["孙三"], "") and m.id_number
    qtbot.waitUntil(lambda: p.model.rowCount() == 0, timeout=5000)      # nothing left to review
    with w.db.Session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.table_name == "party_member",
                                                   AuditEntry.record_id == mid).order_by(AuditEntry.id.desc())).first()
        assert entry is not None and entry.change_dict()["resident_id"] == [None, ids["孙三"]]
        detail = pm.member_detail(s, mid)
    assert detail.row.household_no == "P003" and any(e.note == "关联本社区居民" for e in detail.events)


def test_mobile_member_details_are_editable(qtbot: Any, window: Any) -> None:  # noqa: F811
    w, ids = window, window.ids
    p = page(w, "members")
    idle(qtbot, w)
    select_member(p, "流动丙")
    dialog = open_dialog(qtbot, p, p.edit)
    assert dialog.out_contact.isVisibleTo(dialog) and dialog.out_contact.text() == "13900002222"
    assert dialog.out_reason.text() == "务工" and dialog.out_date.isVisibleTo(dialog)
    dialog.out_contact.setText("微信 liudong")
    dialog.last_report.setDate(QDate(2025, 5, 1))
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    idle(qtbot, w)
    m = member(w, ids["m_out"])
    assert (m.out_contact, m.last_report_date, m.out_place) == ("微信 liudong", date(2025, 5, 1), "广东省深圳市")
    assert m.out_date == date(2023, 3, 1)                    # shown and kept


def test_archive_and_restore_a_member(qtbot: Any, window: Any, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from commdesk.ui.party import members_page as mp

    monkeypatch.setattr(mp, "confirm", lambda *_a: True)
    w, ids = window, window.ids
    p = page(w, "members")
    idle(qtbot, w)
    select_member(p, "流动丙")
    activate(qtbot, w)
    p.table.setFocus()
    qtbot.keyClick(p.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: member(w, ids["m_out"]).archived_at is not None, timeout=5000)
    idle(qtbot, w)
    qtbot.waitUntil(lambda: "流动丙" not in [r.name for r in p.model.rows], timeout=5000)
    p.archived.setChecked(True)
    qtbot.waitUntil(lambda: "流动丙" in [r.name for r in p.model.rows], timeout=5000)
    select_member(p, "流动丙")
    assert p.archive_action.text() == "恢复"
    p.archive_action.trigger()
    qtbot.waitUntil(lambda: member(w, ids["m_out"]).archived_at is None, timeout=5000)
    idle(qtbot, w)
    qtbot.waitUntil(lambda: not next(r for r in p.model.rows if r.name == "流动丙").archived, timeout=5000)


def test_move_a_party_group_to_another_branch(qtbot: Any, window: Any) -> None:  # noqa: F811
    w, ids = window, window.ids
    with w.db.Session.begin() as s:
        form = pm.member_form(s, ids["m_zhao"])
        form.group_id = ids["g1"]
        pm.update_member(s, ids["m_zhao"], form)
    p = page(w, "org")
    idle(qtbot, w)
    group = p.tree.topLevelItem(0).child(0).child(0)
    assert group.text(0) == "第一党小组"
    p.tree.setCurrentItem(group)
    dialog = open_dialog(qtbot, p, p.edit)
    assert dialog.parent_box is not None
    assert [dialog.parent_box.itemText(i) for i in range(dialog.parent_box.count())] == ["第一网格党支部", "第二网格党支部"]
    dialog.parent_box.setCurrentIndex(dialog.parent_box.findData(ids["b2"]))
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    idle(qtbot, w)
    m = member(w, ids["m_zhao"])
    assert (m.org_id, m.group_id) == (ids["b2"], ids["g1"])
    qtbot.waitUntil(lambda: p.tree.topLevelItem(0).child(1).childCount() == 1, timeout=5000)
    assert p.tree.topLevelItem(0).child(0).childCount() == 0


def test_in_service_member_without_id_gets_gender_and_birth_date(qtbot: Any, window: Any) -> None:  # noqa: F811
    w = window
    p = page(w, "members")
    idle(qtbot, w)
    dialog = open_dialog(qtbot, p, p.add)
    dialog.name.setText("外单位甲")
    dialog.category.setCurrentIndex(dialog.category.findText("在职党员报到"))
    assert dialog.gender.isEnabled() and dialog.birth.isEnabled()
    dialog.gender.setCurrentIndex(dialog.gender.findText("女"))
    dialog.birth.setDate(QDate(1985, 3, 8))
    dialog.work.setText("区税务局")
    dialog.join.setDate(QDate(2008, 7, 1))
    dialog.full.setDate(QDate(2009, 7, 1))
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    idle(qtbot, w)
    with w.db.Session() as s:
        m = s.scalars(select(PartyMember).where(PartyMember.name == "外单位甲")).one()
        assert (m.gender, m.birth_date, m.resident_id, m.category) == ("女", date(1985, 3, 8), None, "在职党员报到")
    # linking a resident takes gender and birth date from the register (and locks them)
    select_member(p, "外单位甲")
    dialog = open_dialog(qtbot, p, p.edit)
    pick_resident(qtbot, dialog, "李四")
    assert not dialog.birth.isEnabled() and dialog.birth.date() != QDate(1985, 3, 8)
    dialog.reject()
