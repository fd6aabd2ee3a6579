"""从备份恢复 in the window: a wrong password is refused before anything is touched; a checked
backup shows its counts against today's; confirmed, the database is replaced (today's saved
aside), the restore is in the restored audit trail and the window comes back on it."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox

from commdesk.cli import main
from tests.gui_support import app_window


def test_restore_from_the_window(qtbot: Any, tmp_path: Path, monkeypatch) -> None:
    from commdesk.models.db import open_database
    from commdesk.ui import app as app_mod

    db = tmp_path / "office.sqlite3"
    monkeypatch.setenv("COMMDESK_BACKUP_PASSWORD", "Beifen-2026")
    assert main(["demo", "--db", str(db), "--households", "5"]) == 0
    assert main(["backup", "--db", str(db), "-o", str(tmp_path / "stick")]) == 0
    backup = next((tmp_path / "stick").glob("*.cdbak"))
    with sqlite3.connect(db) as conn:
        households_then = conn.execute("SELECT count(*) FROM household").fetchone()[0]
    from commdesk.models.audit import audit_event

    with sqlite3.connect(db) as conn:
        entries_then = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    with open_database(db) as database, database.Session() as session:    # today: one entry more
        audit_event(session, "export", "测试导出")
        session.commit()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    with app_window(db, monkeypatch) as window:
        window.restore_from_backup()
        dialog = window.restore_dialog
        dialog.set_file(str(backup))
        dialog.password.setText("wrong-pass-1")
        dialog.check()
        assert "密码不对" in dialog.message.text() and not dialog.restore_button.isEnabled()
        dialog.password.setText("Beifen-2026")
        dialog.check()
        assert dialog.restore_button.isEnabled()
        rows = {dialog.table.item(r, 0).text(): (dialog.table.item(r, 1).text(), dialog.table.item(r, 2).text())
                for r in range(dialog.table.rowCount())}
        assert rows["户"] == (str(households_then), str(households_then))
        # the backup's snapshot was taken before its own audit entry was written
        assert rows["审计记录"] == (str(entries_then - 1), str(entries_then + 1))
        dialog.confirm()
        new = app_mod._state["window"]
        assert new is not window
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT count(*) FROM household").fetchone()[0] == households_then
            assert conn.execute("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0] == "restore_db"
        assert list((tmp_path / "backups-before-restore").glob("office-*.sqlite3"))
