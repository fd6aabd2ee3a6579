"""The GUI's login: the first start creates the administrator; the login dialog names a wrong
password and a lockout; the idle lock covers every window without losing a half-filled form;
an account without the full-values permission sees ID numbers masked in the ledger."""
from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QDialog

from commdesk.services import accounts
from tests.gui_support import seed_small_community

PASSWORD = "Shequ-2026"


@pytest.fixture(autouse=True)
def _no_account_after() -> Any:
    from commdesk.ui.session import set_account

    yield
    set_account(None)


def test_first_start_creates_the_administrator_then_login_is_needed(qtbot: Any, db: Any) -> None:
    from commdesk.ui.app import make_app
    from commdesk.ui.dialogs.login import FirstAdminDialog, LoginDialog

    make_app()
    first = FirstAdminDialog(db)
    qtbot.addWidget(first)
    first.password.setText(PASSWORD)
    first.repeat.setText("Other-2026")
    first.ok.click()
    assert "不一致" in first.message.text() and first.account is None
    first.repeat.setText(PASSWORD)
    first.password.setText("short")
    first.repeat.setText("short")
    first.ok.click()
    assert "太短" in first.message.text()
    first.password.setText(PASSWORD)
    first.repeat.setText(PASSWORD)
    first.ok.click()
    assert first.result() == QDialog.DialogCode.Accepted and first.account.role == "admin"
    with db.Session() as s:
        assert accounts.has_accounts(s)

    login = LoginDialog(db)
    qtbot.addWidget(login)
    login.user.setText("管理员")
    login.password.setText("wrong-pass-1")
    login.ok.click()
    assert "用户名或密码不正确" in login.message.text() and login.password.text() == ""
    login.password.setText(PASSWORD)
    login.ok.click()
    assert login.result() == QDialog.DialogCode.Accepted and login.account.name == "管理员"


def test_logged_in_reopens_a_read_only_account_read_only(qtbot: Any, db_path: Any, monkeypatch) -> None:
    from commdesk.models.db import open_database
    import commdesk.ui.dialogs.login as login_dialogs
    from commdesk.ui.app import logged_in, make_app
    from commdesk.ui.session import current_account

    make_app()
    database = open_database(db_path)
    with database.Session() as s:
        me = accounts.login(s, accounts.add_account(s, "admin", "admin", PASSWORD, None).name, PASSWORD)
        accounts.add_account(s, "viewer", "readonly", PASSWORD, me)
        s.commit()
    viewer = accounts.LoggedIn("viewer", "readonly", False)
    monkeypatch.setattr(login_dialogs, "ask_login", lambda database, parent=None: viewer)
    database = logged_in(database)
    try:
        assert database.readonly and current_account() is viewer
    finally:
        database.close()


@pytest.fixture
def window(qtbot: Any, db: Any) -> Any:
    from commdesk.ui.app import create_main_window, make_app
    from commdesk.ui.runner import set_runner
    from commdesk.ui.session import set_account

    make_app()
    seed_small_community(db)
    with db.Session() as s:
        accounts.add_account(s, "wang", "admin", PASSWORD, None)
        s.commit()
    set_account(accounts.LoggedIn("wang", "admin", False))
    w = create_main_window(db)
    qtbot.addWidget(w)
    w.show()
    w.start()
    w.show_page(type(w.ledger))
    qtbot.waitUntil(lambda: w.ledger.model.rowCount() == 6, timeout=5000)
    yield w
    w.runner.shutdown()
    set_runner(None)


def test_the_ledger_masks_ids_without_the_full_values_permission(window: Any) -> None:
    model = window.ledger.model
    col = model.keys.index("id_number")
    texts = [model.data(model.index(r, col)) for r in range(model.rowCount())]
    assert model.masked and all(t is None or t == "" or "*" in t for t in texts) and any(texts)


def test_idle_lock_covers_every_window_and_keeps_a_half_filled_form(qtbot: Any, window: Any) -> None:
    from commdesk.ui.idle_lock import Curtain, IdleLock

    now = [1000.0]
    quits: list[bool] = []
    lock = IdleLock(window.database, accounts.LoggedIn("wang", "admin", False), 10, clock=lambda: now[0],
                    on_quit=lambda: quits.append(True))
    page = window.ledger
    from sqlalchemy import select

    from commdesk.models import Household

    with window.database.Session() as s:
        hid = s.scalars(select(Household.id)).first()
    page.actions.add_resident(hid)
    qtbot.waitUntil(lambda: any(type(w).__name__ == "ResidentDialog" and w.isVisible()
                                for w in QApplication.topLevelWidgets()), timeout=5000)
    form = next(w for w in QApplication.topLevelWidgets() if type(w).__name__ == "ResidentDialog")
    form.name.setText("半填的名字")
    now[0] += 9 * 60
    lock.check()
    assert not lock.locked
    now[0] += 61
    lock.check()
    assert lock.locked
    covered = {c.parentWidget() for c in lock.curtains}
    assert window in covered and form in covered
    assert all(isinstance(c, Curtain) and c.isVisible() and c.geometry() == c.parentWidget().rect()
               for c in lock.curtains)
    dialog = lock.dialog
    assert dialog.user.text() == "wang" and dialog.user.isReadOnly()
    dialog.password.setText("wrong-pass-1")
    dialog.ok.click()
    assert lock.locked and "不正确" in dialog.message.text()
    dialog.password.setText(PASSWORD)
    dialog.ok.click()
    assert not lock.locked and not lock.curtains and not quits
    assert form.isVisible() and form.name.text() == "半填的名字"
    form.reject()
    lock.timer.stop()


