"""Helpers for GUI tests: a small generated community and the real main window over it."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from commdesk.services import community, households as hs
from commdesk.services.resident_form import HouseholdForm, ResidentForm
from commdesk.validation.idcard import check_char


def make_id(region: str, birth: date, seq: int) -> str:
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + check_char(body)


PEOPLE = [
    # household_no, estate, building, unit, room, [(name, relation, birth, seq (odd=男), phone, political, tags)]
    ("H0001", "幸福里小区", "3", "2", "301", [
        ("张三", "户主", date(1970, 5, 1), 11, "13812345678", "中共党员", []),
        ("李梅", "配偶", date(1972, 8, 9), 22, "13912345678", "群众", []),
        ("张小明", "子", date(2001, 3, 3), 31, "", "共青团员", []),
    ]),
    ("H0002", "幸福里小区", "5", "1", "102", [
        ("单田芳", "户主", date(1940, 1, 2), 41, "0311-86012345", "群众", ["独居老人", "高龄老人"]),
    ]),
    ("H0003", "和平新村", "12", "1", "501", [
        ("曾国强", "户主", date(1980, 2, 29), 51, "13700001111", "群众", ["退役军人"]),
        ("王芳", "配偶", date(1982, 6, 6), 62, "", "群众", ["低保"]),
    ]),
]


def seed_small_community(database: Any) -> dict[str, int]:
    ids: dict[str, int] = {}
    with database.Session.begin() as s:
        community.create_community(s, "幸福里社区", "和平街道", "新华区", ["第一网格", "第二网格"])
    with database.Session.begin() as s:
        grids = community.list_grids(s)
        for i, (no, estate, building, unit, room, members) in enumerate(PEOPLE):
            _c, hid = hs.create_household(s, HouseholdForm(household_no=no, grid_id=grids[i % 2].id, estate=estate,
                                                            building=building, unit=unit, room=room))
            ids[no] = hid
            for name, relation, birth, seq, phone, pol, tags in members:
                _c, rid = hs.add_resident(s, hid, ResidentForm(
                    name=name, relation=relation, id_number=make_id("130102", birth, seq), phone=phone,
                    political_status=pol, tags=tags))
                ids[name] = rid
    return ids


@contextmanager
def app_window(db: Any, monkeypatch: Any) -> Iterator[Any]:
    """The application's real main window over the file ``db`` as ``ui.app`` shows it (no login
    asked); closed after, with whichever window the application holds by then (a restore or a
    conversion replaces it), and no account left logged in."""
    import commdesk.ui.dialogs.login as login_dialogs
    from commdesk.models.db import open_database
    from commdesk.ui import app as app_mod
    from commdesk.ui.runner import set_runner
    from commdesk.ui.session import set_account

    monkeypatch.setattr(login_dialogs, "ask_login", lambda database, parent=None: None)
    app_mod.make_app()
    try:
        yield app_mod._show(open_database(db))
    finally:
        set_account(None)
        current = app_mod._state.pop("window", None)
        if current is not None:
            app_mod._close_window(current)
        set_runner(None)


def settings_box(qtbot: Any, window: Any, name: str) -> Any:
    """One of 设置's system boxes (``backup_box``, ``cipher_box``), once the page shows its values."""
    from commdesk.ui.settings_page import SettingsPage

    page = window.show_page(SettingsPage)
    box = getattr(page, name)
    qtbot.waitUntil(lambda: box.isVisible() and page.isEnabled(), timeout=10000)
    box.refresh()
    return box
