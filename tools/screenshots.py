#!/usr/bin/env python3
"""Render every page and dialog to PNG over demo data, to look at them: 1366x768 at 100% by default.

    .venv/bin/python tools/screenshots.py [--out DIR] [--households 300] [--size WxH] [--scale F] [--xvfb]

``--size`` is the screen in physical pixels, ``--scale`` Windows' display scaling as a factor
(1.5 for 150%, through ``QT_SCALE_FACTOR``): the main window is sized to the screen's logical size
(1366x768 at 150% is 911x512 logical pixels) and every PNG is saved in physical pixels. The
default folder is ``screenshots/`` for 1366x768 at 100%, else ``screenshots/<W>x<H>@<percent>/``.

Runs offscreen by default (Qt's offscreen platform renders real widgets with our bundled
Chinese font); with --xvfb it starts a real X server (Debian's xvfb) and uses the xcb platform.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1366, 768


def wait(app: Any, cond: Callable[[], bool], timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        app.processEvents()
        if time.monotonic() > end:
            raise TimeoutError("timed out waiting for the UI")
        time.sleep(0.005)
    for _ in range(5):
        app.processEvents()


def main() -> int:
    global WIDTH, HEIGHT
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=None, help="default screenshots/ (other sizes: screenshots/WxH@P/)")
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--xvfb", action="store_true", help="render under Xvfb (xcb) instead of offscreen")
    parser.add_argument("--size", default=f"{WIDTH}x{HEIGHT}", help="the screen in pixels, e.g. 1920x1080")
    parser.add_argument("--scale", type=float, default=1.0, help="display scaling, e.g. 1.5 for 150%%")
    args = parser.parse_args()
    try:
        screen_w, screen_h = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size {args.size}: expected WxH, e.g. 1920x1080")
    if not 1.0 <= args.scale <= 3.0:
        parser.error("--scale: between 1.0 and 3.0")
    default = (screen_w, screen_h, args.scale) == (WIDTH, HEIGHT, 1.0)
    os.environ["QT_SCALE_FACTOR"] = f"{args.scale:g}"
    WIDTH, HEIGHT = round(screen_w / args.scale), round(screen_h / args.scale)   # logical pixels
    if args.out is None:
        args.out = str(ROOT / "screenshots") if default else \
            str(ROOT / "screenshots" / f"{screen_w}x{screen_h}@{round(args.scale * 100)}")
    xvfb = None
    if args.xvfb:
        if not shutil.which("Xvfb"):
            print("Xvfb not installed (apt-get install xvfb)", file=sys.stderr)
            return 2
        xvfb = subprocess.Popen(["Xvfb", ":99", "-screen", "0", f"{screen_w}x{screen_h}x24", "-nolisten", "tcp"])
        os.environ["DISPLAY"] = ":99"
        os.environ["QT_QPA_PLATFORM"] = "xcb"
        time.sleep(1.0)
    home = Path(tempfile.mkdtemp(prefix="commdesk-shots-"))
    if not args.xvfb:
        # an offscreen screen of the size asked for, so windows meet the screen a person has
        config = home / "offscreen-screen.json"
        config.write_text(json.dumps({"screens": [{"name": "shots", "x": 0, "y": 0, "width": screen_w,
                                                   "height": screen_h, "logicalDpi": 96, "logicalBaseDpi": 96,
                                                   "dpr": 1}]}), encoding="utf-8")
        os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    os.environ["COMMDESK_HOME"] = str(home)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        return shoot(out, args.households)
    finally:
        if xvfb is not None:
            xvfb.terminate()
        shutil.rmtree(home, ignore_errors=True)


def shoot(out: Path, households: int) -> int:
    from commdesk.models.db import open_database
    from commdesk.demo import generate_full_demo
    from commdesk.ui.app import create_main_window, make_app

    app = make_app()
    from commdesk.ui.screen_fit import install

    install(app)                     # as the application does: every window fits the screen
    db_path = Path(os.environ["COMMDESK_HOME"]) / "demo.sqlite3"
    database = open_database(db_path)
    generate_full_demo(database, households=households, seed=1)
    window = create_main_window(database)
    window.resize(WIDTH, HEIGHT)
    window.show()
    window.start()
    ledger = window.ledger
    window.show_page(type(ledger))
    wait(app, lambda: ledger.model.rowCount() > 0 and ledger.panel.detail is not None and window.runner.idle)
    shots: list[str] = []

    def save(widget: Any, name: str) -> None:
        for _ in range(10):
            app.processEvents()
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        shots.append(path.name)

    window.nav.setCurrentRow(window.pages.index(ledger))
    save(window, "01_ledger")
    ledger.search.setText("zs")
    ledger.refresh()  # as the search-as-you-type timer would
    wait(app, lambda: window.runner.idle and ledger.model.rowCount() < 834)
    save(window, "02_ledger_search_pinyin")
    ledger.search.setText("")
    ledger.refresh()
    ledger.review_box.setChecked(True)
    wait(app, lambda: window.runner.idle)
    save(window, "03_ledger_review")
    ledger.review_box.setChecked(False)
    wait(app, lambda: window.runner.idle and ledger.model.rowCount() > 0)
    ledger.panel.tabs.setCurrentIndex(1)
    save(window, "04_ledger_history")
    ledger.panel.tabs.setCurrentIndex(0)

    actions = ledger.actions

    def dialog_shot(trigger: Callable[[], None], name: str, prepare: Callable[[Any], None] | None = None) -> None:
        trigger()
        wait(app, lambda: actions.last_dialog is not None and actions.last_dialog.isVisible())
        d = actions.last_dialog
        if prepare is not None:
            prepare(d)
            settle = time.monotonic() + 0.4  # debounce timers
            wait(app, lambda: time.monotonic() > settle)
            wait(app, lambda: window.runner.idle)
        save(d, name)
        d.reject()
        wait(app, lambda: actions.last_dialog is None)

    dialog_shot(actions.edit_resident, "10_dialog_edit_resident")
    dialog_shot(actions.add_resident, "11_dialog_add_member_invalid_id",
                lambda d: (d.name.setText("赵六"), d.id_number.setText("130102199003071234"),
                           d.phone.setText("12345")))
    dialog_shot(actions.edit_household, "12_dialog_edit_household")
    actions.add_household()
    wait(app, lambda: actions.last_dialog is not None and actions.last_dialog.isVisible())
    save(actions.last_dialog, "13_dialog_new_household")
    actions.last_dialog.reject()
    wait(app, lambda: actions.last_dialog is None)
    dialog_shot(actions.move_resident, "14_dialog_move", lambda d: d.query.setText("H0000"))
    dialog_shot(actions.record_event, "15_dialog_event")

    for i, page in enumerate(window.pages):
        if page is ledger:
            continue
        window.nav.setCurrentRow(i)
        wait(app, lambda: window.runner.idle)
        save(window, f"{20 + i:02d}_page_{page.objectName()}")
    from commdesk.ui.audit_page import AuditPage

    if window.has_page(AuditPage):          # 审计记录 after 检查是否被改动: the chain, the anchor, the guards
        audit = window.show_page(AuditPage)
        wait(app, lambda: window.runner.idle)
        audit.verify()
        wait(app, lambda: window.runner.idle and "正在" not in audit.result.text())
        save(window, "35_audit_checked")
    window.nav.setCurrentRow(window.pages.index(ledger))
    from PySide6.QtWidgets import QScrollArea

    from commdesk.ui.settings_page import SettingsPage

    settings = window.show_page(SettingsPage)
    wait(app, lambda: window.runner.idle and settings.loaded_once)
    scroll = settings.findChild(QScrollArea, "settingsScroll")
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())   # the system boxes below
    save(window, "39_settings_data_folder")
    window.show_page(type(ledger))
    # 文件 → 备份数据库: the encrypted backup to a folder or USB stick, a mistyped password shown
    backup = window.backup_now()
    backup.password.setText("Beifen-2026")
    backup.again.setText("Beifen-2027")
    backup.start()
    save(backup, "75_backup_dialog")
    backup.close()
    from commdesk.ui.settings_backup import BackupPasswordDialog

    keep = BackupPasswordDialog(False, window)
    keep.show()
    save(keep, "76_backup_password")
    keep.close()
    # an encrypted database whose key the keyring lost: the backup password asked, a wrong one refused
    from commdesk.models.db_cipher import KeyRequest
    from commdesk.ui.dialogs.database_key import DatabaseKeyDialog

    key_dialog = DatabaseKeyDialog(KeyRequest("commdesk.sqlite3", "备份密码不对，请再试一次"), window)
    key_dialog.show()
    save(key_dialog, "78_database_key")
    key_dialog.close()
    # 从备份恢复: a checked encrypted backup against today's database
    from commdesk.models.backup import backup_encrypted
    from commdesk.ui.dialogs.restore_dialog import RestoreDialog

    made, _manifest = backup_encrypted(window.database, "Beifen-2026", Path(os.environ["COMMDESK_HOME"]) / "stick")
    restore = RestoreDialog(window.database.path, window)
    restore.set_file(str(made))
    restore.password.setText("Beifen-2026")
    restore.show()
    restore.check()
    save(restore, "77_restore_checked")
    restore.close()

    from commdesk.ui.dialogs.welcome import WelcomeDialog

    welcome = WelcomeDialog(window)
    welcome.show()
    save(welcome, "70_welcome")
    welcome.close()
    # login: the first start's administrator, the login, the idle lock's curtain
    from commdesk.ui.dialogs.login import FirstAdminDialog, LoginDialog
    from commdesk.ui.idle_lock import Curtain

    first_admin = FirstAdminDialog(window.database, window)
    first_admin.show()
    save(first_admin, "72_first_admin")
    first_admin.close()
    login = LoginDialog(window.database, window)
    login.message.setText("用户名或密码不正确（再错 4 次账号将锁定 15 分钟）")
    login.show()
    save(login, "73_login")
    login.close()
    curtain = Curtain(window)
    save(window, "74_idle_locked")
    curtain.deleteLater()
    from commdesk.ui.grids_page import GridDialog

    grid_dialog = GridDialog(window, window.grids.rows[0] if window.grids.rows else None)
    grid_dialog.show()
    save(grid_dialog, "71_dialog_grid")
    grid_dialog.close()

    sample = ROOT / "tests" / "data" / "import" / "幸福里社区居民信息登记表.xlsx"
    if sample.exists():
        wizard = window.open_import(str(sample))
        save(wizard, "80_import_1_file")
        for page, name in ((wizard.sheets_page, "81_import_2_sheets"), (wizard.mapping_page, "82_import_3_mapping"),
                           (wizard.preview_page, "83_import_4_preview")):
            wizard.next()
            wait(app, lambda p=page: wizard.currentPage() is p and window.runner.idle, timeout=60)
            save(wizard, name)
        wizard.preview_page.dry_run.setChecked(True)
        wizard.next()
        wait(app, lambda: wizard.run_page.done, timeout=120)
        save(wizard, "84_import_5_summary")
        wizard.reject()
    from commdesk.ui.reports_page import ReportsPage

    window.show_page(ReportsPage)
    wait(app, lambda: window.runner.idle)
    save(window, "60_reports")

    # Party dialogs: a member linked to a resident, a mobile member, unlinking a fellow member ("1+10+N")
    from commdesk.ui.party.centers_page import CentersPage
    from commdesk.ui.party.members_page import MembersPage

    def party_dialog(page: Any, pick: Callable[[Any], bool], trigger: Callable[[], None], name: str) -> None:
        rows = page.model.rows
        index = next((i for i, r in enumerate(rows) if pick(r)), None)
        if index is None:
            return
        page.table.selectRow(index)
        wait(app, lambda: window.runner.idle)
        page.dialog = None
        trigger()
        wait(app, lambda: page.dialog is not None and page.dialog.isVisible() and window.runner.idle)
        save(page.dialog, name)
        page.dialog.reject()

    members = window.show_page(MembersPage)
    wait(app, lambda: window.runner.idle and members.model.rowCount() > 0)
    party_dialog(members, lambda r: bool(r.household_no), members.edit, "40_dialog_member_resident")
    party_dialog(members, lambda r: r.status == "外出流动", members.edit, "41_dialog_member_mobile")
    centers = window.show_page(CentersPage)
    wait(app, lambda: window.runner.idle and centers.model.rowCount() > 0)
    party_dialog(centers, lambda r: r.members > 0, centers.unlink, "42_dialog_unlink_member")

    extra = getattr(window, "screenshot_extras", None)
    if extra is not None:
        extra(save, lambda cond: wait(app, cond))
    window.runner.shutdown()
    window.close()
    database.close()
    print("\n".join(str(out / s) for s in shots))
    return 0


if __name__ == "__main__":
    sys.exit(main())
