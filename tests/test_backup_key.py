"""The automatic backups encrypted with the kept backup key: once an administrator has set a
backup password, the daily copy and the copies before an import, a migration or a restore are
``.cdbak`` files no SQLite tool reads, that this database's program restores by itself and any
other PC restores with the password alone."""
from __future__ import annotations

import hashlib
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from commdesk.cli import main
from commdesk.errors import UserError
from commdesk.models.backup import backup_database, list_backups, restore_any
from commdesk.models.backup_crypt import decrypt_file, is_encrypted_backup, key_matches, read_manifest
from commdesk.models.backup_key import KEY, keep_backup_password, kept_key, kept_key_at
from commdesk.models.backup_rotation import daily_backup, daily_backups
from commdesk.models.db import open_database
from commdesk.models.restore_preview import preview_restore

pytestmark = pytest.mark.sqlite_only(reason="backups and restores of SQLite files")
PASSWORD = "Beifen-2026-12"


def _demo(tmp_path: Path, households: int = 8) -> Path:
    db = tmp_path / "office.sqlite3"
    assert main(["demo", "--db", str(db), "--households", str(households)]) == 0
    return db


def _a_resident(db: Path) -> tuple[str, str]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT name, id_number FROM resident WHERE id_number != '' LIMIT 1").fetchone()


def _rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id, name, id_number, phone FROM resident ORDER BY id").fetchall()


def test_without_a_backup_password_automatic_backups_stay_plain(tmp_path: Path) -> None:
    db_path = _demo(tmp_path)
    with open_database(db_path) as db:
        assert kept_key(db) is None
        made = backup_database(db, "before-import", tmp_path / "backups")
    assert made.suffix == ".sqlite3" and not is_encrypted_backup(made)


def test_with_a_backup_password_every_automatic_backup_is_encrypted(tmp_path: Path) -> None:
    db_path = _demo(tmp_path)
    name, id_number = _a_resident(db_path)
    dest = tmp_path / "backups"
    with open_database(db_path) as db:
        key = keep_backup_password(db, PASSWORD)
        assert kept_key(db) == key
        daily = daily_backup(db, dest, today=date.today())
        before_import = backup_database(db, "before-import", dest)
    for made in (daily, before_import):
        assert made is not None and made.suffix == ".cdbak" and is_encrypted_backup(made)
        raw = made.read_bytes()
        assert id_number.encode() not in raw and name.encode("utf-8") not in raw
        assert b"SQLite format 3" not in raw
        with pytest.raises(sqlite3.DatabaseError):
            sqlite3.connect(made).execute("SELECT count(*) FROM resident").fetchone()
        assert key_matches(made, key)
    assert daily_backups(dest, db_path.stem) == [daily]           # the rotation sees the encrypted daily
    assert set(list_backups(dest)) == {daily, before_import}
    # the password alone opens it (another PC: no database, no kept key)
    out = tmp_path / "elsewhere.sqlite3"
    decrypt_file(before_import, out, PASSWORD)
    assert _rows(out) == _rows(db_path)
    assert read_manifest(before_import).counts["resident"] == len(_rows(db_path))


def test_the_kept_key_is_neither_audited_nor_a_declared_setting(tmp_path: Path) -> None:
    from commdesk.settings.registry import SETTINGS

    db_path = _demo(tmp_path)
    with open_database(db_path) as db:
        key = keep_backup_password(db, PASSWORD)
        keep_backup_password(db, PASSWORD + "-2")            # changed: a new salt and key
    assert KEY not in SETTINGS
    with sqlite3.connect(db_path) as conn:
        trail = conn.execute("SELECT summary, changes FROM audit_log WHERE action = 'backup_key' ORDER BY id").fetchall()
    assert [s for s, _c in trail] == ["设置了自动备份的备份密码", "更改了自动备份的备份密码"]
    assert all(key.key.hex() not in s + c and PASSWORD not in s + c for s, c in trail)
    assert kept_key_at(db_path) != key


def test_a_too_short_backup_password_is_refused_and_nothing_kept(tmp_path: Path) -> None:
    db_path = _demo(tmp_path)
    with open_database(db_path) as db:
        with pytest.raises(UserError, match="至少 8 个字符"):
            keep_backup_password(db, "short")
        assert kept_key(db) is None


