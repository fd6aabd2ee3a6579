"""The daily backup: one a day on first start, and a 7 daily / 4 weekly / 12 monthly rotation
that never touches the copies made before imports or the user's own backups."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from commdesk.models.backup_rotation import daily_backup, daily_backups, rotate, to_keep


def test_the_rotation_keeps_seven_days_four_weeks_twelve_months() -> None:
    start = datetime(2026, 12, 6, 9, 0)
    stamps = [start - timedelta(days=d) for d in range(400)]           # one a day for 400 days
    keep = to_keep(stamps)
    days = {s.date() for s in keep}
    assert all(start.date() - timedelta(days=d) in days for d in range(7))
    assert len({s.isocalendar()[:2] for s in keep}) >= 4
    assert len({(s.year, s.month) for s in keep}) == 12
    assert len(keep) <= 7 + 4 + 12
    assert min(keep) >= datetime(2025, 12, 1)        # nothing older than the twelfth month back
    # two backups on one day: the newer stays
    assert to_keep([start, start.replace(hour=17)]) == {start.replace(hour=17)}


def test_daily_backup_once_a_day_then_rotated(db, tmp_path: Path) -> None:
    dest = tmp_path / "backups"
    stem = Path(db.path).stem
    first = daily_backup(db, dest, today=date.today())
    assert first is not None and first.exists()
    assert daily_backup(db, dest, today=date.today()) is None          # the second start today: none
    # forty older dailies (as if made on earlier days), an import's copy and a manual one
    for d in range(1, 41):
        day = datetime.now() - timedelta(days=d)
        (dest / f"{stem}-{day:%Y%m%d-%H%M%S}-000000-daily.sqlite3").write_bytes(first.read_bytes())
    other = dest / f"{stem}-20200101-000000-000000-before-import.sqlite3"
    manual = dest / f"{stem}-20200101-000000-000000-manual.sqlite3"
    other.write_bytes(b"x")
    manual.write_bytes(b"x")
    removed = rotate(dest, stem)
    kept = daily_backups(dest, stem)
    assert removed and len(kept) <= 7 + 4 + 12 and first in kept
    assert other.exists() and manual.exists()


def test_backup_and_restore_are_audited(tmp_path: Path, monkeypatch) -> None:
    import sqlite3

    from commdesk.cli import main

    db = str(tmp_path / "office.sqlite3")
    monkeypatch.setenv("COMMDESK_BACKUP_PASSWORD", "Beifen-2026")
    assert main(["demo", "--db", db, "--households", "5"]) == 0
    assert main(["backup", "--db", db, "-o", str(tmp_path / "stick")]) == 0
    backup = next((tmp_path / "stick").glob("*.cdbak"))
    assert main(["restore", str(backup), "--db", db]) == 0
    with sqlite3.connect(db) as conn:
        actions = [a for (a,) in conn.execute("SELECT action FROM audit_log WHERE table_name = 'event'")]
    # the backup's own entry was written after its snapshot, so the restored trail holds the restore
    assert actions[-1] == "restore_db"
    assert main(["audit", "verify", "--db", db]) == 0
