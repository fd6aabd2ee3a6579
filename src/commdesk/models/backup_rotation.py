"""The daily automatic backup and its rotation: on the first start of a day a copy is made in
the backups folder (encrypted with the kept backup key when one is set, ``models.backup_key``); of those daily copies the newest of each of the last 7 days, of each of the
last 4 weeks and of each of the last 12 months are kept (grandfather-father-son), the rest
removed. Copies made before an import, a migration or a restore are kept by their own rule
(the last 30), and a backup the user asked for is never removed."""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from commdesk.models.backup import SUFFIXES, backup_database

DAILY = "daily"
KEEP_DAYS, KEEP_WEEKS, KEEP_MONTHS = 7, 4, 12
_STAMP = re.compile(r"-(\d{8})-(\d{6})-\d+-" + DAILY + r"\.(?:sqlite3|cdbak)$")


def stamp_of(path: Path) -> datetime | None:
    m = _STAMP.search(path.name)
    return datetime.strptime(m.group(1) + m.group(2), "%Y%m%d%H%M%S") if m else None


def to_keep(stamps: Iterable[datetime]) -> set[datetime]:
    """The stamps a 7-daily / 4-weekly / 12-monthly rotation keeps: the newest of each of the
    most recent 7 days, 4 ISO weeks and 12 months that have a backup."""
    ordered = sorted(set(stamps), reverse=True)
    keep: set[datetime] = set()
    for key, count in ((lambda d: d.date(), KEEP_DAYS), (lambda d: d.isocalendar()[:2], KEEP_WEEKS),
                       (lambda d: (d.year, d.month), KEEP_MONTHS)):
        seen: list[object] = []
        for stamp in ordered:
            k = key(stamp)
            if k in seen:
                continue
            if len(seen) == count:
                break
            seen.append(k)
            keep.add(stamp)
    return keep


def daily_backups(dest_dir: Path, stem: str) -> list[Path]:
    return sorted((p for suffix in SUFFIXES for p in dest_dir.glob(f"{stem}-*-{DAILY}{suffix}")
                   if stamp_of(p) is not None), key=lambda p: stamp_of(p) or datetime.min)


def rotate(dest_dir: Path, stem: str) -> list[Path]:
    """Remove the daily copies the rotation does not keep; the ones removed."""
    files = daily_backups(dest_dir, stem)
    keep = to_keep(s for p in files if (s := stamp_of(p)) is not None)
    removed = [p for p in files if stamp_of(p) not in keep]
    for p in removed:
        p.unlink(missing_ok=True)
    return removed


def daily_backup(database: object, dest_dir: Path | None = None, today: date | None = None) -> Path | None:
    """Today's automatic backup, made now if there is none yet (None: there was one, or the
    database is not a local SQLite file), then the rotation."""
    path = getattr(database, "path", None)
    if path is None:
        return None
    if dest_dir is None:
        from commdesk.paths import backups_dir

        dest_dir = backups_dir()
    today = today or date.today()
    stem = Path(path).stem
    if dest_dir.exists() and any(s.date() == today for p in daily_backups(dest_dir, stem)
                                 if (s := stamp_of(p)) is not None):
        return None
    made = backup_database(database, DAILY, dest_dir)   # encrypted when a backup password is set
    rotate(dest_dir, stem)
    from commdesk.models.backup import audit_backup

    audit_backup(database, made, "backup")
    return made