def test_restore_of_an_automatic_backup_needs_no_password_here_and_the_password_elsewhere(tmp_path: Path) -> None:
    db_path = _demo(tmp_path)
    with open_database(db_path) as db:
        key = keep_backup_password(db, PASSWORD)
        made = backup_database(db, "before-import", tmp_path / "backups")
    before = _rows(db_path)
    with sqlite3.connect(db_path) as conn:                        # today's database changes after the backup
        conn.execute("DELETE FROM resident WHERE id IN (SELECT id FROM resident LIMIT 3)")
    preview = preview_restore(made, db_path, None)               # the kept key opens it
    assert preview.backup_counts["resident"] == len(before)
    cut = _rows(db_path)
    safety = restore_any(made, db_path, None, kept_key_at(db_path))
    assert _rows(db_path) == before
    # today's database, saved aside before the restore, is encrypted like the automatic backups
    assert safety.parent.name == "backups-before-restore" and safety.suffix == ".cdbak"
    assert is_encrypted_backup(safety) and key_matches(safety, key)
    decrypt_file(safety, tmp_path / "today.sqlite3", PASSWORD)
    assert _rows(tmp_path / "today.sqlite3") == cut
    # a PC with another database (another key): the password is asked for, a wrong one refused
    (tmp_path / "other").mkdir()
    other = _demo(tmp_path / "other", 3)
    with open_database(other) as db:
        other_key = keep_backup_password(db, "Another-password-1")
    with pytest.raises(UserError, match="加密备份，请输入备份密码"):
        restore_any(made, other, None, other_key)
    digest = hashlib.sha256(other.read_bytes()).hexdigest()
    with pytest.raises(UserError, match="备份密码不对"):
        restore_any(made, other, "Wrong-password-1", other_key)
    assert hashlib.sha256(other.read_bytes()).hexdigest() == digest   # untouched
    restore_any(made, other, PASSWORD, other_key)
    assert _rows(other) == before
    assert key != other_key


def test_cli_backup_remember_then_restore_without_the_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db_path = _demo(tmp_path)
    monkeypatch.setenv("COMMDESK_BACKUP_PASSWORD", PASSWORD)
    assert main(["backup", "--db", str(db_path), "-o", str(tmp_path / "stick"), "--remember"]) == 0
    manual = next((tmp_path / "stick").glob("*-manual.cdbak"))
    key = kept_key_at(db_path)
    assert key is not None and key_matches(manual, key)       # the USB copy opens with the same password
    with open_database(db_path) as db:
        made = backup_database(db, "before-import", tmp_path / "backups")
    assert made.suffix == ".cdbak"
    monkeypatch.delenv("COMMDESK_BACKUP_PASSWORD")
    assert main(["restore", str(made), "--db", str(db_path)]) == 0        # no password asked
    assert main(["audit", "verify", "--db", str(db_path)]) == 0


def test_a_failed_migration_restores_from_an_encrypted_backup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from commdesk.models import upgrade
    from commdesk.models.backup_crypt import derive

    fixture = sorted((Path(__file__).parent / "data" / "schemas").glob("schema-*.sqlite"))[-1]
    db_path = tmp_path / "old.sqlite3"
    shutil.copyfile(fixture, db_path)
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO setting (key, value) VALUES (?, ?)", (KEY, derive(PASSWORD).to_json()))
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    digest = _rows(db_path)
    monkeypatch.setattr(upgrade, "store_check", lambda conn: ["search index: 0 rows for 9 residents"])
    with pytest.raises(upgrade.UpgradeFailed, match="已恢复"):
        open_database(db_path)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == version
    assert _rows(db_path) == digest
    from commdesk.paths import backups_dir

    assert [p.suffix for p in backups_dir().glob("old-*before-migrate*")] == [".cdbak"]


def test_encrypted_automatic_copies_are_pruned_like_plain_ones(tmp_path: Path) -> None:
    """The before-import/-migration/-restore copies keep the last KEEP_AUTOMATIC, encrypted or not;
    a backup the user asked for is never removed."""
    from commdesk.models.backup import KEEP_AUTOMATIC, backup_encrypted

    db_path = _demo(tmp_path, 2)
    dest = tmp_path / "backups"
    with open_database(db_path) as db:
        key = keep_backup_password(db, PASSWORD)
        manual, _m = backup_encrypted(db, key, dest)
        made = [backup_database(db, "before-import", dest) for _ in range(KEEP_AUTOMATIC + 2)]
    left = set(dest.glob("*.cdbak"))
    assert manual in left and left - {manual} == set(made[-KEEP_AUTOMATIC:])
    # today's database saved aside before each restore: encrypted, and pruned the same way
    from commdesk.models.backup import _safety_copy

    aside = [_safety_copy(db_path) for _ in range(KEEP_AUTOMATIC + 2)]
    kept = set((db_path.parent / "backups-before-restore").glob("*.cdbak"))
    assert kept == set(aside[-KEEP_AUTOMATIC:])