def test_the_accounts_page_adds_unlocks_and_grants(qtbot: Any, window: Any) -> None:
    from commdesk.ui.accounts_page import AccountsPage
    from commdesk.ui.session import set_account

    set_account(accounts.LoggedIn("wang", "admin", False))
    page = window.show_page(AccountsPage)
    qtbot.waitUntil(lambda: len(page.rows) == 1, timeout=5000)
    page.act("add")
    dialog = page.dialog
    dialog.name.setText("li")
    dialog.role.setCurrentIndex(dialog.role.findData("staff"))
    dialog.password.setText("short")
    dialog.repeat.setText("short")
    dialog.ok_button.click()
    assert "太短" in dialog.message.text() and dialog.isVisible()
    dialog.password.setText("Gongzuo-2026")
    dialog.repeat.setText("Gongzuo-2026")
    with qtbot.waitSignal(page.loaded, timeout=5000):
        dialog.ok_button.click()
    qtbot.waitUntil(lambda: [r.name for r in page.rows] == ["wang", "li"], timeout=5000)
    page.table.selectRow(1)
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.act("grant")
    qtbot.waitUntil(lambda: page.rows[1].full_values, timeout=5000)
    with window.database.Session() as s:
        assert accounts.login(s, "li", "Gongzuo-2026").may("full_values")


def test_the_audit_page_filters_and_names_a_tampered_entry(qtbot: Any, window: Any) -> None:
    import sqlite3

    from commdesk.ui.audit_page import AuditPage

    with window.database.Session() as s:
        accounts.login(s, "wang", PASSWORD)
        with pytest.raises(Exception):
            accounts.login(s, "wang", "wrong-pass-1")
    page = window.show_page(AuditPage)
    # the page's first (unfiltered) load answered before the filter is set, so its answer cannot be
    # taken for the filtered one on a busy machine
    qtbot.waitUntil(lambda: page.action_box.count() > 1 and window.runner.idle and len(page.rows) > 1, timeout=10000)
    page.action_box.setCurrentIndex(page.action_box.findData("login_failed"))
    page.refresh()
    qtbot.waitUntil(lambda: window.runner.idle and len(page.rows) == 1, timeout=10000)
    assert page.table.item(0, 3).text() == "登录失败"
    with qtbot.waitSignal(page.checked, timeout=5000):
        page.verify()
    assert "审计记录完整" in page.result.text()
    bad = page.rows[0]["id"]
    conn = sqlite3.connect(window.database.path)
    conn.execute("DROP TRIGGER audit_no_update")     # the guard refuses the edit otherwise
    conn.execute("UPDATE audit_log SET summary = '改过' WHERE id = ?", (bad,))
    conn.commit()
    conn.close()
    with qtbot.waitSignal(page.checked, timeout=5000):
        page.verify()
    assert "被改动过" in page.result.text() and str(bad) in page.result.text()
    assert "注意：防改防删触发器“audit_no_update”被删除或停用了" in page.result.text()


def test_staff_do_not_see_the_administrator_pages(qtbot: Any, db: Any) -> None:
    from commdesk.ui.page_registry import available_pages
    from commdesk.ui.session import set_account

    set_account(accounts.LoggedIn("li", "staff", False))
    titles = [e.title for e in available_pages()]
    assert "账号管理" not in titles and "审计记录" not in titles and "住户台账" in titles
    set_account(accounts.LoggedIn("wang", "admin", False))
    titles = [e.title for e in available_pages()]
    assert "账号管理" in titles and "审计记录" in titles


def test_a_granted_account_reveals_full_ids_with_a_reason_and_it_is_audited(qtbot: Any, db: Any) -> None:
    from sqlalchemy import select

    from commdesk.models import AuditEntry
    from commdesk.ui.app import create_main_window, make_app
    from commdesk.ui.runner import set_runner
    from commdesk.ui.session import set_account

    make_app()
    seed_small_community(db)
    set_account(accounts.LoggedIn("zhao", "staff", True))
    w = create_main_window(db)
    qtbot.addWidget(w)
    w.show()
    w.start()
    try:
        page = w.show_page(type(w.ledger))
        qtbot.waitUntil(lambda: page.model.rowCount() == 6, timeout=5000)
        col = page.model.keys.index("id_number")
        assert "*" in (page.model.data(page.model.index(0, col)) or "*")
        assert page.reveal_action is not None
        page.reveal_full(True, reason="x")            # too short: stays masked, nothing audited
        assert page.model.masked
        page.reveal_full(True, reason="入户走访核对")
        qtbot.waitUntil(lambda: not page.model.masked, timeout=5000)
        texts = [page.model.data(page.model.index(r, col)) for r in range(page.model.rowCount())]
        assert any(t and "*" not in t for t in texts)
        with db.Session() as s:
            entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "full_values")).one()
        assert entry.user == "zhao" and "入户走访核对" in entry.summary
        page.reveal_full(False)
        assert page.model.masked
    finally:
        w.runner.shutdown()
        set_runner(None)
